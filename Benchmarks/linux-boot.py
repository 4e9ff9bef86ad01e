#!/usr/bin/env python3
"""Linux boot time and idle cost, Isola beside qemu-system-riscv64.

Both boot the same kernel and initramfs (the default image of
Guests/linux/build.sh) with the same command line; the time is from process
start to the line "isola: init reached", which /init prints. Each figure is
the median of RUNS runs. Then each VM boots to an idle shell and the host CPU
it uses over IDLE_SECONDS is read from /proc/PID/stat.

With the Debian image (make debian) two more tables: Debian's own 6.12 kernel
with the default image's small initramfs, to /init; and the whole Debian
system (systemd) to its login prompt, 2 harts and 1 GiB, each run on a fresh
qcow2 overlay of the image: Isola with the built-in SBI reading extlinux.conf
from the disk, and through OpenSBI + U-Boot + extlinux, each beside QEMU doing
the same (the kernel given directly, and the same OpenSBI and U-Boot). Those
take a minute a boot, so they are the median of DEBIAN_RUNS (default 1);
DEBIAN=0 leaves them out.

  Benchmarks/linux-boot.py            (make bench runs it)
"""
import glob, os, shutil, statistics, subprocess, sys, tempfile, time

from benchlib import ISOLA, default_image
RUNS = int(os.environ.get("RUNS", "5"))
DEBIAN_RUNS = int(os.environ.get("DEBIAN_RUNS", "1"))
IDLE_SECONDS = float(os.environ.get("IDLE_SECONDS", "5"))
MARKER = b"isola: init reached"
LOGIN = b"isola-debian login:"
OPENSBI = "/usr/lib/riscv64-linux-gnu/opensbi/generic/fw_jump.bin"
UBOOT_SMODE = "/usr/lib/u-boot/qemu-riscv64_smode/u-boot.bin"

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

def time_to_marker(cmd, marker=MARKER):
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    seen = None
    buf = b""
    while True:
        chunk = os.read(p.stdout.fileno(), 4096)
        if not chunk:
            break
        buf += chunk
        if seen is None and marker in buf:
            seen = time.monotonic() - start
            p.kill()
            break
    p.wait()
    if seen is None:
        sys.exit(f"linux-boot: {cmd[0]} never printed the marker:\n{buf[-2000:].decode(errors='replace')}")
    return seen

def boot_to_init_table(title, boot):
    """Times each command of `boot` (name: command) to the marker, median of RUNS, and
    prints them with their ratio to QEMU's."""
    results = {name: statistics.median(time_to_marker(cmd) for _ in range(RUNS)) for name, cmd in boot.items()}
    qemu = results["qemu-system-riscv64 -M virt"]
    print(f"\n{title}\n")
    print("| VM                              | boot to init (ms) | / QEMU |")
    print("|---------------------------------|------------------:|-------:|")
    for name, t in results.items():
        print(f"| {name:<31} | {t * 1000:17.0f} | {t / qemu:6.2f} |")

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
    boot_to_init_table(f"Linux 6.1 boot to /init, 1 hart, 256 MiB, median of {RUNS} ({os.uname().machine}, {time.strftime('%Y-%m-%d')})", boot)
    idle = commands(kernel, initrd, "console=ttyS0 quiet")
    print(f"\nIdle guest at a shell prompt, host CPU over {IDLE_SECONDS:.0f} s\n")
    print("| VM                              | % of one core |")
    print("|---------------------------------|--------------:|")
    for name in ("Isola translator, built-in SBI", "Isola interpreter, built-in SBI", "qemu-system-riscv64 -M virt"):
        print(f"| {name:<31} | {idle_cpu(idle[name]):13.2f} |")

def debian_image():
    """The newest Debian image's directory, or None."""
    cache = os.environ.get("ISOLA_CACHE", os.path.expanduser("~/.cache/isola"))
    found = sorted(glob.glob(os.path.join(cache, "images/debian-*/disk.qcow2")), key=os.path.getmtime)
    return os.path.dirname(found[-1]) if found else None

def debian_commands(image, disk):
    machine = ["--memory", "1G", "--cpus", "2"]
    qemu = ["qemu-system-riscv64", "-M", "virt", "-m", "1G", "-smp", "2", "-nographic",
            "-drive", f"file={disk},format=qcow2,if=none,id=hd", "-device", "virtio-blk-device,drive=hd"]
    direct = ["-kernel", os.path.join(image, "vmlinuz"), "-initrd", os.path.join(image, "initrd.img"),
              "-append", "root=/dev/vda1 rw console=ttyS0"]
    return [
        ("Isola, built-in SBI, extlinux.conf read by Isola",
         [ISOLA, "run", "--disk", disk] + machine,
         "QEMU, kernel and initrd given", qemu + direct),
        ("Isola, OpenSBI + U-Boot + extlinux",
         [ISOLA, "run", "--bios", OPENSBI, "--kernel", UBOOT_SMODE, "--disk", disk] + machine,
         "QEMU, OpenSBI + U-Boot + extlinux", qemu + ["-bios", OPENSBI, "-kernel", UBOOT_SMODE]),
    ]

def boot_debian(image, row, column):
    """Seconds to the login prompt for one command of debian_commands, on a fresh overlay."""
    scratch = tempfile.mkdtemp(prefix="isola-bench-debian-")
    try:
        disk = os.path.join(scratch, "disk.qcow2")
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", "-b", os.path.join(image, "disk.qcow2"),
                        "-F", "qcow2", disk], check=True)
        return time_to_marker(debian_commands(image, disk)[row][column], LOGIN)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

def debian_tables():
    image = debian_image()
    if image is None:
        print("\n(no Debian image: make debian adds the Debian tables)")
        return
    kernel = os.path.join(image, "vmlinuz")
    _, initramfs = default_image("linux-boot")
    small = commands(kernel, initramfs, "console=ttyS0 quiet ISOLA_CMD=true")
    boot_to_init_table(f"Debian's Linux 6.12 kernel with the default initramfs, boot to /init, 1 hart, 256 MiB, median of {RUNS}",
                       {name: small[name] for name in ("Isola translator, built-in SBI", "qemu-system-riscv64 -M virt")})
    print(f"\nDebian trixie (systemd) to the login prompt, 2 harts, 1 GiB, median of {DEBIAN_RUNS}\n")
    print("| Isola                                            | s    | QEMU                              | s    | Isola / QEMU |")
    print("|--------------------------------------------------|-----:|-----------------------------------|-----:|-------------:|")
    for row, (isola_name, _, qemu_name, _) in enumerate(debian_commands(image, "")):
        isola_t = statistics.median(boot_debian(image, row, 1) for _ in range(DEBIAN_RUNS))
        qemu_t = statistics.median(boot_debian(image, row, 3) for _ in range(DEBIAN_RUNS))
        print(f"| {isola_name:<48} | {isola_t:4.1f} | {qemu_name:<33} | {qemu_t:4.1f} | {isola_t / qemu_t:12.2f} |")

if __name__ == "__main__":
    if os.environ.get("DEBIAN_ONLY") == "1":
        debian_tables()
    else:
        main()
        if os.environ.get("DEBIAN", "1") != "0":
            debian_tables()
