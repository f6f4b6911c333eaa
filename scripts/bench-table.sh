#!/usr/bin/env bash
# Runs the criterion benches with short warm-up and measurement times and prints one Markdown
# table of their throughputs (the median of criterion's estimate), for benches/README.md.
#
# usage: scripts/bench-table.sh [BENCH...]     (default: every bench in benches/)
#
# Environment: WARM_UP (seconds, default 1), MEASURE (seconds, default 3). Timing on a shared
# machine is noisy: compare figures of one run with each other, not with another run's.
set -euo pipefail
cd "$(dirname "$0")/.."
WARM_UP=${WARM_UP:-1}
MEASURE=${MEASURE:-3}
if [ "$#" -gt 0 ]; then
  benches=("$@")
else
  benches=()
  for f in benches/*.rs; do benches+=("$(basename "$f" .rs)"); done
fi
out=$(mktemp)
trap 'rm -f "$out"' EXIT
echo "commit $(git rev-parse --short HEAD), $(date -u +%FT%TZ), load $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores" >&2
for b in "${benches[@]}"; do
  echo "running bench $b" >&2
  cargo bench --quiet --bench "$b" -- --warm-up-time "$WARM_UP" --measurement-time "$MEASURE" \
    --noplot 2>/dev/null | sed "s/^/$b\t/" >>"$out"
done
python3 - "$out" <<'PY'
import re, sys
rows, name, in_change = [], None, False
for raw in open(sys.argv[1], encoding="utf-8", errors="replace"):
    bench, _, line = raw.rstrip("\n").partition("\t")
    # Criterion's comparison with the previous run repeats time/thrpt lines: skip them.
    if re.match(r"^\s+change:", line):
        in_change = True
        continue
    if in_change and re.match(r"^\s+(time|thrpt):", line):
        continue
    in_change = False
    m = re.match(r"^(\S.*?)\s+time:\s+\[(.*)\]", line)
    if m:
        name, time = m.group(1), m.group(2).split()
        rows.append([bench, name, time[2] + " " + time[3], ""])
        continue
    if line and not line[0].isspace():
        name = line.strip()
        continue
    m = re.match(r"^\s+time:\s+\[(.*)\]", line)
    if m and name:
        t = m.group(1).split()
        rows.append([bench, name, t[2] + " " + t[3], ""])
        continue
    m = re.match(r"^\s+thrpt:\s+\[(.*)\]", line)
    if m and rows:
        t = m.group(1).split()
        rows[-1][3] = t[2] + " " + t[3]
print("| bench | function | time (median) | throughput (median) |")
print("|---|---|---:|---:|")
for r in rows:
    print("| " + " | ".join(r) + " |")
PY
