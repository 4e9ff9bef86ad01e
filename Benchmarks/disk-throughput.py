#!/usr/bin/env python3
"""Sequential disk throughput inside the guest: Isola's translator and interpreter beside qemu-system-riscv64.

Both boot the default image with one raw disk image as a virtio-blk device on
virtio-mmio (QEMU with cache=writeback: like Isola, host page cache and fsync on
flush), and the guest runs BusyBox dd with direct I/O (so the guest's page
cache is bypassed): a write of SIZE_MB to /dev/vda, then a read back. The
MB/s figures are dd's own (bytes / seconds it measured). Median of RUNS.
Then the same with a qcow2 image made fresh for every run by qemu-img (so each
write allocates its clusters), opened by both as qcow2.
"""
import glob, os, re, statistics, subprocess, sys, tempfile, time

from benchlib import ISOLA, default_image
RUNS = int(os.environ.get("RUNS", "3"))
SIZE_MB = int(os.environ.get("SIZE_MB", "128"))

def image():
    return default_image("disk-throughput")

def run(engine, kernel, initrd, disk, fmt="raw"):
    script = (f"dd if=/dev/zero of=/dev/vda bs=1M count={SIZE_MB} oflag=direct 2>&1 | sed 's/^/W /'; "
              f"dd if=/dev/vda of=/dev/null bs=1M count={SIZE_MB} iflag=direct 2>&1 | sed 's/^/R /'")
    append = f'console=ttyS0 quiet ISOLA_CMD="{script}"'
    if engine in ("jit", "interpreter"):
        cmd = [ISOLA, "run", "--engine", engine, "--kernel", kernel, "--initrd", initrd, "--append", append, "--memory", "256M", "--disk", f"{disk},format={fmt}"]
    else:
        cmd = ["qemu-system-riscv64", "-M", "virt", "-m", "256M", "-nographic", "-kernel", kernel, "-initrd", initrd,
               "-append", append, "-drive", f"file={disk},format={fmt},if=none,id=d0,cache=writeback",
               "-device", "virtio-blk-device,drive=d0"]
    out = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=600).stdout.decode(errors="replace")
    rates = {}
    for kind in ("W", "R"):
        m = re.search(rf"^{kind} (\d+) bytes .* copied, ([0-9.]+) seconds", out, re.M)
        if not m:
            sys.exit(f"disk-throughput: no dd result ({engine}, {kind}):\n{out[-1500:]}")
        rates[kind] = int(m.group(1)) / float(m.group(2)) / 1e6
    return rates

def main():
    kernel, initrd = image()
    rows = []
    with tempfile.TemporaryDirectory() as d:
        raw = os.path.join(d, "disk.img")
        with open(raw, "wb") as f:
            f.truncate(SIZE_MB << 20)
        def fresh_qcow2():
            path = os.path.join(d, "disk.qcow2")
            if os.path.exists(path):
                os.unlink(path)
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", path, f"{SIZE_MB}M"], check=True)
            return path
        for fmt in ("raw", "qcow2"):
            results = {}
            for engine in ("jit", "interpreter", "qemu"):
                runs = [run(engine, kernel, initrd, raw if fmt == "raw" else fresh_qcow2(), fmt) for _ in range(RUNS)]
                results[engine] = {k: statistics.median(r[k] for r in runs) for k in ("W", "R")}
            for kind, name in (("W", "write"), ("R", "read")):
                rows.append((fmt, name, results["jit"][kind], results["interpreter"][kind], results["qemu"][kind]))
    print(f"\nvirtio-blk sequential I/O in the guest, dd bs=1M direct, {SIZE_MB} MiB, median of {RUNS} "
          f"({os.uname().machine}, {time.strftime('%Y-%m-%d')})\n")
    print("| image | direction | Isola translator (MB/s) | Isola interpreter (MB/s) | QEMU (MB/s) | translator / QEMU | interpreter / QEMU |")
    print("|-------|-----------|------------------------:|-------------------------:|------------:|------------------:|-------------------:|")
    for fmt, name, j, i, q in rows:
        print(f"| {fmt:<5} | {name:<9} | {j:23.1f} | {i:24.1f} | {q:11.1f} | {j / q:17.2f} | {i / q:18.2f} |")

if __name__ == "__main__":
    main()
