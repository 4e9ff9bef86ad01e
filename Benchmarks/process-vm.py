#!/usr/bin/env python3
"""CPU-bound riscv64 Linux programs under `isola exec` and Debian's qemu-riscv64.

The programs are the project's own (Benchmarks/user-programs/*.c, built static
with riscv64-linux-gnu-gcc -O2): an integer loop, SHA-256 over 64 MiB, libc
qsort of 10M ints, the n-body simulation in double precision, and the static
BusyBox of the guest image gzip-ing a 32 MiB text file. Each runs under Isola's
translator, Isola's interpreter and qemu-riscv64 in the same run; the time is
wall-clock from process start to exit, best of RUNS. The outputs must be
identical, or the benchmark stops: it measures the same work or nothing.
ENGINES=jit skips the interpreter.

Then real programs from Debian trixie's riscv64 packages, with the sysroot that
Guests/debian-sysroot/build.sh unpacks (`--sysroot` for Isola, `-L` for QEMU):
`xz -6` of a fixed 4 MiB text, an `sqlite3` script (100,000 rows inserted in a
transaction, then grouped and joined), `python3.13 -c pass` (start-up: the
interpreter and its site modules, from the bytecode the sysroot build compiled) and a
pyperformance-style loop (the richards-like object workload of
Benchmarks/user-programs/pyloop.py). DEBIAN_ENGINES (default jit) picks Isola's
engines for these rows; DEBIAN=0 skips them.
"""
import glob, os, subprocess, sys, tempfile, time

from benchlib import ISOLA, ROOT, default_image

RUNS = int(os.environ.get("RUNS", "1"))
ENGINES = os.environ.get("ENGINES", "jit,interpreter").split(",")
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

DEBIAN_ENGINES = os.environ.get("DEBIAN_ENGINES", "jit").split(",")

SQL = """
create table t(id integer primary key, k integer, v text);
begin;
with recursive n(i) as (select 1 union all select i + 1 from n where i < 100000)
insert into t(k, v) select i % 97, 'row ' || i from n;
commit;
create index tk on t(k);
select k, count(*), sum(length(v)) from t group by k order by k limit 5;
select count(*) from t a join t b on b.id = a.id + 1 where a.k = 3;
"""

def debian_rows(work, text):
    sysroot = subprocess.run([os.path.join(ROOT, "Guests/debian-sysroot/build.sh")], check=True,
                             capture_output=True, text=True).stdout.strip()
    small = os.path.join(work, "text-4m.txt")
    with open(text, "rb") as f, open(small, "wb") as out:
        out.write(f.read(4 << 20))
    script = os.path.join(work, "script.sql")
    with open(script, "w") as f:
        f.write(SQL)
    python = sysroot + "/usr/bin/python3.13"
    loop = os.path.join(ROOT, "Benchmarks/user-programs/pyloop.py")
    jobs = [("Debian xz -6, 4 MiB", [sysroot + "/usr/bin/xz", "-6", "-c", small]),
            ("Debian sqlite3 script", [sysroot + "/usr/bin/sqlite3", ":memory:", ".read " + script]),
            ("Debian python3 -c pass", [python, "-c", "pass"]),
            ("Debian python3 object loop", [python, loop])]
    rows = []
    for name, program in jobs:
        qemu, qemu_out = timed(["qemu-riscv64", "-L", sysroot] + program)
        times = {}
        for engine in DEBIAN_ENGINES:
            times[engine], out = timed([ISOLA, "exec", "--engine", engine, "--sysroot", sysroot] + program)
            if out != qemu_out:
                sys.exit(f"process-vm: {name}: outputs differ between Isola ({engine}) and QEMU")
        rows.append((name, times, qemu))
        print(f"  {name}: " + ", ".join(f"{e} {t:.2f} s" for e, t in times.items()) + f", qemu {qemu:.2f} s", file=sys.stderr)
    return rows

def table(rows, engines):
    print("| program | " + " | ".join(f"Isola {e} s" for e in engines) + " | qemu-riscv64 s | "
          + " | ".join(f"{e} / QEMU" for e in engines) + " |")
    print("|---|" + "--:|" * (2 * len(engines) + 1))
    for name, times, qemu in rows:
        print(f"| {name} | " + " | ".join(f"{times[e]:.2f}" for e in engines) + f" | {qemu:.2f} | "
              + " | ".join(f"{times[e] / qemu:.2f}x" for e in engines) + " |")

def main():
    kernel, _ = default_image("process-vm")
    busybox = os.path.join(os.path.dirname(kernel), "busybox")
    rows = []
    with tempfile.TemporaryDirectory() as work:
        text = build(work)
        jobs = [(name, [os.path.join(work, name)]) for name in PROGRAMS]
        jobs.append(("busybox gzip 32 MiB", [busybox, "gzip", "-c", text]))
        for name, program in jobs:
            qemu, qemu_out = timed(["qemu-riscv64"] + program)
            times = {}
            for engine in ENGINES:
                times[engine], out = timed([ISOLA, "exec", "--engine", engine] + program)
                if out != qemu_out:
                    sys.exit(f"process-vm: {name}: outputs differ between Isola ({engine}) and QEMU")
            rows.append((name, times, qemu))
            print(f"  {name}: " + ", ".join(f"{e} {t:.2f} s" for e, t in times.items()) + f", qemu {qemu:.2f} s", file=sys.stderr)
        debian = debian_rows(work, text) if os.environ.get("DEBIAN", "1") != "0" else []
    table(rows, ENGINES)
    if debian:
        print()
        table(debian, DEBIAN_ENGINES)

if __name__ == "__main__":
    main()
