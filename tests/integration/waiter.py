#!/usr/bin/env python3
"""A bot waiting days for its chat waits in chathost-wait (small, no
network libraries), wakes for the early warnings, sends each warning once
(across re-execs and SIGHUP), and exits 0 on SIGTERM."""
import datetime
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import (Fake, Tap, bot_env, proc_exe, proc_rss_kib, start_bot,  # noqa: E402
                   workdir, write_schedule)

t = Tap()
d = workdir("waiter")
fake = Fake(d)
try:
    # the chat is 3 days ahead (UTC weekday), so a 96h warning is due now
    # and the next thing to do (the 48h warning) is more than a day away
    day = (datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3))
    weekday = day.strftime("%A")
    notes = os.path.join(d, "notes.txt")
    sched = write_schedule(d, weekday='"%s"' % weekday, time='"12:00"',
                           timezone='"UTC"', warn_before='["96h", "48h"]',
                           notify='{ command = "cat >> %s"; }' % notes)
    logf = open(os.path.join(d, "bot.log"), "w")
    p = start_bot(["run", "--api-base", fake.base, sched], log=logf)

    def exe():
        return proc_exe(p.pid)

    def rss_kib():
        return proc_rss_kib(p.pid)

    deadline = time.time() + 20
    while not exe().endswith("chathost-wait") and time.time() < deadline:
        time.sleep(0.05)
    t.ok(exe().endswith("chathost-wait"), "the waiting bot is chathost-wait", exe())
    # (its footprint is a benchmark figure, bench/rest.py; here: what it maps)
    with open("/proc/%d/maps" % p.pid) as f:
        maps = f.read()
    t.ok("libcurl" not in maps and "liboauth" not in maps and "libnss" not in maps,
         "it maps none of the network libraries (%d KiB resident)" % rss_kib())
    time.sleep(0.3)
    text = open(notes).read() if os.path.exists(notes) else ""
    t.eq(text.count("is missing"), 1, "the due warning (missing topic file) was sent once")

    # SIGHUP: the waiter runs chathost again, which re-reads the files and
    # goes back to waiting; the warning is not sent a second time
    p.send_signal(signal.SIGHUP)
    time.sleep(0.3)
    deadline = time.time() + 20
    while time.time() < deadline:
        log = open(os.path.join(d, "bot.log")).read()
        if log.count("nothing to do until") >= 2 and exe().endswith("chathost-wait"):
            break
        time.sleep(0.05)
    log = open(os.path.join(d, "bot.log")).read()
    t.ok(log.count("nothing to do until") >= 2, "after SIGHUP chathost ran again and went back to waiting", log[-800:])
    text = open(notes).read() if os.path.exists(notes) else ""
    t.eq(text.count("is missing"), 1, "and the warning was not sent again")
    state = os.path.join(d, "logs", "testchat", day.strftime("%Y-%m-%d") + ".state.json")
    t.ok(os.path.exists(state) and '"warned"' in open(state).read(),
         "the warnings sent are kept in the chat's state")
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(10)
    except Exception:
        p.kill()
        rc = None
    t.eq(rc, 0, "SIGTERM while waiting: exit 0")
finally:
    fake.stop()
t.done()
