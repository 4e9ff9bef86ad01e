#!/usr/bin/env python3
"""The hypervisor: performance isolation, boot throughput, idle density, API latency.

One `isola serve` over a fresh state directory, driven through its API socket:

- isolation: two VMs run the same CPU-bound guest (a shell loop) with caps of 25%
  and 75% of one CPU, for SECONDS; then again with a third, uncapped VM spinning
  flat out beside them. The table gives each worker's host CPU time (from /proc)
  and the share of the capped pair, which should stay near 1:3 either way. Then
  two uncapped spinning VMs of weight 100 and 300 contend for the one CPU left
  shared when the other is dedicated to an idle VM: their split should be 1:3.
- boot throughput: BOOTS VMs (64 MiB) created and started at once; the rate is
  BOOTS over the time until the last one's guest reached init (its console says so).
- idle density: IDLE VMs of 64 MiB booted to an idle shell, all at once; per VM
  the worker's memory minus the guest RAM it has touched (its overhead),
  measured three ways: resident (the shared executable and libraries counted in
  full), proportional (PSS: shared pages divided among the processes that map
  them) and anonymous (the worker's own heap, stacks and caches) — and its CPU use
  over SECONDS of idling. Guest RAM touched is what the worker reports (mincore).
- API latency: GET /vms/{name} and pause+resume pairs, p50 and p99.
- interposition cost: the guest reads a 128 MiB disk with `dd iflag=direct` (MB/s as
  dd's bytes over its seconds, best of RUNS) with no policy, with a policy whose one rule matches
  no disk event, and with one whose rule matches (and allows) every disk read, so
  every request goes through the rule engine.

  Benchmarks/hypervisor.py                 (make bench runs it)
  IDLE=100 BOOTS=10 SECONDS=10 Benchmarks/hypervisor.py
"""
import http.client, json, os, re, shutil, signal, socket, statistics, subprocess, sys, tempfile, time

from benchlib import ISOLA, default_image
SECONDS = float(os.environ.get("SECONDS_PER_PHASE", os.environ.get("SECONDS", "10")))
BOOTS = int(os.environ.get("BOOTS", "10"))
IDLE = int(os.environ.get("IDLE", "100"))
TICK = os.sysconf("SC_CLK_TCK")
PAGE = os.sysconf("SC_PAGE_SIZE")

class UnixHTTP(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("isola", timeout=120)
        self.path = path
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)

class Hypervisor:
    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="isola-bench-hv-")
        self.socket = os.path.join(self.dir, "api.sock")
        self.proc = subprocess.Popen([ISOLA, "serve", "--state", self.dir], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.call("GET", "/")
                return
            except OSError:
                time.sleep(0.02)
        sys.exit("hypervisor.py: isola serve did not answer")

    def call(self, method, path, body=None, ok=(200, 201, 204)):
        c = UnixHTTP(self.socket)
        c.request(method, path, body=json.dumps(body) if body is not None else None,
                  headers={"Content-Type": "application/json"} if body is not None else {})
        r = c.getresponse()
        data = r.read()
        c.close()
        if r.status not in ok:
            sys.exit(f"hypervisor.py: {method} {path}: {r.status} {data.decode()}")
        return json.loads(data) if data and r.getheader("Content-Type", "").startswith("application/json") else data

    def close(self):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)

def create(hv, name, command, **extra):
    kernel, initrd = default_image("hypervisor.py")
    body = {"name": name, "memory": "64M", "kernel": kernel, "initrd": initrd,
            "append": f'console=ttyS0 quiet ISOLA_CMD="{command}"'}
    body.update(extra)
    hv.call("POST", "/vms", body)

def wait_console(hv, name, text, seconds=300):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if text in hv.call("GET", f"/vms/{name}/console").decode(errors="replace"):
            return time.monotonic()
        time.sleep(0.05)
    sys.exit(f"hypervisor.py: {name} never printed {text!r}")

def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK

