#!/usr/bin/env bash
# Load test of `logsift serve`: many concurrent POST /v1/summarize requests against one
# 100k-line file source on 127.0.0.1, with the server's default admission limits.
#
# What it does:
#   1. builds target/release/logsift if it is missing;
#   2. writes a LINES-line log (default 100000) from fixtures/demo/checkout.log: the demo's
#      baseline hour repeated with shifted timestamps, then the whole demo (its incident last);
#   3. writes a config with a bearer token, that file as source "load", [llm] mode "off",
#      and max_concurrent / max_queue as given (defaults: the server's own, one slot per CPU
#      and a queue of 64);
#   4. starts `logsift serve`, waits for GET /healthz, sends one request alone (the latency
#      of an idle server);
#   5. runs wrk (or oha) with CONNECTIONS connections for DURATION, each connection sending
#      {"source": "load", "last": "15m"} back to back;
#   6. reads the server's peak RSS (VmHWM) and its counters from GET /metrics, sends SIGTERM
#      and checks that it exits 0.
#
# Responses are counted as: ok (200), rejected (503 because every slot and the queue were
# full: the server's admission limit working as designed), deadline (503 because
# server.request_timeout passed), other HTTP errors, and socket errors/timeouts.
#
# With wrk, each connection gets its own wrk thread so that a request and its response can be
# paired and timed per status (LuaJIT's clock_gettime through ffi): the latency percentiles
# are given for the accepted (200) requests and for the rejected ones separately. oha, when it
# is on PATH and wrk is not, gives percentiles over all responses only.
#
# Environment: CONNECTIONS (200), DURATION (30s), LINES (100000), PORT (18080),
# MAX_CONCURRENT (server default), MAX_QUEUE (server default 64), KEEP_TMP=1 keeps the
# temporary directory.
#
# Needs: bash, curl, python3, and wrk (Debian package `wrk`; installed here with apt-get when
# missing and running as root) or oha.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/target/release/logsift
CONNECTIONS=${CONNECTIONS:-200}
DURATION=${DURATION:-30s}
LINES=${LINES:-100000}
PORT=${PORT:-18080}
MAX_CONCURRENT=${MAX_CONCURRENT:-}
MAX_QUEUE=${MAX_QUEUE:-}
URL=http://127.0.0.1:$PORT

say() { printf '%s\n' "$*" >&2; }
die() { say "load.sh: $*"; exit 2; }

for tool in curl python3; do
  command -v "$tool" >/dev/null || die "$tool is needed (apt-get install -y $tool)"
done

# --- the load generator -------------------------------------------------------------------
TOOL=
if command -v wrk >/dev/null; then
  TOOL=wrk
elif command -v oha >/dev/null; then
  TOOL=oha
elif [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  say "load.sh: installing wrk (apt-get install -y wrk)"
  if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null 2>&1; then
    apt-get update -q >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q wrk >/dev/null 2>&1 ||
      die "could not install wrk; install it (Debian: apt-get install wrk) or put oha on PATH"
  fi
  TOOL=wrk
else
  die "wrk or oha is needed: as root, apt-get install -y wrk (Debian/Ubuntu), or cargo install oha"
fi

# --- the binary ---------------------------------------------------------------------------
if [ ! -x "$BIN" ]; then
  say "load.sh: building target/release/logsift (a few minutes)"
  cargo build --release --quiet || die "cargo build --release failed"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/logsift-load.XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "${KEEP_TMP:-0}" = 1 ]; then say "load.sh: kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

# --- the log ------------------------------------------------------------------------------
python3 - "$ROOT/fixtures/demo/checkout.log" "$TMP/app.log" "$LINES" <<'PY'
import datetime as dt, re, sys

src, out, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
FMT = "%Y-%m-%d %H:%M:%S,%f"
stamp = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3})")
lines = open(src, encoding="utf-8").read().splitlines()
first = dt.datetime.strptime(stamp.match(lines[0]).group(1), FMT)
incident = first + dt.timedelta(hours=1)  # the demo's incident starts an hour in

