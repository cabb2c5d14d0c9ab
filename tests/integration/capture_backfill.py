#!/usr/bin/env python3
"""--backfill --date D by hand, for a past (real-time) chat, and --full

One scenario of the capture suite; the shared helpers are in
tests/lib/capturelib.py."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from capturelib import *  # noqa: E402,F401,F403


# ---- 3. --backfill --date D by hand, for a past (real-time) chat, and --full
d = workdir("capture_backfill")
fake = Fake(d, "--speed", "60")
try:
    # a chat two days ago (over, and within search's 7 days): the
    # schedule's weekday is that day's
    day = datetime.datetime.now(datetime.timezone.utc).date() - datetime.timedelta(days=2)
    date = day.isoformat()
    sched = write_schedule(d, weekday='"%s"' % day.strftime("%A"))
    tdir = os.path.join(d, "topics")
    src = open(os.path.join(tdir, "2026-12-01.conf")).read()
    open(os.path.join(tdir, date + ".conf"), "w").write(
        src.replace("2026-12-01", date))
    st, out, err = run_bot(["preview", "--date", date, sched])
    m = re.search(r"= (\d{4}-\d\d-\d\d) (\d\d:\d\d) UTC", out)
    start = iso_s("%sT%s:00" % (m.group(1), m.group(2))) if m else None
    t.ok(start is not None, "backfill: the chat's start from preview", out[:300])
    start = start or 0
    posts = fake.call("POST", "/_fake/tweets", {"tweets": [
        {"username": "ana_cx", "text": "A1: first answer #ICMIchat", "created_at": start + 400},
        {"username": "ana_cx", "text": "A3 - third #ICMIchat", "created_at": start + 1600},
        {"username": "bo", "text": "just passing by #ICMIchat", "created_at": start + 2000},
        {"username": "bo", "text": "an hour before #ICMIchat", "created_at": start - 3600},
        {"username": "bo", "text": "next day #ICMIchat", "created_at": start + 86400},
    ]})["data"]
    st, out, err = run_bot(["run", "--backfill", "--date", date, "--api-base",
                            fake.base, sched], timeout=60)
    t.ok(st == 0, "backfill: --backfill --date D exits 0", err[-800:])
    path = os.path.join(d, "logs", "testchat", date + ".jsonl")
    log = [e for e in read_log(path) if e.get("kind") != "event"]
    got = {e["id"]: e for e in log}
    t.eq(sorted(got), sorted(x["id"] for x in posts[:3]),
         "backfill: the window's posts are logged, not those outside it")
    t.ok(posts[0]["id"] in got and got[posts[0]["id"]]["question"] == 1 and
         posts[1]["id"] in got and got[posts[1]["id"]]["question"] == 3,
         "backfill: labels attribute the answers")
    srch = fake.requests("/2/tweets/search/recent")
    t.ok(srch and all("start_time" in r["query"] and "end_time" in r["query"] for r in srch),
         "backfill: searched by start_time/end_time")
    n = len(srch)
    st, out, err = run_bot(["run", "--backfill", "--date", date, "--api-base",
                            fake.base, sched], timeout=60)
    t.ok(st == 0 and len(fake.requests("/2/tweets/search/recent")) == n,
         "backfill: a second --backfill reads nothing (the window is covered)")
    st, out, err = run_bot(["run", "--backfill", "--full", "--date", date,
                            "--api-base", fake.base, sched], timeout=60)
    log = [e for e in read_log(path) if e.get("kind") != "event"]
    t.ok(st == 0 and len(fake.requests("/2/tweets/search/recent")) > n and len(log) == 3,
         "backfill: --full sweeps the window again and logs nothing twice")
finally:
    fake.stop()
t.done()
