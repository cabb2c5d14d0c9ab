#!/usr/bin/env python3
"""chathost run tells a person, through notify.command, when the X account
cannot be used (GET /2/users/me refused): the credentials check that runs
when the bot starts and again when it wakes for a warning or a chat."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Fake, Tap, bot_env, run_bot, workdir, write_schedule  # noqa: E402

t = Tap()
d = workdir("notify_run")
fake = Fake(d)
try:
    notes = os.path.join(d, "notes.txt")
    sched = write_schedule(d, notify='{ command = "cat >> %s"; }' % notes)
    st, out, err = run_bot(["run", "--api-base", fake.base, sched],
                           env=bot_env({"X_API_SECRET": "wrong"}), timeout=60)
    t.eq(st, 3, "refused credentials: exit 3")
    text = open(notes).read() if os.path.exists(notes) else ""
    t.ok("check the credentials" in text and "#ICMIchat" in text,
         "the warning reached notify.command", text or err[-600:])
    t.ok("wrong" not in text and "wrong" not in err, "without the secret")
    t.ok("warn" in err, "and a warn line in the log", err[-600:])
finally:
    fake.stop()
t.done()
