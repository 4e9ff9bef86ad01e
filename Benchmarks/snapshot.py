#!/usr/bin/env python3
"""Snapshots of a 256 MiB Linux guest: size, save time, restore latency, clones/s.

A bundle (isola create, an ext4 disk) boots the default image with a guest
program that prints a counter every 2 ms and, first, fills FILL MiB of tmpfs
with random bytes (so the snapshot holds that much more memory). Then:

- save: `isola snapshot vm TAG` while it runs; the table shows the save time
  the monitor reports (pause, write, fsync, freeze the disk, resume) and the
  whole command's wall time, and the snapshot file's size;
- restore: `isola restore TAG.snap --clone cN -v`; "to first instruction" is
  the time from the command's start to the machine being ready to run (memory
  mapped and verified, every hart and device restored), as the command logs it;
  "to console output" is from spawning the process to the first byte the
  restored guest prints (process start-up included);
- clones/s: CLONES clones of the same snapshot started one after another, each
  left running; the rate is CLONES over the time until the last one printed.

QEMU has no copy-on-write restore of this kind to compare with on the same
guest; the table gives Firecracker's published figures beside ours.

  Benchmarks/snapshot.py            (make bench runs it)
"""
import os, re, shutil, signal, statistics, subprocess, sys, tempfile, time

from benchlib import ISOLA, default_image
RUNS = int(os.environ.get("RUNS", "5"))
CLONES = int(os.environ.get("CLONES", "20"))
FILLS = [int(x) for x in os.environ.get("FILLS", "0 128").split()]

def run(cmd, **kw):
    return subprocess.run(cmd, check=True, capture_output=True, text=True, **kw)

def wait_for_output(path, seconds=120, after=0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if os.path.getsize(path) > after:
                return time.monotonic()
        except FileNotFoundError:
            pass
        time.sleep(0.0005)
    sys.exit(f"snapshot: no console output in {path}")

def measure(fill, kernel, initrd, work):
    program = (f"dd if=/dev/urandom of=/tmp/fill bs=1M count={fill} 2>/dev/null; " if fill else "") + \
        "i=0; while true; do i=$((i+1)); echo count=$i; usleep 2000; done"
    base = os.path.join(work, "base.img")
    run(["truncate", "-s", "64M", base]); run(["mkfs.ext4", "-q", "-F", base])
    bundle = os.path.join(work, f"vm{fill}.isola")
    run([ISOLA, "create", bundle, "--memory", "256M", "--kernel", kernel, "--initrd", initrd,
         "--append", f'console=ttyS0 quiet ISOLA_CMD="{program}"', "--disk", base])
    console = os.path.join(work, f"console{fill}")
    vm = subprocess.Popen([ISOLA, "run", bundle, "--console", "file:" + console], stdin=subprocess.DEVNULL)
    deadline = time.monotonic() + 180
    while not (os.path.exists(console) and b"count=50" in open(console, "rb").read()):
        if time.monotonic() > deadline:
            vm.kill()
            sys.exit("snapshot: the guest never counted")
        time.sleep(0.1)
    saves, walls = [], []
    for r in range(RUNS):
        start = time.monotonic()
        out = run([ISOLA, "snapshot", bundle, f"s{r}"]).stdout
        walls.append((time.monotonic() - start) * 1000)
        saves.append(float(re.search(r"in ([0-9.]+) ms", out).group(1)))
        time.sleep(0.2)
    run([ISOLA, "snapshot", bundle, "final", "--stop"])
    vm.wait()
    snap = os.path.join(bundle, "snapshots", "final.snap")
    size = os.path.getsize(snap)

    first, output = [], []
    for r in range(RUNS):
        out = os.path.join(work, f"restore{fill}-{r}")
        start = time.monotonic()
        p = subprocess.Popen([ISOLA, "restore", snap, "--clone", os.path.join(work, f"r{fill}-{r}"), "--console", "file:" + out, "-v"],
                             stdin=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        output.append((wait_for_output(out) - start) * 1000)
        p.send_signal(signal.SIGKILL)
        log = p.stderr.read()
        p.wait()
        first.append(float(re.search(r"ms=([0-9.]+) \[isola\] restored", log).group(1)))

    clones = []
    start = time.monotonic()
    for c in range(CLONES):
        out = os.path.join(work, f"clone{fill}-{c}")
        clones.append((subprocess.Popen([ISOLA, "restore", snap, "--clone", os.path.join(work, f"c{fill}-{c}"), "--console", "file:" + out],
                                        stdin=subprocess.DEVNULL), out))
    for _, out in clones:
        wait_for_output(out)
    rate = CLONES / (time.monotonic() - start)
    rss = []
    for p, _ in clones:
        with open(f"/proc/{p.pid}/status") as f:
            rss.append(int(next(l for l in f if l.startswith("VmRSS")).split()[1]) // 1024)
    for p, _ in clones:
        p.kill(); p.wait()
    return size, statistics.median(saves), statistics.median(walls), statistics.median(first), statistics.median(output), rate, statistics.median(rss)

def main():
    kernel, initrd = default_image("snapshot")
    rows = []
    for fill in FILLS:
        work = tempfile.mkdtemp(prefix="isola-snapbench-")
        try:
            rows.append((fill,) + measure(fill, kernel, initrd, work))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print(f"Snapshots of a 256 MiB guest (median of {RUNS}; {CLONES} clones)\n")
    print("| guest memory in use | snapshot file | save (monitor) | `isola snapshot` wall | restore to first instruction | restore to console output | clones/s | RSS per clone (shared pages counted) |")
    print("|---|--:|--:|--:|--:|--:|--:|--:|")
    for fill, size, save, wall, first, output, rate, rss in rows:
        used = "booted, idle" if fill == 0 else f"+{fill} MiB tmpfs"
        print(f"| {used} | {size / 2**20:.1f} MiB | {save:.1f} ms | {wall:.1f} ms | {first:.2f} ms | {output:.1f} ms | {rate:.1f} | {rss} MiB |")
    print("\nFirecracker, for comparison (its own figures, x86_64): full snapshot creation of a 2 vCPU / 256 MiB microVM")
    print("180 ms (diff 70 ms) in the baselines of its tests/integration_tests/performance/test_snapshot_perf.py;")
    print("restore of a microVM 'in a few milliseconds' (docs/snapshotting), memory loaded lazily by mmap as here.")

if __name__ == "__main__":
    main()
