#!/usr/bin/env bash
# A model crate with default features off must pull in burn (std) and nothing heavy: no
# training, no command line, no backend. Checks the dependency graph, then compiles the libraries
# alone with that feature set.
set -euo pipefail
forbidden='burn-train|burn-flex|burn-ndarray|burn-wgpu|burn-cuda|burn-cpu|cubecl|clap|zoo-train|zoo-cli|zoo-datasets|ratatui'
for crate in lecture-cnn vgg16; do
    tree=$(cargo tree -p "$crate" --no-default-features -e normal --prefix none)
    if grep -Eq "^($forbidden) " <<<"$tree"; then
        echo "error: $crate with default features off depends on:" >&2
        grep -E "^($forbidden) " <<<"$tree" | sort -u >&2
        exit 1
    fi
    echo "$crate (no default features): $(sort -u <<<"$tree" | wc -l) crates, none of: $forbidden"
done
cargo check --release -p lecture-cnn -p vgg16 --lib --no-default-features
