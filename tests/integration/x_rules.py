#!/usr/bin/env python3
"""X as it is in 2026, its rules: a rehearsed chat on the fake X API with
the reply rule on (every reply of the bot is refused, since the author of
the intro, the bot itself, never mentioned the bot) and one question
refused outright (403 "You are not permitted to perform this action.").
The chat completes: every question is posted, the refused replies on their
own with their Qn label and hashtag, the one refusal skipped with X's words;
the log and the report say so; the run exits 3, never stops early."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Fake, Tap, run_bot, workdir, write_schedule  # noqa: E402
from chatcheck import DATE, planned, post_records, state_of  # noqa: E402
from faultlib import Driver, fault, no_crash  # noqa: E402

SPEED = 120
t = Tap()
d = workdir("x_rules")
fake = Fake(d, "--speed", str(SPEED), "--reply-rule")
try:
    sched = write_schedule(d, capture_after="1")
    plan = planned(sched)
    texts = [x[1] for x in plan]
    rdir = os.path.join(d, "logs", "testchat", "rehearsal")
    state_path = os.path.join(rdir, DATE + ".state.json")
    log_path = os.path.join(rdir, DATE + ".jsonl")
    drv = Driver(fake, state_path, {"q3": [fault("/2/tweets", "forbidden", "POST")]})
    drv.start()
    st, out, err = run_bot(["run", "--once", "--rehearse=%d" % SPEED, "--date", DATE,
                            "--api-base", fake.base, sched], timeout=200)
    drv.stop = True
    t.ok(no_crash(st, err), "no crash", err[-600:])
    t.eq(st, 3, "a chat with one post refused exits 3 at its end")
    recs = post_records(fake)
    made = {}
    for r in recs:
        if r.get("status") == 201:
            made[r["text"]] = json.loads(r["body"])
    t.eq([x in made for x in texts], [True, True, True, False, True, True, True, True],
         "every post went out but Q3, the one X refused (the chat went on after it)")
    t.ok(all("reply" not in made[x] for x in texts if x in made),
         "the replies X refused went out as posts of their own")
    refused = [r for r in recs if r.get("status") == 403 and
               "reply" in json.loads(r["body"]) and r["text"] != texts[3]]
    t.eq(len(refused), 6, "each reply was tried once, refused by the reply rule, "
         "then posted on its own (Q1, Q2, Q4, Q5, Q6, the wrap-up)")
    t.ok(all(x.startswith("Q%d: " % n) and "#ICMIchat" in x
             for n, x in enumerate(texts[1:7], 1)),
         "a question on its own keeps its Qn label and the hashtag")
    state = state_of(state_path)
    posts = state["posts"]
    t.ok(all("Reply to this conversation is not allowed" in posts[k].get("standalone", "")
             for k in ("q1", "q2", "q4", "q5", "q6", "wrapup")),
         "the state says which posts went out on their own, and why (X's words)",
         json.dumps(posts, indent=1)[:1500])
    t.ok("You are not permitted to perform this action." in posts["q3"].get("skipped", ""),
         "the refused Q3 is skipped with what X said", posts["q3"])
    t.ok("You are not permitted to perform this action." in err and
         "credentials" not in err.split("Q3")[-1][:300],
         "the message names what X said, not a guess about credentials", err[-1500:])
    lines = [json.loads(x) for x in open(log_path, encoding="utf-8")]
    host = [x for x in lines if x.get("kind") == "host"]
    t.ok(host and all(x.get("in_reply_to_id") is None for x in host),
         "the log shows the host's posts as posts of their own", host[:2])
    skips = [x for x in lines if x.get("event") == "skipped"]
    t.ok(len(skips) == 1 and skips[0]["key"] == "q3" and
         "not permitted" in skips[0]["reason"], "the log records Q3's skip with X's words",
         skips)
    rst, rout, rerr = run_bot(["report", log_path])
    t.ok(rst == 0 and "POSTED ON THEIR OWN" in rout and "q1 (403 Forbidden" in rout and
         "NOT POSTED: 1 post: q3 (refused by X" in rout,
         "the report says which posts went out on their own and which was refused",
         rout[:1500] + rerr)
    t.ok("Cost on X $" in rout, "the report shows what the chat cost on X", rout[:1500])
    cost = state.get("cost", {})
    t.ok(cost.get("posts") == 7 and cost.get("reads", 0) >= 1 and
         abs(cost.get("dollars", 0) - (7 * 0.015 + cost["reads_billed"] * 0.005)) < 0.002,
         "the state keeps the chat's cost: 7 posts made, the posts read and billed", cost)
finally:
    fake.stop()
t.done()