def shifted(line, by):
    m = stamp.match(line)
    if not m:
        return line  # a continuation line stays with its event
    t = dt.datetime.strptime(m.group(1), FMT) + by
    return t.strftime("%Y-%m-%d %H:%M:%S,") + "%03d" % (t.microsecond // 1000) + line[m.end():]

baseline = []
for line in lines:
    m = stamp.match(line)
    if m and dt.datetime.strptime(m.group(1), FMT) >= incident:
        break
    baseline.append(line)
prefix = max(0, want - len(lines))
copies = -(-prefix // len(baseline))  # whole baseline hours before the demo
with open(out, "w", encoding="utf-8") as f:
    n = 0
    for k in range(copies):
        for line in baseline:
            if n == prefix:
                break
            f.write(shifted(line, dt.timedelta(hours=k)) + "\n")
            n += 1
    for line in lines[: want - n]:
        f.write(shifted(line, dt.timedelta(hours=copies)) + "\n")
PY
LOG_LINES=$(wc -l <"$TMP/app.log")
LOG_MB=$(awk -v b="$(wc -c <"$TMP/app.log")" 'BEGIN { printf "%.1f", b / 1048576 }')

# --- the config ---------------------------------------------------------------------------
TOKEN=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
{
  echo "[server]"
  echo "listen = \"127.0.0.1:$PORT\""
  echo "tokens = [\"$TOKEN\"]"
  [ -n "$MAX_CONCURRENT" ] && echo "max_concurrent = $MAX_CONCURRENT"
  [ -n "$MAX_QUEUE" ] && echo "max_queue = $MAX_QUEUE"
  echo
  echo "[llm]"
  echo "mode = \"off\""
  echo
  echo "[[source]]"
  echo "name = \"load\""
  echo "files = [\"$TMP/app.log\"]"
  echo "max_rotated = 0"
} >"$TMP/logsift.toml"
# What the server will use: its defaults are one slot per CPU and a queue of 64.
SLOTS=${MAX_CONCURRENT:-$(nproc)}
QUEUE=${MAX_QUEUE:-64}

"$BIN" serve --config "$TMP/logsift.toml" --check 2>/dev/null || die "the generated config was refused"
"$BIN" serve --config "$TMP/logsift.toml" 2>"$TMP/server.err" &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "$URL/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || die "the server exited: $(cat "$TMP/server.err")"
  sleep 0.1
done
curl -fsS "$URL/healthz" >/dev/null || die "no answer on $URL/healthz after 10 s"

BODY='{"source":"load","last":"15m"}'
# One request on an idle server: its latency is the floor the loaded figures compare to.
ONE=$(curl -sS -o "$TMP/one.json" -w '%{http_code} %{time_total}' \
  -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
  -d "$BODY" "$URL/v1/summarize")
[ "${ONE%% *}" = 200 ] || die "a single request failed: $ONE $(head -c 300 "$TMP/one.json")"
FLAGGED=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(len(r["flagged"]))' "$TMP/one.json")

# --- the load -----------------------------------------------------------------------------
cat >"$TMP/post.lua" <<LUA
-- One connection per wrk thread: request() and response() alternate, so each response is
-- timed against its own request, and latencies are kept per outcome.
local ffi = require("ffi")
ffi.cdef[[
typedef struct { long tv_sec; long tv_nsec; } logsift_timespec;
int clock_gettime(int clk, logsift_timespec *ts);
]]
local ts = ffi.new("logsift_timespec")
local function now_ms()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000 + tonumber(ts.tv_nsec) / 1e6
end

wrk.method = "POST"
wrk.body = '$BODY'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer $TOKEN"

local threads = {}
function setup(thread) table.insert(threads, thread) end

function init(args)
  ok, rejected, deadline, other = {}, {}, {}, {}
  statuses = {}
  req = wrk.format()
end

function request()
  started = now_ms()
  return req
end

function response(status, headers, body)
  local ms = now_ms() - started
  statuses[tostring(status)] = (statuses[tostring(status)] or 0) + 1
  if status == 200 then
    table.insert(ok, ms)
  elseif status == 503 and body and body:find("queue is full", 1, true) then
    table.insert(rejected, ms)
  elseif status == 503 and body and body:find("deadline", 1, true) then
    table.insert(deadline, ms)
  else
    table.insert(other, ms)
  end
end

local function pct(t, p)
  if #t == 0 then return "-" end
  local i = math.max(1, math.ceil(#t * p))
  local v = t[i]
  if v >= 1000 then return string.format("%.2fs", v / 1000) end
  return string.format("%.1fms", v)
end

function done(summary, latency, requests)
  local all = { ok = {}, rejected = {}, deadline = {}, other = {} }
  local codes = {}
  for _, t in ipairs(threads) do
    for name, _ in pairs(all) do
      for _, v in ipairs(t:get(name) or {}) do table.insert(all[name], v) end
    end
    for k, v in pairs(t:get("statuses") or {}) do codes[k] = (codes[k] or 0) + v end
  end
  local secs = summary.duration / 1e6
  local e = summary.errors
  io.write(string.format("RESULT secs=%.1f ok=%d rejected=%d deadline=%d other=%d", secs,
    #all.ok, #all.rejected, #all.deadline, #all.other))
  io.write(string.format(" sockerr=%d timeouts=%d", e.connect + e.read + e.write, e.timeout))
  for name, t in pairs(all) do
    table.sort(t)
    io.write(string.format(" %s_p50=%s %s_p99=%s", name, pct(t, 0.5), name, pct(t, 0.99)))
  end
  local cs = {}
  for k, v in pairs(codes) do table.insert(cs, k .. ":" .. v) end
  table.sort(cs)
  io.write(" codes=" .. table.concat(cs, ","), "\n")
end
LUA

say "load.sh: $CONNECTIONS connections for $DURATION against $URL/v1/summarize ($TOOL)"
START_NS=$(date +%s%N)
if [ "$TOOL" = wrk ]; then
  # --timeout above the server's request deadline (120 s), so a slow answer is not a wrk error.
  wrk -t"$CONNECTIONS" -c"$CONNECTIONS" -d"$DURATION" --timeout 130s -s "$TMP/post.lua" \
    "$URL/v1/summarize" >"$TMP/wrk.out" 2>&1 || die "wrk failed: $(tail -5 "$TMP/wrk.out")"
  RESULT=$(sed -n 's/^RESULT //p' "$TMP/wrk.out")
  [ -n "$RESULT" ] || die "wrk gave no result: $(tail -5 "$TMP/wrk.out")"
else
  oha --no-tui -j -c "$CONNECTIONS" -z "$DURATION" -m POST -t 130s \
    -H "Authorization: Bearer $TOKEN" -T application/json -d "$BODY" \
    "$URL/v1/summarize" >"$TMP/oha.json" || die "oha failed"
  RESULT=$(python3 - "$TMP/oha.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
codes = r.get("statusCodeDistribution", {})
p = r.get("latencyPercentiles", {})
fmt = lambda s: "-" if s is None else ("%.2fs" % s if s >= 1 else "%.1fms" % (s * 1000))
errs = sum(r.get("errorDistribution", {}).values())
print("secs=%.1f ok=%d rejected=%d deadline=0 other=%d sockerr=%d timeouts=0 all_p50=%s all_p99=%s codes=%s" % (
    r["summary"]["total"], codes.get("200", 0), codes.get("503", 0),
    sum(v for k, v in codes.items() if k not in ("200", "503")), errs,
    fmt(p.get("p50")), fmt(p.get("p99")), ",".join("%s:%s" % kv for kv in sorted(codes.items()))))
PY
)
fi
ELAPSED=$(( ($(date +%s%N) - START_NS) / 1000000 ))

# --- after the load -----------------------------------------------------------------------
kill -0 "$SERVER_PID" 2>/dev/null || die "the server died under load: $(tail -5 "$TMP/server.err")"
HWM_KB=$(awk '/^VmHWM/ { print $2 }' "/proc/$SERVER_PID/status")
curl -fsS "$URL/metrics" >"$TMP/metrics.txt"
metric() { awk -v n="$1" '$1 == n { print $2 }' "$TMP/metrics.txt"; }
M_REJECTED=$(metric logsift_analysis_rejected_total)
M_OK=$(metric 'logsift_analyses_total{result="ok"}')
M_FAILED=$(metric 'logsift_analyses_total{result="error"}')
M_LINES=$(metric logsift_lines_analysed_total)

STOP_NS=$(date +%s%N)
kill -TERM "$SERVER_PID"
set +e
wait "$SERVER_PID"
EXIT=$?
set -e
SERVER_PID=
STOP_MS=$(( ($(date +%s%N) - STOP_NS) / 1000000 ))

# --- the summary --------------------------------------------------------------------------
get() { printf '%s\n' "$RESULT" | tr ' ' '\n' | awk -F= -v k="$1" '$1 == k { print $2 }'; }
SECS=$(get secs)
OK=$(get ok)
rate() { awk -v n="$1" -v s="$SECS" 'BEGIN { if (s > 0) printf "%.1f", n / s; else print "-" }'; }
printf 'logsift serve load test (%s, %s CPUs)\n' "$TOOL" "$(nproc)"
printf '  source        %s lines, %s MiB, one file; request %s\n' "$LOG_LINES" "$LOG_MB" "$BODY"
printf '  limits        max_concurrent %s, max_queue %s: at most %s requests held, the rest answered 503 at once\n' \
  "$SLOTS" "$QUEUE" "$((SLOTS + QUEUE))"
printf '  idle request  %s s (one request alone, %s findings)\n' "${ONE#* }" "$FLAGGED"
printf '  load          %s connections, %s s\n' "$CONNECTIONS" "$SECS"
printf '  throughput    %s ok/s (%s analyses answered 200), %s lines/s analysed\n' \
  "$(rate "$OK")" "$OK" "$(awk -v n="$OK" -v l="$LOG_LINES" -v s="$SECS" 'BEGIN { printf "%.0f", n * l / s }')"
if [ "$TOOL" = wrk ]; then
  printf '  latency ok    p50 %s  p99 %s (mostly the wait in the queue: %s held / %s ok/s = %s s)\n' \
    "$(get ok_p50)" "$(get ok_p99)" "$((SLOTS + QUEUE))" "$(rate "$OK")" \
    "$(awk -v h="$((SLOTS + QUEUE))" -v n="$OK" -v s="$SECS" 'BEGIN { if (n > 0) printf "%.1f", h * s / n; else print "-" }')"
  printf '  rejected      %s (503 queue full; %s/s)  p50 %s  p99 %s\n' \
    "$(get rejected)" "$(rate "$(get rejected)")" "$(get rejected_p50)" "$(get rejected_p99)"
  printf '  deadline      %s (503 request_timeout passed)\n' "$(get deadline)"
else
  printf '  latency all   p50 %s  p99 %s (ok and rejected together)\n' "$(get all_p50)" "$(get all_p99)"
  printf '  rejected      %s (503)\n' "$(get rejected)"
fi
printf '  errors        %s other HTTP statuses, %s socket errors, %s client timeouts\n' \
  "$(get other)" "$(get sockerr)" "$(get timeouts)"
printf '  status codes  %s\n' "$(get codes)"
printf '  server        peak RSS (VmHWM) %s MiB; /metrics: analyses ok %s, failed %s, rejected %s, lines %s\n' \
  "$(awk -v k="$HWM_KB" 'BEGIN { printf "%.1f", k / 1024 }')" "$M_OK" "$M_FAILED" "$M_REJECTED" "$M_LINES"
printf '                (the server counts the idle request and analyses that ended after the load stopped)\n'
printf '  shutdown      SIGTERM -> exit %s after %s ms (wall time of the load step %s ms)\n' \
  "$EXIT" "$STOP_MS" "$ELAPSED"
if [ "$EXIT" != 0 ]; then
  say "load.sh: the server exited $EXIT after SIGTERM; its stderr:"
  tail -20 "$TMP/server.err" >&2
  exit 1
fi
