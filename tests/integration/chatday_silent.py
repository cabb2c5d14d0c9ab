#!/usr/bin/env python3
"""Chat day: no hang and no silent failure. A FIFO as schedule, topic or
credentials file is refused at once (check, preview, run: exit 1); `run
--once` with the API unreachable ends with exit 3 when the chat's window has
passed; a chat whose every search fails ends with a line that says no
answers were captured and how to backfill, and that backfill works for a
rehearsal; `run --backfill` of a chat that has not happened creates no
log."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Fake, Tap, bot_env, read_log, run_bot, workdir  # noqa: E402
from chatday import minute_start, short_chat  # noqa: E402

t = Tap()

# ---- a FIFO as any input file -------------------------------------------------
d = workdir("chatday_fifo")
sched, date, topic = short_chat(d, time.time() + 86400)
fifo = os.path.join(d, "fifo.conf")
os.mkfifo(fifo)
for args, what in ((["check", fifo], "check SCHEDULE"),
                   (["preview", fifo], "preview SCHEDULE"),
                   (["run", "--once", "--dry-run", fifo], "run SCHEDULE")):
    t0 = time.time()
    st, out, err = run_bot(args, timeout=20)
    t.ok(st == 1 and "not a regular file" in err and time.time() - t0 < 10,
         "a FIFO as %s: exit 1 at once (%d)" % (what, st), err)
os.unlink(topic)
os.mkfifo(topic)
st, out, err = run_bot(["check", sched], timeout=20)
t.ok(st == 1 and topic in err and "not a regular file" in err,
     "a FIFO as the topic file: check says so, exit 1 (%d)" % st, err)
os.unlink(topic)
cred = os.path.join(d, "creds.conf")
os.mkfifo(cred, 0o600)
sched2, _, _ = short_chat(d, time.time() + 86400, name="fifocreds",
                          api='{ credentials = "%s"; }' % cred)
st, out, err = run_bot(["run", "--once", sched2], env=bot_env(creds=False), timeout=20)
t.ok(st == 1 and "not a regular file" in err,
     "a FIFO as the credentials file: run exits 1 at once (%d)" % st, err)

# ---- run --once with the API unreachable -----------------------------------
d = workdir("chatday_unreachable")
# a chat whose capture window (10 minutes + 1) closes in 30-90 s
start = minute_start(-10 * 60 - 30)
notes = os.path.join(d, "notes.txt")
sched, date, _ = short_chat(d, start, notify='{ command = "cat >> %s"; }' % notes)
close = start + 11 * 60
t0 = time.time()
st, out, err = run_bot(["run", "--once", "--date", date, "--api-base",
                        "http://127.0.0.1:9", sched], timeout=150)
t.eq(st, 3, "run --once with the API unreachable: exit 3")
t.ok(time.time() >= close - 2 and time.time() < close + 70,
     "when the chat's window has passed (%.0f s after it)" % (time.time() - close))
t.ok("not hosted" in err and "cannot reach X" in err, "saying so", err[-600:])
note = open(notes).read() if os.path.exists(notes) else ""
t.ok("is not being hosted: X cannot be reached" in note,
     "the notifiers hear it at the chat's start (it had begun already)", note or "(none)")

# ---- every search fails; the backfill of a rehearsal ------------------------
d = workdir("chatday_capture")
fake = Fake(d, "--speed", "600", "--auto-answer", "--search-limit", "100000")
try:
    sched, date, _ = short_chat(d, time.time() + 86400)
    fake.faults([{"path": "/2/tweets/search/recent", "fault": "500", "count": 100000}])
    st, out, err = run_bot(["run", "--once", "--rehearse=600", "--date", date,
                            "--api-base", fake.base, sched], timeout=120)
    t.eq(st, 3, "a chat whose every search failed exits 3")
    t.ok("no answers were captured" in err and "--backfill --date %s --rehearse" % date in err,
         "its last lines say no answers were captured and how to backfill", err[-800:])
    fake.call("DELETE", "/_fake/faults")
    logp = os.path.join(d, "logs", "testchat", "rehearsal", date + ".jsonl")
    st, out, err = run_bot(["run", "--backfill", "--rehearse", "--date", date,
                            "--api-base", fake.base, sched], timeout=120)
    answers = [l for l in read_log(logp) if l.get("kind") in ("answer", "reply", "other")]
    t.eq(st, 0, "run --backfill --rehearse of that rehearsal: exit 0")
    t.ok(len(answers) > 0, "and the answers are in the log (%d)" % len(answers), err[-800:])
finally:
    fake.stop()

# ---- backfill of a chat that has not happened --------------------------------
d = workdir("chatday_backfill_future")
sched, date, _ = short_chat(d, time.time() + 2 * 86400)
st, out, err = run_bot(["run", "--backfill", "--date", date, sched], timeout=30)
t.eq(st, 1, "run --backfill of a chat that has not happened: exit 1")
t.ok("has not started yet" in err, "saying so", err)
t.ok(not os.path.exists(os.path.join(d, "logs", "testchat", date + ".jsonl")),
     "and no empty log is created")
t.done()
