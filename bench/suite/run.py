#!/usr/bin/env python3
"""The suite's workloads, run by tools/bench against engines it has set up.

Each engine is a directory under --engines with `cmd` (the command prefix, one argument a
line), `label`, `version` and engine-specific files (asup: `pid`; podman: `network`,
`run_opts`; crun/runc: `bundle`), or `skipped` with the reason. Writes
OUT/suite-DATE.json with every sample, then prints the table and draws the plots
(report.py).
"""
import argparse
import concurrent.futures
import datetime
import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import report  # noqa: E402

STAGES = ["ImageMs", "RootfsMs", "CgroupMs", "CloneMs", "NetworkMs", "InitReadyMs", "ExecMs"]


def note(msg):
    print(f"bench: {msg}", file=sys.stderr, flush=True)


def read(path, default=""):
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return default


class Engine:
    def __init__(self, name, d):
        self.name = name
        self.dir = d
        self.cmd = read(os.path.join(d, "cmd")).split("\n")
        self.label = read(os.path.join(d, "label"), name)
        self.version = read(os.path.join(d, "version"))
        self.seq = 0

    def f(self, name):
        return read(os.path.join(self.dir, name))

    def run_true(self, network):
        """The argv of one `run --rm IMAGE true`, and the cleanup argv after it (or None)."""
        if self.name in ("crun", "runc"):
            self.seq += 1
            cid = f"asupbench{os.getpid()}-{self.seq}"
            return self.cmd + ["run", "--bundle", self.f("bundle"), cid], None
        net = ["--network", network]
        if self.name == "podman":
            if network == "bridge":
                net = ["--network", self.f("network")]
            net += self.f("run_opts").split("\n")
        return self.cmd + ["run", "--rm"] + net + ["busybox", "true"], None

    def networks(self):
        return ["none"] if self.name in ("crun", "runc") else ["bridge", "none"]


def timed(argv, **kw):
    t0 = time.monotonic()
    p = subprocess.run(argv, stdout=kw.pop("stdout", subprocess.DEVNULL),
                       stderr=subprocess.PIPE, **kw)
    t1 = time.monotonic()
    if p.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited {p.returncode}: "
                           f"{p.stderr.decode(errors='replace').strip()[-400:]}")
    return (t1 - t0) * 1e3, p


def out(argv):
    return subprocess.run(argv, check=True, capture_output=True, text=True).stdout


# --- workloads ----------------------------------------------------------------------------


def w_start(engines, opt):
    """`run --rm busybox true`, end to end; engines and networks in turn for every sample."""
    n = opt.runs
    pairs = [(e, net) for e in engines for net in e.networks()]
    samples = {(e.name, net): [] for e, net in pairs}
    failed = set()
    for i in range(opt.warmup + n):
        for e, net in pairs:
            if (e.name, net) in failed:
                continue
            argv, _ = e.run_true(net)
            try:
                ms, _ = timed(argv, timeout=120)
            except (RuntimeError, subprocess.TimeoutExpired) as err:
                note(f"start: {e.name} --network {net} failed, dropped: {err}")
                failed.add((e.name, net))
                continue
            if i >= opt.warmup:
                samples[(e.name, net)].append(ms)
        if (i + 1) % 50 == 0:
            note(f"start: {i + 1}/{opt.warmup + n}")
    results = []
    for e, net in pairs:
        v = samples[(e.name, net)]
        r = {"engine": e.name, "label": e.label, "network": net, "runs": len(v),
             "samples_ms": [round(x, 3) for x in v]}
        if (e.name, net) in failed:
            r["failed"] = True
        if v:
            r.update(report.stats(v, "ms"))
        results.append(r)
    return {"what": "`run --rm [--network none] busybox true`, spawn to exit of the CLI",
            "warmup": opt.warmup, "results": results}


