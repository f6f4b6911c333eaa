#!/usr/bin/env bash
# logsift beside other template miners on the same corpora, in one session: `logsift
# templates` with one thread (file and stdin) and two threads, best of REPS, then the peers'
# harness (Drain3 with and without masking, drain3-rs, logdrain, and the read-and-tokenize
# floors sol-tokens2 and sol-bufread).
#
# usage: scripts/side-by-side.sh [CORPUS...]
#   Default corpora: 1M-line HDFS and mix corpora from gen_corpus.py, generated into $WORK
#   when missing.
#
# Needs the shared benchmark kit next to the repository (../shared/bench/peers and
# ../shared/loghub-2k; set PEERS to its peers directory if it is elsewhere). Without it, only
# the logsift half can run: pass your own corpus and set PEERS=none.
#
# env: WORK (default ${TMPDIR:-/tmp}/logsift-side-by-side), REPS (default 3),
#      PY_LIMIT (lines fed to the Python tools, default 200000), TOOLS (peer list).
# Timing on a shared machine is noisy: compare the figures of one run with each other.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
PEERS=${PEERS:-$root/../shared/bench/peers}
WORK=${WORK:-${TMPDIR:-/tmp}/logsift-side-by-side}
REPS=${REPS:-3}
PY_LIMIT=${PY_LIMIT:-200000}
TOOLS=${TOOLS:-sol-tokens2,sol-bufread,drain3-rs,logdrain,drain3,drain3-mask}
mkdir -p "$WORK"

corpora=("$@")
if [ "${#corpora[@]}" -eq 0 ]; then
  if [ ! -f "$PEERS/gen_corpus.py" ]; then
    echo "side-by-side: no corpus given and no $PEERS/gen_corpus.py to make one" >&2
    exit 2
  fi
  for d in HDFS mix; do
    f="$WORK/${d,,}_1m.log"
    if [ ! -s "$f" ]; then
      echo "generating $f" >&2
      python3 "$PEERS/gen_corpus.py" --loghub "$PEERS/../../loghub-2k" --dataset "$d" \
        -n 1000000 -o "$f" >&2
    fi
    corpora+=("$f")
  done
fi

cargo build --quiet --release --bin logsift
bin="$root/target/release/logsift"
echo "commit $(git rev-parse --short HEAD), $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores"

best() {  # label cmd... : best wall of REPS runs, with its CPU time and peak RSS
  local label=$1 line best_line="" best_wall=""
  shift
  for _ in $(seq "$REPS"); do
    /usr/bin/time -o "$WORK/time.txt" -f "%e %U %S %M" "$@" >/dev/null 2>&1
    line=$(tail -1 "$WORK/time.txt")
    local wall=${line%% *}
    if [ -z "$best_wall" ] || python3 -c "import sys; sys.exit(0 if $wall < $best_wall else 1)"; then
      best_wall=$wall
      best_line=$line
    fi
  done
  read -r wall usr sys rss <<<"$best_line"
  echo "$label $wall $usr $sys $rss"
}

for c in "${corpora[@]}"; do
  lines=$(wc -l <"$c")
  mb=$(python3 -c "import os; print(round(os.path.getsize('$c') / 1e6, 1))")
  echo
  echo "## $(basename "$c"): $lines lines, $mb MB"
  echo
  "$bin" templates --threads 1 --format json -o "$WORK/t1.json" "$c"
  "$bin" templates --threads 2 --format json -o "$WORK/t2.json" "$c"
  cmp -s "$WORK/t1.json" "$WORK/t2.json" && same=identical || same=DIFFERENT
  n=$(python3 -c "import json; print(len(json.load(open('$WORK/t1.json'))))")
  echo "| logsift run | wall s | lines/s | CPU s | lines per CPU-s | peak RSS MB | templates |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  {
    best "templates-file-1-thread" "$bin" templates --threads 1 --format json -o /dev/null "$c"
    best "templates-stdin-1-thread" sh -c "cat '$c' | '$bin' templates --threads 1 --format json -o /dev/null"
    best "templates-file-2-threads" "$bin" templates --threads 2 --format json -o /dev/null "$c"
  } | while read -r label wall usr sys rss; do
    python3 -c "
l, w, u, s, r = $lines, $wall, $usr, $sys, $rss
print(f'| $label | {w:.2f} | {l / w:,.0f} | {u + s:.2f} | {l / (u + s):,.0f} | {r / 1024:.0f} | $n |')"
  done
  echo
  echo "one and two threads: $same template tables"
  if [ "$PEERS" != none ]; then
    echo
    SKIP_SETUP=${SKIP_SETUP:-0} PEERS_WORK=${PEERS_WORK:-$WORK/peers} REPS=2 PY_LIMIT=$PY_LIMIT \
      bash "$PEERS/run_peers.sh" "$c" "$TOOLS"
  fi
done
