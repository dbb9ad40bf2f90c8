#!/usr/bin/env bash
# Keeps the shared target directory from filling the disk: every rebuild of a test or binary
# leaves its old executable (up to ~700 MB each with wgpu) in release/deps. Removes all but the
# newest executable of each name (the build about to run replaces it: ~30 of them are ~17 GB);
# libraries (.rlib, .rmeta, .so) are kept, so nothing of the Burn stack is rebuilt.
set -euo pipefail
deps="${CARGO_TARGET_DIR:-$HOME/.cache/cnn-zoo/target}/release/deps"
[ -d "$deps" ] || exit 0
find "$deps" -maxdepth 1 -type f -executable ! -name '*.so' -printf '%T@ %p\n' \
    | sort -rn \
    | awk '{ name = $2; sub(/-[0-9a-f]+$/, "", name); if (seen[name]++ >= 1) print $2 }' \
    | xargs -r rm -f