def w_stages(engines, opt):
    """asupd's own stage durations from `inspect` .StartStages (asup only)."""
    a = engines[0]
    n = opt.stage_runs
    per = {"bridge": [], "none": []}
    for i in range(n):
        for net in per:
            name = f"stage{os.getpid()}-{net}-{i}"
            timed(a.cmd + ["run", "-d", "--name", name, "--network", net, "busybox", "true"])
            timed(a.cmd + ["wait", name])
            info = json.loads(out(a.cmd + ["inspect", name]))
            timed(a.cmd + ["rm", name])
            st = info[0].get("StartStages") if info else None
            if not st:
                return {"available": False,
                        "reason": "this asupd's inspect has no StartStages"}
            per[net].append({k: st.get(k) for k in STAGES + ["TotalMs"]})
    results = []
    for net, v in per.items():
        med = {k: report.median([s[k] for s in v if s.get(k) is not None]) for k in
               STAGES + ["TotalMs"]}
        results.append({"network": net, "runs": len(v), "median_ms": med, "samples": v})
    return {"available": True, "stages": STAGES, "results": results}


def burst_one(e, m, conc):
    lat = []

    def one(_):
        argv, _c = e.run_true("bridge")
        ms, _p = timed(argv, timeout=600)
        return ms

    t0 = time.monotonic()
    errors = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=conc) as pool:
        for f in [pool.submit(one, i) for i in range(m)]:
            try:
                lat.append(f.result())
            except Exception as err:  # noqa: BLE001 - one failed container is counted
                errors += 1
                if errors == 1:
                    note(f"burst: {e.name}: {err}")
    wall = time.monotonic() - t0
    r = {"engine": e.name, "label": e.label, "concurrency": conc, "containers": m,
         "failed": errors, "wall_s": round(wall, 4),
         "per_s": round((m - errors) / wall, 2), "latencies_ms": [round(x, 3) for x in lat]}
    if lat:
        r.update(report.stats(lat, "ms"))
    return r


def w_burst(engines, opt):
    """M short containers at each concurrency; engines in turn per concurrency level."""
    results, notes = [], []
    peers = [e for e in engines if e.name in ("docker", "podman")]
    if peers:
        notes.append(f"docker/podman run {opt.peer_burst} containers per level "
                     f"(asup: {opt.burst}): they start ~5 per second")
    for e in engines:
        if e.name in ("crun", "runc"):
            notes.append(f"{e.name}: burst not measured (bare bundle runs share one config)")
    for conc in opt.concurrency:
        for e in [engines[0]] + peers:
            m = opt.burst if e.name == "asup" else opt.peer_burst
            r = burst_one(e, m, conc)
            note(f"burst: {e.name} x{m} at {conc}: {r['per_s']}/s")
            results.append(r)
    return {"what": "`run --rm busybox true` (default network), M at once", "notes": notes,
            "concurrency": opt.concurrency, "results": results}


def w_logs(engines, opt):
    """A container writes N MB to stdout: capture MB/s (run to wait), read-back MB/s."""
    nbytes = opt.log_mb * 1_000_000
    # busybox dd writes 1 MB a call; `head | tr` wrote ~140 MB/s and was the bottleneck.
    # Its statistics go to stderr, thrown away so that the logs hold exactly N MB of NULs.
    script = f"dd if=/dev/zero bs=1000000 count={opt.log_mb} 2>/dev/null"
    todo = [e for e in engines if e.name in ("asup", "docker")]
    per = {e.name: {"capture_s": [], "readback_s": [], "bytes_read": [], "short_read_notes": []}
           for e in todo}
    ring = max(256, opt.log_mb + 56)
    for _ in range(opt.log_runs):
        for e in todo:
            extra = ["--log-size", f"{ring}m"] if e.name == "asup" else []
            t0 = time.monotonic()
            cid = out(e.cmd + ["run", "-d"] + extra + ["busybox", "sh", "-c", script]).strip()
            timed(e.cmd + ["wait", cid])
            t1 = time.monotonic()
            # Into a file, as `logs ID > file`: a pipe read here would time this reader.
            dest = os.path.join(opt.tmp, "logs-readback")
            with open(dest, "wb") as f:
                t2 = time.monotonic()
                p = subprocess.run(e.cmd + ["logs", cid], stdout=f, stderr=subprocess.PIPE)
                ms = (time.monotonic() - t2) * 1e3
            got, err = os.path.getsize(dest), p.stderr.decode(errors="replace")
            os.unlink(dest)
            if p.returncode != 0:
                raise RuntimeError(f"logs exited {p.returncode}: {err.strip()[-400:]}")
            per[e.name]["bytes_read"].append(got)
            if got != nbytes:
                note(f"logs: {e.name} read back {got} of {nbytes} bytes: {err.strip()[-200:]}")
                per[e.name]["short_read_notes"].append(err.strip()[-400:])
            timed(e.cmd + ["rm", "-f", cid])
            per[e.name]["capture_s"].append(round(t1 - t0, 4))
            per[e.name]["readback_s"].append(round(ms / 1e3, 4))
    results = []
    for e in todo:
        p = per[e.name]
        cap = [nbytes / 1e6 / s for s in p["capture_s"]]
        # Read-back counts the bytes that came back, which a short read makes fewer.
        rb = [b / 1e6 / s for b, s in zip(p["bytes_read"], p["readback_s"])]
        results.append({"engine": e.name, "label": e.label, "bytes": nbytes,
                        "runs": len(cap), **p,
                        "capture_mb_s": report.median(cap), "readback_mb_s": report.median(rb),
                        "capture_mb_s_samples": [round(x, 2) for x in cap],
                        "readback_mb_s_samples": [round(x, 2) for x in rb]})
    return {"what": f"{opt.log_mb} MB to stdout (busybox dd, 1 MB writes of NULs); "
                    "capture = run to wait returning; "
                    "read-back = bytes that `logs ID > file` wrote / its time", "results": results}


