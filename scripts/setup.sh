#!/usr/bin/env bash
# Installs the Debian packages Isola's build, guests, tests and benchmarks need,
# only those that are missing: the riscv64 cross toolchain (guest programs),
# QEMU system and user mode (reference and benchmark peers), the device-tree compiler,
# socat (bridges the API fuzzer's TCP to the API's Unix socket); then the pinned PyPI
# packages (scripts/python-env.sh).
set -euo pipefail
packages=(gcc-riscv64-linux-gnu binutils-riscv64-linux-gnu libc6-dev-riscv64-cross qemu-system-misc qemu-user opensbi u-boot-qemu qemu-utils device-tree-compiler e2fsprogs fdisk python3 make bc linux-perf socat python3-venv gdb-multiarch fakeroot)
missing=()
for p in "${packages[@]}"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    "$(dirname "$0")/python-env.sh" >/dev/null
    exit 0
fi
echo "setup: installing ${missing[*]}" >&2
sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
"$(dirname "$0")/python-env.sh" >/dev/null
