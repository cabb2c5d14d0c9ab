#!/usr/bin/env python3
"""The service started while X cannot be reached, its chat days away: it
says so through the notifiers, then waits in chathost-wait (small, no
network libraries) instead of retrying in the full process, and stops on
SIGTERM with exit 0 (its memory at rest is measured in bench/rest.py). At the early warning it asks X again, and says it
could not be reached then."""
import datetime
import os
import signal
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Tap, proc_exe, proc_rss_kib, start_bot, workdir, write_schedule  # noqa: E402

t = Tap()
d = workdir("waiter_unreachable")
s = socket.socket()
s.bind(("127.0.0.1", 0))
port = s.getsockname()[1]
s.close()                          # nothing listens there
day = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3)
notes = os.path.join(d, "notes.txt")
sched = write_schedule(d, weekday='"%s"' % day.strftime("%A"), time='"12:00"',
                       timezone='"UTC"', warn_before='["96h", "48h"]',
                       notify='{ command = "cat >> %s"; }' % notes)
logf = open(os.path.join(d, "bot.log"), "w")
p = start_bot(["run", "--api-base", "http://127.0.0.1:%d" % port, sched], log=logf)


def exe():
    return proc_exe(p.pid)


def rss_kib():
    return proc_rss_kib(p.pid)


try:
    deadline = time.time() + 90
    while not exe().endswith("chathost-wait") and time.time() < deadline:
        time.sleep(0.2)
    t.ok(exe().endswith("chathost-wait"), "with X unreachable the service waits in "
         "chathost-wait", open(logf.name).read()[-800:])
    with open("/proc/%d/maps" % p.pid) as f:
        maps = f.read()
    # (its footprint is a benchmark figure: bench/rest.py, "API unreachable
    # at start"; here what it maps)
    t.ok("libcurl" not in maps and "liboauth" not in maps,
         "at rest: no network libraries mapped (%d KiB resident)" % rss_kib())
    # the bound on what it holds at rest; an instrumented build
    # (ASan's shadow memory) is larger by design: there the maps above
    # say what matters
    if "libasan" not in maps and "vgpreload" not in maps:
        t.ok(0 < rss_kib() < 4096, "at rest under 4 MiB resident (%d KiB)" % rss_kib())
    else:
        t.ok("libc" in maps, "an instrumented build: only the C library and "
             "its instrumentation mapped")
    text = open(notes).read() if os.path.exists(notes) else ""
    t.ok("cannot reach X" in text, "the notifiers were told that X cannot be reached", text)
    t.ok(text.count("cannot be reached at its early warning") == 1,
         "and once more at the early warning (96 h before: now)", text)
    p.send_signal(signal.SIGTERM)
    t.eq(p.wait(20), 0, "SIGTERM: exit 0")
finally:
    if p.poll() is None:
        p.kill()
t.done()
