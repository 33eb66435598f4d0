#!/usr/bin/env bash
# Run every fuzz target (or the ones named) for SECONDS each, JOBS at a time.
#
#   fuzz/run.sh SECONDS [JOBS] [TARGET...]        (make fuzz FUZZ_SECONDS=600)
#
# Works on stable Rust: cargo-fuzz wants nightly only for `-Zsanitizer`, so the targets are
# built without a sanitizer (`-s none`; Rust is memory safe, a panic is the crash we look
# for, and debug assertions + overflow checks stay on) and RUSTC_BOOTSTRAP=1 lets cargo-fuzz
# pass its remaining `-Z` flags to the stable compiler. The built binaries are libFuzzer
# executables, run directly so that several can run side by side without cargo's lock.
#
# Per target: corpus in fuzz/corpus/<t> (grown from fuzz/seeds/<t>), crashes in
# fuzz/artifacts/<t>/, the log in fuzz/logs/<t>.log; a summary line per target at the end.
# Exit status 1 when a target crashed (or timed out on an input).
set -uo pipefail
cd "$(dirname "$0")"
SECS=${1:-60}
JOBS=${2:-2}
shift $(( $# < 2 ? $# : 2 ))
export RUSTC_BOOTSTRAP=1
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    mapfile -t TARGETS < <(cargo fuzz list)
fi
cargo fuzz build -s none || exit 2
BIN=target/x86_64-unknown-linux-gnu/release
mkdir -p logs
run_one() {
    local t=$1
    mkdir -p "corpus/$t" "artifacts/$t"
    local seeds=()
    [ -d "seeds/$t" ] && seeds=("seeds/$t")
    # -timeout: one input running 10 s is a hang; -max_len: readers get room for a few
    # documents; -rss_limit_mb: an input that makes a reader use 2 GiB is a bug too.
    "$BIN/$t" "corpus/$t" "${seeds[@]}" -max_total_time="$SECS" -timeout=10 -max_len=16384 \
        -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="artifacts/$t/" >"logs/$t.log" 2>&1
    local rc=$?
    local runs cov corp
    runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "logs/$t.log" | grep -o '[0-9]*$')
    cov=$(grep -E '^#[0-9]+' "logs/$t.log" | tail -1 | grep -o 'cov: [0-9]* ft: [0-9]*')
    corp=$(ls "corpus/$t" | wc -l)
    # Crashes, timeouts and out-of-memory inputs fail the run; a slow unit (the slowest input
    # when it took a second or more) is written too but is only worth a look.
    local bad slow
    bad=$(find "artifacts/$t" -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' -o -name 'leak-*' | wc -l)
    slow=$(find "artifacts/$t" -name 'slow-unit-*' | wc -l)
    printf '%-12s rc=%s runs=%s secs=%s %s corpus=%s crashes=%s slow-units=%s\n' "$t" "$rc" "${runs:-?}" \
        "$SECS" "${cov:-?}" "$corp" "$bad" "$slow"
    return $rc
}
export -f run_one
export BIN SECS
printf '%s\n' "${TARGETS[@]}" | xargs -P "$JOBS" -I{} bash -c 'run_one {}' | tee logs/summary.txt
# The targets' scratch directories (fuzz/src/lib.rs `scratch`, one per process) of fuzzers
# no longer running.
for d in /dev/shm/ieval-fuzz-* "${TMPDIR:-/tmp}"/ieval-fuzz-*; do
    [ -d "$d" ] && ! kill -0 "${d##*-}" 2>/dev/null && rm -rf "$d"
done
! grep -qv ' rc=0 ' logs/summary.txt
