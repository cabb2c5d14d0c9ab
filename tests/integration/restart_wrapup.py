#!/usr/bin/env python3
"""A restart after the wrap-up's instant finishes today's chat (issue 36,
item 1). A real chat is stopped (SIGTERM) 10 s before its wrap-up and run
again 10 s after it, within late_limit: the wrap-up is posted, once, the
run says it finishes that chat first and ends it (done in its state);
before, the run turned to next week's chat and the wrap-up, its intent
recorded, was never posted nor said."""
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Fake, Tap, bot_env, run_bot, start_bot, workdir  # noqa: E402
from chatcheck import post_records  # noqa: E402
from chatday import minute_start, short_chat, wait_until  # noqa: E402

t = Tap()
d = workdir("restart_wrapup")
fake = Fake(d, "--speed", "600")
p = None
try:
    # a 4-minute chat that began 3 to 4 minutes ago: intro and questions
    # due at once, the wrap-up within the minute; no capture after it
    start = minute_start(-3 * 60)
    wrapup_at = start + 4 * 60
    if wrapup_at - time.time() < 15:  # too close to stop before it: next minute
        start += 60
        wrapup_at += 60
    sched, date, topic = short_chat(d, start, duration="4", capture_after="0")
    env = bot_env({"CHATHOST_NO_WAITER": "1"})
    out = os.path.join(d, "bot1.log")
    made = lambda: [r for r in post_records(fake) if r.get("status") == 201]  # noqa: E731
    p = start_bot(["run", "--once", "--api-base", fake.base, sched], env=env,
                  log=open(out, "w"))
    t.ok(wait_until(lambda: len(made()) >= 4, 60), "intro and questions made",
         open(out).read()[-800:])
    time.sleep(max(0.0, wrapup_at - 10 - time.time()))
    p.send_signal(signal.SIGTERM)
    t.eq(p.wait(20), 0, "SIGTERM 10 s before the wrap-up: exit 0")
    p = None
    t.eq(len(made()), 4, "the wrap-up not made yet")
    time.sleep(max(0.0, wrapup_at + 10 - time.time()))
    st, o, err = run_bot(["run", "--once", "--api-base", fake.base, sched], env=env,
                         timeout=120)
    t.ok(st == 0, "the restart 10 s after the wrap-up's instant exits 0 (%d)" % st,
         err[-1500:])
    t.ok("finishing it first" in err and "next chat: " not in err.split("finishing")[0],
         "it finishes today's chat first, and says so", err[-1500:])
    texts = [json.loads(r.get("body") or "{}").get("text") for r in made()]
    t.ok(len(texts) == 5, "the wrap-up is made", texts)
    t.eq(len(set(texts)), 5, "every post once")
    state = json.load(open(os.path.join(d, "logs", "testchat", date + ".state.json")))
    t.ok(state.get("done") and state["posts"].get("wrapup", {}).get("id"),
         "the state holds the wrap-up's id and the chat is done", state.get("posts"))
finally:
    if p and p.poll() is None:
        p.kill()
    fake.stop()
t.done()
