#!/usr/bin/env bash
# Runs the release binary on hostile inputs and prints a Markdown table: the case, the input's
# size, the exit code, the peak RSS, the wall time, the outcome (the first line of stderr, or
# "report written") and whether that is what docs/bad-input.md says should happen.
#
#   bash scripts/adversarial.sh            # every case (writes about 1.2 GB under $TMPDIR)
#   CASES='fifo|directory' bash scripts/adversarial.sh     # only the groups whose name matches
#
# Builds target/release/logsift if it is missing. Works in a directory under ${TMPDIR:-/tmp}
# and deletes it (and unmounts the small tmpfs of the disk-full case) on exit. Every run has a
# timeout; a panic (exit 101), a timeout or an outcome other than the documented one fails the
# case, and the script exits 1 if any case failed.
set -euo pipefail

cd "$(dirname "$0")/.."
BIN=${LOGSIFT_BIN:-$PWD/target/release/logsift}
if [ ! -x "$BIN" ]; then
    cargo build --release --bin logsift >&2
fi
for tool in /usr/bin/time timeout gzip zstd iconv mkfifo awk; do
    command -v "$tool" >/dev/null || { echo "adversarial.sh: needs $tool" >&2; exit 2; }
done

WORK=$(mktemp -d "${TMPDIR:-/tmp}/logsift-adversarial.XXXXXX")
MNT=""
WRITER=""
cleanup() {
    if [ -n "$WRITER" ]; then kill "$WRITER" 2>/dev/null || true; wait "$WRITER" 2>/dev/null || true; fi
    if [ -n "$MNT" ] && mountpoint -q "$MNT"; then umount "$MNT" || true; fi
    rm -rf "$WORK"
}
trap cleanup EXIT

export NO_COLOR=1
unset OPENAI_API_KEY OPENAI_BASE_URL LOGSIFT_POST_URL
CASES=${CASES:-.}
shopt -s nocasematch
FAILED=0
ROWS=()

human() { # bytes -> 1.0 GiB / 50.0 MiB / 12 KiB
    awk -v b="$1" 'BEGIN {
        if (b >= 1073741824) printf "%.1f GiB", b / 1073741824;
        else if (b >= 1048576) printf "%.1f MiB", b / 1048576;
        else if (b >= 1024) printf "%d KiB", b / 1024;
        else printf "%d B", b }'
}

# A plausible log of N lines with timestamps over an hour, ERRORs in its last ten minutes.
gen_log() {
    awk -v n="$1" 'BEGIN {
        for (i = 0; i < n; i++) {
            s = int(i * 3600 / n); m = int(s / 60); s = s % 60;
            if (m >= 50 && i % 7 == 0)
                printf "2026-11-27 13:%02d:%02d,000 ERROR [main] app.db.Pool: connection to db-%d timed out after %d ms\n", m, s, i % 3, 1000 + i % 500;
            else
                printf "2026-11-27 13:%02d:%02d,000 INFO  [main] app.web.Access: GET /api/items/%d status=200 duration=%dms\n", m, s, i, i % 40;
        }
    }'
}

# run_case NAME SIZE_BYTES TIMEOUT_S EXPECT_CODE STDERR_REGEX REPORT_REGEX STDIN_FILE -- ARGS...
# STDERR_REGEX: must match stderr ('' = stderr may say anything); REPORT_REGEX: must match the
# report written with -o ('' = no report expected). STDIN_FILE: a file or FIFO for stdin, or -
# for none. ARGS get `-o REPORT --llm off` appended unless they already hold -o.
run_case() {
    local name=$1 size=$2 limit=$3 want_code=$4 want_err=$5 want_report=$6 stdin=$7
    shift 8
    local report="$WORK/report.txt" err="$WORK/stderr" timing="$WORK/time"
    rm -f "$report" "$err" "$timing"
    local args=("$@")
    if [[ " ${args[*]} " != *" -o "* ]]; then args+=(-o "$report"); fi
    args+=(--llm off)
    local code=0
    if [ "$stdin" = - ]; then
        /usr/bin/time -f '%M %e' -o "$timing" timeout -k 5 "$limit" "$BIN" "${args[@]}" \
            </dev/null 2>"$err" || code=$?
    else
        /usr/bin/time -f '%M %e' -o "$timing" timeout -k 5 "$limit" "$BIN" "${args[@]}" \
            <"$stdin" 2>"$err" || code=$?
    fi
    # /usr/bin/time writes "Command exited with non-zero status N" before its own line.
    local rss_kb wall
    read -r rss_kb wall < <(tail -n 1 "$timing")
    local outcome
    outcome=$(grep -v '^Command exited' "$err" | head -n 1 | sed "s|$WORK/||g" | cut -c1-110 || true)
    if [ -z "$outcome" ]; then outcome="report written"; fi
    local verdict=pass why=""
    if [ "$code" -eq 101 ]; then verdict=fail; why="panic"
    elif [ "$code" -eq 124 ] || [ "$code" -eq 137 ]; then verdict=fail; why="timeout ${limit}s"
    elif [ "$code" -ne "$want_code" ]; then verdict=fail; why="exit $code, expected $want_code"
    elif [ -n "$want_err" ] && ! grep -Eq "$want_err" "$err"; then verdict=fail; why="stderr lacks /$want_err/"
    elif [ -n "$want_report" ] && ! { [ -s "$report" ] && grep -Eq "$want_report" "$report"; }; then
        verdict=fail; why="report lacks /$want_report/"
    elif [ -z "$want_report" ] && [ -s "$report" ]; then verdict=fail; why="a report was written"
    fi
    [ "$verdict" = pass ] || FAILED=1
    ROWS+=("| $name | $(human "$size") | $code | $(awk -v k="$rss_kb" 'BEGIN {printf "%.0f MiB", k / 1024}') | ${wall} s | ${outcome//|/\\|} | $verdict${why:+ ($why)} |")
    echo "adversarial.sh: $name: $verdict${why:+ ($why)}" >&2
}

