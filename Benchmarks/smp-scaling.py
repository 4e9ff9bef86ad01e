#!/usr/bin/env python3
"""Multiprocessor scaling: the guest's smp-stress (Guests/linux/smp-stress.c: processes
updating one shared page with atomics, a lock built from them and CAS) with one
process on one hart, then one process per hart on two harts, each hart on its own
host thread. Work per second is processes x iterations / the guest's own wall time
(BusyBox `time`); the ratio is two harts' work per second over one hart's. Each
engine of Isola, and qemu-system-riscv64 (MTTCG, one host thread per vCPU), runs
the same guest in the same run. Best of RUNS.

  Benchmarks/smp-scaling.py            (make bench runs it)
"""
import os, re, subprocess, sys, time

from benchlib import ISOLA, default_image
RUNS = int(os.environ.get("RUNS", "3"))
ITERATIONS = int(os.environ.get("ITERATIONS", "200000"))

def seconds(engine, kernel, initrd, harts):
    script = f"time smp-stress {harts} {ITERATIONS}"
    append = f'console=ttyS0 quiet ISOLA_CMD="{script}"'
    if engine == "qemu":
        cmd = ["qemu-system-riscv64", "-M", "virt", "-m", "256M", "-smp", str(harts), "-accel", "tcg,thread=multi",
               "-nographic", "-kernel", kernel, "-initrd", initrd, "-append", append]
    else:
        cmd = [ISOLA, "run", "--engine", engine, "--cpus", str(harts), "--kernel", kernel, "--initrd", initrd,
               "--append", append, "--memory", "256M"]
    best = None
    for _ in range(RUNS):
        out = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=900).stdout.decode(errors="replace")
        if "smp-stress: ok" not in out:
            sys.exit(f"smp-scaling: {engine} with {harts} harts did not pass:\n{out[-1500:]}")
        m = re.search(r"real\s+(?:(\d+)m\s*)?([0-9.]+)s", out)
        if not m:
            sys.exit(f"smp-scaling: no time from {engine}:\n{out[-1500:]}")
        t = int(m.group(1) or 0) * 60 + float(m.group(2))
        best = t if best is None else min(best, t)
    return best

def main():
    kernel, initrd = default_image("smp-scaling")
    rows = []
    for engine in ("jit", "interpreter", "qemu"):
        one = seconds(engine, kernel, initrd, 1)
        two = seconds(engine, kernel, initrd, 2)
        rows.append((engine, one, two, (2 * ITERATIONS / two) / (ITERATIONS / one)))
    print(f"\nsmp-stress, {ITERATIONS} iterations per process, best of {RUNS} ({os.uname().machine}, {os.cpu_count()} host CPUs, {time.strftime('%Y-%m-%d')})\n")
    print("| engine | 1 hart, 1 process (s) | 2 harts, 2 processes (s) | work/s, 2 harts / 1 hart |")
    print("|---|--:|--:|--:|")
    names = {"jit": "Isola translator", "interpreter": "Isola interpreter", "qemu": "qemu-system-riscv64 (MTTCG)"}
    for engine, one, two, ratio in rows:
        print(f"| {names[engine]} | {one:.2f} | {two:.2f} | {ratio:.2f} |")

if __name__ == "__main__":
    main()
