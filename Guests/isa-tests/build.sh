#!/usr/bin/env bash
# Builds every ISA test program (*.S) into $OUT (default .build/isa-tests) with
# Debian's riscv64 cross toolchain. Rebuilds only what changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../.build/isa-tests}
mkdir -p "$out"
CC=${RISCV_CC:-riscv64-linux-gnu-gcc}
. "$here/common/march.sh"
if ! command -v "$CC" >/dev/null; then
    echo "build.sh: $CC not found; run scripts/setup.sh (Debian package gcc-riscv64-linux-gnu)" >&2
    exit 1
fi
# The F/D vector table: inputs from the generator, expected results from fp/expected.txt.
if [ ! -f "$out/fp-vectors.inc" ] || [ "$here/fp/expected.txt" -nt "$out/fp-vectors.inc" ] || [ "$here/fp/gen_vectors.py" -nt "$out/fp-vectors.inc" ]; then
    python3 "$here/fp/gen_vectors.py" inc "$out/fp-vectors.inc"
fi
for src in "$here"/*.S; do
    name=$(basename "$src" .S)
    elf="$out/$name.elf"
    if [ ! -f "$elf" ] || [ "$src" -nt "$elf" ] || [ "$here/common/harness.h" -nt "$elf" ] || [ "$here/common/march.sh" -nt "$elf" ] || [ "$out/fp-vectors.inc" -nt "$elf" ] || [ "$here/common/paging.h" -nt "$elf" ] || [ "$here/common/vm.h" -nt "$elf" ] || [ "$here/common/pte.h" -nt "$elf" ]; then
        "$CC" -march=$MARCH -mabi=lp64d -nostdlib -nostartfiles -static -fno-pic -no-pie \
            -mcmodel=medany -Wl,--no-relax,--build-id=none -I"$here" -I"$out" -T "$here/common/link.ld" -o "$elf" "$src"
    fi
done