def memory(pid):
    """(resident, proportional, anonymous) bytes of a worker (smaps_rollup)."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 2 and parts[0].endswith(":") and parts[1].isdigit():
                values[parts[0][:-1]] = int(parts[1]) * 1024
    return values["Rss"], values["Pss"], values["Anonymous"]

def isolation(hv):
    spin = "echo spinning; while true; do :; done"
    create(hv, "cap25", spin, cap=25)
    create(hv, "cap75", spin, cap=75)
    create(hv, "hog", spin)
    rows = []
    for phase, names in (("caps alone", ["cap25", "cap75"]), ("+ uncapped hog", ["cap25", "cap75", "hog"])):
        for n in names:
            if hv.call("GET", f"/vms/{n}")["state"] != "running":
                hv.call("POST", f"/vms/{n}/start")
                wait_console(hv, n, "spinning")
        time.sleep(1)
        pids = {n: hv.call("GET", f"/vms/{n}")["pid"] for n in names}
        before = {n: cpu_seconds(p) for n, p in pids.items()}
        t0 = time.monotonic()
        time.sleep(SECONDS)
        elapsed = time.monotonic() - t0
        used = {n: (cpu_seconds(p) - before[n]) / elapsed * 100 for n, p in pids.items()}
        share = used["cap25"] / (used["cap25"] + used["cap75"]) * 100
        rows.append((phase, used["cap25"], used["cap75"], used.get("hog"), share))
    for n in ("cap25", "cap75", "hog"):
        hv.call("POST", f"/vms/{n}/stop", {"force": True})
    return rows

def weights(hv):
    """Two spinning VMs of weight 100 and 300 sharing one CPU: the other CPU is
    dedicated to an idle VM, so the shared pool is a single CPU they contend for."""
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        return None
    create(hv, "owner", "sleep 100000", cpus=[cpus[-1]])
    hv.call("POST", "/vms/owner/start")
    spin = "echo spinning; while true; do :; done"
    create(hv, "w100", spin, weight=100)
    create(hv, "w300", spin, weight=300)
    for n in ("w100", "w300"):
        hv.call("POST", f"/vms/{n}/start")
        wait_console(hv, n, "spinning")
    time.sleep(1)
    pids = {n: hv.call("GET", f"/vms/{n}")["pid"] for n in ("w100", "w300")}
    before = {n: cpu_seconds(p) for n, p in pids.items()}
    t0 = time.monotonic()
    time.sleep(SECONDS)
    elapsed = time.monotonic() - t0
    used = {n: (cpu_seconds(p) - before[n]) / elapsed * 100 for n, p in pids.items()}
    remove_all(hv, ["w100", "w300", "owner"])
    return used["w100"], used["w300"], used["w100"] / (used["w100"] + used["w300"]) * 100

def boot_all(hv, prefix, count):
    """Creates and starts `count` idle VMs at once; answers their names and the
    seconds until the last one's guest reached init."""
    names = [f"{prefix}{i}" for i in range(count)]
    for n in names:
        create(hv, n, "sleep 100000")
    t0 = time.monotonic()
    for n in names:
        hv.call("POST", f"/vms/{n}/start")
    last = max(wait_console(hv, n, "isola: init reached", seconds=900) for n in names)
    return names, last - t0

def remove_all(hv, names):
    for n in names:
        hv.call("POST", f"/vms/{n}/stop", {"force": True}, ok=(200, 409))   # 409: it had stopped by itself
        hv.call("DELETE", f"/vms/{n}")

def boot_throughput(hv):
    names, elapsed = boot_all(hv, "boot", BOOTS)
    remove_all(hv, names)
    return BOOTS / elapsed * 60, elapsed

def idle_density(hv):
    names, booted = boot_all(hv, "idle", IDLE)
    time.sleep(3)   # let the last boots settle
    infos = [hv.call("GET", f"/vms/{n}") for n in names]
    pids = [i["pid"] for i in infos]
    before = [cpu_seconds(p) for p in pids]
    t1 = time.monotonic()
    time.sleep(SECONDS)
    elapsed = time.monotonic() - t1
    cpu = [(cpu_seconds(p) - b) / elapsed * 100 for p, b in zip(pids, before)]
    mem = [memory(p) for p in pids]
    infos = [hv.call("GET", f"/vms/{n}") for n in names]
    running = sum(1 for i in infos if i["state"] == "running")
    guest = [i["guestResidentBytes"] / 2**20 for i in infos]
    overhead = [rss / 2**20 - g for (rss, _, _), g in zip(mem, guest)]
    proportional = [pss / 2**20 - g for (_, pss, _), g in zip(mem, guest)]
    private = [anon / 2**20 - g for (_, _, anon), g in zip(mem, guest)]
    with open("/proc/meminfo") as f:
        available = next(int(l.split()[1]) for l in f if l.startswith("MemAvailable")) / 2**20
    remove_all(hv, names)
    return dict(running=running, booted=booted, cpu=cpu, overhead=overhead, proportional=proportional, private=private,
                guest=guest, available=available)

