#!/usr/bin/env python3
"""Containers through containerd: `ctr run --rm` of a riscv64 BusyBox root, from the
command's start to the container's first output and to its exit, and the memory a
running container costs (PSS of its host processes).

Rows, in the same run on the same root file system:
- isola-runtime, fresh boot: the runtime's templates are removed before each run, so
  every container boots Linux in its VM (and saves a template);
- isola-runtime, template clone: each container's VM is a copy-on-write clone of the
  booted container init;
- runc + qemu-user-static: containerd's own runc runs the same riscv64 root, its
  programs run by qemu-riscv64 through binfmt_misc (registered here with Debian's
  qemu-user-static entry if the kernel allows it; the row is left out otherwise).

Needs root (containerd). Published anchors: Kata 2.x about 0.85-0.95 s per pod,
gVisor 80-280 ms, firecracker-containerd about 1.8 s.

  sudo Benchmarks/containers.py            (RUNS=10, PSS_CONTAINERS=3)
  sudo CLONES_ONLY=1 RUNS=8 Benchmarks/containers.py
                                           (one boot for the template, then RUNS clones
                                           back to back: the row to compare two builds by,
                                           with ISOLA_RUNTIME naming each in turn)
"""
import glob, os, shutil, statistics, subprocess, sys, tempfile, time

from benchlib import ROOT

RUNS = int(os.environ.get("RUNS", "10"))
CLONES_ONLY = os.environ.get("CLONES_ONLY") == "1"
PSS_CONTAINERS = int(os.environ.get("PSS_CONTAINERS", "3"))
RUNTIME = os.environ.get("ISOLA_RUNTIME", os.path.join(ROOT, ".build/release/isola-runtime"))
NAMESPACE = f"isola-bench-{os.getpid()}"
# An absolute path: ctr gives a root without an image no PATH, and runc looks the program up in it.
COMMAND = ["/bin/sh", "-c", "echo ready; uname -m >/dev/null"]


def busybox_root(directory):
    cache = os.environ.get("ISOLA_CACHE", os.path.expanduser("~/.cache/isola"))
    found = sorted(glob.glob(os.path.join(cache, "images/default-*/busybox")), key=os.path.getmtime)
    if not found:
        sys.exit("containers.py: no default image; run 'make images'")
    rootfs = os.path.join(directory, "rootfs")
    for d in ["bin", "proc", "sys", "dev", "etc", "tmp"]:
        os.makedirs(os.path.join(rootfs, d), exist_ok=True)
    shutil.copy(found[-1], os.path.join(rootfs, "bin/busybox"))
    for applet in ["sh", "echo", "uname", "sleep", "cat"]:
        os.symlink("busybox", os.path.join(rootfs, "bin", applet))
    return rootfs


def register_binfmt():
    """Debian's qemu-riscv64 binfmt entry, if it is not there; False if it cannot be."""
    if os.path.exists("/proc/sys/fs/binfmt_misc/qemu-riscv64"):
        return True
    if not os.path.exists("/proc/sys/fs/binfmt_misc/register"):
        subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", "/proc/sys/fs/binfmt_misc"], capture_output=True)
    conf = "/usr/lib/binfmt.d/qemu-riscv64.conf"
    if not os.path.exists("/proc/sys/fs/binfmt_misc/register") or not os.path.exists(conf):
        return False
    try:
        with open("/proc/sys/fs/binfmt_misc/register", "w") as f:
            f.write(open(conf).read().strip())
        return True
    except OSError:
        return False


