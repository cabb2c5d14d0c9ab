#!/usr/bin/env python3
"""A chat without faults: every post once, reads per logged post <= 1.05

One scenario of the capture suite; the shared helpers are in
tests/lib/capturelib.py."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from capturelib import *  # noqa: E402,F401,F403


# ---- 1. a chat without faults: every post once, reads per logged post <= 1.05
d = workdir("capture_clean")
fake = Fake(d, "--speed", "240", "--auto-answer")
try:
    sched = write_schedule(d, capture_after="5")
    st, out, err = run_bot(["run", "--once", "--rehearse=240", "--date", DATE,
                            "--api-base", fake.base, sched], timeout=120)
    t.eq(st, 0, "clean chat: exits 0")
    log, state, tweets = check_log(d, fake, "clean chat")
    cap = state.get("capture", {})
    ratio = cap.get("reads", 0) / max(1, len(log))
    t.ok(0 < ratio <= 1.05, "clean chat: %d posts read for %d logged (%.3f <= 1.05)"
         % (cap.get("reads", 0), len(log), ratio))
    t.ok(any(e.get("attributed_by") == "label" for e in log) and
         any(e.get("attributed_by") == "reply" for e in log) and
         any(e.get("attributed_by") == "time" for e in log),
         "clean chat: the label, reply and time rules all applied")
    t.ok(any(e["kind"] == "reply" and "#icmichat" not in e["text"].lower() for e in log),
         "clean chat: a reply without the hashtag was caught (conversation)")
    srch = fake.requests("/2/tweets/search/recent")
    t.ok(srch and all("-is:retweet" in r["query"]["query"][0] for r in srch),
         "clean chat: every search excludes retweets")
    t.ok(all("start_time" not in r["query"] for r in srch[1:]) and
         all("since_id" in r["query"] for r in srch[1:]),
         "clean chat: after the first search, since_id and no range searches")
    t.ok("nothing missed" in err, "clean chat: the backfill found nothing to do")
finally:
    fake.stop()

t.done()
