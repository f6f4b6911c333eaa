#!/usr/bin/env bash
# Soak test of `logsift serve`: a steady load for a long time, with schedules firing, on
# 127.0.0.1. Reports whether memory and file descriptors stay flat and whether anything failed.
#
# usage: scripts/soak.sh [MINUTES]        (default 30)
#
# What runs, all on this machine:
#   * a "service" appending about RATE log lines per second (default 40) to a live log file,
#     with the current time in each line (ten minutes of it written before the start);
#     every fifth minute it has a minute of trouble (a new
#     error, a spike of retries, a drop of successes), so the analyses have changes to find;
#   * `logsift serve` with that file as source "live", [llm] mode "off", a Slack signing
#     secret, and two schedules: every minute (JSON to a local webhook receiver) and every
#     second minute (a Slack message to the same receiver), each over the last 5 minutes;
#   * a client sending, at a steady pace, POST /v1/summarize {"source":"live","last":"2m"}
#     (REQ_PER_S per second, default 2), a signed Slack slash command every 15 s (its
#     response_url is the local receiver), and GET /healthz and /metrics every 5 s;
#   * a sampler reading the server's RSS (VmRSS) and open file descriptors every 30 s.
#
# At the end it prints the samples, then: RSS and fds at the first sample after one minute
# (the warm-up: allocator arenas, the tokenizer and pattern tables) and at the end, requests
# by status, socket errors, schedule runs and webhook deliveries from GET /metrics, the posts
# the receiver got, and the server's stderr lines that are not routine. Exits 1 when a request
# failed (other than 503 from the admission limit), a schedule run or a delivery failed, RSS
# grew by more than 20% (and 8 MiB) after the warm-up, or fds grew by more than 4.
#
# Needs bash, curl and python3 (standard library only). Environment: RATE, REQ_PER_S, PORT
# (18090), KEEP_TMP=1 keeps the temporary directory.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BIN=$ROOT/target/release/logsift
MINUTES=${1:-30}
PORT=${PORT:-18090}
RATE=${RATE:-40}
REQ_PER_S=${REQ_PER_S:-2}

say() { printf '%s\n' "$*" >&2; }
die() { say "soak.sh: $*"; exit 2; }
for tool in curl python3; do
  command -v "$tool" >/dev/null || die "$tool is needed (apt-get install -y $tool)"
done
if [ ! -x "$BIN" ]; then
  say "soak.sh: building target/release/logsift (a few minutes)"
  cargo build --release --quiet || die "cargo build --release failed"
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/logsift-soak.XXXXXX")
SERVER_PID=
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then
    kill -TERM "$SERVER_PID" 2>/dev/null || true
    wait "$SERVER_PID" 2>/dev/null || true
  fi
  if [ "${KEEP_TMP:-0}" = 1 ]; then say "soak.sh: kept $TMP"; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

TOKEN=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
SECRET=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')
RECEIVER_PORT=$((PORT + 1))
: >"$TMP/live.log"
cat >"$TMP/logsift.toml" <<TOML
[server]
listen = "127.0.0.1:$PORT"
tokens = ["$TOKEN"]
slack_signing_secret = "$SECRET"
slack_response_hosts = ["127.0.0.1"]
request_timeout = "60s"

[llm]
mode = "off"

[[source]]
name = "live"
files = ["$TMP/live.log"]
max_rotated = 0

[[schedule]]
name = "live every minute"
cron = "* * * * *"
source = "live"
window = "5m"
post = "http://127.0.0.1:$RECEIVER_PORT/json"
post_format = "json"

[[schedule]]
name = "live slack"
cron = "*/2 * * * *"
source = "live"
window = "5m"
post = "http://127.0.0.1:$RECEIVER_PORT/slack"
post_format = "slack"
TOML
"$BIN" serve --config "$TMP/logsift.toml" --check >/dev/null 2>&1 || die "the config was refused"

python3 - "$TMP" "$BIN" "$PORT" "$RECEIVER_PORT" "$TOKEN" "$SECRET" "$MINUTES" "$RATE" "$REQ_PER_S" <<'PY'
import datetime as dt, hashlib, hmac, json, os, random, re, signal, subprocess, sys
import threading, time, urllib.error, urllib.parse, urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

