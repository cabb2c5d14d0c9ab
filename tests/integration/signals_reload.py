#!/usr/bin/env python3
"""Signals and clocks for chathost run (signals.py: SIGTERM, SIGINT, the
clock going back): SIGHUP re-reads the schedule and topic files (a valid edit
of a question not yet posted takes effect, an invalid one is reported and
the old plan kept); a rehearsal resumed after its posts' instants passed
(a forward clock jump) skips what is past late_limit and logs it, posting
none of it late."""
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import wait_until, SLOW, Fake, Tap, run_bot, start_bot, workdir, write_schedule  # noqa: E402
from chatcheck import (DATE, created_counts, log_problems, planned,  # noqa: E402
                       post_records, raw_lines, state_of, window_end)

t = Tap()
KEYS = ["intro"] + ["q%d" % i for i in range(1, 7)] + ["wrapup"]
SPEED = 100 if SLOW else 200


def paths(d):
    r = os.path.join(d, "logs", "testchat", "rehearsal")
    return os.path.join(r, DATE + ".state.json"), os.path.join(r, DATE + ".jsonl")




def n_created(fake):
    return sum(1 for r in post_records(fake) if r.get("status") == 201)


def lines_ok(path):
    bad = []
    for l in raw_lines(path):
        try:
            json.loads(l)
        except ValueError:
            bad.append(l[:60])
    return bad


# ---- 2. SIGHUP: a valid edit takes effect, an invalid one is refused ---------
d = workdir("signals_hup")
fake = Fake(d, "--speed", str(SPEED))
try:
    sched = write_schedule(d, capture_after="1")
    texts = [x[1] for x in planned(sched)]
    state_path, log_path = paths(d)
    topic = os.path.join(d, "topics", DATE + ".conf")
    orig = open(topic).read()
    q5_old = "How do you keep agents from burning out on the contacts customers find most frustrating?"
    q6_old = "What one change could your team make next week to remove a pet peeve for good?"
    assert q5_old in orig and q6_old in orig
    args = ["run", "--once", "--rehearse=%d" % SPEED, "--date", DATE,
            "--api-base", fake.base, sched]
    out_path = os.path.join(d, "bot.log")
    out = open(out_path, "w")
    p = start_bot(args, log=out)
    t.ok(wait_until(lambda: n_created(fake) >= 2, 40), "SIGHUP: the chat got to Q1")
    # a valid edit of Q5 (not yet posted)
    with open(topic + ".tmp", "w") as f:
        f.write(orig.replace(q5_old, "How do you keep agents fresh on the hardest contacts?"))
    os.rename(topic + ".tmp", topic)
    p.send_signal(signal.SIGHUP)
    time.sleep(0.5 if not SLOW else 3)
    # then an invalid edit (a syntax error and a changed Q6): refused
    with open(topic + ".tmp", "w") as f:
        f.write(orig.replace(q5_old, "How do you keep agents fresh on the hardest contacts?")
                .replace(q6_old, "This edit must never be posted?").replace("wrapup", "wrapup = = ;", 1))
    os.rename(topic + ".tmp", topic)
    p.send_signal(signal.SIGHUP)
    time.sleep(0.5 if not SLOW else 3)
    # and an invalid schedule edit: refused too
    sched_text = open(sched).read()
    with open(sched, "w") as f:
        f.write(sched_text + "late_limit = \"soon\";\n")
    p.send_signal(signal.SIGHUP)
    time.sleep(0.3 if not SLOW else 2)
    with open(sched, "w") as f:
        f.write(sched_text)
    try:
        st = p.wait(120)
    except Exception:
        p.kill()
        st = p.wait()
    out.close()
    log = open(out_path).read()
    t.eq(st, 0, "SIGHUP x3 mid-chat: the chat still ends with exit 0")
    got = [r["text"] for r in post_records(fake) if r.get("status") == 201]
    want = texts[:5] + ["Q5: How do you keep agents fresh on the hardest contacts? #ICMIchat",
                        texts[6], texts[7]]
    t.eq(got, want, "the valid edit of Q5 was posted; the invalid edit of Q6 was not")
    t.ok(log.count("SIGHUP: re-reading") >= 3, "each SIGHUP re-read the files", log[-1500:])
    t.ok("reloaded: 8 posts planned" in log, "the valid edit was taken")
    t.ok(log.count("the edit is invalid; keeping the old plan") >= 2,
         "both invalid edits were reported, the old plan kept")
    t.ok("%s:" % topic in log, "the topic's error names the file (FILE:LINE)")
    t.ok("%s:" % sched in log and "late_limit" in log,
         "the schedule's error names the file and the key")
    ok, dup = created_counts(fake)
    t.ok(all(v == 1 for v in ok.values()) and not dup, "nothing posted twice after the reloads")
finally:
    fake.stop()

# ---- 3. a forward clock jump: a rehearsal resumed after its instants ---------
d = workdir("signals_late")
fake = Fake(d, "--speed", str(SPEED))
try:
    # late_limit 2 chat minutes; the rehearsal "started" 11 chat minutes
    # before now: the intro (0), Q1 (5) are past late_limit, Q2 (15)
    # is not due yet
    sched = write_schedule(d, capture_after="1", late_limit="2")
    texts = [x[1] for x in planned(sched)]
    state_path, log_path = paths(d)
    os.makedirs(os.path.dirname(state_path))
    with open(state_path, "w") as f:
        json.dump({"version": 1, "date": DATE,
                   "rehearsal": {"start": time.time() - 660.0 / SPEED, "speed": SPEED}}, f)
    st, out, err = run_bot(["run", "--once", "--rehearse=%d" % SPEED, "--date", DATE,
                            "--api-base", fake.base, sched], timeout=120)
    t.eq(st, 3, "a rehearsal resumed past its first instants exits 3 (posts not made)")
    t.ok("2 of 8 posts were not posted: intro (late), q1 (late)" in err,
         "its last line says which", err[-400:])
    t.ok("continuing the rehearsal" in err, "it continued the recorded timeline")
    got = [r["text"] for r in post_records(fake) if r.get("status") == 201]
    t.eq(got, texts[2:], "the intro and Q1 (past late_limit) were not posted; Q2..wrap-up were")
    state = state_of(state_path)
    t.eq([state["posts"].get(k, {}).get("skipped") for k in ("intro", "q1")],
         ["late", "late"], "the state records them as skipped (late)")
    events = [json.loads(l) for l in raw_lines(log_path) if '"event"' in l]
    t.eq([(e.get("key"), e.get("reason")) for e in events if e.get("event") == "skipped"],
         [("intro", "late"), ("q1", "late")], "the log has an event line for each skip")
    bodies = [json.loads(r["body"]) for r in post_records(fake) if r.get("status") == 201]
    t.ok(all("reply" not in b for b in bodies),
         "with the intro skipped, the questions are posted on their own")
    t.ok("the intro was not posted" in err, "and the output says so")
finally:
    fake.stop()
t.done()
