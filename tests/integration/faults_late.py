#!/usr/bin/env python3
"""Faults that outlast late_limit

One scenario of the fault suite; the shared helpers are in
tests/lib/faultlib.py."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from faultlib import *  # noqa: E402,F401,F403

t = Tap()

# ---- 2. faults that outlast late_limit ---------------------------------------
SPEED2 = 50 if SLOW else 100
d = workdir("faults_late")
fake = Fake(d, "--speed", str(SPEED2))
try:
    # late_limit 4 chat minutes = 2.4 s here; Q1 fails for longer (503s),
    # Q2's 429 resets long after its late limit
    sched = write_schedule(d, capture_after="1", late_limit="4")
    texts = [x[1] for x in planned(sched)]
    rdir = os.path.join(d, "logs", "testchat", "rehearsal")
    state_path = os.path.join(rdir, DATE + ".state.json")
    log_path = os.path.join(rdir, DATE + ".jsonl")
    per_post = {"q1": [fault("/2/tweets", "503", "POST", count=1000, reset_in=1)],
                "q2": [fault("/2/tweets", "429", "POST", reset_in=120)]}

    drv = Driver(fake, state_path, per_post)

    def clear_after_q1():
        while not drv.stop:
            st = state_of(state_path) if os.path.exists(state_path) else {}
            if st.get("posts", {}).get("q1", {}).get("skipped"):
                # Q1's 503s end when it is skipped; Q2's 429 comes next
                fake.call("DELETE", "/_fake/faults")
                fake.faults(per_post["q2"])
                return
            time.sleep(0.01)
    drv.per_post = {"q1": per_post["q1"]}
    drv.start()
    th = threading.Thread(target=clear_after_q1, daemon=True)
    th.start()
    st, out, err = run_bot(["run", "--once", "--rehearse=%d" % SPEED2, "--date", DATE,
                            "--api-base", fake.base, sched], timeout=200)
    drv.stop = True
    t.eq(st, 3, "a chat with posts skipped as late exits 3")
    t.ok("2 of 8 posts were not posted: q1 (late), q2 (late)" in err,
         "and says which posts were not made", err[-400:])
    t.ok(no_crash(st, err), "no crash")
    made = {}
    for tw in fake.tweets():
        made[tw["text"]] = made.get(tw["text"], 0) + 1
    t.eq([made.get(x, 0) for x in texts], [1, 0, 0, 1, 1, 1, 1, 1],
         "Q1 and Q2 are not posted late; the rest once each")
    state = state_of(state_path)
    t.eq([state["posts"][k].get("skipped") for k in ("q1", "q2")], ["late", "late"],
         "the state records both as skipped (late)")
    events = [json.loads(l) for l in raw_lines(log_path) if '"event"' in l]
    t.eq([(e.get("key"), e.get("reason")) for e in events if e.get("event") == "skipped"],
         [("q1", "late"), ("q2", "late")], "the log records both skips as event lines")
    t.ok("late_limit" in err, "the output says why (late_limit)", err[-800:])
    q1 = [r for r in post_records(fake) if r["text"] == texts[1]]
    t.ok(len(q1) >= (2 if SLOW else 3), "Q1 was retried (%d attempts) before it was skipped" % len(q1))
    recs = post_records(fake)
    q3 = [r["arrival"] for r in recs if r["text"] == texts[3]]
    q2 = [r["arrival"] for r in recs if r["text"] == texts[2]]
    # Q3 is due 10 chat minutes after Q2: it must not wait for Q2's 120 s reset
    t.ok(q2 and q3 and q3[0] - q2[0] < 600.0 / SPEED2 + (3 if SLOW else 1),
         "Q2's long rate-limit wait ended at its late limit: Q3 went out on time",
         (q2, q3))
finally:
    fake.stop()


t.done()
