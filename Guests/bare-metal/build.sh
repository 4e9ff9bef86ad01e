#!/usr/bin/env bash
# Builds the bare-metal guests (*.S) into $OUT (default .build/bare-metal) with
# Debian's riscv64 cross toolchain, linked at 0x80000000 like the ISA tests.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../.build/bare-metal}
mkdir -p "$out"
CC=${RISCV_CC:-riscv64-linux-gnu-gcc}
for src in "$here"/*.S; do
    elf="$out/$(basename "$src" .S).elf"
    if [ ! -f "$elf" ] || [ "$src" -nt "$elf" ]; then
        "$CC" -march=rv64gc -mabi=lp64d -nostdlib -nostartfiles -static -fno-pic -no-pie -mcmodel=medany \
            -Wl,--no-relax,--build-id=none -T "$here/../isa-tests/common/link.ld" -o "$elf" "$src"
    fi
done
