#!/usr/bin/env python3
"""CI check of a quick suite run: check.py OUT_DIR

Passes when OUT_DIR holds one suite-*.json with every workload present and without error
(stages may be "not available" on an asupd without StartStages). Asserts nothing about
speed.
"""
import glob
import json
import sys

WORKLOADS = ["start", "stages", "burst", "logs", "pull", "scale"]


def main(out_dir):
    files = sorted(glob.glob(f"{out_dir}/suite-*.json"))
    if len(files) != 1:
        return f"expected one suite-*.json in {out_dir}, found {files}"
    with open(files[0]) as f:
        res = json.load(f)
    for k in ("machine", "engines", "git_revision"):
        if k not in res:
            return f"{files[0]}: no {k}"
    w = res.get("workloads", {})
    for name in WORKLOADS:
        if name not in w:
            return f"{files[0]}: workload {name} missing"
        if "error" in w[name]:
            return f"{files[0]}: workload {name} failed: {w[name]['error']}"
    start = {r["network"]: r for r in w["start"]["results"] if r["engine"] == "asup"}
    if set(start) != {"bridge", "none"} or any(not r["samples_ms"] for r in start.values()):
        return "start: asup samples missing for bridge or none"
    if not w["stages"].get("available") and not w["stages"].get("reason"):
        return "stages: neither results nor a reason"
    if not any(r["engine"] == "asup" and r["latencies_ms"] for r in w["burst"]["results"]):
        return "burst: no asup latencies"
    if not any(r["engine"] == "asup" and r["runs"] for r in w["logs"]["results"]):
        return "logs: no asup runs"
    if "asup" not in w["pull"].get("run_pull", {}).get("summary", {}):
        return "pull: no asup sample"
    if not w["scale"].get("rss_after_kib"):
        return "scale: no RSS"
    print(f"check: {files[0]}: every workload present")
    return None


if __name__ == "__main__":
    err = main(sys.argv[1])
    if err:
        print(f"check: {err}", file=sys.stderr)
        sys.exit(1)
