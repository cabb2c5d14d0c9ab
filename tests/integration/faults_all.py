#!/usr/bin/env python3
"""A chat through every fault

One scenario of the fault suite; the shared helpers are in
tests/lib/faultlib.py."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from faultlib import *  # noqa: E402,F401,F403

t = Tap()

# ---- 1. a chat through every fault -----------------------------------------
SPEED = 50 if SLOW else 100
d = workdir("faults_all")
# a search rate limit high enough that the live capture searches often: the
# search faults all land during the chat (the backfill does not retry a
# malformed page; see the report of issue 7)
fake = Fake(d, "--speed", str(SPEED), "--auto-answer", "--search-limit", "100000")
try:
    sched = write_schedule(d, capture_after="5", late_limit="60", search_budget="300")
    texts = [x[1] for x in planned(sched)]
    rdir = os.path.join(d, "logs", "testchat", "rehearsal")
    state_path = os.path.join(rdir, DATE + ".state.json")
    log_path = os.path.join(rdir, DATE + ".jsonl")
    SEARCH = "/2/tweets/search/recent"
    # at startup: the account lookup fails twice; the first searches fail
    # in every way (the live capture goes on; the backfill fills the gaps)
    fake.faults([fault("/2/users/me", "503", reset_in=1),
                 fault("/2/users/me", "cut"),
                 fault("/2/tweets", "429", "POST", reset_in=2),            # intro
                 fault(SEARCH, "429", reset_in=2),
                 fault(SEARCH, "500"), fault(SEARCH, "503", reset_in=1),
                 fault(SEARCH, "cut"), fault(SEARCH, "malformed"),
                 fault(SEARCH, "timeout", delay=30),
                 fault(SEARCH, "slow", delay=0.5)])
    per_post = {
        "q1": [fault("/2/tweets", "500", "POST", count=2)],
        "q2": [fault("/2/tweets", "503", "POST", reset_in=1),
               fault("/2/tweets", "slow", "POST", delay=1)],
        # made, answer lost; the first look-up of the account's posts fails
        "q3": [fault("/2/tweets", "cut", "POST", apply=True),
               fault("/2/users/*/tweets", "500", "GET")],
        "q4": [fault("/2/tweets", "malformed", "POST", apply=True)],
        # not made, answer lost: looked up, not found, sent again
        "q5": [fault("/2/tweets", "cut", "POST"),
               fault("/2/users/*/tweets", "429", "GET", reset_in=1)],
        # X says duplicate but it is nowhere: skipped, not forced
        "q6": [fault("/2/tweets", "duplicate", "POST")],
        # held past the client's 20 s timeout, then sent again in time
        "wrapup": [fault("/2/tweets", "timeout", "POST", delay=25)],
    }
    drv = Driver(fake, state_path, per_post)
    drv.start()
    t0 = time.time()
    st, out, err = run_bot(["run", "--once", "--rehearse=%d" % SPEED, "--date", DATE,
                            "--api-base", fake.base, sched], timeout=280)
    drv.stop = True
    with open(os.path.join(d, "bot.err"), "w") as f:
        f.write(err)
    # Q6 is skipped as a duplicate (below): a post not made is exit 3
    t.eq(st, 3, "the chat through every fault ends, exit 3 for the skipped Q6 (%.0f s)"
         % (time.time() - t0))
    t.ok("1 of 8 posts were not posted: q6 (duplicate)" in err,
         "the last line says which post was not made and why", err[-400:])
    t.ok(no_crash(st, err), "no crash, no sanitizer report")
    t.eq(drv.queued, KEYS[1:], "each post's faults were queued in its turn")
    tweets = fake.tweets()
    made = {}
    for tw in tweets:
        made[tw["text"]] = made.get(tw["text"], 0) + 1
    want = [1, 1, 1, 1, 1, 1, 0, 1]
    t.eq([made.get(x, 0) for x in texts], want,
         "every post made exactly once; Q6 (a duplicate nowhere to be found) not forced")
    recs = post_records(fake)
    # libcurl resends a request whose reused connection died before any
    # answer, with the same Authorization header: the fake refuses the
    # spent nonce. Those are not the bot's attempts.
    resends = [r for r in recs if r.get("verdict") == "rejected"
               and "nonce" in (r.get("reason") or "")]
    print("# libcurl resends refused for their spent nonce: %d" % len(resends))
    by_text = {}
    for r in recs:
        if r not in resends:
            by_text.setdefault(r["text"], []).append(r)
    t.eq([len(by_text.get(x, [])) for x in texts], [2, 3, 2, 1, 1, 2, 1, 2],
         "POST attempts per post: intro 429+ok, Q1 2x500+ok, "
         "Q2 503+slow, Q3 cut-after-making (no resend), Q4 malformed-after-making (no resend), "
         "Q5 cut+resend, Q6 duplicate, wrap-up timeout+resend")
    intro = by_text.get(texts[0], [])
    t.ok(len(intro) == 2 and intro[1]["arrival"] >= intro[0]["arrival"] + 1.5,
         "after the 429 the intro waited for x-rate-limit-reset",
         [r["arrival"] for r in intro])
    q1 = [r["arrival"] for r in by_text.get(texts[1], [])]
    t.ok(len(q1) == 3 and q1[1] - q1[0] >= 0.2 and q1[2] - q1[1] >= 0.45,
         "Q1's retries back off (>= 0.25 s, then >= 0.5 s)", q1)
    wr = by_text.get(texts[7], [])
    t.ok(len(wr) == 2 and 18 <= wr[1]["arrival"] - wr[0]["arrival"] <= 30,
         "the held wrap-up timed out after the client's 20 s and was sent again",
         [r["arrival"] for r in wr])
    ok, dup = created_counts(fake)
    t.eq(dict(dup), {texts[6]: 1}, "the only 403 is the injected one")
    state = state_of(state_path)
    t.eq([bool(state["posts"][k].get("id")) for k in KEYS],
         [True] * 6 + [False, True], "the state has the id of every post made")
    ids = {tw["text"]: tw["id"] for tw in tweets}
    t.eq([state["posts"][k].get("id") for k in ("q3", "q4")],
         [ids.get(texts[3]), ids.get(texts[4])],
         "the ids of Q3 and Q4 (answers lost) were found among the account's posts")
    t.eq(state["posts"]["q6"].get("skipped"), "duplicate", "Q6 is skipped as a duplicate")
    events = [json.loads(l) for l in raw_lines(log_path) if '"event"' in l]
    skips = [(e.get("key"), e.get("reason")) for e in events if e.get("event") == "skipped"]
    t.eq(skips, [("q6", "duplicate")], "the log records the skip with its reason")
    for word, what in (("429", "rate limit"), ("500", "500"), ("503", "503"),
                       ("retrying", "retry"), ("timed out", "timeout"),
                       ("duplicate", "duplicate")):
        t.ok(word.lower() in err.lower(), "the output reports the %s" % what)
    probs, n_ans, n_lines = log_problems(log_path, fake, set(texts),
                                         window_end(state, capture_after=5))
    t.eq(probs, [], "every answer of the window logged exactly once (%d answers)" % n_ans)
    t.ok(n_ans >= 20, "the participants answered (%d)" % n_ans)
    faulted = [r for r in fake.requests() if r.get("fault")]
    kinds = sorted({r["fault"] if isinstance(r["fault"], str) else
                    r["fault"].get("fault", "?") for r in faulted})
    t.ok(len(faulted) >= 20, "%d requests were faulted (%s)" % (len(faulted), ", ".join(kinds)))
finally:
    fake.stop()

t.done()
