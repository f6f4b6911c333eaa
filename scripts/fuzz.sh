#!/usr/bin/env bash
# Runs logsift's fuzz targets (fuzz/, cargo-fuzz and libFuzzer) and reports what they did.
#
#   scripts/fuzz.sh MINUTES [TARGET...]
#
# Builds every target once, then runs the given targets (default: all) for MINUTES minutes
# each, two at a time, and prints a table: target, minutes, executions, executions per
# second, crashes, timeouts, out-of-memory kills and the fuzzer's exit status. Each fuzzer's
# output goes to fuzz/logs/<target>.log. New corpus entries go to fuzz/corpus-tmp/<target>;
# the seeds in fuzz/corpus/<target> are read, never written. Exits 1 when any new artifact
# (a crash, timeout or OOM input) appeared in fuzz/artifacts/<target>/, 2 on a usage or
# build error.
#
# Environment:
#   FUZZ_SANITIZER  address (default) or none, passed to `cargo fuzz build -s`
#   FUZZ_JOBS       fuzzers running at once (default 2)
#
# cargo-fuzz needs nightly compiler flags. On a stable toolchain they are allowed with
# RUSTC_BOOTSTRAP=1, which this script sets unless it is already set.

set -euo pipefail

usage() {
    echo "usage: scripts/fuzz.sh MINUTES [TARGET...]" >&2
    echo "targets: ${ALL[*]}" >&2
    exit 2
}

cd "$(dirname "$0")/.."
# The targets are the [[bin]] names of fuzz/Cargo.toml (the package name has a hyphen).
mapfile -t ALL < <(sed -n 's/^name = "\([a-z_]*\)"$/\1/p' fuzz/Cargo.toml)

if ((BASH_VERSINFO[0] < 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] < 1))); then
    echo "scripts/fuzz.sh needs bash 5.1 or later (for wait -n -p)" >&2
    exit 2
fi

[[ $# -ge 1 ]] || usage
MINUTES=$1
shift
[[ $MINUTES =~ ^[0-9]+([.][0-9]+)?$ ]] || usage
SECS=$(awk -v m="$MINUTES" 'BEGIN { s = int(m * 60 + 0.5); print (s < 1 ? 1 : s) }')
TARGETS=("$@")
[[ ${#TARGETS[@]} -gt 0 ]] || TARGETS=("${ALL[@]}")
for t in "${TARGETS[@]}"; do
    [[ " ${ALL[*]} " == *" $t "* ]] || { echo "unknown target: $t" >&2; usage; }
done

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo-fuzz is not installed. Install it with:" >&2
    echo "    cargo install cargo-fuzz --locked" >&2
    echo "then run this script again." >&2
    exit 2
fi

SANITIZER=${FUZZ_SANITIZER:-address}
JOBS=${FUZZ_JOBS:-2}
export RUSTC_BOOTSTRAP=${RUSTC_BOOTSTRAP:-1}
TRIPLE=$(rustc -vV | sed -n 's/^host: //p')
BIN=fuzz/target/$TRIPLE/release

echo "building the fuzz targets (sanitizer: $SANITIZER)..." >&2
if ! cargo fuzz build -s "$SANITIZER"; then
    echo "the build failed; if the sanitizer is the problem, try FUZZ_SANITIZER=none" >&2
    exit 2
fi

mkdir -p fuzz/logs
declare -A BEFORE=() STATUS=() TARGET_OF=()
for t in "${TARGETS[@]}"; do
    mkdir -p "fuzz/artifacts/$t" "fuzz/corpus-tmp/$t" "fuzz/corpus/$t"
    BEFORE[$t]=$(ls -A "fuzz/artifacts/$t" | sort)
done

# Stop the fuzzers this script started if it is interrupted.
cleanup() {
    for p in "${!TARGET_OF[@]}"; do
        kill "$p" 2>/dev/null || true
    done
}
trap cleanup INT TERM EXIT

start() {
    local t=$1
    echo "fuzzing $t for $MINUTES min..." >&2
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_odr_violation=0" \
        "$BIN/$t" \
        -artifact_prefix="fuzz/artifacts/$t/" \
        -max_total_time="$SECS" \
        -rss_limit_mb=2048 \
        -timeout=10 \
        -print_final_stats=1 \
        "fuzz/corpus-tmp/$t" "fuzz/corpus/$t" >"fuzz/logs/$t.log" 2>&1 &
    TARGET_OF[$!]=$t
}

# Waits for one fuzzer to end and keeps its exit status.
reap() {
    local pid rc
    set +e
    wait -n -p pid
    rc=$?
    set -e
    STATUS[${TARGET_OF[$pid]}]=$rc
    unset "TARGET_OF[$pid]"
}

for t in "${TARGETS[@]}"; do
    while [[ ${#TARGET_OF[@]} -ge $JOBS ]]; do
        reap
    done
    start "$t"
done
while [[ ${#TARGET_OF[@]} -gt 0 ]]; do
    reap
done
trap - INT TERM EXIT

found=0
printf '%-14s %7s %14s %9s %8s %9s %5s %5s\n' \
    target minutes executions exec/s crashes timeouts OOMs exit
for t in "${TARGETS[@]}"; do
    log="fuzz/logs/$t.log"
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
    if [[ -z $execs ]]; then
        # Killed before the final stats (a crash): the last status line has the count.
        execs=$(grep -o '^#[0-9]*' "$log" | tail -n 1 | tr -d '#')
    fi
    new=$(comm -13 <(printf '%s\n' "${BEFORE[$t]}") <(ls -A "fuzz/artifacts/$t" | sort) |
        sed '/^$/d')
    crashes=$(grep -c -E '^(crash|leak)-' <<<"$new" || true)
    timeouts=$(grep -c -E '^(timeout|slow-unit)-' <<<"$new" || true)
    ooms=$(grep -c -E '^oom-' <<<"$new" || true)
    [[ -z $new ]] || found=1
    status=${STATUS[$t]:-?}
    printf '%-14s %7s %14s %9s %8s %9s %5s %5s\n' \
        "$t" "$MINUTES" "${execs:--}" "${rate:--}" "$crashes" "$timeouts" "$ooms" "$status"
done

if [[ $found -ne 0 ]]; then
    echo "new artifacts in fuzz/artifacts/: reproduce one with" >&2
    echo "    RUSTC_BOOTSTRAP=1 cargo fuzz run TARGET fuzz/artifacts/TARGET/FILE" >&2
    exit 1
fi
