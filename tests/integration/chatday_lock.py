#!/usr/bin/env python3
"""Chat day: one run per chat. A second `chathost run` on the same schedule
is refused at once with the pid of the one running (also while that one
waits in chathost-wait); a rehearsal beside the waiting service is allowed
(its own folder); after the holder is killed with SIGKILL the lock is gone
(the kernel drops it) and a new run starts."""
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Fake, Tap, run_bot, start_bot, workdir  # noqa: E402
from chatday import short_chat, wait_until  # noqa: E402

t = Tap()
d = workdir("chatday_lock")
fake = Fake(d, "--speed", "600")
a = b = None
try:
    # the next chat is six days away: the service waits in chathost-wait
    sched, date, _ = short_chat(d, time.time() + 6 * 86400)
    out_a = os.path.join(d, "a.log")
    a = start_bot(["run", "--api-base", fake.base, sched], log=open(out_a, "w"))
    t.ok(wait_until(lambda: "waiting in" in open(out_a).read(), 30),
         "the service waits for its chat in chathost-wait", open(out_a).read()[-600:])
    t.ok(wait_until(lambda: open("/proc/%d/comm" % a.pid).read().strip() == "chathost-wait", 20),
         "the waiting process is chathost-wait")
    t0 = time.time()
    st, out, err = run_bot(["run", "--once", "--api-base", fake.base, sched], timeout=20)
    t.eq(st, 1, "a second run on the same schedule exits 1")
    t.ok("already running (pid %d)" % a.pid in err, "naming the pid of the first", err)
    t.ok(time.time() - t0 < 10, "at once, not after a wait")
    t.eq(len([r for r in fake.requests() if r.get("method") == "POST"]), 0,
         "and it posted nothing")

    # a rehearsal has its own folder: allowed beside the waiting service
    st, out, err = run_bot(["run", "--once", "--rehearse=600", "--date", date,
                            "--api-base", fake.base, sched], timeout=120)
    t.eq(st, 0, "a rehearsal runs beside the waiting service")

    # SIGHUP: chathost-wait execs chathost, which keeps the lock
    a.send_signal(signal.SIGHUP)
    t.ok(wait_until(lambda: open(out_a).read().count("waiting in") >= 2, 30),
         "after SIGHUP the service re-read its files and waits again")
    st, out, err = run_bot(["run", "--once", "--api-base", fake.base, sched], timeout=20)
    t.ok(st == 1 and "already running (pid %d)" % a.pid in err,
         "the lock survived the exec into chathost and back", err)

    a.send_signal(signal.SIGKILL)
    a.wait(10)
    out_b = os.path.join(d, "b.log")
    b = start_bot(["run", "--api-base", fake.base, sched], log=open(out_b, "w"))
    t.ok(wait_until(lambda: "waiting in" in open(out_b).read(), 30),
         "after SIGKILL of the holder a new run starts (no stale lock)",
         open(out_b).read()[-600:])
    # the SIGTERM goes to the waiting process once it is one (under
    # valgrind a signal that comes while valgrind runs the exec is lost;
    # the kernel keeps it pending across a real exec)
    wait_until(lambda: open("/proc/%d/comm" % b.pid).read().strip() == "chathost-wait", 30)
    b.send_signal(signal.SIGTERM)
    t.eq(b.wait(10), 0, "and stops with SIGTERM")
finally:
    for p in (a, b):
        if p and p.poll() is None:
            p.kill()
            p.wait()
    fake.stop()
t.done()
