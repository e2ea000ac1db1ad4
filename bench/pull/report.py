#!/usr/bin/env python3
"""Summarises bench/run-pull's samples: prints the table and writes the JSON result file.

Usage: report.py SAMPLES.tsv META.tsv IMAGE_INFO.json OUT.json
  SAMPLES.tsv  lines "engine<TAB>round<TAB>seconds<TAB>busy", busy = how busy the machine was
               (by anything) in the 0.5 s before the sample: max of CPU and scratch-disk use, %
  META.tsv     lines "key<TAB>value"; keys "skipped.ENGINE" name engines not measured and why,
               "failed.ENGINE" a pull that failed (the engine was dropped from later rounds),
               "label.ENGINE" the row's description
"""
import json
import statistics
import sys

ORDER = ["asup", "skopeo", "podman", "docker"]


def main():
    samples_path, meta_path, info_path, out_path = sys.argv[1:5]
    samples, busy = {}, {}
    with open(samples_path) as f:
        for line in f:
            engine, _round, seconds, busy_pct = line.rstrip("\n").split("\t")
            samples.setdefault(engine, []).append(float(seconds))
            busy.setdefault(engine, []).append(int(busy_pct))
    meta = {}
    with open(meta_path) as f:
        for line in f:
            key, _, value = line.rstrip("\n").partition("\t")
            meta[key] = value
    with open(info_path) as f:
        image = json.load(f)

    summary = {}
    for engine, xs in samples.items():
        summary[engine] = {"runs": len(xs), "median_s": statistics.median(xs),
                           "min_s": min(xs), "max_s": max(xs)}
    asup = summary.get("asup", {}).get("median_s")

    named = {k.split(".", 1)[1] for k in meta if k.startswith(("skipped.", "failed."))}
    engines = sorted(set(samples) | named,
                     key=lambda e: (ORDER.index(e) if e in ORDER else len(ORDER), e))
    label_width = max([len(meta.get("label." + e, e)) for e in engines] + [6])
    print(f"image: {image['compressed_bytes'] / 1e6:.1f} MB compressed, "
          f"{image['uncompressed_bytes'] / 1e6:.1f} MB uncompressed, "
          f"{len(image['layers'])} layers ({meta.get('image.ref', '')})")
    print(f"{'engine':<{label_width}}  runs  median     min     max  asup/engine")
    for e in engines:
        label = meta.get("label." + e, e)
        if e not in summary:
            why = meta.get("skipped." + e) or meta.get("failed." + e, "not measured")
            print(f"{label:<{label_width}}  skipped: {why}")
            continue
        s = summary[e]
        ratio = f"{asup / s['median_s']:.2f}" if asup is not None and e != "asup" else "–"
        s["asup_ratio"] = None if ratio == "–" else round(asup / s["median_s"], 4)
        print(f"{label:<{label_width}}  {s['runs']:>4}  {s['median_s']:6.3f}  {s['min_s']:6.3f}"
              f"  {s['max_s']:6.3f}  {ratio:>11}")
    for e in engines:
        if "failed." + e in meta:
            print(f"FAILED: {e}: {meta['failed.' + e]}")
    print("seconds, wall clock of the whole command; asup/engine = asup median / engine median")
    limit = int(meta.get("busy_limit_pct", 15))
    noisy = sum(b >= limit for bs in busy.values() for b in bs)
    if noisy:
        print(f"warning: {noisy} of {sum(map(len, busy.values()))} samples started on a machine "
              f"already >= {limit} % busy (CPU or disk; other work running); see busy_before_pct")

    result = {
        "benchmark": "pull",
        "date": meta.get("date"),
        "command": meta.get("command"),
        "machine": {k.split(".", 1)[1]: v for k, v in meta.items() if k.startswith("machine.")},
        "versions": {k.split(".", 1)[1]: v for k, v in meta.items() if k.startswith("version.")},
        "image": dict(image, ref=meta.get("image.ref")),
        "runs": int(meta.get("runs", 0)),
        "warmup_rounds": int(meta.get("warmup", 0)),
        "labels": {e: meta.get("label." + e, e) for e in engines},
        "skipped": {k.split(".", 1)[1]: v for k, v in meta.items() if k.startswith("skipped.")},
        "failed": {k.split(".", 1)[1]: v for k, v in meta.items() if k.startswith("failed.")},
        "notes": [v for k, v in sorted(meta.items()) if k.startswith("note.")],
        "samples_s": samples,
        "busy_before_pct": busy,
        "summary": summary,
    }
    with open(out_path, "w") as f:
        json.dump(result, f, indent=2, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
