#!/usr/bin/env bash
# End-to-end test of the Spark path (contrib/spark/logsift_spark.py) against one logsift run.
#
# Creates a Python venv with PySpark (from PyPI; Java 17 must be on PATH), builds the release
# binary, makes a 2M-line scenario (../shared/bench/shift_scenarios.py next to the repository
# when present, else a generated log), runs the single-process report, then the Spark job in
# local[2] mode with 1, 4 and 16 partitions, and checks that each report has the same
# templates, counts, window and flagged list. Prints the timings, the state size per partition
# against its input size, and the time to merge the 16 partition states with one
# `logsift merge-state`.
#
# Environment: SPARK_VENV (default /tmp/spark-venv), E2E_LINES (2000000), E2E_DIR (a work
# directory; default a fresh temporary one), E2E_PARTITIONS ("1 4 16"), LOGSIFT_BIN (a built
# binary; default: cargo build --release).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
venv="${SPARK_VENV:-/tmp/spark-venv}"
lines="${E2E_LINES:-2000000}"
parts="${E2E_PARTITIONS:-1 4 16}"
work="${E2E_DIR:-$(mktemp -d /tmp/logsift-e2e-spark.XXXXXX)}"
mkdir -p "$work"

now() { python3 -c 'import time; print("%.3f" % time.monotonic())'; }
since() { python3 -c "print('%.1f' % ($(now) - $1))"; }

command -v java >/dev/null || { echo "e2e-spark: java not found (PySpark needs Java 17)" >&2; exit 2; }
if [[ ! -x "$venv/bin/python" ]]; then
  echo "e2e-spark: creating $venv"
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import pyspark' 2>/dev/null; then
  echo "e2e-spark: installing pyspark (a few minutes)"
  "$venv/bin/pip" install -q pyspark
fi
spark_submit="$venv/bin/spark-submit"
export PYSPARK_PYTHON="$venv/bin/python" PYSPARK_DRIVER_PYTHON="$venv/bin/python"

bin="${LOGSIFT_BIN:-}"
if [[ -z "$bin" ]]; then
  cargo build --release --locked --quiet
  bin="$root/target/release/logsift"
fi

log="$work/scenario.log"
bench="$root/../shared/bench/shift_scenarios.py"
if [[ ! -s "$log" ]]; then
  if [[ -f "$bench" ]]; then
    echo "e2e-spark: generating the HDFS scenario, $lines lines (seed 7)"
    python3 "$bench" --dataset HDFS --seed 7 --lines "$lines" --out "$work" --no-line-truth >/dev/null
  else
    echo "e2e-spark: ../shared/bench not found; generating a synthetic log of $lines lines"
    python3 - "$log" "$lines" <<'EOF'
import random, sys, datetime as dt
out, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
start = dt.datetime(2026, 11, 27, 13, 0, 0)
base = ["dfs.DataNode$PacketResponder: PacketResponder {c} for block blk_{a} terminating",
        "dfs.DataNode$DataXceiver: Receiving block blk_{a} src: /10.250.{b}.{c}:50010",
        "dfs.FSNamesystem: BLOCK* NameSystem.allocateBlock: /user/job_{a}/part-{c}. blk_{a}",
        "dfs.DataNode: Served block blk_{a} to /10.251.{b}.{c}",
        "dfs.FSDataset: Deleting block blk_{a} file /mnt/hadoop/dfs/data/current/blk_{a}"]
spike = "dfs.DataNode$DataXceiver: writeBlock blk_{a} received exception java.io.IOException"
new = "dfs.FSNamesystem: BLOCK* ask 10.250.{b}.{c}:50010 to delete blk_{a}"
span = 75 * 60
with open(out, "w") as f:
    for i in range(n):
        t = i * span / n
        incident = t >= 60 * 60
        r = rng.random()
        if incident and r < 0.02:
            tpl = new
        elif r < (0.08 if incident else 0.01):
            tpl = spike
        else:
            tpl = rng.choice(base)
        ts = start + dt.timedelta(seconds=t)
        msg = tpl.format(a=rng.randrange(10**12), b=rng.randrange(256), c=rng.randrange(256))
        lvl = "WARN" if tpl is spike else "INFO"
        f.write("%s %d %s %s\n" % (ts.strftime("%y%m%d %H%M%S"), rng.randrange(30000), lvl, msg))
EOF
  fi
fi
# The incident start: the scenario's ground truth, or the synthetic log's fixed boundary.
if [[ -f "$work/truth.json" ]]; then
  start=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['incident']['start']['header'])" "$work/truth.json")
else
  start="261127 140000"
fi
input_bytes=$(stat -c %s "$log")
echo "e2e-spark: input $log: $(wc -l <"$log") lines, $input_bytes bytes; incident starts at '$start'"

