#!/usr/bin/env bash
# Renders `chathost report --format html` in headless Chromium to a PNG and
# fails if the page is blank, the charts did not draw, or the page logged a
# console error. The PNG is kept in tests/out/ to look at.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
CHATHOST=${CHATHOST:-$ROOT/bot/chathost}
OUT=$ROOT/tests/out/report_html
mkdir -p "$OUT"
n=0 fail=0
t() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }

CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
	t 1 "chromium is installed (make deps installs the Debian package chromium)"
	echo "1..$n"; exit 1
fi

render() { # html png log
	local prof
	prof=$(mktemp -d)
	timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic \
		--no-first-run --disable-background-networking --disable-component-update \
		--disable-sync --disable-extensions --user-data-dir="$prof" \
		--enable-logging=stderr --v=0 --hide-scrollbars \
		--screenshot="$2" --window-size=1200,2000 "file://$1" >"$3" 2>&1
	local rc=$?
	rm -rf "$prof"
	return $rc
}

# PNG decoder (stdlib): prints "<pixels> <non-white> <blue> <orange>".
cat >"$OUT/pngstat.py" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
pos, idat, w = 8, b"", 0
while pos < len(data):
    ln, typ = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + ln]
    if typ == b"IHDR":
        w, h, depth, ctype, _, _, interlace = struct.unpack(">IIBBBBB", body)
        assert depth == 8 and ctype in (2, 6) and interlace == 0, "unsupported PNG"
        bpp = 4 if ctype == 6 else 3
    elif typ == b"IDAT":
        idat += body
    pos += 12 + ln
raw = zlib.decompress(idat)
stride = w * bpp
# the Up filter (most rows) as one big-integer addition of bytes without
# carries from one byte into the next
LOW, HIGH = int.from_bytes(b"\x7f" * stride, "big"), int.from_bytes(b"\x80" * stride, "big")
white = b"\xff" * stride if bpp == 3 else None
prev = bytearray(stride)
total = nonwhite = blue = orange = 0
i = 0
for y in range(h):
    f = raw[i]; line = bytearray(raw[i + 1:i + 1 + stride]); i += 1 + stride
    if f == 2:
        a, b = int.from_bytes(line, "big"), int.from_bytes(prev, "big")
        line = bytearray((((a & LOW) + (b & LOW)) ^ ((a ^ b) & HIGH)).to_bytes(stride, "big"))
    elif f in (1, 3, 4):
        for x in range(stride):
            a = line[x - bpp] if x >= bpp else 0
            b = prev[x]
            c = prev[x - bpp] if x >= bpp else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 3: line[x] = (line[x] + ((a + b) >> 1)) & 255
            else:
                p = a + b - c; pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    total += w
    if line != white:
        for x in range(0, stride, bpp):
            r, g, bl = line[x], line[x + 1], line[x + 2]
            if min(r, g, bl) < 230: nonwhite += 1
            if bl > r + 80 and bl > g + 20: blue += 1
            if r > bl + 100 and r > 200: orange += 1
    prev = line
print(total, nonwhite, blue, orange)
PY

check_page() { # label report-args...
	local label=$1; shift
	local html=$OUT/$label.html png=$OUT/$label.png log=$OUT/$label.chromium.log
	rm -f "$png"
	"$CHATHOST" report --format html --out "$html" "$@" 2>"$OUT/$label.stderr"
	t $? "$label: report --format html exits 0"
	render "$html" "$png" "$log"
	[ -s "$png" ]
	t $? "$label: chromium rendered a screenshot"
	! grep -E 'CONSOLE|Uncaught|SyntaxError' "$log" >/dev/null
	t $? "$label: no console errors"
	grep -E 'CONSOLE' "$log" | head -5 | sed 's/^/# /'
	[ -s "$png" ] || return
	read -r total nonwhite blue orange < <(python3 "$OUT/pngstat.py" "$png")
	echo "# $label: $total pixels, $nonwhite non-white, $blue blue, $orange orange"
	[ "$nonwhite" -gt $((total / 50)) ]
	t $? "$label: page is not blank (>2% non-white pixels)"
	[ "$blue" -gt 2000 ] && [ "$orange" -gt 500 ]
	t $? "$label: the charts drew (blue bars, orange markers)"
}

check_page icmichat "$ROOT/tests/data/logs/icmichat"
tmp=$(mktemp -d)
python3 "$ROOT/bench/gen_logs.py" --weeks 20 --lines 60000 --seed 7 "$tmp/chat" >/dev/null 2>&1 &&
	check_page generated "$tmp/chat"
rm -rf "$tmp"
echo "1..$n"
exit $fail
