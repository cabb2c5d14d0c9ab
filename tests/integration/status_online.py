#!/usr/bin/env python3
"""chathost status asks each network of the schedule who the account is
(one request each, never a post): X answers on the fake; a refused token
on the fake Mastodon is said with what the server said."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Fake, Tap, run_bot, workdir, write_schedule  # noqa: E402
from masto import MastoFake, creds_file  # noqa: E402

t = Tap()
d = workdir("status_online")
fake = Fake(d)
masto = MastoFake(d)
try:
    bad = creds_file(d, token="wrong-token", name="bad.conf")
    sched = write_schedule(d, networks='[ "x", "mastodon" ]',
                           api='{ base_url = "%s"; }' % fake.base,
                           mastodon='{ instance = "%s"; credentials = "%s"; }'
                           % (masto.base, bad))
    st, out, err = run_bot(["status", "--json", sched])
    o = json.loads(out) if st == 0 else {}
    nets = {n["net"]: n for n in o.get("networks", [])}
    t.eq(st, 0, "status exits 0")
    t.ok(nets.get("x", {}).get("answers") is True and
         nets["x"].get("account") == "chathost_demo", "X: the account answers", nets)
    t.ok(nets.get("mastodon", {}).get("answers") is False and
         "401" in nets["mastodon"].get("problem", ""),
         "Mastodon: a refused token is said, with the server's answer", nets)
    t.eq([r["method"] for r in fake.requests() if r["path"].startswith("/2/")], ["GET"],
         "one request to X, a GET: status never posts")
    st, out, err = run_bot(["status", sched])
    t.ok(st == 0 and "@chathost_demo answers" in out and "DOES NOT ANSWER" in out,
         "the text says the same", out + err)
finally:
    masto.stop()
    fake.stop()
t.done()