class Containerd:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="isola-bench-ctd-")
        self.sock = os.path.join(self.dir, "sock")
        with open(os.path.join(self.dir, "config.toml"), "w") as f:
            f.write(f'version = 2\nroot = "{self.dir}/root"\nstate = "{self.dir}/state"\n'
                    f'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\n  address = "{self.sock}"\n')
        self.proc = subprocess.Popen(["containerd", "--config", os.path.join(self.dir, "config.toml")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if os.path.exists(self.sock):
                break
            time.sleep(0.025)

    def ctr(self, *args, **kwargs):
        return subprocess.run(["ctr", "--address", self.sock, "--namespace", NAMESPACE, *args], capture_output=True, **kwargs)

    def timed_run(self, runtime_args, rootfs, name):
        """Seconds to the first output byte and to the exit of `ctr run --rm`."""
        start = time.monotonic()
        p = subprocess.Popen(["ctr", "--address", self.sock, "--namespace", NAMESPACE, "run", "--rm", *runtime_args,
                              "--rootfs", rootfs, name, *COMMAND], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        first = p.stdout.read(1)
        t_first = time.monotonic() - start
        rest = p.stdout.read()
        err = p.stderr.read()
        p.wait()
        t_exit = time.monotonic() - start
        if p.returncode != 0 or not (first + rest).startswith(b"ready"):
            sys.exit(f"containers.py: {name} failed ({p.returncode}): {(first + rest)[:200]!r} {err[:300]!r}")
        return t_first, t_exit

    def close(self):
        self.proc.terminate()
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
        shutil.rmtree(f"/run/containerd/runc/{NAMESPACE}", ignore_errors=True)


def pss_kib(pid):
    try:
        for line in open(f"/proc/{pid}/smaps_rollup"):
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout.split()
    pids = [int(p) for p in out]
    return pids + [d for p in pids for d in descendants(p)]


def running_pss(ctd, runtime_args, rootfs, label):
    """Mean PSS (MiB) of PSS_CONTAINERS running containers' host processes (shims excluded)."""
    names = [f"{label}-pss{i}" for i in range(PSS_CONTAINERS)]
    for n in names:
        r = ctd.ctr("run", "-d", *runtime_args, "--rootfs", rootfs, n, "/bin/sh", "-c", "sleep 60")
        if r.returncode != 0:
            sys.exit(f"containers.py: {n}: {r.stderr.decode()[:300]}")
    time.sleep(1.5)
    total = 0
    for n in names:
        lines = ctd.ctr("task", "ls").stdout.decode().splitlines()
        pid = next(int(l.split()[1]) for l in lines if l.split()[0] == n)
        total += pss_kib(pid) + sum(pss_kib(d) for d in descendants(pid))
    for n in names:
        ctd.ctr("task", "kill", "-s", "SIGKILL", n)
    time.sleep(0.5)
    for n in names:
        ctd.ctr("task", "delete", n)
        ctd.ctr("container", "rm", n)
    return total / PSS_CONTAINERS / 1024


def main():
    if os.geteuid() != 0:
        print("containers.py: skipped, containerd needs root")
        return
    work = tempfile.mkdtemp(prefix="isola-bench-containers-")
    rootfs = busybox_root(work)
    ctd = Containerd()
    templates = f"/run/containerd/runc/{NAMESPACE}/templates"
    isola = ["--runc-binary", RUNTIME]
    rows = []
    try:
        fresh = []
        for i in range(1 if CLONES_ONLY else RUNS):
            shutil.rmtree(templates, ignore_errors=True)
            fresh.append(ctd.timed_run(isola, rootfs, f"fresh{i}"))
        clone = [ctd.timed_run(isola, rootfs, f"clone{i}") for i in range(RUNS)]
        if CLONES_ONLY:
            rows.append(("isola-runtime, template clone", clone, None))
        else:
            rows.append(("isola-runtime, fresh boot", fresh, None))
            rows.append(("isola-runtime, template clone", clone, running_pss(ctd, isola, rootfs, "isola")))
            if register_binfmt():
                runc = [ctd.timed_run([], rootfs, f"runc{i}") for i in range(RUNS)]
                rows.append(("runc + qemu-user-static", runc, running_pss(ctd, [], rootfs, "runc")))
            else:
                print("runc + qemu-user-static: left out (binfmt_misc cannot be registered here)")
    finally:
        ctd.close()
        shutil.rmtree(work, ignore_errors=True)
    print(f"ctr run --rm of a riscv64 BusyBox root ({RUNS} runs each, medians; {PSS_CONTAINERS} containers for PSS)")
    print(f"{'runtime':32} {'first output ms':>16} {'exit ms':>9} {'PSS MiB':>8}")
    for label, samples, pss in rows:
        f = statistics.median(s[0] for s in samples) * 1000
        e = statistics.median(s[1] for s in samples) * 1000
        print(f"{label:32} {f:16.0f} {e:9.0f} {pss if pss is not None else float('nan'):8.1f}")
    print("anchors (published): Kata 2.x 850-950 ms per pod, gVisor 80-280 ms, firecracker-containerd ~1800 ms")


if __name__ == "__main__":
    main()
