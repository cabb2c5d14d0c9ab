#!/usr/bin/env python3
"""check --online asks X who the account is (the fake X API, which checks
every signature); refused credentials are an error of check (exit 1)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Fake, Tap, bot_env, run_bot, workdir, write_schedule  # noqa: E402

t = Tap()
d = workdir("check_online")
fake = Fake(d)
try:
    sched = write_schedule(d, api='{ base_url = "%s"; }' % fake.base)
    st, out, err = run_bot(["check", "--online", sched], timeout=60)
    t.ok("X: the account is @chathost_demo" in out, "check --online names the account", out + err)
    t.eq(len(fake.requests("/2/users/me")), 1, "it asked GET /2/users/me once")
    st, out, err = run_bot(["check", "--online", sched],
                           env=bot_env({"X_API_SECRET": "wrong"}), timeout=60)
    t.eq(st, 1, "refused credentials: check exits 1")
    t.ok("401" in err and "wrong" not in err + out, "saying X refused them, without the secret", err)
    st, out, err = run_bot(["check", sched], timeout=60)
    t.eq(len(fake.requests("/2/users/me")), 2, "without --online check sends nothing")
finally:
    fake.stop()
t.done()