tmp, binary, port, rport, token, secret = sys.argv[1:7]
minutes, rate, req_per_s = float(sys.argv[7]), float(sys.argv[8]), float(sys.argv[9])
port, rport = int(port), int(rport)
base = f"http://127.0.0.1:{port}"
stop = threading.Event()
lock = threading.Lock()
counts = {}          # what the client saw: "<route> <status>" -> n
received = {}        # what the receiver got: path -> n

def bump(d, k):
    with lock:
        d[k] = d.get(k, 0) + 1

# --- the webhook receiver ------------------------------------------------------------------
class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        try:
            json.loads(body)
            bump(received, self.path.split("?")[0])
        except ValueError:
            bump(received, "invalid-json")
        self.send_response(200)
        self.end_headers()
    def log_message(self, *a):
        pass
receiver = ThreadingHTTPServer(("127.0.0.1", rport), Receiver)
threading.Thread(target=receiver.serve_forever, daemon=True).start()

# --- the service writing its log -----------------------------------------------------------
rnd = random.Random(7)

def write_tick(f, now):
    trouble = now.minute % 5 == 4
    for _ in range(max(1, int(rate / 10))):
        t = now.strftime("%Y-%m-%d %H:%M:%S,") + "%03d" % (now.microsecond // 1000)
        order = "ord_%08x" % rnd.getrandbits(32)
        r = rnd.random()
        if trouble and r < 0.25:
            line = f"{t} ERROR [pool-2] PaymentClient: Checkout failed for order {order}: could not acquire database connection"
        elif r < (0.1 if trouble else 0.5):
            line = f"{t} INFO [http-{rnd.randint(1, 40)}] PaymentClient: Payment authorized for order {order} amount={rnd.randint(5, 900)}.{rnd.randint(0, 99):02d} EUR"
        elif r < 0.75 or not trouble:
            line = f"{t} INFO [http-{rnd.randint(1, 40)}] CartService: Cart for user u{rnd.randint(1, 500)} has {rnd.randint(1, 9)} items"
        else:
            line = f"{t} WARN [pool-2] PaymentClient: Retrying payment capture for order {order} (attempt {rnd.randint(1, 3)} of 3)"
        f.write(line + "\n")

def writer(f):
    while not stop.is_set():
        write_tick(f, dt.datetime.now(dt.timezone.utc))
        stop.wait(0.1)

# Ten minutes of history first, so that a request for the last 2 minutes has a baseline.
live = open(os.path.join(tmp, "live.log"), "a", buffering=1)
now = dt.datetime.now(dt.timezone.utc)
for i in range(6000, 0, -1):
    write_tick(live, now - dt.timedelta(seconds=i / 10))

# --- the server ----------------------------------------------------------------------------
err = open(os.path.join(tmp, "server.err"), "wb")
server = subprocess.Popen([binary, "serve", "--config", os.path.join(tmp, "logsift.toml")],
                          stderr=err, stdout=subprocess.DEVNULL)
threading.Thread(target=writer, args=(live,), daemon=True).start()
for _ in range(100):
    try:
        urllib.request.urlopen(base + "/healthz", timeout=2).read()
        break
    except OSError:
        if server.poll() is not None:
            sys.exit("soak.sh: the server exited: " + open(os.path.join(tmp, "server.err")).read())
        time.sleep(0.1)

def call(route, req):
    try:
        with urllib.request.urlopen(req, timeout=90) as r:
            r.read()
            bump(counts, f"{route} {r.status}")
    except urllib.error.HTTPError as e:
        e.read()
        bump(counts, f"{route} {e.code}")
    except OSError as e:
        bump(counts, f"{route} socket-error:{type(e).__name__}")

def summarize():
    body = json.dumps({"source": "live", "last": "2m"}).encode()
    call("/v1/summarize", urllib.request.Request(base + "/v1/summarize", data=body, headers={
        "Authorization": "Bearer " + token, "Content-Type": "application/json"}))

def slack():
    body = urllib.parse.urlencode({"command": "/logsift", "text": "live 2m",
        "response_url": f"http://127.0.0.1:{rport}/slack-command"}).encode()
    ts = str(int(time.time()))
    sig = "v0=" + hmac.new(secret.encode(), b"v0:" + ts.encode() + b":" + body, hashlib.sha256).hexdigest()
    call("/slack/command", urllib.request.Request(base + "/slack/command", data=body, headers={
        "X-Slack-Request-Timestamp": ts, "X-Slack-Signature": sig,
        "Content-Type": "application/x-www-form-urlencoded"}))

def paced(period, fn):
    nxt = time.monotonic()
    while not stop.is_set():
        threading.Thread(target=fn, daemon=True).start()
        nxt += period
        stop.wait(max(0.0, nxt - time.monotonic()))

def probe():
    call("/healthz", base + "/healthz")
    call("/metrics", base + "/metrics")

samples = []
def sample():
    status = open(f"/proc/{server.pid}/status").read()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))
    fds = len(os.listdir(f"/proc/{server.pid}/fd"))
    samples.append((time.monotonic() - start, rss, fds))

