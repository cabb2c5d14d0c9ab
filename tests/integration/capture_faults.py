#!/usr/bin/env python3
"""A chat with faults: a burst of 150 posts (two pages in one poll), a 429

One scenario of the capture suite; the shared helpers are in
tests/lib/capturelib.py."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from capturelib import *  # noqa: E402,F401,F403


# ---- 2. a chat with faults: a burst of 150 posts (two pages in one poll), a 429
#    in the middle, then the bot crashes after the wrap-up and is restarted
#    only after the capture window: the backfill recovers the posts made
#    while it was down
SPEED = 120
d = workdir("capture_faults")
fake = Fake(d, "--speed", str(SPEED), "--auto-answer")
try:
    sched = write_schedule(d, capture_after="5")
    args = ["run", "--once", "--rehearse=%d" % SPEED, "--date", DATE,
            "--api-base", fake.base, sched]
    logf = open(os.path.join(d, "bot1.log"), "w")
    p = start_bot(args, log=logf)

    def wait_posts(n, limit=90):
        end = time.time() + limit
        while len(fake.posts()) < n and time.time() < end and p.poll() is None:
            time.sleep(0.05)
        return len(fake.posts()) >= n

    wait_posts(3)                      # intro, Q1, Q2
    burst = [{"username": "burst_%d" % i, "name": "Burst %d" % i,
              "text": "A2: burst answer number %d #ICMIchat" % i} for i in range(150)]
    fake.call("POST", "/_fake/tweets", {"tweets": burst})
    wait_posts(4)                      # Q3
    time.sleep(0.5)
    fake.faults([{"path": "/2/tweets/search/recent", "fault": "429", "count": 1,
                  "reset_in": 5}])
    wait_posts(8)                      # the wrap-up
    time.sleep(0.3)
    p.send_signal(signal.SIGKILL)
    p.wait()
    logf.close()
    bot1_searches = len(fake.requests("/2/tweets/search/recent"))
    # posted while the bot is down
    tw = {x["text"]: x for x in fake.tweets()}
    state = json.load(open(os.path.join(d, "logs", "testchat", "rehearsal",
                                        DATE + ".state.json")))
    q6 = state["posts"]["q6"]["id"]
    intro = state["posts"]["intro"]["id"]
    down = fake.call("POST", "/_fake/tweets", {"tweets": [
        {"username": "late_lou", "text": "A6: posted while the bot was down #ICMIchat"},
        {"username": "late_lou", "text": "no hashtag, a reply to Q6", "in_reply_to": q6},
        {"username": "late_kim", "text": "thread reply after the wrap-up", "in_reply_to": intro},
        {"username": "late_kim", "text": "", "retweet_of": q6},
    ]})["data"]
    # wait until the capture window (wrap-up + 5 chat minutes) and 15 more
    # chat minutes have passed, so the restart must search the gap by time
    wrap = state["posts"]["wrapup"]["posted_at"]
    time.sleep(max(0, wrap + (5 + 16) * 60.0 / SPEED - time.time()))
    st, out, err = run_bot(args, timeout=120)
    t.eq(st, 0, "faults: the restarted bot exits 0")
    log, state, tweets = check_log(d, fake, "faults")
    ids = {e["id"] for e in log}
    t.ok(all(x["id"] in ids for x in down[:3]) and down[3]["id"] not in ids,
         "faults: the posts made while the bot was down are in the log, the retweet is not")
    burst_ids = {x["id"] for x in tweets if x["text"].startswith("A2: burst")}
    t.eq(len(burst_ids & ids), 150, "faults: all 150 posts of the burst logged")
    srch = fake.requests("/2/tweets/search/recent")
    paged = [r for r in srch if "next_token" in r["query"]]
    t.ok(paged, "faults: a poll read more than one page (next_token)")
    r429 = [i for i, r in enumerate(srch) if r["status"] == 429]
    t.ok(len(r429) == 1, "faults: the 429 happened once", [r["status"] for r in srch])
    if r429:
        i = r429[0]
        after = srch[i + 1]["arrival"] if i + 1 < len(srch) else None
        t.ok(after is None or after >= srch[i]["arrival"] + 4.0,
             "faults: no search before the 429's reset (%.2f s later)"
             % ((after or 0) - srch[i]["arrival"]))
    back = srch[bot1_searches:]
    t.ok(back and all("start_time" in r["query"] and "end_time" in r["query"]
                      for r in back),
         "faults: the backfill searched the gap by start_time/end_time",
         [r["query"] for r in back][:3])
    cov = state["capture"]["covered"]
    t.eq(len(cov), 1, "faults: the state's coverage is one range after the backfill")
    ratio = state["capture"]["reads"] / max(1, len(log))
    t.ok(ratio <= 1.10, "faults: %.3f posts read per post logged" % ratio)
    # running the finished rehearsal again starts a new one (the finished
    # one is kept as DATE.jsonl.1): X refuses its posts as duplicates and
    # the old posts are not taken for the new rehearsal's; harmless
    n_lines = len(log)
    st, out, err = run_bot(args, timeout=60)
    kept = read_log(os.path.join(d, "logs", "testchat", "rehearsal", DATE + ".jsonl.1"))
    made = collections.Counter(r["text"] for r in post_records(fake) if r.get("status") == 201)
    t.ok(st in (0, 3) and len(kept) == n_lines and all(v == 1 for v in made.values()),
         "faults: running the finished chat again is harmless (exit %d, %d of %d lines kept)"
         % (st, len(kept), n_lines), err[-600:])
finally:
    fake.stop()

t.done()
