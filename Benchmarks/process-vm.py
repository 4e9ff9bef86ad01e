#!/usr/bin/env python3
"""CPU-bound riscv64 Linux programs under `isola exec` and Debian's qemu-riscv64.

The programs are the project's own (Benchmarks/user-programs/*.c, built static
with riscv64-linux-gnu-gcc -O2): an integer loop, SHA-256 over 64 MiB, libc
qsort of 10M ints, the n-body simulation in double precision, and the static
BusyBox of the guest image gzip-ing a 32 MiB text file. Each runs under both
engines in the same run; the time is wall-clock from process start to exit,
best of RUNS. The outputs of the two engines must be identical, or the
benchmark stops: it measures the same work or nothing.
"""
import glob, os, subprocess, sys, tempfile, time

from benchlib import ISOLA, ROOT, default_image

RUNS = int(os.environ.get("RUNS", "1"))
PROGRAMS = ["intloop", "sha256", "qsort", "nbody"]

def build(work):
    source = os.path.join(ROOT, "Benchmarks/user-programs")
    for name in PROGRAMS:
        subprocess.run(["riscv64-linux-gnu-gcc", "-static", "-O2", "-o", os.path.join(work, name),
                        os.path.join(source, name + ".c"), "-lm"], check=True)
    text = os.path.join(work, "text.txt")
    with open(text, "w") as f:
        i = 0
        while f.tell() < 32 << 20:
            f.write(f"line {i}: the process vm reads {i * 7919 % 100003} words of riscv64 text\n")
            i += 1
    return text

def timed(command):
    best, output = None, None
    for _ in range(RUNS):
        start = time.monotonic()
        r = subprocess.run(command, stdin=subprocess.DEVNULL, capture_output=True, timeout=1800)
        elapsed = time.monotonic() - start
        if r.returncode != 0:
            sys.exit(f"process-vm: {' '.join(command)} failed ({r.returncode}): {r.stderr.decode(errors='replace')[-500:]}")
        best = elapsed if best is None else min(best, elapsed)
        output = r.stdout
    return best, output

def main():
    kernel, _ = default_image("process-vm")
    busybox = os.path.join(os.path.dirname(kernel), "busybox")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        text = build(work)
        jobs = [(name, [os.path.join(work, name)]) for name in PROGRAMS]
        jobs.append(("busybox gzip 32 MiB", [busybox, "gzip", "-c", text]))
        for name, program in jobs:
            isola, isola_out = timed([ISOLA, "exec"] + program)
            qemu, qemu_out = timed(["qemu-riscv64"] + program)
            if isola_out != qemu_out:
                sys.exit(f"process-vm: {name}: outputs differ between Isola and QEMU")
            rows.append((name, isola, qemu))
            print(f"  {name}: isola {isola:.2f} s, qemu {qemu:.2f} s", file=sys.stderr)
    print("| program | Isola s | qemu-riscv64 s | Isola / QEMU |")
    print("|---|--:|--:|--:|")
    for name, isola, qemu in rows:
        print(f"| {name} | {isola:.2f} | {qemu:.2f} | {isola / qemu:.1f}x |")

if __name__ == "__main__":
    main()
