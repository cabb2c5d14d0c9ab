#!/usr/bin/env python3
"""A further network that does not answer before the chat is asked again
(issue 36, item 3): X and Mastodon, the Mastodon server refusing its
account look-up (500) until after the chat's start; before, Mastodon was
dropped for the whole chat ("chat done", exit 0, nothing posted there).
Now its thread asks again and posts what is still within late_limit;
and a network that never answers leaves the chat hosted in part: said,
exit 3."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import SLOW, Fake, Tap, run_bot, workdir  # noqa: E402
from masto import TOPIC, MastoFake, creds_file, write_chat  # noqa: E402

t = Tap()
SPEED = 20 if SLOW else 60   # slower under valgrind and the sanitizers
for scenario in ("late", "never"):
    d = workdir("net_late_" + scenario)
    fx = Fake(d, "--speed", str(SPEED))
    fm = MastoFake(d)
    try:
        creds = creds_file(d)
        sched, date = write_chat(d, time.gmtime(time.time() + 3600), TOPIC,
                                 ["x", "mastodon"],
                                 {"mastodon": '{ instance = "%s"; credentials = "%s"; }'
                                  % (fm.base, creds)},
                                 late_limit="10", capture_after="1")
        # the look-up refused: in "late" for the first tries (a few chat
        # minutes), in "never" all along
        fm.faults([{"path": "verify_credentials$", "method": "GET", "fault": "500",
                    "count": 12 if scenario == "late" else 100000}])
        st, out, err = run_bot(["run", "--once", "--rehearse=%d" % SPEED, "--date", date,
                                "--api-base", "x=" + fx.base, sched], timeout=200)
        host = fm.host_statuses()
        if scenario == "late":
            t.ok("asked again" in err and "Mastodon answers now" in err,
                 "late: Mastodon, down before the chat, is asked again and answers",
                 err[-2000:])
            t.ok(len(host) >= 3 and any(s["text"].startswith("Thanks") for s in host),
                 "late: the posts still within late_limit are made on Mastodon (%d)"
                 % len(host), [s["text"][:30] for s in host])
            t.eq(len(set(s["text"] for s in host)), len(host), "late: each once")
        else:
            t.eq(len(host), 0, "never: nothing on Mastodon")
            t.ok(st == 3 and "not hosted on Mastodon" in err,
                 "never: said, and the run exits 3 (hosted in part; %d)" % st, err[-1500:])
            log = os.path.join(d, "logs", "testchat", "rehearsal", date + ".jsonl")
            st2, out2, err2 = run_bot(["report", log])
            t.ok(st2 == 0 and "on mastodon (Mastodon did not answer)" in out2,
                 "never: the report names the posts not made on Mastodon, and why",
                 out2[-1500:] + err2)
        t.ok(len([r for r in fx.posts() if r.get("status") == 201]) >= 5,
             "%s: X hosts the chat all along" % scenario)
    finally:
        fm.stop()
        fx.stop()
t.done()
