#!/usr/bin/env bash
# Installs the Debian packages Isola's build, guests, tests and benchmarks need,
# only those that are missing: the riscv64 cross toolchain (guest programs),
# QEMU system and user mode (reference and benchmark peers), the device-tree compiler,
# socat (bridges the API fuzzer's TCP to the API's Unix socket), containerd and the OCI
# runtime specification's schemas (isola-runtime's tests), Chromium and its driver (the
# web console's browser test); then the pinned PyPI packages (scripts/python-env.sh)
# and the web console's terminal emulator (scripts/web-assets.sh).
set -euo pipefail
packages=(gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu libc6-dev-riscv64-cross qemu-system-misc qemu-user opensbi u-boot-qemu qemu-utils device-tree-compiler e2fsprogs fdisk python3 make bc linux-perf socat python3-venv gdb-multiarch fakeroot containerd golang-github-opencontainers-specs-dev iproute2 iputils-ping chromium chromium-driver)
"$(dirname "$0")/install-packages.sh" "${packages[@]}"
"$(dirname "$0")/python-env.sh" >/dev/null
"$(dirname "$0")/web-assets.sh"
