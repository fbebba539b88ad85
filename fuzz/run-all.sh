#!/usr/bin/env bash
# Runs every fuzz target for SECONDS seconds each, one after the other, on
# one core, over corpora seeded by examples/fuzz_seeds.rs; prints one line
# per target (executions, new corpus entries, findings) for FUZZING.md.
# Usage: [TARGETS="a b"] fuzz/run-all.sh SECONDS [extra cargo-fuzz flags,
# e.g. --sanitizer none]
# Runs the binaries cargo-fuzz built. A finding stops the script with the target's status; libFuzzer leaves
# the input under fuzz/artifacts/<target>/.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:?seconds per target}"
shift
export RUSTC_BOOTSTRAP=1
# The fuzzers live in fuzz/target (the binaries are run from there below).
unset CARGO_TARGET_DIR
cargo run -q --example fuzz_seeds -- fuzz/corpus >/dev/null
cd fuzz
cargo fuzz build -O "$@"
mkdir -p logs
triple="$(rustc -vV | sed -n 's/^host: //p')"
for target in ${TARGETS:-$(cargo fuzz list)}; do
    log="logs/$target.log"
    status=0
    # The binary itself, not `cargo fuzz run`: that would rebuild on
    # every source change made while the campaign runs.
    mkdir -p "artifacts/$target"
    "target/$triple/release/$target" "corpus/$target" \
        -artifact_prefix="artifacts/$target/" -max_total_time="$seconds" -rss_limit_mb=2048 -timeout=60 \
        -print_final_stats=1 >"$log" 2>&1 || status=$?
    runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo "?")
    echo "$target: ${seconds}s, ${runs} executions, corpus $(ls "corpus/$target" | wc -l) inputs, exit $status"
    if [ "$status" != 0 ]; then
        tail -40 "$log"
        exit "$status"
    fi
done
