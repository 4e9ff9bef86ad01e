#!/usr/bin/env python3
"""Linux boot time and idle cost, Isola beside qemu-system-riscv64.

Both boot the same kernel and initramfs (the default image of
Guests/linux/build.sh) with the same command line; the time is from process
start to the line "isola: init reached", which /init prints. Each figure is
the median of RUNS runs. Then each VM boots to an idle shell and the host CPU
it uses over IDLE_SECONDS is read from /proc/PID/stat.

  Benchmarks/linux-boot.py            (make bench runs it)
"""
import glob, os, statistics, subprocess, sys, time

from benchlib import ISOLA, default_image
RUNS = int(os.environ.get("RUNS", "5"))
IDLE_SECONDS = float(os.environ.get("IDLE_SECONDS", "5"))
MARKER = b"isola: init reached"
OPENSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"

def image():
    return default_image("linux-boot")

def commands(kernel, initrd, append):
    linux = ["--kernel", kernel, "--initrd", initrd, "--append", append, "--memory", "256M"]
    return {
        "Isola translator, built-in SBI": [ISOLA, "run", "--engine", "jit"] + linux,
        "Isola interpreter, built-in SBI": [ISOLA, "run", "--engine", "interpreter"] + linux,
        "Isola translator, OpenSBI": [ISOLA, "run", "--engine", "jit", "--bios", OPENSBI] + linux,
        "qemu-system-riscv64 -M virt": ["qemu-system-riscv64", "-M", "virt", "-m", "256M", "-nographic",
                                        "-kernel", kernel, "-initrd", initrd, "-append", append],
    }

def time_to_marker(cmd):
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    seen = None
    buf = b""
    while True:
        chunk = os.read(p.stdout.fileno(), 4096)
        if not chunk:
            break
        buf += chunk
        if seen is None and MARKER in buf:
            seen = time.monotonic() - start
            p.kill()
            break
    p.wait()
    if seen is None:
        sys.exit(f"linux-boot: {cmd[0]} never printed the marker:\n{buf[-2000:].decode(errors='replace')}")
    return seen

def idle_cpu(cmd):
    """Percent of one host core the VM uses while its guest sits at a shell prompt."""
    p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    buf = b""
    while MARKER not in buf:
        chunk = os.read(p.stdout.fileno(), 4096)
        if not chunk:
            break
        buf += chunk
    time.sleep(2)  # let the boot settle
    def cpu_ticks():
        with open(f"/proc/{p.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime
    t0, c0 = time.monotonic(), cpu_ticks()
    time.sleep(IDLE_SECONDS)
    t1, c1 = time.monotonic(), cpu_ticks()
    p.kill()
    p.wait()
    return 100.0 * (c1 - c0) / os.sysconf("SC_CLK_TCK") / (t1 - t0)

def main():
    kernel, initrd = image()
    boot = commands(kernel, initrd, "console=ttyS0 quiet ISOLA_CMD=true")
    results = {name: statistics.median(time_to_marker(cmd) for _ in range(RUNS)) for name, cmd in boot.items()}
    qemu = results["qemu-system-riscv64 -M virt"]
    print(f"\nLinux 6.1 boot to /init, 1 hart, 256 MiB, median of {RUNS} ({os.uname().machine}, {time.strftime('%Y-%m-%d')})\n")
    print("| VM                              | boot to init (ms) | / QEMU |")
    print("|---------------------------------|------------------:|-------:|")
    for name, t in results.items():
        print(f"| {name:<31} | {t * 1000:17.0f} | {t / qemu:6.2f} |")
    idle = commands(kernel, initrd, "console=ttyS0 quiet")
    print(f"\nIdle guest at a shell prompt, host CPU over {IDLE_SECONDS:.0f} s\n")
    print("| VM                              | % of one core |")
    print("|---------------------------------|--------------:|")
    for name in ("Isola translator, built-in SBI", "Isola interpreter, built-in SBI", "qemu-system-riscv64 -M virt"):
        print(f"| {name:<31} | {idle_cpu(idle[name]):13.2f} |")

if __name__ == "__main__":
    main()