start = time.monotonic()
for period, fn in ((1.0 / req_per_s, summarize), (15.0, slack), (5.0, probe)):
    threading.Thread(target=paced, args=(period, fn), daemon=True).start()
end = start + minutes * 60
while time.monotonic() < end and server.poll() is None:
    sample()
    time.sleep(min(30.0, max(0.0, end - time.monotonic())))
sample()
stop.set()
time.sleep(5)  # the last follow-ups and posts
metrics = urllib.request.urlopen(base + "/metrics", timeout=10).read().decode()
server.send_signal(signal.SIGTERM)
try:
    code = server.wait(timeout=30)
except subprocess.TimeoutExpired:
    server.kill()
    code = "killed after 30 s"
receiver.shutdown()

print(f"## soak: {minutes:g} min, {rate:g} log lines/s, {req_per_s:g} summarize/s\n")
print("| minute | RSS MiB | fds |\n|---:|---:|---:|")
for t, rss, fds in samples:
    print(f"| {t / 60:.1f} | {rss / 1024:.1f} | {fds} |")
warm = next((s for s in samples if s[0] >= 60), samples[0])
last = samples[-1]
print(f"\nafter warm-up (minute {warm[0] / 60:.1f}): RSS {warm[1] / 1024:.1f} MiB, {warm[2]} fds; "
      f"end: RSS {last[1] / 1024:.1f} MiB, {last[2]} fds; peak sample RSS {max(s[1] for s in samples) / 1024:.1f} MiB")
print("\nclient, by route and status:")
for k in sorted(counts):
    print(f"  {k}: {counts[k]}")
print("\nreceiver got:", ", ".join(f"{k}: {v}" for k, v in sorted(received.items())) or "nothing")
print("\nfrom GET /metrics:")
for line in metrics.splitlines():
    if re.match(r"logsift_(http_requests_total|analyses_total|analysis_rejected_total|schedule_runs_total|webhook_deliveries_total|lines_analysed_total)", line):
        print("  " + line)
print(f"\nserver exit after SIGTERM: {code}")
err.close()
noise = re.compile(r"schedule .* ran for .* and was posted|listening on|shutting down; finishing")
odd = [l for l in open(os.path.join(tmp, "server.err"), errors="replace").read().splitlines() if not noise.search(l)]
print(f"server stderr: {len(odd)} line(s) other than schedule successes")
for l in odd[:20]:
    print("  " + l)

bad = []
for k, v in counts.items():
    route, status = k.split(" ", 1)
    if status not in ("200", "503"):
        bad.append(f"{v} x {k}")
if re.search(r'result="error"\} [1-9]', metrics):
    bad.append("a schedule run, analysis or delivery counted as error in /metrics")
if last[1] > warm[1] * 1.2 and last[1] - warm[1] > 8 * 1024:
    bad.append(f"RSS grew from {warm[1]} to {last[1]} KiB")
if last[2] > warm[2] + 4:
    bad.append(f"fds grew from {warm[2]} to {last[2]}")
if code != 0:
    bad.append(f"server exit {code}")
print("\nverdict:", "ok" if not bad else "FAILED: " + "; ".join(bad))
sys.exit(1 if bad else 0)
PY
