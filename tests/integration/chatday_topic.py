#!/usr/bin/env python3
"""Chat day: a topic file written late is hosted, and a chat already done
does not spin. (1) The topic file is missing when the chat's time comes:
the notifiers hear at once that it is not hosted, the bot reads the file
again every minute and at once on SIGHUP, and when it is written within
late_limit the chat is hosted. (2) The chat was done today and its time is
moved later the same day: the service says so in one line and waits for
next week's chat instead of hosting it again in a loop."""
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Fake, Tap, bot_env, start_bot, workdir  # noqa: E402
from chatcheck import post_records  # noqa: E402
from chatday import minute_start, short_chat, topic_text, wait_until  # noqa: E402

t = Tap()

# ---- 1. the topic file is written after the chat's start -------------------
d = workdir("chatday_topic")
fake = Fake(d, "--speed", "600")
p = None
try:
    notes = os.path.join(d, "notes.txt")
    sched, date, topic = short_chat(d, minute_start(-11 * 60), write_topic=False,
                                    notify='{ command = "cat >> %s"; }' % notes)
    out = os.path.join(d, "bot.log")
    p = start_bot(["run", "--once", "--date", date, "--api-base", fake.base, sched],
                  log=open(out, "w"))
    t.ok(wait_until(lambda: "again in" in open(out).read(), 20),
         "a missing topic file is read again (every minute, or on SIGHUP)",
         open(out).read()[-800:])
    t.ok(wait_until(lambda: os.path.exists(notes) and "not hosted" in open(notes).read(), 10),
         "the notifiers hear at the chat's start that it is not hosted")
    note = open(notes).read() if os.path.exists(notes) else ""
    t.ok(topic in note and "missing" in note, "naming the file and what is wrong", note)
    with open(topic, "w") as f:
        f.write(topic_text(date))
    p.send_signal(signal.SIGHUP)
    try:
        st = p.wait(60)
    except Exception:
        p.kill()
        st = p.wait()
    made = [r for r in post_records(fake) if r.get("status") == 201]
    t.eq(st, 0, "the chat hosted after SIGHUP ends with exit 0")
    t.eq(len(made), 5, "all 5 posts were made once the file was there")
finally:
    if p and p.poll() is None:
        p.kill()
    fake.stop()

# ---- 2. a chat done today, moved later the same day --------------------------
d = workdir("chatday_done")
fake = Fake(d, "--speed", "600")
p = None
try:
    sched, date, topic = short_chat(d, minute_start(3 * 60))
    sdir = os.path.join(d, "logs", "testchat")
    os.makedirs(sdir)
    with open(os.path.join(sdir, date + ".state.json"), "w") as f:
        json.dump({"version": 1, "date": date, "done": True}, f)
    out = os.path.join(d, "bot.log")
    p = start_bot(["run", "--api-base", fake.base, sched],
                  env=bot_env({"CHATHOST_NO_WAITER": "1"}), log=open(out, "w"))
    nxt = time.strftime("%Y-%m-%d", time.gmtime(time.mktime(time.strptime(date, "%Y-%m-%d")) + 7 * 86400 + 43200))
    # it turns to next week's chat (a start under valgrind takes seconds),
    # then 2 s more in which a spinning loop would say it again
    wait_until(lambda: nxt in open(out).read(), 60)
    time.sleep(2)
    text = open(out).read()
    t.eq(text.count("is done already"), 1, "the done chat is mentioned once")
    t.ok(text.count("next chat:") == 1 and "next chat: " in text and nxt in text,
         "then the service turns to next week's chat (%s)" % nxt, text[-800:])
    t.ok(len(text) < 4000, "no flood of log lines (%d bytes in 3 s)" % len(text))
    def cpu():
        return sum(int(x) for x in open("/proc/%d/stat" % p.pid).read().split(")")[1].split()[11:13])
    c0 = cpu()
    time.sleep(2)
    t.ok(cpu() - c0 < 20, "and no busy loop (%d ticks of CPU in 2 s)" % (cpu() - c0))
    p.send_signal(signal.SIGTERM)
    t.eq(p.wait(10), 0, "SIGTERM: exit 0")
    t.eq([r for r in fake.requests() if r.get("method") == "POST"], [], "nothing was posted")
finally:
    if p and p.poll() is None:
        p.kill()
    fake.stop()

# ---- 3. the last hour's early warning reaches the notifiers ------------------
# warn_before = ["1h"], the service started 59 minutes before a chat whose
# topic file is missing: the wait ends at once (the chat's load reads the
# file every minute), and the 1-hour warning must still be sent, once.
d = workdir("chatday_topic_1h")
fake = Fake(d)
p = None
try:
    notes = os.path.join(d, "notes.txt")
    sched, date, topic = short_chat(d, minute_start(59 * 60 + 30), write_topic=False,
                                    warn_before='[ "1h" ]',
                                    notify='{ command = "cat >> %s"; }' % notes)
    out = os.path.join(d, "bot.log")
    p = start_bot(["run", "--once", "--date", date, "--api-base", fake.base, sched],
                  env=bot_env({"CHATHOST_NO_WAITER": "1"}), log=open(out, "w"))
    t.ok(wait_until(lambda: "again in" in open(out).read(), 30),
         "1h: the missing file is read again every minute", open(out).read()[-800:])
    t.ok(wait_until(lambda: os.path.exists(notes) and topic in open(notes).read(), 10),
         "1h: the one-hour warning reached the notifiers", open(out).read()[-1500:])
    time.sleep(1)
    t.eq(len([x for x in open(notes).read().splitlines() if "is missing" in x])
         if os.path.exists(notes) else 0, 1, "1h: once")
    p.send_signal(signal.SIGTERM)
    t.eq(p.wait(10), 0, "1h: SIGTERM: exit 0")
finally:
    if p and p.poll() is None:
        p.kill()
    fake.stop()
t.done()