def api_latency(hv):
    create(hv, "api", "sleep 100000")
    hv.call("POST", "/vms/api/start")
    wait_console(hv, "api", "isola: init reached")
    def timed(fn, n):
        out = []
        for _ in range(n):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1000)
        out.sort()
        return out[len(out) // 2], out[int(len(out) * 0.99) - 1]
    get = timed(lambda: hv.call("GET", "/vms/api"), 500)
    lst = timed(lambda: hv.call("GET", "/vms"), 200)
    pause = timed(lambda: (hv.call("POST", "/vms/api/pause"), hv.call("POST", "/vms/api/resume")), 100)
    hv.call("POST", "/vms/api/stop", {"force": True})
    return get, lst, pause

RUNS = int(os.environ.get("RUNS", "3"))

def interposition(hv):
    disk = os.path.join(hv.dir, "read.img")
    with open(disk, "wb") as f:
        f.truncate(128 << 20)
    policies = [("no policy", None),
                ("a rule matching no disk event", {"rules": [{"event": "net", "action": "log"}]}),
                ("a rule allowing every disk read", {"rules": [{"event": "disk", "detail": "read", "action": "allow"}]})]
    rows = []
    for i, (label, policy) in enumerate(policies):
        best = 0.0
        for run in range(RUNS):
            name = f"io{i}-{run}"
            extra = {"disks": [{"path": disk, "readonly": True}]}
            if policy:
                extra["policy"] = policy
            create(hv, name, "dd if=/dev/vda of=/dev/null bs=1M iflag=direct 2>&1 | tail -1; echo dd-done", **extra)
            hv.call("POST", f"/vms/{name}/start")
            wait_console(hv, name, "dd-done")
            text = hv.call("GET", f"/vms/{name}/console").decode(errors="replace")
            m = re.search(r"(\d+) bytes .*copied, ([0-9.]+) seconds", text)   # dd's rate is rounded to 2 digits
            if m and float(m.group(2)) > 0:
                best = max(best, int(m.group(1)) / float(m.group(2)) / 1e6)
            remove_all(hv, [name])
        rows.append((label, best))
    return rows

def main():
    hv = Hypervisor()
    try:
        rows = isolation(hv)
        print(f"\nPerformance isolation ({SECONDS:.0f} s per phase; host CPU % of one CPU, from /proc)")
        print("| phase | cap 25% VM | cap 75% VM | uncapped hog | cap-25 share of the pair (ideal 25) |")
        print("|---|--:|--:|--:|--:|")
        for phase, a, b, hog, share in rows:
            print(f"| {phase} | {a:.1f} | {b:.1f} | {'-' if hog is None else f'{hog:.1f}'} | {share:.1f} |")
        w = weights(hv)
        if w:
            print(f"| weights 100 and 300 on one shared CPU | {w[0]:.1f} (w100) | {w[1]:.1f} (w300) | - | {w[2]:.1f} |")
        rate, elapsed = boot_throughput(hv)
        print(f"\nBoot throughput: {BOOTS} VMs (64 MiB) started at once, all at init in {elapsed:.1f} s: {rate:.0f} VMs/min")
        d = idle_density(hv)
        print(f"\nIdle density: {d['running']} of {IDLE} idle 64 MiB VMs running at once (booted in {d['booted']:.0f} s; "
              f"{d['available']:.1f} GiB of host memory still available)")
        print("| per VM | median | max |")
        print("|---|--:|--:|")
        print(f"| guest RAM touched (MiB) | {statistics.median(d['guest']):.1f} | {max(d['guest']):.1f} |")
        print(f"| worker resident minus guest RAM (MiB; shared code counted whole) | {statistics.median(d['overhead']):.1f} | {max(d['overhead']):.1f} |")
        print(f"| worker proportional (PSS) minus guest RAM (MiB) | {statistics.median(d['proportional']):.1f} | {max(d['proportional']):.1f} |")
        print(f"| worker anonymous memory minus guest RAM (MiB; its own heap, stacks, caches) | {statistics.median(d['private']):.1f} | {max(d['private']):.1f} |")
        print(f"| idle host CPU (% of one CPU) | {statistics.median(d['cpu']):.2f} | {max(d['cpu']):.2f} |")
        get, lst, pause = api_latency(hv)
        print("\nAPI latency (ms)")
        print("| request | p50 | p99 |")
        print("|---|--:|--:|")
        print(f"| GET /vms/{{name}} (running VM) | {get[0]:.2f} | {get[1]:.2f} |")
        print(f"| GET /vms (1 VM) | {lst[0]:.2f} | {lst[1]:.2f} |")
        print(f"| pause + resume | {pause[0]:.2f} | {pause[1]:.2f} |")
        rows = interposition(hv)
        print(f"\nInterposition cost: 128 MiB read with dd iflag=direct (MB/s, best of {RUNS})")
        print("| policy | MB/s | / no policy |")
        print("|---|--:|--:|")
        for label, mbs in rows:
            print(f"| {label} | {mbs:.1f} | {mbs / rows[0][1]:.3f} |")
    finally:
        hv.close()

if __name__ == "__main__":
    main()
