#!/usr/bin/env bash
# Report benchmark: `chathost report` over 52 weekly logs
# totalling 1,000,000 lines (bench/gen_logs.py, fixed seed), and beside it
# jq computing the per-question answer counts on the same files.
# min/median/max wall seconds over RUNS runs (default 5), CPU seconds too.
# Writes bench/out/report.md.
#   bench/bench_report.sh            (env: CHATHOST, RUNS, LINES, WEEKS, SEED)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
CHATHOST=${CHATHOST:-$ROOT/bot/chathost}
RUNS=${RUNS:-5}
LINES=${LINES:-1000000}
WEEKS=${WEEKS:-52}
SEED=${SEED:-1}
OUT=$ROOT/bench/out
DATA=$OUT/report-logs-$WEEKS-$LINES-$SEED
mkdir -p "$OUT"
command -v jq >/dev/null || { echo "bench_report: jq is missing (make deps)" >&2; exit 1; }
[ -x "$CHATHOST" ] || { echo "bench_report: build chathost first (make)" >&2; exit 1; }

if [ ! -f "$DATA/.done" ]; then
	rm -rf "$DATA"
	echo "bench_report: generating $WEEKS logs, $LINES lines (seed $SEED)" >&2
	python3 bench/gen_logs.py --weeks "$WEEKS" --lines "$LINES" --seed "$SEED" "$DATA" >&2
	touch "$DATA/.done"
fi
files=("$DATA"/*.jsonl)
nlines=$(cat "${files[@]}" | wc -l)
bytes=$(cat "${files[@]}" | wc -c)
cat "${files[@]}" >/dev/null # warm the page cache for both sides

# one timed run: prints "wall cpu" (seconds)
timed() {
	/usr/bin/time -o "$OUT/.time" -f '%e %U %S' "$@" >/dev/null 2>&1 || true
	awk '{ printf "%.3f %.3f\n", $1, $2 + $3 }' "$OUT/.time"
}

# correctness first: the report's per-question answers agree with jq's
# (jq counts kind "answer" per question; the report counts every
# participant post with that question, so compare kind answer + reply)
"$CHATHOST" report --format json --out "$OUT/report-bench.json" "$DATA" 2>/dev/null
python3 - "$OUT/report-bench.json" <<'PY' >"$OUT/report-answers.txt"
import json, sys
r = json.load(open(sys.argv[1]))
tot = {}
for c in r["chats"]:
    for i, n in enumerate(c["answers_per_question"]):
        tot[i + 1] = tot.get(i + 1, 0) + n
print(sum(tot.values()))
PY
jq_total=$(jq -r 'select(.kind == "answer" or .kind == "reply") | select(.question != null) | .question' "${files[@]}" | wc -l)
rep_total=$(cat "$OUT/report-answers.txt")
agree=no
[ "$jq_total" = "$rep_total" ] && agree=yes

declare -a rep_wall rep_cpu json_wall json_cpu jq_wall jq_cpu
for ((i = 0; i < RUNS; i++)); do
	read -r w c < <(timed "$CHATHOST" report --out /dev/null "$DATA")
	rep_wall+=("$w"); rep_cpu+=("$c")
	read -r w c < <(timed "$CHATHOST" report --format json --out /dev/null "$DATA")
	json_wall+=("$w"); json_cpu+=("$c")
	read -r w c < <(timed bash -c "jq -r 'select(.kind == \"answer\") | .question' \"\$@\" | sort | uniq -c" _ "${files[@]}")
	jq_wall+=("$w"); jq_cpu+=("$c")
	echo "bench_report: run $((i + 1))/$RUNS: report ${rep_wall[-1]} s, json ${json_wall[-1]} s, jq ${jq_wall[-1]} s" >&2
done

stats() { # -> "min median max"
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END {
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.3f %.3f %.3f\n", v[1], m, v[NR] }'
}
read -r rmin rmed rmax < <(stats "${rep_wall[@]}")
read -r rcmin rcmed rcmax < <(stats "${rep_cpu[@]}")
read -r jsmin jsmed jsmax < <(stats "${json_wall[@]}")
read -r qmin qmed qmax < <(stats "${jq_wall[@]}")
read -r qcmin qcmed qcmax < <(stats "${jq_cpu[@]}")
ratio=$(awk -v a="$qmed" -v b="$rmed" 'BEGIN { printf "%.1f", a / b }')
cpuratio=$(awk -v a="$qcmed" -v b="$rcmed" 'BEGIN { printf "%.1f", a / b }')
met_time=$(awk -v x="$rmed" 'BEGIN { print (x < 2.0) ? "met" : "NOT met" }')
met_ratio=$(awk -v x="$ratio" 'BEGIN { print (x >= 2.5) ? "met" : "NOT met" }')

cat >"$OUT/report.md" <<EOF
## Report over a year of logs

Machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg).
Date: $(date -u +%Y-%m-%dT%H:%MZ). Data: $WEEKS logs, $nlines lines, $((bytes / 1048576)) MiB (bench/gen_logs.py --seed $SEED), page cache warm.
$RUNS runs each; seconds as min / median / max.

| command | wall s (min / median / max) | CPU s (user+sys, median) |
|---|---|---|
| \`chathost report\` (text) | $rmin / $rmed / $rmax | $rcmed |
| \`chathost report --format json\` | $jsmin / $jsmed / $jsmax | $(stats "${json_cpu[@]}" | cut -d' ' -f2) |
| \`jq -r 'select(.kind=="answer") \| .question' FILES \| sort \| uniq -c\` | $qmin / $qmed / $qmax | $qcmed |

- Target under 2 s: **$met_time** (median $rmed s).
- Target at least 2.5x faster than jq: **$met_ratio** (wall ratio ${ratio}x; CPU ratio ${cpuratio}x).
- The report's answer total agrees with jq's count of answers and replies with a question: $agree ($rep_total vs $jq_total).

How: the files are split between threads (one per CPU); each file is read
whole into a reused buffer and parsed in place by a scanner that extracts
only the fields the report needs (jansson decides only lines the scanner is
unsure of; unit-tested against jansson on tricky lines); per-file figures
are merged at the end. The wall times depend on what else the machine runs:
compare the CPU column when the load average is high.
EOF
cat "$OUT/report.md"
