#!/usr/bin/env bash
# Fuzz every target for SECONDS each (default 600), JOBS at a time (default 2), then minimise
# each corpus and print a table of executions and crashes (docs/reliability.md).
#
#   cargo install cargo-fuzz      # once; needs the nightly toolchain
#   bash fuzz/run.sh [SECONDS] [JOBS]
#
# Crashing inputs land in fuzz/artifacts/<target>/; reproduce one with
# `cargo +nightly fuzz run <target> <file>`. The corpus under fuzz/corpus/ is replayed by
# `cargo test` (models/lecture-cnn/tests/fuzz_corpus.rs).
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-600}"
jobs="${2:-2}"
targets=(idx idx_gz cifar_batch cifar_targz image burnpack run_config)
target_dir="${CARGO_TARGET_DIR:-$HOME/.cache/cnn-zoo/target}-fuzz"
logs="${FUZZ_LOGS:-$target_dir/logs}"
mkdir -p "$logs"
fuzz=(cargo +nightly fuzz)
opts=(--sanitizer none --target-dir "$target_dir")
"${fuzz[@]}" build "${opts[@]}"

run_one() {
    local t="$1"
    mkdir -p "corpus/$t"
    "${fuzz[@]}" run "${opts[@]}" "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -max_len=65536 -rss_limit_mb=2048 -timeout=20 \
        -print_final_stats=1 >"$logs/$t.log" 2>&1 || true
}
running=0
for t in "${targets[@]}"; do
    run_one "$t" &
    running=$((running + 1))
    if ((running >= jobs)); then
        wait -n
        running=$((running - 1))
    fi
done
wait

printf '| target | seconds | executions | crashes | corpus files (minimised) |\n|---|---|---|---|---|\n'
for t in "${targets[@]}"; do
    "${fuzz[@]}" cmin "${opts[@]}" "$t" "corpus/$t" -- -max_len=65536 >"$logs/$t.cmin.log" 2>&1 || true
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$logs/$t.log" | awk '{print $2}' | tail -1)
    crashes=$( (find "artifacts/$t" -type f 2>/dev/null || true) | wc -l)
    files=$(find "corpus/$t" -type f | wc -l)
    printf '| %s | %s | %s | %s | %s |\n' "$t" "$seconds" "${runs:-?}" "$crashes" "$files"
done