def w_pull(engines, opt):
    argv = [os.path.join(opt.repo, "bench/run-pull")]
    if opt.quick:
        argv.append("--quick")
    if opt.no_peers:
        argv.append("--asup-only")
    env = dict(os.environ)
    if opt.docker_host:
        env["DOCKER_HOST"] = opt.docker_host
        argv.append("--no-private-dockerd")
    argv.append(opt.build)
    p = subprocess.run(argv, cwd=opt.repo, env=env, capture_output=True, text=True)
    sys.stderr.write(p.stdout + p.stderr)
    m = re.search(r"run-pull: wrote (\S+)", p.stderr)
    if not m:
        raise RuntimeError(f"bench/run-pull exited {p.returncode} without results")
    src = os.path.join(opt.repo, m.group(1))
    dest = os.path.join(opt.out, os.path.basename(src))
    if os.path.realpath(src) != os.path.realpath(dest):
        shutil.move(src, dest)
    with open(dest) as f:
        data = json.load(f)
    return {"command": " ".join(argv), "exit": p.returncode, "file": dest, "run_pull": data}


def task_ctxsw(pid):
    total = 0
    for st in glob.glob(f"/proc/{pid}/task/*/status"):
        try:
            with open(st) as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def vm_rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def w_scale(engines, opt):
    a = engines[0]
    pid = int(a.f("pid"))
    k = opt.scale
    time.sleep(1)
    before = vm_rss_kib(pid)
    ids = []
    t0 = time.monotonic()
    try:
        for i in range(k):
            ids.append(out(a.cmd + ["run", "-d", "busybox", "sleep", "3600"]).strip())
            if (i + 1) % 200 == 0:
                note(f"scale: {i + 1}/{k} running")
        start_s = time.monotonic() - t0
        time.sleep(opt.idle_s)
        after = vm_rss_kib(pid)
        c0 = task_ctxsw(pid)
        time.sleep(opt.idle_s)
        c1 = task_ctxsw(pid)
        after2 = vm_rss_kib(pid)
    finally:
        t1 = time.monotonic()
        for i in range(0, len(ids), 100):
            subprocess.run(a.cmd + ["rm", "-f"] + ids[i:i + 100], capture_output=True)
        rm_s = time.monotonic() - t1
    return {"containers": k, "start_all_s": round(start_s, 3), "remove_all_s": round(rm_s, 3),
            "rss_before_kib": before, "rss_after_kib": after, "rss_after_idle_kib": after2,
            "per_container_kib": round((after - before) / k, 2),
            "idle_interval_s": opt.idle_s, "ctxsw": [c0, c1],
            "ctxsw_per_s": round((c1 - c0) / opt.idle_s, 2)}


# --- main ---------------------------------------------------------------------------------


