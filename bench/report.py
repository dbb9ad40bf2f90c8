#!/usr/bin/env python3
"""Merges bench/compare's results into one Markdown table with speed ratios.

    python bench/report.py RESULTS_DIR

RESULTS_DIR holds `<workload>.torch.json` and `<workload>.keras.json` (bench/frameworks.py)
and `<workload>.zoo.json` (the zoo's `bench --json`, one entry per backend). Ratios are speeds:
above 1 the zoo backend is faster than the framework, below 1 slower (for latency: the
framework's milliseconds over the zoo's).
"""
import json
import sys
from pathlib import Path

WORKLOADS = ["lecture-cnn", "vgg16-32", "vgg16-224"]
FRAMEWORKS = ["torch", "keras"]


def fmt(value, unit):
    return f"{value:,.2f} ms" if unit == "ms" else f"{value:,.0f} img/s" if value >= 100 else f"{value:,.1f} img/s"


def measures(result):
    """(name, value, unit) of each measure of one result, zoo or framework."""
    return [
        (f"train step, batch {result['train_batch_size']}", result["train_images_per_second"], "img/s"),
        (f"inference, batch {result['infer_batch_size']}", result["infer_images_per_second"], "img/s"),
        ("latency, batch 1", result["latency"]["median_ms"], "ms"),
    ]


def short(framework):
    """'PyTorch 2.15.0+cu132' -> 'PyTorch'."""
    return framework.split(" ")[0]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    root = Path(sys.argv[1])

    def load(name):
        path = root / name
        return json.loads(path.read_text()) if path.exists() else None

    lines, versions = [], {}
    for workload in WORKLOADS:
        zoo = load(f"{workload}.zoo.json")
        if zoo is None:
            continue
        others = [r for r in (load(f"{workload}.{f}.json") for f in FRAMEWORKS) if r is not None]
        versions.update({short(r["framework"]): r["framework"] for r in others})
        backends = [f"zoo {r['backend']}" for r in zoo["results"]]
        names = [short(r["framework"]) for r in others]
        if not lines:
            ratio_cols = [f"{b} / {n}" for b in backends for n in names]
            lines.append("| workload | measure | " + " | ".join(backends + names + ratio_cols) + " |")
            lines.append("|---" * (2 + len(backends) + len(names) + len(ratio_cols)) + "|")
        shape = "x".join(str(d) for d in zoo["results"][0]["input"])
        for i, (measure, _, unit) in enumerate(measures(zoo["results"][0])):
            ours = [measures(r)[i][1] for r in zoo["results"]]
            theirs = [measures(r)[i][1] for r in others]
            ratios = [(t / o if unit == "ms" else o / t) for o in ours for t in theirs]
            cells = [fmt(v, unit) for v in ours + theirs] + [f"{r:.2f}x" for r in ratios]
            label = f"{workload} ({shape})" if i == 0 else ""
            lines.append(f"| {label} | {measure} | " + " | ".join(cells) + " |")
    if not lines:
        sys.exit(f"{root}: no results (expected <workload>.zoo.json files)")
    print("\n".join(lines))
    if versions:
        print("\n" + "; ".join(versions.values()) + ".")


if __name__ == "__main__":
    main()
