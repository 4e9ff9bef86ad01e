#!/usr/bin/env bash
# Builds the process-VM test programs (*.c) into $OUT (default .build/user-tests)
# as static riscv64 Linux executables with Debian's cross compiler, and each
# again dynamically linked ($name-dynamic, its libraries from the cross sysroot).
# Rebuilds only what changed.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../../.build/user-tests}
mkdir -p "$out"
CC=${RISCV_CC:-riscv64-linux-gnu-gcc}
if ! command -v "$CC" >/dev/null; then
    echo "build.sh: $CC not found; run scripts/setup.sh (Debian package gcc-riscv64-linux-gnu)" >&2
    exit 1
fi
for src in "$here"/*.c; do
    name=$(basename "$src" .c)
    if [ ! -f "$out/$name" ] || [ "$src" -nt "$out/$name" ] || [ "$here/check.h" -nt "$out/$name" ]; then
        "$CC" -static -O2 -Wall -Werror -I"$here" -o "$out/$name" "$src" -lm -pthread
    fi
    if [ ! -f "$out/$name-dynamic" ] || [ "$src" -nt "$out/$name-dynamic" ] || [ "$here/check.h" -nt "$out/$name-dynamic" ]; then
        "$CC" -O2 -Wall -Werror -I"$here" -o "$out/$name-dynamic" "$src" -lm -pthread
    fi
done
