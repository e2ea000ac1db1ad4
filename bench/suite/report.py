#!/usr/bin/env python3
"""The suite's table and plots, from its JSON.

  report.py SUITE.json     print the table again and redraw the plots next to the JSON
"""
import json
import os
import shutil
import subprocess
import sys


def percentile(v, p):
    """Nearest rank, as bench/start_latency.cpp computes it."""
    s = sorted(v)
    i = int(p * (len(s) - 1) + 0.5)
    return s[min(i, len(s) - 1)]


def median(v):
    return round(percentile(v, 0.5), 3) if v else None


def stats(v, unit):
    return {f"p50_{unit}": round(percentile(v, 0.5), 3), f"p90_{unit}": round(percentile(v, 0.9), 3),
            f"p99_{unit}": round(percentile(v, 0.99), 3), f"min_{unit}": round(min(v), 3)}


def fmt(x, digits=2):
    return "–" if x is None else f"{x:.{digits}f}"


def table(res):
    rows = []
    w = res["workloads"]

    def ratio(a, b):
        return "–" if not a or not b else f"{a / b:.3f}"

    if "start" in w and "results" in w["start"]:
        base = {r["network"]: r.get("p50_ms") for r in w["start"]["results"] if r["engine"] == "asup"}
        for r in w["start"]["results"]:
            rows.append([f"start --network {r['network']}", r["label"], r["runs"],
                         fmt(r.get("p50_ms")), fmt(r.get("p90_ms")), fmt(r.get("p99_ms")), "ms",
                         "–" if r["engine"] == "asup" else ratio(base.get(r["network"]) or
                                                                 base.get("none"), r.get("p50_ms"))])
    if "stages" in w:
        s = w["stages"]
        if not s.get("available"):
            rows.append(["stages", "asup", 0, "not available", "", "", "", s.get("reason", s.get("error", ""))])
        else:
            for r in s["results"]:
                for k in s["stages"] + ["TotalMs"]:
                    rows.append([f"stages {r['network']} {k[:-2]}", "asup", r["runs"],
                                 fmt(r["median_ms"].get(k), 3), "", "", "ms", ""])
    if "burst" in w and "results" in w["burst"]:
        base = {r["concurrency"]: r["per_s"] for r in w["burst"]["results"] if r["engine"] == "asup"}
        for r in w["burst"]["results"]:
            rows.append([f"burst x{r['containers']} @{r['concurrency']} rate", r["label"], r["containers"],
                         fmt(r["per_s"], 1), "", "", "/s",
                         "–" if r["engine"] == "asup" else ratio(base.get(r["concurrency"]), r["per_s"])])
            rows.append([f"burst x{r['containers']} @{r['concurrency']} latency", r["label"], r["containers"],
                         fmt(r.get("p50_ms")), fmt(r.get("p90_ms")), fmt(r.get("p99_ms")), "ms", ""])
    if "logs" in w and "results" in w["logs"]:
        base = {}
        for r in w["logs"]["results"]:
            for k in ("capture_mb_s", "readback_mb_s"):
                if r["engine"] == "asup":
                    base[k] = r[k]
                rows.append([f"logs {r['bytes'] // 1000000} MB {k[:-5]}", r["label"], r["runs"], fmt(r[k], 1),
                             "", "", "MB/s", "–" if r["engine"] == "asup" else ratio(base.get(k), r[k])])
    if "pull" in w and "run_pull" in w["pull"]:
        rp = w["pull"]["run_pull"]
        summary = rp.get("summary", {})
        asup = summary.get("asup", {}).get("median_s")
        for e, sm in summary.items():
            rows.append([f"pull {rp.get('image', {}).get('ref', '').rsplit('/', 1)[-1]}",
                         rp.get("labels", {}).get(e, e), sm["runs"], fmt(sm["median_s"], 3),
                         "", "", "s", "–" if e == "asup" else ratio(asup, sm["median_s"])])
    if "scale" in w and "containers" in w["scale"]:
        s = w["scale"]
        rows.append([f"scale x{s['containers']} asupd RSS", "asup", s["containers"],
                     fmt(s["rss_after_kib"] / 1024, 1), "", "", "MiB", f"before {s['rss_before_kib'] / 1024:.1f}"])
        rows.append([f"scale x{s['containers']} per container", "asup", s["containers"],
                     fmt(s["per_container_kib"], 1), "", "", "KiB", ""])
        rows.append([f"scale x{s['containers']} idle ctx switches", "asup", s["containers"],
                     fmt(s["ctxsw_per_s"], 1), "", "", "/s", f"over {s['idle_interval_s']} s"])
    for name, r in w.items():
        if "error" in r:
            rows.append([name, "FAILED", "", "", "", "", "", r["error"][:60]])
    head = ["workload", "engine", "n", "median", "p90", "p99", "unit", "asup/peer"]
    widths = [max(len(str(x)) for x in col) for col in zip(head, *rows)]
    lines = ["  ".join(str(x).ljust(n) for x, n in zip(r, widths)).rstrip() for r in [head] + rows]
    notes = ["asup/peer: asup's median / the peer's (below 1: asup faster for ms, slower for /s and MB/s)"]
    for e, why in res.get("skipped", {}).items():
        notes.append(f"{e} skipped: {why}")
    for n in w.get("burst", {}).get("notes", []):
        notes.append(n)
    for r in w.get("logs", {}).get("results", []):
        short = [b for b in r.get("bytes_read", []) if b != r["bytes"]]
        if short:
            notes.append(f"logs: {r['engine']} read back fewer bytes than written in {len(short)} of "
                         f"{r['runs']} runs (min {min(short)} of {r['bytes']}); read-back MB/s counts "
                         "the bytes returned")
    floor = res.get("machine", {}).get("floor")
    if floor:
        notes.append("machine floor (bench/machine_floor, no engine): "
                     f"fork+exit {fmt(floor.get('fork_exit_wait_ms'))} ms, "
                     f"fork+exec {os.path.basename(str(floor.get('exec')))} "
                     f"{fmt(floor.get('fork_exec_wait_ms'))} ms, "
                     f"page fault {fmt(floor.get('page_fault_us'))} us, "
                     f"syscall {fmt(floor.get('syscall_us'))} us, "
                     f"unshare net {fmt(floor.get('fork_unshare_net_exit_ms'))} ms, "
                     f"unshare mnt+pid+uts+ipc {fmt(floor.get('fork_unshare_mnt_pid_uts_ipc_exit_ms'))} ms")
    return "\n".join(lines + notes)


