#!/usr/bin/env bash
# make install into an empty staging tree (DESTDIR=$(mktemp -d),
# PREFIX=/usr/local), check what it put there (files, modes, the man pages
# with mandoc -T lint and man -l, the systemd unit with systemd-analyze
# verify), then make uninstall must leave the tree empty: no file, and no
# folder that install created. Prints TAP lines.
set -u
cd "$(dirname "$0")/../.."
ROOT=$PWD
P=/usr/local
D=$(mktemp -d /tmp/chathost-install.XXXXXX)
T=$(mktemp -d /tmp/chathost-install-work.XXXXXX)
trap 'rm -rf "$D" "$T"' EXIT
n=0
failed=0

ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() {
	n=$((n + 1)); failed=$((failed + 1))
	echo "not ok $n - $1"
	[ $# -ge 2 ] && printf '%s\n' "$2" | head -30 | sed 's/^/# /'
	return 0
}

MAKEFLAGS_LOCAL=(-s --no-print-directory DESTDIR="$D" PREFIX="$P")

# ---- install -----------------------------------------------------------------
if out=$(make "${MAKEFLAGS_LOCAL[@]}" install 2>&1); then
	ok "make install DESTDIR=$D PREFIX=$P succeeds"
else
	nok "make install DESTDIR=$D PREFIX=$P succeeds" "$out"
fi

expected="755 usr/local/bin/chathost
755 usr/local/libexec/chathost/chathost-wait
644 usr/local/lib/systemd/system/chathost@.service
644 usr/local/share/doc/chathost/example-poll.conf
644 usr/local/share/doc/chathost/example-schedule.conf
644 usr/local/share/doc/chathost/example-topic.conf
644 usr/local/share/man/man1/chathost.1
644 usr/local/share/man/man5/chathost.conf.5"
got=$(cd "$D" && find . -type f -printf '%m %P\n' | sort)
expected=$(sort <<<"$expected")
if [ "$got" = "$expected" ]; then
	ok "install puts exactly the binary, two man pages, three examples and the unit, with their modes"
else
	nok "install puts exactly the binary, two man pages, three examples and the unit, with their modes" \
		"$(diff <(echo "$expected") <(echo "$got"))"
fi

BIN=$D$P/bin/chathost
if [ -x "$BIN" ] && v=$("$BIN" --version 2>&1) && [[ "$v" == chathost\ [0-9]* ]]; then
	ok "the installed binary runs: $v"
else
	nok "the installed binary runs (--version)" "${v:-missing}"
fi

UNIT=$D$P/lib/systemd/system/chathost@.service
if [ -f "$UNIT" ] && ! grep -q '@[A-Z]*@' "$UNIT" &&
	grep -qx "ExecStart=$P/bin/chathost run /etc/chathost/schedules/%i.conf" "$UNIT"; then
	ok "the unit's ExecStart runs $P/bin/chathost on /etc/chathost/schedules/%i.conf"
else
	nok "the unit's ExecStart runs $P/bin/chathost on /etc/chathost/schedules/%i.conf" \
		"$(grep -n 'ExecStart\|@' "$UNIT" 2>&1)"
fi
for key in NoNewPrivileges=yes ProtectSystem=strict ProtectHome=yes PrivateTmp=yes \
	StateDirectory=chathost LogsDirectory=chathost Restart=on-failure \
	'ExecReload=/bin/kill -HUP $MAINPID' KillSignal=SIGTERM LimitCORE=0; do
	grep -qxF "$key" "$UNIT" 2>/dev/null || missing_keys="${missing_keys:-} $key"
done
if [ -z "${missing_keys:-}" ]; then
	ok "the unit is sandboxed and reloads with SIGHUP"
else
	nok "the unit is sandboxed and reloads with SIGHUP" "missing:$missing_keys"
fi

# ---- man pages ---------------------------------------------------------------
MANDIR=$D$P/share/man
for page in man1/chathost.1 man5/chathost.conf.5; do
	f=$MANDIR/$page
	if [ ! -f "$f" ]; then
		nok "mandoc -T lint $page reports nothing" "not installed"
		nok "man -l $page renders without warnings" "not installed"
		continue
	fi
	# mandoc looks cross-references up in the system's manual tree only:
	# it cannot see the other freshly installed page, and it may complain
	# about the state of the system's database. Drop exactly those lines,
	# and "not found" for pages that are really absent from this machine.
	raw=$(mandoc -T lint "$f" 2>&1)
	rc=$?
	left=""
	while IFS= read -r line; do
		[ -z "$line" ] && continue
		case "$line" in
		*"outdated mandoc.db"*) continue ;;
		*"referenced manual not found: Xr chathost 1"* | \
			*"referenced manual not found: Xr chathost.conf 5"*)
			continue ;;
		*"referenced manual not found: Xr "*)
			ref=${line##*Xr }; ref=${ref% (*}
			if ! man -w "${ref#* }" "${ref% *}" >/dev/null 2>&1; then
				echo "# (not installed on this machine: $ref)"
				continue
			fi ;;
		esac
		left="$left$line"$'\n'
	done <<<"$raw"
	if [ -z "$left" ] && { [ $rc -eq 0 ] || [ "$raw" != "" ]; }; then
		ok "mandoc -T lint $page reports nothing"
	else
		nok "mandoc -T lint $page reports nothing" "$left"
	fi
	if mandoc -T lint -W warning "$f" >"$T/lint" 2>&1 && [ ! -s "$T/lint" ]; then
		ok "mandoc -T lint -W warning $page: no warning or error at all"
	else
		nok "mandoc -T lint -W warning $page: no warning or error at all" "$(cat "$T/lint")"
	fi
	if MANWIDTH=80 man --warnings -l "$f" >"$T/page" 2>"$T/err" &&
		[ ! -s "$T/err" ] && grep -q '^NAME' "$T/page" &&
		[ "$(wc -l <"$T/page")" -gt 50 ]; then
		ok "man -l $page renders without warnings ($(wc -l <"$T/page") lines)"
	else
		nok "man -l $page renders without warnings" "$(cat "$T/err")"
	fi
done
# every command, flag and section the issue asks for is in chathost(1)
if [ -f "$MANDIR/man1/chathost.1" ]; then
	MANWIDTH=200 man -l "$MANDIR/man1/chathost.1" 2>/dev/null >"$T/page1"
	missing=""
	for w in check length preview run poll report --now --date --once \
		--rehearse --dry-run --api-base --backfill --full --format --out \
		--since --until --help --version -v -q X_API_KEY X_API_SECRET \
		X_ACCESS_TOKEN X_ACCESS_TOKEN_SECRET TZDIR JOURNAL_STREAM SIGTERM \
		SIGINT SIGHUP 'EXIT STATUS' ENVIRONMENT FILES SIGNALS EXAMPLES \
		'SEE ALSO' .state.json .jsonl /etc/chathost/schedules/; do
		grep -qF -- "$w" "$T/page1" || missing="$missing '$w'"
	done
	if [ -z "$missing" ]; then
		ok "chathost(1) covers every command, flag, variable, signal and section"
	else
		nok "chathost(1) covers every command, flag, variable, signal and section" "missing:$missing"
	fi
fi
if [ -f "$MANDIR/man5/chathost.conf.5" ]; then
	MANWIDTH=200 man -l "$MANDIR/man5/chathost.conf.5" 2>/dev/null >"$T/page5"
	missing=""
	for w in name hashtag weekday time timezone duration first_question \
		question_interval thread topics logs base_url credentials \
		capture_after search_budget late_limit warn_before webhook command \
		date title intro questions wrapup post_at extra_votes tie label \
		candidates api_key api_secret access_token access_token_secret 0600 \
		'DAYLIGHT SAVING'; do
		grep -qF -- "$w" "$T/page5" || missing="$missing '$w'"
	done
	if [ -z "$missing" ]; then
		ok "chathost.conf(5) documents every key"
	else
		nok "chathost.conf(5) documents every key" "missing:$missing"
	fi
fi

# ---- systemd unit --------------------------------------------------------------
# verify checks that ExecStart's program exists and that the Documentation=
# pages open: point it at the staged binary and man pages, nothing else.
if command -v systemd-analyze >/dev/null 2>&1; then
	mkdir -p "$T/unit"
	sed "s|$P/bin/chathost|$D$P/bin/chathost|" "$UNIT" >"$T/unit/chathost@.service" 2>/dev/null
	for u in chathost@.service chathost@icmichat.service; do
		if out=$(cd "$T/unit" && MANPATH="$MANDIR:$(manpath 2>/dev/null)" \
			systemd-analyze verify "./$u" 2>&1) && [ -z "$out" ]; then
			ok "systemd-analyze verify accepts $u"
		else
			nok "systemd-analyze verify accepts $u" "$out"
		fi
	done
	# and it is not lenient: a broken copy is refused
	sed 's/^ProtectSystem=strict/ProtectSystem=bogus/; s|^ExecStart=.*|ExecStart=/nonexistent/chathost run x|' \
		"$T/unit/chathost@.service" >"$T/unit/broken@.service"
	if ! (cd "$T/unit" && systemd-analyze verify --man=no ./broken@.service) >/dev/null 2>&1; then
		ok "systemd-analyze verify refuses a broken copy of the unit"
	else
		nok "systemd-analyze verify refuses a broken copy of the unit"
	fi
else
	nok "systemd-analyze is installed (make deps installs package systemd)"
fi

# ---- uninstall -----------------------------------------------------------------
if out=$(make "${MAKEFLAGS_LOCAL[@]}" uninstall 2>&1); then
	ok "make uninstall succeeds"
else
	nok "make uninstall succeeds" "$out"
fi
left=$(cd "$D" && find . -mindepth 1 -printf '%y %P\n' | sort)
if [ -z "$left" ]; then
	ok "make uninstall leaves nothing behind: no file, no folder"
else
	nok "make uninstall leaves nothing behind: no file, no folder" "$left"
fi
if [ -d "$D" ]; then
	ok "make uninstall keeps DESTDIR itself"
else
	nok "make uninstall keeps DESTDIR itself"
	mkdir -p "$D"
fi
# uninstall again: nothing installed, something else in DESTDIR
mkdir -p "$D/keep/usr"
echo other >"$D/keep/file"
if make "${MAKEFLAGS_LOCAL[@]}" uninstall >/dev/null 2>&1 &&
	[ "$(cat "$D/keep/file")" = other ] && [ -d "$D/keep/usr" ]; then
	ok "make uninstall again (nothing installed) succeeds and leaves other things alone"
else
	nok "make uninstall again (nothing installed) succeeds and leaves other things alone"
fi

echo "1..$n"
[ "$failed" -eq 0 ]
