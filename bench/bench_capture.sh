#!/usr/bin/env bash
# bench_capture.sh - the capture's figures into bench/out/capture.md:
#  1. posts/s from canned search pages into the log through the bot's poll
#     cycle (ch_capture_poll: parse, attribution, queued lines, flush and
#     state save per cycle; with and without the prefetch worker, with
#     cycles of 3 pages and with one cycle for all): target > 100,000/s;
#  2. posts read per post logged in a rehearsed chat without faults against
#     the fake X API: target <= 1.05.
#   bench/bench_capture.sh [PAGES]       (default 3000 pages of 100 posts)
# CAPTURE_PROFILE=0 skips the callgrind run (about 10 s).
set -euo pipefail
cd "$(dirname "$0")/.."
pages=${1:-3000}
mkdir -p bench/out tests/out
make -s bot/libchathost.a bot/chathost
bin=tests/out/bench_capture
# shellcheck disable=SC2046
cc -std=c11 -D_POSIX_C_SOURCE=200809L -D_XOPEN_SOURCE=700 -O2 -g -Ibot \
	$(pkg-config --cflags jansson) -o "$bin" bench/bench_capture.c \
	bot/libchathost.a $(pkg-config --libs libcurl oauth jansson libconfig libutf8proc) -lpthread -lm
out=bench/out/capture.md
{
	echo "# capture benchmark"
	echo
	echo "$(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), $(uname -srm)"
	echo
	echo "## Posts per second from search pages into the log"
	echo
	echo "Every page goes through the bot's own poll cycle (ch_capture_poll); only"
	echo "the HTTP exchange is replaced by a search hook that hands the canned"
	echo "body to ch_xapi_parse_page, as ch_xapi_search does with what it"
	echo "receives. The machine is shared (2 vCPUs): the pipeline needs the"
	echo "second core, so its figure drops when other work holds it (see min)."
	echo
} >"$out"
rc=0
run() { # PAGES_PER_CYCLE MODE RUNS
	local r=0
	"$bin" "$pages" tests/out "$1" "$2" "$3" >>"$out" || r=$?
	echo >>"$out"
	[ $r -le 2 ] || { echo "bench_capture failed ($r)" >&2; exit 1; }
	[ $r -gt $rc ] && rc=$r
	return 0
}
# the bot's configuration first (per-cycle flush, then one flush), then
# the same without the prefetch worker for comparison
run 3 pipe 3
run 0 pipe 3
run 3 serial 1
run 0 serial 1
echo "Load after these runs: $(cut -d' ' -f1-3 /proc/loadavg)." >>"$out"
echo >>"$out"
# callgrind: instructions per post through ch_capture_poll (both threads)
if command -v valgrind >/dev/null && [ "${CAPTURE_PROFILE:-1}" != 0 ]; then
	cg=tests/out/capture.callgrind
	valgrind --tool=callgrind --callgrind-out-file="$cg" "$bin" 50 tests/out 0 pipe 1 >/dev/null 2>&1 || true
	callgrind_annotate --inclusive=yes --threshold=100 "$cg" 2>/dev/null | python3 -c '
import re, sys
inc = {}
for line in sys.stdin:
    m = re.match(r"\s*([\d,]+) \([ \d.]+%\)\s+\S*:(\w+) \[", line)
    if m and m.group(2) not in inc:
        inc[m.group(2)] = int(m.group(1).replace(",", ""))
posts = 50 * 100
k = lambda f: inc.get(f, 0) / posts / 1000
total = k("ch_capture_poll") + k("prefetch_main")
print("## Profile: instructions per post (callgrind)\n")
print("Before: the benchmark loop of commit 6312f49 (parse, attribute, append with")
print("a json_t built per line + json_dumps + asprintf + one write(2) per line),")
print("recorded with 100 pages. After: ch_capture_poll and its prefetch worker,")
print("measured now with 50 pages (Ir = instructions; syscalls not counted,")
print("and the write(2) per line was most of the old time).\n")
print("| per post | before (recorded) | after |")
print("|---|---|---|")
print("| total, page to log | 112.1k Ir | %.1fk Ir |" % total)
print("| parse (ch_xapi_parse_page, jansson json_loadb; on the worker) | 58.4k | %.1fk |" % k("ch_xapi_parse_page"))
print("| log line (append: 51.7k; now ch_replylog_queue) | 51.7k | %.1fk |" % k("ch_replylog_queue"))
print("| of which jansson json_dumps / json_dumpb | 25.6k | %.1fk |" % k("json_dumpb"))
print("| attribution (ch_attribute) | 0.6k | %.1fk |" % k("ch_attribute"))
print("| write(2) calls | 1 per post | 1 per cycle (or per 256 KiB) |")
print("\nposts/s before (recorded, the same pages through the old loop, which")
print("had no state save per cycle): 51,627 with one flush and 29,683 with an")
print("fdatasync every 3 pages, at load 3.8; 72,408 and 57,282 at load ~1.")
' >>"$out" || true
	echo >>"$out"
fi
python3 - "$out" <<'PY'
import json, os, sys
sys.path.insert(0, "tests/lib")
from itest import Fake, run_bot, workdir, write_schedule, read_log
d = workdir("bench_capture")
fake = Fake(d, "--speed", "240", "--auto-answer")
try:
    sched = write_schedule(d, capture_after="5")
    st, _, err = run_bot(["run", "--once", "--rehearse=240", "--date", "2026-12-01",
                          "--api-base", fake.base, sched], timeout=180)
    base = os.path.join(d, "logs", "testchat", "rehearsal", "2026-12-01")
    cap = json.load(open(base + ".state.json")).get("capture", {})
    log = [e for e in read_log(base + ".jsonl") if e.get("kind") != "event"]
    reads, n = cap.get("reads", 0), len(log)
    ratio = reads / max(1, n)
    with open(sys.argv[1], "a") as f:
        f.write("\n## Posts read per post logged (rehearsed chat, no faults)\n\n")
        f.write("| measure | value |\n|---|---|\n")
        f.write("| exit status of the rehearsal | %d |\n" % st)
        f.write("| search requests | %d |\n" % cap.get("requests", 0))
        f.write("| posts read (billed) | %d |\n" % reads)
        f.write("| posts in the log | %d |\n" % n)
        f.write("| **reads per post logged** | **%.3f** |\n" % ratio)
        f.write("| target | <= 1.05: %s |\n" % ("met" if st == 0 and ratio <= 1.05 else "NOT met"))
finally:
    fake.stop()
PY
cat "$out"
[ $rc -le 2 ] || exit 1
