#!/usr/bin/env python3
"""Signals and clocks for chathost run: SIGTERM and SIGINT mid-chat exit 0
with the state and the log intact (SIGINT during a post finishes it and
records its id), and a restart continues without duplicates even after the
clock went back; SIGHUP re-reads the schedule and topic files (a valid edit
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
from itest import SLOW, Fake, Tap, run_bot, start_bot, workdir, write_schedule  # noqa: E402
from chatcheck import (DATE, created_counts, log_problems, planned,  # noqa: E402
                       post_records, raw_lines, state_of, window_end)

t = Tap()
KEYS = ["intro"] + ["q%d" % i for i in range(1, 7)] + ["wrapup"]
SPEED = 50 if SLOW else 200


def paths(d):
    r = os.path.join(d, "logs", "testchat", "rehearsal")
    return os.path.join(r, DATE + ".state.json"), os.path.join(r, DATE + ".jsonl")


def wait_until(cond, limit):
    end = time.time() + limit
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.01)
    return False


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


# ---- 1. SIGTERM and SIGINT mid-chat, restart after the clock went back -------
for signame, sig in (("SIGTERM", signal.SIGTERM), ("SIGINT", signal.SIGINT)):
    d = workdir("signals_" + signame.lower())
    fake = Fake(d, "--speed", str(SPEED), "--auto-answer")
    try:
        sched = write_schedule(d, capture_after="2")
        texts = [x[1] for x in planned(sched)]
        state_path, log_path = paths(d)
        args = ["run", "--once", "--rehearse=%d" % SPEED, "--date", DATE,
                "--api-base", fake.base, sched]
        out = open(os.path.join(d, "bot1.log"), "w")
        if sig == signal.SIGINT:
            # the signal comes while Q2's answer is held: the post in
            # progress is finished and its id recorded before the exit
            fake.faults([{"path": "/2/tweets", "method": "POST", "fault": "slow",
                          "delay": 0.2, "count": 2},
                         {"path": "/2/tweets", "method": "POST", "fault": "slow",
                          "delay": 1.5, "apply": True}])
        p = start_bot(args, log=out)
        t.ok(wait_until(lambda: n_created(fake) >= 3, 40),
             "%s: the chat got to Q2" % signame)
        p.send_signal(sig)
        t0 = time.time()
        try:
            st = p.wait(15 if not SLOW else 60)
        except Exception:
            p.kill()
            st = p.wait()
        out.close()
        took = time.time() - t0
        t.eq(st, 0, "%s mid-chat: exit 0" % signame)
        t.ok(took < (3 if not SLOW else 20) + (1.5 if sig == signal.SIGINT else 0),
             "%s: it stopped at once (%.2f s)" % (signame, took))
        state = state_of(state_path)
        t.eq([bool(state["posts"].get(k, {}).get("id")) for k in KEYS[:3]],
             [True] * 3, "%s: the state holds the ids of the intro, Q1 and Q2" % signame)
        t.ok(not any(v.get("intent_at") and not v.get("id")
                     for v in state["posts"].values()),
             "%s: no post left half-done in the state" % signame, state["posts"])
        t.eq(lines_ok(log_path), [], "%s: every log line is whole" % signame)
        bot1 = open(os.path.join(d, "bot1.log")).read()
        t.ok("stopped by a signal" in bot1, "%s: it says it was stopped" % signame, bot1[-500:])
        # the wall clock went back 5 chat minutes: the remaining posts
        # are due later, those made are not made again
        state["rehearsal"]["start"] += 300.0 / SPEED
        with open(state_path, "w") as f:
            json.dump(state, f)
        st, o, err = run_bot(args, timeout=150)
        t.eq(st, 0, "%s: the restart (clock set back) exits 0" % signame)
        ok, dup = created_counts(fake)
        t.eq([ok.get(x, 0) for x in texts], [1] * 8,
             "%s: every post made exactly once across the restart" % signame)
        t.eq(dict(dup), {}, "%s: nothing was sent twice" % signame)
        state = state_of(state_path)
        probs, n_ans, _ = log_problems(log_path, fake, set(texts),
                                       window_end(state, capture_after=2))
        t.eq(probs, [], "%s: the log holds every post once (%d answers)" % (signame, n_ans))
    finally:
        fake.stop()

# ---- 1b. SIGTERM while the backfill waits (X wants end_time 10 s back) ------
d = workdir("signals_backfill")
fake = Fake(d, "--speed", "600")
try:
    sched = write_schedule(d, capture_after="1")
    texts = [x[1] for x in planned(sched)]
    state_path, log_path = paths(d)
    args = ["run", "--once", "--rehearse=600", "--date", DATE, "--api-base", fake.base, sched]
    out_path = os.path.join(d, "bot1.log")
    out = open(out_path, "w")
    p = start_bot(args, log=out)

    def posted(key):
        try:
            return (state_of(state_path) or {}).get("posts", {}).get(key, {}).get("id")
        except ValueError:
            return None
    # from Q6 on the searches fail: the backfill has a gap to read, after
    # waiting until the window's end is 10 s old
    t.ok(wait_until(lambda: posted("q6"), 60), "backfill: the chat got to Q6")
    fake.faults([{"path": "/2/tweets/search/recent", "fault": "500", "count": 1000}])
    t.ok(wait_until(lambda: posted("wrapup"), 60), "backfill: the chat got to its wrap-up")
    time.sleep(1.5 if not SLOW else 4)    # the window closed 0.1 s after it
    p.send_signal(signal.SIGTERM)
    t0 = time.time()
    try:
        st = p.wait(30)
    except Exception:
        p.kill()
        st = p.wait()
    took = time.time() - t0
    out.close()
    t.eq(st, 0, "SIGTERM during the backfill's wait: exit 0")
    t.ok(took < (2 if not SLOW else 10), "it did not sit out the wait (%.2f s)" % took,
         open(out_path).read()[-600:])
    t.ok(not state_of(state_path).get("done"), "the chat is not marked done")
    fake.call("DELETE", "/_fake/faults")
    st, o, err = run_bot(args, timeout=90)
    t.eq(st, 0, "the restart finishes the backfill: exit 0")
    t.ok(state_of(state_path).get("done"), "and marks the chat done")
    ok, dup = created_counts(fake)
    t.eq([ok.get(x, 0) for x in texts], [1] * 8, "no post was made again")
finally:
    fake.stop()

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
    t.eq(st, 0, "a rehearsal resumed past its first instants exits 0")
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