GIB=$((1024 * 1024 * 1024))
MIB=$((1024 * 1024))
CUT='line\(s\) longer than 65536 bytes were cut'

# One 1 GiB line amid ordinary ones, from a pipe and from a file. It is cut at
# --max-line-bytes (64 KiB); the lines around it are analysed as usual.
if [[ "one 1 GiB line" =~ $CASES ]]; then
    gen_log 50000 >"$WORK/before.log"
    gen_log 50000 | sed 's/^2026-11-27 13:/2026-11-27 14:/' >"$WORK/after.log"
    big_line() {
        cat "$WORK/before.log"
        printf '2026-11-27 13:59:59,000 ERROR [main] app.Dump: payload='
        head -c "$GIB" /dev/zero | tr '\0' x
        echo
        cat "$WORK/after.log"
    }
    size=$(($(stat -c %s "$WORK/before.log") + $(stat -c %s "$WORK/after.log") + 56 + GIB))
    mkfifo "$WORK/line.fifo"
    big_line >"$WORK/line.fifo" &
    run_case "one 1 GiB line (stdin)" "$size" 300 0 "$CUT" '^logsift review' "$WORK/line.fifo" -- -
    wait || true
    big_line >"$WORK/line.log"
    run_case "one 1 GiB line (file)" "$size" 300 0 "$CUT" '^logsift review' - -- "$WORK/line.log"
    rm -f "$WORK/line.log" "$WORK/line.fifo" "$WORK/before.log" "$WORK/after.log"
fi

# 100 MiB of random bytes: about 400,000 "lines" of binary, nearly all unique.
if [[ "100 MiB of /dev/urandom" =~ $CASES ]]; then
    head -c $((100 * MIB)) /dev/urandom >"$WORK/random.bin"
    run_case "100 MiB of /dev/urandom" $((100 * MIB)) 600 0 '' '^logsift review' - -- "$WORK/random.bin"
    rm -f "$WORK/random.bin"
fi

# 50 MiB of NUL bytes: one line without a newline, cut at 64 KiB. One line has no timeline
# to find an incident in: exit 2, said on stderr, no report.
if [[ "50 MiB of NUL bytes" =~ $CASES ]]; then
    head -c $((50 * MIB)) /dev/zero >"$WORK/nul.bin"
    run_case "50 MiB of NUL bytes" $((50 * MIB)) 120 2 'timeline is too short' '' - -- "$WORK/nul.bin"
    rm -f "$WORK/nul.bin"
fi

# Archives cut in the middle: the lines before the cut are analysed and the damage reported
# (exit 2), never a silent short read.
if [[ "truncated .gz .zst" =~ $CASES ]]; then
    gen_log 400000 >"$WORK/app.log"
    gzip -c "$WORK/app.log" >"$WORK/full.gz"
    zstd -q -c "$WORK/app.log" >"$WORK/full.zst"
    for ext in gz zst; do
        size=$(stat -c %s "$WORK/full.$ext")
        head -c $((size / 2)) "$WORK/full.$ext" >"$WORK/cut.$ext"
        run_case "truncated .$ext" $((size / 2)) 120 2 'truncated or corrupt.*lines before that point were read' \
            '^logsift review' - -- "$WORK/cut.$ext"
    done
    rm -f "$WORK"/full.* "$WORK"/cut.* "$WORK/app.log"
fi

