#!/usr/bin/env python3
"""SIGHUP in the capture after the last post (issue 36, item 2): the
service re-reads its schedule once the chat's capture ends, so a chat
moved to another day right after the wrap-up is not missed; before, the
signal was dropped and the old schedule decided the next wait."""
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import SLOW, WEEKDAYS, Fake, Tap, bot_env, start_bot, workdir  # noqa: E402
from chatcheck import post_records  # noqa: E402
from chatday import minute_start, short_chat, wait_until  # noqa: E402

t = Tap()
d = workdir("sighup_capture")
fake = Fake(d, "--speed", "600")
p = None
try:
    # a real 4-minute chat that began 3 to 4 minutes ago: the intro and the
    # questions are due at once, the wrap-up within the minute, and the
    # capture window closes a minute after it
    start = minute_start(-3 * 60)
    sched, date, topic = short_chat(d, start, duration="4")
    out = os.path.join(d, "bot.log")
    p = start_bot(["run", "--api-base", fake.base, sched],
                  env=bot_env({"CHATHOST_NO_WAITER": "1"}), log=open(out, "w"))
    t.ok(wait_until(lambda: len([r for r in post_records(fake)
                                 if r.get("status") == 201]) >= 5, 100),
         "the chat's five posts are made", open(out).read()[-800:])
    # moved: next week's chat on another day, at another time
    tm = time.gmtime(start + 2 * 86400)
    new_day = WEEKDAYS[tm.tm_wday]
    text = open(sched).read()
    text = re.sub(r'weekday = "[^"]*";', 'weekday = "%s";' % new_day, text)
    text = re.sub(r'time = "[^"]*";', 'time = "07:07";', text)
    with open(sched, "w") as f:
        f.write(text)
    p.send_signal(signal.SIGHUP)
    t.ok(wait_until(lambda: "next chat:" in open(out).read().split("chat done")[-1]
                    if "chat done" in open(out).read() else False, 90),
         "after the capture, the service turns to the next chat", open(out).read()[-1500:])
    log = open(out).read()
    nxt = log.split("chat done")[-1]
    t.ok("07:07" in nxt and new_day in nxt,
         "the next chat is the moved one (%s 07:07), from the schedule re-read" % new_day,
         nxt[-800:])
    t.ok("re-read when this chat's capture ends" in log,
         "the SIGHUP during the capture is said, not dropped", log[-1500:])
    p.send_signal(signal.SIGTERM)
    t.eq(p.wait(60 if SLOW else 15), 0, "SIGTERM: exit 0")
    p = None
finally:
    if p and p.poll() is None:
        p.kill()
    fake.stop()
t.done()