# --- plots --------------------------------------------------------------------------------


def gp_quote(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def plots(path):
    """Draws next to PATH: -start-cdf, -stages, -burst (PNG and SVG). Returns the files."""
    if not shutil.which("gnuplot"):
        print("bench: gnuplot is missing (tools/install-deps): no plots", file=sys.stderr)
        return []
    with open(path) as f:
        res = json.load(f)
    stem = path[:-5] if path.endswith(".json") else path
    ddir = stem + "-data"
    os.makedirs(ddir, exist_ok=True)
    w = res["workloads"]
    jobs = []  # (name, gnuplot body)

    if "start" in w and w["start"].get("results"):
        series = []
        for i, r in enumerate(w["start"]["results"]):
            v = sorted(r["samples_ms"])
            if not v:
                continue
            fn = os.path.join(ddir, f"start-{i}.dat")
            with open(fn, "w") as f:
                for k, x in enumerate(v):
                    f.write(f"{x} {(k + 1) / len(v)}\n")
            series.append(f"{gp_quote(fn)} using 1:2 with steps lw 2 title "
                          f"{gp_quote(r['label'] + ', ' + r['network'])}")
        if series:
            jobs.append(("start-cdf", "set title 'run --rm busybox true: latency CDF'\n"
                         "set xlabel 'ms, end to end (log scale)'\nset ylabel 'fraction of runs'\n"
                         "set logscale x\nset yrange [0:1]\nset key bottom right\nset grid\n"
                         "plot " + ", \\\n  ".join(series) + "\n"))

    if w.get("stages", {}).get("available"):
        s = w["stages"]
        fn = os.path.join(ddir, "stages.dat")
        with open(fn, "w") as f:
            f.write("network " + " ".join(k[:-2] for k in s["stages"]) + "\n")
            for r in s["results"]:
                f.write(r["network"] + " " + " ".join(str(r["median_ms"].get(k) or 0)
                                                      for k in s["stages"]) + "\n")
        n = len(s["stages"])
        jobs.append(("stages", "set title 'asupd start stages, median ms'\n"
                     "set style data histograms\nset style histogram rowstacked\n"
                     "set style fill solid 0.8 border -1\nset boxwidth 0.5\nset key outside right\n"
                     "set ylabel 'ms'\nset grid y\n"
                     f"plot for [i=2:{n + 1}] {gp_quote(fn)} using i:xtic(1) title columnheader(i)\n"))

    if w.get("burst", {}).get("results"):
        by = {}
        for r in w["burst"]["results"]:
            by.setdefault(r["label"], []).append((r["concurrency"], r["per_s"], r["containers"]))
        series = []
        for i, (label, pts) in enumerate(by.items()):
            fn = os.path.join(ddir, f"burst-{i}.dat")
            with open(fn, "w") as f:
                for c, rate, _m in sorted(pts):
                    f.write(f"{c} {rate}\n")
            series.append(f"{gp_quote(fn)} using 1:2 with linespoints lw 2 pt 7 title "
                          f"{gp_quote(f'{label} ({pts[0][2]} containers)')}")
        jobs.append(("burst", "set title 'burst: containers/s until all exited'\n"
                     "set xlabel 'concurrency'\nset ylabel 'containers/s (log scale)'\n"
                     "set logscale y\nset grid\nset key outside right\nset xtics ("
                     + ", ".join(str(c) for c in sorted({r['concurrency'] for r in w['burst']['results']}))
                     + ")\nplot " + ", \\\n  ".join(series) + "\n"))

    files = []
    png = "pngcairo" if "pngcairo" in subprocess.run(
        ["gnuplot", "-e", "set terminal"], capture_output=True, text=True).stderr else "png"
    for name, body in jobs:
        for term, ext in ((f"{png} size 1000,600", "png"), ("svg size 1000,600 dynamic", "svg")):
            fn = f"{stem}-{name}.{ext}"
            script = f"set terminal {term}\nset output {gp_quote(fn)}\n{body}"
            p = subprocess.run(["gnuplot"], input=script, capture_output=True, text=True)
            if p.returncode != 0:
                print(f"bench: gnuplot failed for {fn}: {p.stderr.strip()}", file=sys.stderr)
            else:
                files.append(fn)
    return files


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        print(table(json.load(f)))
    for p in plots(sys.argv[1]):
        print(f"bench: plot {p}", file=sys.stderr)
