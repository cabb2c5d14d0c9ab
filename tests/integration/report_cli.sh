#!/usr/bin/env bash
# chathost report on the command line: exit statuses, bad lines reported as
# FILE:LINE on stderr without stopping the report, --out, every format.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
CHATHOST=${CHATHOST:-$ROOT/bot/chathost}
LOGS=tests/data/logs/icmichat
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
n=0 fail=0
t() { n=$((n + 1)); if [ "$1" -eq 0 ]; then echo "ok $n - $2"; else echo "not ok $n - $2"; fail=1; fi; }

"$CHATHOST" report "$LOGS" >"$tmp/out" 2>"$tmp/err"; rc=$?
t $((rc != 0)) "text report exits 0 despite bad lines"
grep -q '^tests/data/logs/icmichat/2026-11-24.jsonl:9: skipped: not JSON$' "$tmp/err"
t $? "a line that is not JSON is reported as FILE:LINE"
grep -q '^tests/data/logs/icmichat/2026-11-24.jsonl:10: skipped: missing field "text"$' "$tmp/err"
t $? "a line missing a field is reported as FILE:LINE"
grep -q '^tests/data/logs/icmichat/2026-11-24.jsonl:17: skipped: torn last line' "$tmp/err"
t $? "a torn last line is reported as FILE:LINE"
grep -q '3 bad lines skipped in 1 file' "$tmp/err"
t $? "the bad lines are counted"
grep -q 'Erin O'"'"'Neil (@erin)' "$tmp/out" && grep -q '^Week by week' "$tmp/out"
t $? "text report names first-timers to welcome and has the week table"
awk '{ if (length($0) > 300) bad = 1 } END { exit bad }' "$tmp/out"
t $? "text lines are short"

for f in text csv json html; do
	"$CHATHOST" report --format "$f" --out "$tmp/r.$f" "$LOGS" 2>/dev/null
	rc=$?
	[ $rc -eq 0 ] && [ -s "$tmp/r.$f" ]
	t $? "--format $f --out writes the file"
done
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/r.json"
t $? "json output parses"
# --out onto what is not a regular file writes into it, never renames
# over it (as root, a rename would replace /dev/null with a file)
mkfifo "$tmp/fifo"
timeout 20 cat "$tmp/fifo" >"$tmp/from-fifo" &
"$CHATHOST" report --format json --out "$tmp/fifo" "$LOGS" 2>/dev/null; rc=$?
wait
[ $rc -eq 0 ] && [ -p "$tmp/fifo" ] && cmp -s "$tmp/from-fifo" "$tmp/r.json"
t $? "--out a FIFO: the report goes through it, the FIFO stays"
"$CHATHOST" report --format json --out /dev/stdout "$LOGS" 2>/dev/null | cmp -s - "$tmp/r.json"
t $? "--out /dev/stdout writes the report on stdout"
python3 -c '
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8-sig")))
assert rows[0][:4] == ["date", "author_id", "username", "name"], rows[0]
assert len(rows) == 14, len(rows)
assert ["2026-11-24", "6", "dave", "Dave, the \\ Dev"] == rows[10][:4] or any(r[2] == "dave" and r[3] == "Dave, the \\ Dev" for r in rows)
assert all(len(r) == len(rows[0]) for r in rows)
' "$tmp/r.csv"
t $? "csv output reads back with the csv module (quoted names intact)"

"$CHATHOST" report --format pdf "$LOGS" >/dev/null 2>&1; rc=$?
t $((rc != 2)) "unknown format: exit 2"
"$CHATHOST" report >/dev/null 2>&1; rc=$?
t $((rc != 2)) "no log named: exit 2"
"$CHATHOST" report "$tmp/missing" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] && grep -q "missing" "$tmp/err"
t $? "missing log folder: exit 1 with its name"
mkdir "$tmp/empty"
"$CHATHOST" report "$tmp/empty" >/dev/null 2>&1; rc=$?
t $((rc != 1)) "folder without logs: exit 1"
"$CHATHOST" report --out "$tmp/nodir/x.html" --format html "$LOGS" >/dev/null 2>"$tmp/err"; rc=$?
[ $rc -eq 1 ] && grep -q "cannot write" "$tmp/err"
t $? "unwritable --out: exit 1"
"$CHATHOST" report --since 2026-11-24 --until 2026-11-24 --format json "$LOGS" 2>/dev/null >"$tmp/one.json"
python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert [c["date"] for c in r["chats"]] == ["2026-11-24"], r["chats"]
assert r["chats"][0]["first_timers"] == 2 and r["chats"][0]["returning"] == 2
' "$tmp/one.json"
t $? "--since/--until pick one chat and keep the history before it"
printf '{"id":"1","created_at":"2026-12-01T18:00:00Z","author_id":"9","kind":"host","question":1,"text":"Q1"}\n' >"$tmp/2026-12-08.jsonl"
"$CHATHOST" report --format json "$tmp/2026-12-08.jsonl" >"$tmp/host.json" 2>/dev/null
python3 -c '
import json, sys
c = json.load(open(sys.argv[1]))["chats"][0]
assert c["participants"] == 0 and c["answers_per_question"] == [0] and c["busiest_minute"] is None
' "$tmp/host.json"
t $? "a chat with nobody but the host"
: >"$tmp/2026-12-15.jsonl"
"$CHATHOST" report "$tmp/2026-12-15.jsonl" >/dev/null 2>&1; rc=$?
t $((rc != 0)) "an empty log reports (nothing) and exits 0"
echo "1..$n"
exit $fail
