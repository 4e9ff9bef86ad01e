#!/usr/bin/env python3
"""TCP throughput between two guests, Isola beside qemu-system-riscv64.

Two VMs boot the default image with virtio-net: for Isola on one virtual
switch (--net switch:NAME), for QEMU joined by a socket netdev on loopback.
The server runs `nc -l`, the client pipes SIZE_MB from dd into nc; the figure
is dd's (bytes / seconds), which the small pipe ties to the transfer. Median of RUNS.
"""
import os, re, statistics, subprocess, sys, time
from benchlib import ISOLA, default_image

RUNS = int(os.environ.get("RUNS", "3"))
SIZE_MB = int(os.environ.get("SIZE_MB", "32"))
SERVER = "ifconfig eth0 192.0.2.1 up && nc -l -p 5000 < /dev/null > /dev/null; echo server-done"
CLIENT = (f"ifconfig eth0 192.0.2.2 up && sleep 1 && dd if=/dev/zero bs=65536 count={SIZE_MB * 16} 2>/tmp/dd "
          f"| nc -w 2 192.0.2.1 5000; cat /tmp/dd")

def commands(engine, kernel, initrd, run):
    def append(cmd):
        return f'console=ttyS0 quiet ISOLA_CMD="{cmd}"'
    if engine == "isola":
        net = f"switch:bench{os.getpid()}x{run}"
        base = [ISOLA, "run", "--kernel", kernel, "--initrd", initrd, "--memory", "256M", "--net", net]
        return base + ["--name", "server", "--append", append(SERVER)], base + ["--name", "client", "--append", append(CLIENT)]
    port = str(20000 + (os.getpid() + run) % 20000)
    base = ["qemu-system-riscv64", "-M", "virt", "-m", "256M", "-nographic", "-kernel", kernel, "-initrd", initrd]
    server = base + ["-append", append(SERVER), "-netdev", f"socket,id=n0,listen=127.0.0.1:{port}",
                     "-device", "virtio-net-device,netdev=n0,mac=52:54:00:00:00:01"]
    client = base + ["-append", append(CLIENT), "-netdev", f"socket,id=n0,connect=127.0.0.1:{port}",
                     "-device", "virtio-net-device,netdev=n0,mac=52:54:00:00:00:02"]
    return server, client

def measure(engine, kernel, initrd, run):
    server_cmd, client_cmd = commands(engine, kernel, initrd, run)
    server = subprocess.Popen(server_cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1.5)
    try:
        client = subprocess.run(client_cmd, stdin=subprocess.DEVNULL, capture_output=True, timeout=300)
    finally:
        # Only the client's figure matters; the server need not wind down by itself.
        server.kill()
        server.wait()
    out = client.stdout.decode(errors="replace")
    m = re.search(r"(\d+) bytes .* copied, ([0-9.]+) seconds", out)
    if not m:
        sys.exit(f"net-throughput: no dd result ({engine}):\n{out[-1500:]}")
    return int(m.group(1)) * 8 / float(m.group(2)) / 1e6

def main():
    kernel, initrd = default_image("net-throughput")
    results = {e: statistics.median(measure(e, kernel, initrd, r) for r in range(RUNS)) for e in ("isola", "qemu")}
    print(f"\nTCP between two guests (virtio-net), {SIZE_MB} MiB by nc, median of {RUNS} "
          f"({os.uname().machine}, {time.strftime('%Y-%m-%d')})\n")
    print("| VMs                                   | Mbit/s | Isola / QEMU |")
    print("|---------------------------------------|-------:|-------------:|")
    print(f"| Isola, --net switch                   | {results['isola']:6.0f} | {results['isola'] / results['qemu']:12.2f} |")
    print(f"| qemu-system-riscv64, socket netdev    | {results['qemu']:6.0f} | {1:12.2f} |")

if __name__ == "__main__":
    main()
