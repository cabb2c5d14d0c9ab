#!/usr/bin/env python3
"""Signals and clocks for chathost run: SIGTERM and SIGINT mid-chat exit 0
with the state and the log intact (SIGINT during a post finishes it and
records its id), and a restart continues without duplicates even after the
clock went back; SIGTERM during the backfill's wait stops at once and
leaves the chat for the next run (signals_reload.py: SIGHUP, clock jumping
forward)."""
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

t.done()
