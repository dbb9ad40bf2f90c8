#!/usr/bin/env python3
"""The per-op table of zoo-kernels' criterion benchmarks: each op's median time with Burn's stock
op and with the zoo's kernel, and the speed-up, as Markdown.

    cargo bench -p zoo-kernels --features flex
    python3 bench/kernel-table.py [CRITERION_DIR]

CRITERION_DIR defaults to `<cargo target dir>/criterion` (cargo metadata says where that is).
"""
import json
import subprocess
import sys
from pathlib import Path


def target_dir():
    meta = subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        check=True, capture_output=True, text=True,
    )
    return Path(json.loads(meta.stdout)["target_directory"])


def median_ms(path):
    return json.loads(path.read_text())["median"]["point_estimate"] / 1e6


def main():
    root = Path(sys.argv[1]) if len(sys.argv) > 1 else target_dir() / "criterion"
    rows = []
    for group in sorted(p for p in root.iterdir() if p.is_dir() and p.name != "report"):
        for kind in sorted(p for p in group.iterdir() if p.is_dir() and p.name != "report"):
            stock = kind / "stock" / "new" / "estimates.json"
            fast = kind / "fast" / "new" / "estimates.json"
            if stock.exists() and fast.exists():
                s, f = median_ms(stock), median_ms(fast)
                # lecture_conv1 -> lecture/conv1 (criterion replaced the slash)
                name = group.name.replace("_", "/", 1)
                rows.append(f"| {name} | {kind.name} | {s:.2f} | {f:.2f} | {s / f:.1f}x |")
    if not rows:
        sys.exit(f"{root}: no stock/fast results; run `cargo bench -p zoo-kernels --features flex`")
    print("| op | measure | Burn's op (ms) | zoo-kernels (ms) | speed-up |")
    print("|---|---|---|---|---|")
    print("\n".join(rows))


if __name__ == "__main__":
    main()