def machine():
    def cpu():
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
        return platform.processor()
    mem = 0
    for line in open("/proc/meminfo"):
        if line.startswith("MemTotal"):
            mem = int(line.split()[1])
    osname = ""
    for line in open("/etc/os-release"):
        if line.startswith("PRETTY_NAME="):
            osname = line.split("=", 1)[1].strip().strip('"')
    return {"kernel": platform.release(), "cpu": cpu(), "cores": os.cpu_count(),
            "memory_gib": round(mem / 1048576, 1), "os": osname,
            "loadavg_start": open("/proc/loadavg").read().split()[:3]}


def machine_floor(opt):
    """What the kernel alone charges for the steps of a start (bench/machine_floor.cpp)."""
    tool = os.path.join(opt.build, "machine_floor")
    if not os.path.exists(tool):
        return None
    n = "10" if opt.quick else "50"
    p = subprocess.run([tool, "--exec", os.path.join(opt.build, "asup-init"), "-n", n],
                       capture_output=True, text=True, timeout=300)
    return json.loads(p.stdout) if p.returncode == 0 else None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--engines", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--tmp", required=True)
    ap.add_argument("--repo", required=True)
    ap.add_argument("--only", default="start,stages,burst,logs,pull,scale")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--no-peers", action="store_true")
    ap.add_argument("--runs", type=int)
    ap.add_argument("--burst", type=int)
    ap.add_argument("--peer-burst", type=int)
    ap.add_argument("--scale", type=int)
    ap.add_argument("--log-mb", type=int)
    ap.add_argument("--docker-host")
    opt = ap.parse_args()
    q = opt.quick
    opt.runs = opt.runs or (5 if q else 200)
    opt.warmup = 1 if q else 3
    opt.stage_runs = 3 if q else min(opt.runs, 50)
    opt.burst = opt.burst or (20 if q else 1000)
    opt.peer_burst = opt.peer_burst or (4 if q else 100)
    opt.concurrency = [4] if q else [32, 64, 128]
    opt.log_mb = opt.log_mb or (2 if q else 200)
    opt.log_runs = 1 if q else 3
    opt.scale = opt.scale or (10 if q else 1000)
    opt.idle_s = 1 if q else 10

    order = ["asup", "docker", "podman", "crun", "runc"]
    engines, skipped = [], {}
    for name in order:
        d = os.path.join(opt.engines, name)
        if not os.path.isdir(d):
            continue
        if os.path.exists(os.path.join(d, "skipped")):
            skipped[name] = read(os.path.join(d, "skipped"))
        else:
            engines.append(Engine(name, d))
    assert engines and engines[0].name == "asup"

    started = datetime.datetime.now(datetime.timezone.utc)
    res = {
        "suite": 1,
        "date": started.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "command": "tools/bench " + " ".join(sys.argv[1:]),
        "quick": q,
        "options": {k: getattr(opt, k) for k in ("runs", "warmup", "stage_runs", "burst",
                                                  "peer_burst", "concurrency", "log_mb",
                                                  "log_runs", "scale", "idle_s")},
        "machine": dict(machine(), floor=machine_floor(opt)),
        "git_revision": engines[0].version,
        "engines": {e.name: {"label": e.label, "version": e.version} for e in engines},
        "skipped": skipped,
        "workloads": {},
    }
    funcs = {"start": w_start, "stages": w_stages, "burst": w_burst, "logs": w_logs,
             "pull": w_pull, "scale": w_scale}
    failed = []
    # scale first: its "before" is then a fresh asupd's RSS, not the high-water mark the
    # other workloads leave in its heap.
    order = ["scale", "start", "stages", "burst", "logs", "pull"]
    for w in sorted(opt.only.split(","), key=order.index):
        note(f"workload {w}")
        t0 = time.monotonic()
        try:
            r = funcs[w](engines, opt)
        except Exception as err:  # noqa: BLE001 - reported, recorded, and the run fails
            note(f"{w} failed: {err}")
            r = {"error": str(err)}
            failed.append(w)
        r["duration_s"] = round(time.monotonic() - t0, 2)
        res["workloads"][w] = r
    res["machine"]["loadavg_end"] = open("/proc/loadavg").read().split()[:3]
    path = os.path.join(opt.out, f"suite-{started.strftime('%Y%m%dT%H%M%SZ')}"
                                 f"{'-quick' if q else ''}.json")
    with open(path, "w") as f:
        json.dump(res, f, indent=1)
    print(report.table(res))
    for p in report.plots(path):
        note(f"plot {p}")
    note(f"wrote {path}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
