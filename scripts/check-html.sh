#!/usr/bin/env bash
# Renders the demo HTML report, takes a screenshot of it with headless Chromium and checks
# that the picture is not trivial (big enough, more than one flat colour).
#
#   scripts/check-html.sh [OUT.png]     default OUT: target/report-demo.png
#
# Installs Debian's `chromium` package when no Chromium is found (needs root and apt).
# Set LOGSIFT to a built binary to skip the cargo build.
set -euo pipefail

cd "$(dirname "$0")/.."
out_png=${1:-target/report-demo.png}
html=target/report-demo.html
mkdir -p "$(dirname "$out_png")" target

if [[ -z "${LOGSIFT:-}" ]]; then
    cargo build --quiet
    LOGSIFT=target/debug/logsift
fi
"$LOGSIFT" fixtures/demo/checkout.log --llm off \
    --runbooks fixtures/runbooks/demo.toml --format html -o "$html"

browser=""
for b in chromium chromium-browser google-chrome; do
    if command -v "$b" >/dev/null 2>&1; then browser=$b; break; fi
done
if [[ -z "$browser" ]]; then
    echo "check-html: no Chromium found; installing Debian's chromium package" >&2
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    browser=chromium
fi

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
rm -f "$out_png"
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --no-first-run --disable-component-update --disable-sync --hide-scrollbars \
    --user-data-dir="$profile" --window-size=1280,2000 \
    --screenshot="$out_png" "file://$PWD/$html" >/dev/null 2>&1 || true

python3 - "$out_png" <<'PY'
import struct, sys, zlib

path = sys.argv[1]
try:
    data = open(path, "rb").read()
except OSError as e:
    sys.exit(f"check-html: no screenshot: {e}")
if len(data) < 20_000 or data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(f"check-html: {path} is not a real screenshot ({len(data)} bytes)")

# Decode the PNG (8-bit RGB or RGBA, as Chromium writes) far enough to count colours.
pos, idat, width, height, ctype = 8, b"", 0, 0, 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        width, height, depth, ctype = struct.unpack(">IIBB", body[:10])
        if depth != 8 or ctype not in (2, 6):
            sys.exit(f"check-html: unexpected PNG layout (depth {depth}, colour type {ctype})")
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
bpp = 4 if ctype == 6 else 3
stride = width * bpp
colours, prev, rows = set(), bytearray(stride), 0
i = 0
for y in range(height):
    f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    for x in range(stride):
        a = line[x - bpp] if x >= bpp else 0
        b = prev[x]
        c = prev[x - bpp] if x >= bpp else 0
        if f == 1: line[x] = (line[x] + a) & 255
        elif f == 2: line[x] = (line[x] + b) & 255
        elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
        elif f == 4:
            p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    prev = line
    if y % 8 == 0:
        for x in range(0, stride, bpp * 4):
            colours.add(bytes(line[x:x + 3]))
if width < 1000 or height < 1000:
    sys.exit(f"check-html: screenshot is only {width}x{height}")
if len(colours) < 16:
    sys.exit(f"check-html: screenshot has only {len(colours)} colours: the page did not render")
print(f"check-html: {path}: {width}x{height}, {len(data)} bytes, {len(colours)} colours sampled: ok")
PY
