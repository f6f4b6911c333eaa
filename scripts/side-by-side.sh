#!/usr/bin/env bash
# logsift beside other template miners on the same corpora, in one session: `logsift
# templates` with one thread (file and stdin) and two threads, and the peers' harness
# (drain3-rs, logdrain, the read-and-tokenize floors sol-tokens2 and sol-bufread, then Drain3
# with and without masking on the first PY_LIMIT lines). The fast tools run in ROUNDS
# alternating rounds and each keeps its best round, so that a slow spell of a shared machine
# does not fall on one tool only. Prints one table per corpus with each tool's ratio to
# logsift.
#
# usage: scripts/side-by-side.sh [CORPUS...]
#   Default corpora: 1M-line HDFS and mix corpora from gen_corpus.py, generated into $WORK
#   when missing.
#
# Needs the shared benchmark kit next to the repository (../shared/bench/peers and
# ../shared/loghub-2k; set PEERS to its peers directory if it is elsewhere). Without it, only
# the logsift half can run: pass your own corpus and set PEERS=none.
#
# env: WORK (default ${TMPDIR:-/tmp}/logsift-side-by-side), ROUNDS (default 3),
#      PY_LIMIT (lines fed to the Python tools, default 200000), FAST and SLOW (peer lists).
# Timing on a shared machine is noisy: compare the figures of one run with each other. The
# peers' wall time is their harness' timer around the mining loop (process start and imports
# excluded); logsift's is the whole process.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
PEERS=${PEERS:-$root/../shared/bench/peers}
WORK=${WORK:-${TMPDIR:-/tmp}/logsift-side-by-side}
ROUNDS=${ROUNDS:-3}
PY_LIMIT=${PY_LIMIT:-200000}
FAST=${FAST:-sol-tokens2,sol-bufread,drain3-rs,logdrain}
SLOW=${SLOW:-drain3,drain3-mask}
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

once() {  # label cmd... : one run as a JSON row like the peers' harness prints
  local label=$1
  shift
  /usr/bin/time -o "$WORK/time.txt" -f "%e %U %S %M" "$@" >/dev/null 2>&1
  read -r wall usr sys rss <"$WORK/time.txt"
  echo "done: {\"tool\": \"$label\", \"lines\": $lines, \"wall\": $wall, \"cpu\": $(python3 -c "print($usr + $sys)"), \"maxrss_kb\": $rss, \"templates\": $n}"
}

peers() {  # tools... : the peers' harness, one repetition, its rows only
  SKIP_SETUP=${SKIP_SETUP:-0} PEERS_WORK=${PEERS_WORK:-$WORK/peers} REPS=1 PY_LIMIT=$PY_LIMIT \
    bash "$PEERS/run_peers.sh" "$c" "$1" 2>&1 >/dev/null | grep '^done: ' || true
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
  rows="$WORK/rows.txt"
  : >"$rows"
  for r in $(seq "$ROUNDS"); do
    echo "round $r of $ROUNDS, load $(cut -d' ' -f1 /proc/loadavg)" >&2
    {
      once "logsift (file, 1 thread)" "$bin" templates --threads 1 --format json -o /dev/null "$c"
      once "logsift (stdin, 1 thread)" sh -c "cat '$c' | '$bin' templates --threads 1 --format json -o /dev/null"
      once "logsift (file, 2 threads)" "$bin" templates --threads 2 --format json -o /dev/null "$c"
      [ "$PEERS" != none ] && peers "$FAST"
    } >>"$rows"
  done
  if [ "$PEERS" != none ] && [ -n "$SLOW" ]; then
    echo "slow tools on the first $PY_LIMIT lines" >&2
    peers "$SLOW" >>"$rows"
  fi
  python3 - "$rows" <<'PY'
import json, sys
best = {}
for line in open(sys.argv[1]):
    r = json.loads(line[len("done: "):])
    r["wall"] = r.get("secs") or r["wall"]
    lps = r["lines"] / r["wall"] if r["wall"] else 0
    if r["tool"] not in best or lps > best[r["tool"]][0]:
        best[r["tool"]] = (lps, r)
ref = best.get("logsift (file, 1 thread)", (0, None))[0]
print("| tool | lines | wall s | lines/s | CPU s | lines per CPU-s | peak RSS MB | templates | logsift (file, 1 thread) / tool |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
for tool, (lps, r) in sorted(best.items(), key=lambda kv: -kv[1][0]):
    cpu = r.get("cpu_secs") or r.get("cpu") or 0
    tpl = r.get("templates") or "-"
    ratio = f"{ref / lps:.2f}x" if lps else "-"
    print(f"| {tool} | {r['lines']:,} | {r['wall']:.3f} | {lps:,.0f} | {cpu:.2f} | "
          f"{r['lines'] / cpu if cpu else 0:,.0f} | {r['maxrss_kb'] / 1024:.0f} | {tpl} | {ratio} |")
PY
  echo
  echo "one and two threads: $same template tables"
done
