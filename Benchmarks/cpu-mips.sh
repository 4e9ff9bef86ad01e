#!/usr/bin/env bash
# Engine speed on a CPU-bound integer loop (Benchmarks/guests/cpu-loop.S): Isola's
# interpreter, Isola's translator and qemu-system-riscv64 (TCG JIT) on the same
# guest, in the same run.
#
# Each engine runs the loop at two sizes; MIPS comes from the difference, so
# start-up (process, QEMU's machine setup) cancels out:
#   MIPS = (instructions_long - instructions_short) / (time_long - time_short)
# Each measurement is the best of $REPEAT runs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
isola=${ISOLA:-$root/.build/release/isola}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
REPEAT=${REPEAT:-3}
SHORT=10000000
LONG=${LONG:-300000000}

[ -x "$isola" ] || { echo "cpu-mips: build Isola first (make build)" >&2; exit 1; }
for n in $SHORT $LONG; do
    riscv64-linux-gnu-gcc -march=rv64gc -mabi=lp64d -nostdlib -nostartfiles -static -fno-pic -no-pie \
        -Wl,--build-id=none -DITERATIONS=$n -T "$root/Guests/isa-tests/common/link.ld" \
        -o "$work/loop-$n.elf" "$root/Benchmarks/guests/cpu-loop.S"
done

# instructions retired by the guest: 3 set-up, 6 per iteration, 3 to power off
instructions() { echo $(( 6 * $1 + 6 )); }

best_time() {  # command... -> best wall seconds of REPEAT runs
    local best=""
    for _ in $(seq "$REPEAT"); do
        local start end t
        start=$(date +%s.%N)
        "$@" </dev/null >/dev/null 2>&1 || { echo "cpu-mips: '$*' failed" >&2; exit 1; }
        end=$(date +%s.%N)
        t=$(echo "$end - $start" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    echo "$best"
}

mips() {  # t_short t_long
    echo "($(instructions $LONG) - $(instructions $SHORT)) / ($2 - $1) / 1000000" | bc -l
}

interp_short=$(best_time "$isola" run --engine interpreter --bios "$work/loop-$SHORT.elf")
interp_long=$(best_time "$isola" run --engine interpreter --bios "$work/loop-$LONG.elf")
jit_short=$(best_time "$isola" run --engine jit --bios "$work/loop-$SHORT.elf")
jit_long=$(best_time "$isola" run --engine jit --bios "$work/loop-$LONG.elf")
qemu_short=$(best_time qemu-system-riscv64 -M virt -nographic -bios "$work/loop-$SHORT.elf")
qemu_long=$(best_time qemu-system-riscv64 -M virt -nographic -bios "$work/loop-$LONG.elf")
interp_mips=$(mips "$interp_short" "$interp_long")
jit_mips=$(mips "$jit_short" "$jit_long")
qemu_mips=$(mips "$qemu_short" "$qemu_long")

printf '\nCPU-bound integer loop, %d instructions (%s, %s)\n\n' "$(instructions $LONG)" "$(uname -m)" "$(date -u +%Y-%m-%d)"
printf '| engine                          | wall time (s) |   MIPS | engine / QEMU |\n'
printf '|---------------------------------|--------------:|-------:|--------------:|\n'
printf '| Isola interpreter               | %13.3f | %6.0f | %13.2f |\n' "$interp_long" "$interp_mips" "$(echo "$interp_mips / $qemu_mips" | bc -l)"
printf '| Isola translator (--engine jit) | %13.3f | %6.0f | %13.2f |\n' "$jit_long" "$jit_mips" "$(echo "$jit_mips / $qemu_mips" | bc -l)"
printf '| qemu-system-riscv64 (TCG JIT)   | %13.3f | %6.0f | %13.2f |\n' "$qemu_long" "$qemu_mips" 1