t=$(now)
"$bin" "$log" --incident-start "$start" --format json --llm off -q -o "$work/single.json"
single_s=$(since "$t")
"$bin" templates "$log" --format json -q -o "$work/single-templates.json"
echo "e2e-spark: single process: ${single_s}s"

status=0
declare -A spark_s
for n in $parts; do
  rm -rf "$work/parts-$n"
  t=$(now)
  "$spark_submit" --master 'local[2]' --driver-memory 2g --conf spark.ui.enabled=false \
    --conf spark.log.level=WARN --files "$bin" contrib/spark/logsift_spark.py "$log" \
    --partitions "$n" --incident-start "$start" --format json -o "$work/spark-$n.json" \
    --state-out "$work/spark-$n.state" --save-partials "$work/parts-$n" \
    --timings "$work/timings-$n.json" --llm off -q 2>"$work/spark-$n.stderr" \
    || { echo "e2e-spark: the Spark job failed with $n partitions:" >&2; tail -30 "$work/spark-$n.stderr" >&2; exit 1; }
  spark_s[$n]=$(since "$t")
  "$bin" templates --load-state "$work/spark-$n.state" --format json -q -o "$work/spark-$n-templates.json"
  if ! python3 - "$work" "$n" <<'EOF'
import json, sys
work, n = sys.argv[1], sys.argv[2]
def load(p):
    with open(p) as f:
        return json.load(f)
def report(p):
    r = load(p)
    return {
        "totals": {k: r["totals"][k] for k in ("lines", "events", "templates", "evicted_clusters")},
        "inputs": [(i["name"], i["format"], i["lines"], i["events"], i["first"], i["last"], i["levels"]) for i in r["inputs"]],
        "window": [(w["start_ms"], w["end_ms"], w["events"]) for w in (r["window"]["baseline"], r["window"]["incident"])],
        "flagged": [(f["kind"], f["template"], f["baseline_count"], f["incident_count"], f.get("slot")) for f in r["flagged"]],
    }
def templates(p):
    return sorted((t["template"], t["count"]) for t in load(p))
a, b = report(work + "/single.json"), report(work + "/spark-%s.json" % n)
ta, tb = templates(work + "/single-templates.json"), templates(work + "/spark-%s-templates.json" % n)
ok = True
for k in a:
    if a[k] != b[k]:
        ok = False
        print("  %s differs:\n    single: %s\n    spark:  %s" % (k, a[k], b[k]))
if ta != tb:
    ok = False
    print("  templates differ: %s only in single, %s only in spark" % (
        sorted(set(ta) - set(tb))[:5], sorted(set(tb) - set(ta))[:5]))
t = load(work + "/timings-%s.json" % n)
print("partitions=%s (actual %d): %s; %d templates, %d lines, %d flagged" % (
    n, t["partitions"], "EQUAL to single process" if ok else "DIFFERENT",
    len(ta), a["totals"]["lines"], len(a["flagged"])))
sys.exit(0 if ok else 1)
EOF
  then status=1; fi
done

echo
echo "timings (wall clock, local[2] on this machine):"
printf "  single process logsift:            %8ss\n" "$single_s"
for n in $parts; do
  python3 - "$work/timings-$n.json" "${spark_s[$n]}" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
print("  spark-submit, %2d partitions:       %8ss  (session+mine %.1fs, merge %.1fs in %d round(s), analyse %.1fs)" % (
    t["partitions"], sys.argv[2], t["mine_s"], t["merge_s"], t["reduce_rounds"], t["analyse_s"]))
EOF
done

echo
echo "state size per partition against its input:"
for n in $parts; do
  python3 - "$work/timings-$n.json" <<'EOF'
import json, sys
t = json.load(open(sys.argv[1]))
ib, sb = t["input_bytes"], t["state_bytes"]
ratio = [s / max(i, 1) for s, i in zip(sb, ib)]
mb = lambda x: x / 1e6
print("  %2d partitions: input %.1f-%.1f MB, state %.2f-%.2f MB per partition (%.1f-%.1f %% of input); merged state %.2f MB" % (
    t["partitions"], mb(min(ib)), mb(max(ib)), mb(min(sb)), mb(max(sb)), 100 * min(ratio), 100 * max(ratio), mb(t["merged_state_bytes"])))
EOF
done

last=""
for n in $parts; do last=$n; done
if [[ -d "$work/parts-$last" ]]; then
  count=$(ls "$work/parts-$last" | wc -l)
  t=$(now)
  "$bin" merge-state -q "$work/parts-$last"/*.state -o "$work/merged-$last.state"
  echo
  echo "merge time for $count states (one logsift merge-state, one process): $(since "$t")s"
fi
echo "e2e-spark: work directory $work"
if [[ $status -ne 0 ]]; then
  echo "e2e-spark: FAILED: a Spark report differs from the single-process report" >&2
fi
exit $status