# A file that grows while it is read: what was there when it was opened is analysed.
if [[ "growing file" =~ $CASES ]]; then
    gen_log 300000 >"$WORK/grow.log"
    ( while :; do gen_log 2000 >>"$WORK/grow.log"; sleep 0.05; done ) &
    WRITER=$!
    size=$(stat -c %s "$WORK/grow.log")
    run_case "growing file (writer appending)" "$size" 120 0 '' '^logsift review' - -- "$WORK/grow.log"
    kill "$WRITER" 2>/dev/null || true
    wait "$WRITER" 2>/dev/null || true
    WRITER=""
    rm -f "$WORK/grow.log"
fi

# A FIFO given as a path, written by another process.
if [[ "FIFO" =~ $CASES ]]; then
    gen_log 100000 >"$WORK/fifo.src"
    mkfifo "$WORK/logs.fifo"
    cat "$WORK/fifo.src" >"$WORK/logs.fifo" &
    run_case "FIFO as a path" "$(stat -c %s "$WORK/fifo.src")" 120 0 '' '^logsift review' - -- "$WORK/logs.fifo"
    wait || true
    rm -f "$WORK/fifo.src" "$WORK/logs.fifo"
fi

if [[ "directory" =~ $CASES ]]; then
    mkdir -p "$WORK/dir"
    run_case "a directory" 0 30 2 'is a directory' '' - -- "$WORK/dir"
fi

# Latin-1 text (é as the single byte 0xE9) and UTF-16LE with a byte-order mark.
if [[ "Latin-1 UTF-16LE" =~ $CASES ]]; then
    gen_log 20000 | sed 's/GET/GET caf\xe9 na\xefve/' >"$WORK/latin1.log"
    run_case "Latin-1 bytes" "$(stat -c %s "$WORK/latin1.log")" 60 0 '' '^logsift review' - -- "$WORK/latin1.log"
    { printf '\xff\xfe'; gen_log 20000 | iconv -f UTF-8 -t UTF-16LE; } >"$WORK/utf16.log"
    # Decoded: the report names the ERROR template in plain text.
    run_case "UTF-16LE with BOM" "$(stat -c %s "$WORK/utf16.log")" 60 0 '' 'timed out after' - -- "$WORK/utf16.log"
    rm -f "$WORK/latin1.log" "$WORK/utf16.log"
fi

# A million lines of unique random words with room for only 1,000 templates: the report says
# that templates were evicted.
if [[ "1M unique lines, --max-clusters 1000" =~ $CASES ]]; then
    # Each random byte becomes one of 26 letters (256 = 9 * 26 + 22: a slight bias, no matter).
    letters=$(printf 'abcdefghijklmnopqrstuvwxyz%.0s' 1 2 3 4 5 6 7 8 9 10 | cut -c1-256)
    head -c 28000000 /dev/urandom | tr '\000-\377' "$letters" | fold -w 7 | paste -d ' ' - - - - |
        head -n 1000000 |
        awk '{ printf "2026-11-27 13:%02d:%02d,000 INFO  [main] app.Worker: %s\n", int(NR * 60 / 1000001), NR % 60, $0 }' \
            >"$WORK/unique.log"
    run_case "1M unique lines, --max-clusters 1000" "$(stat -c %s "$WORK/unique.log")" 600 0 '' \
        'cluster\(s\) were evicted at --max-clusters 1000' - -- "$WORK/unique.log" --max-clusters 1000
    rm -f "$WORK/unique.log"
fi

# Writing the report to a full disk: a 64 KiB tmpfs, filled first (root only), else /dev/full.
if [[ "disk full" =~ $CASES ]]; then
    gen_log 20000 >"$WORK/small.log"
    MNT="$WORK/full"
    mkdir -p "$MNT"
    if [ "$(id -u)" = 0 ] && mount -t tmpfs -o size=64k tmpfs "$MNT" 2>/dev/null; then
        head -c 64k /dev/zero >"$MNT/filler" 2>/dev/null || true
        run_case "-o on a full 64 KiB tmpfs" "$(stat -c %s "$WORK/small.log")" 60 2 \
            'could not write the output: No space left on device' '' - -- "$WORK/small.log" -o "$MNT/report.txt"
        umount "$MNT"
    else
        run_case "-o /dev/full (no tmpfs: not root)" "$(stat -c %s "$WORK/small.log")" 60 2 \
            'could not write the output: No space left on device' '' - -- "$WORK/small.log" -o /dev/full
    fi
    MNT=""
    rm -f "$WORK/small.log"
fi

echo
echo "\`$BIN\` $("$BIN" --version | cut -d' ' -f2), $(nproc) CPU(s), $(date -u +%Y-%m-%dT%H:%MZ)"
echo
echo "| case | input | exit | peak RSS | wall | outcome | expected |"
echo "|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
exit "$FAILED"
