#!/usr/bin/env python3
"""Chat day: a rehearsal never touches the real chat. A rehearsal of the
chat against the account, then the real chat the same day: X refuses every
real post as duplicate content. The rehearsal's posts are not taken as the
real chat's (they were made before this chat's intent), so nothing is
marked posted, the run exits 3, the notifiers hear of it, and the real log
holds neither the rehearsal's posts nor its answers. A rehearsal that would
post to a real (not loopback) network needs --yes."""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Fake, Tap, read_log, run_bot, workdir  # noqa: E402
from chatcheck import post_records, state_of  # noqa: E402
from chatday import host_ids_of, minute_start, short_chat  # noqa: E402

t = Tap()
KEYS = ["intro", "q1", "q2", "q3", "wrapup"]

d = workdir("chatday_rehearsal")
fake = Fake(d, "--speed", "600", "--auto-answer")
try:
    notes = os.path.join(d, "notes.txt")
    # a chat that began 11 minutes ago: all its posts are due now
    sched, date, _ = short_chat(d, minute_start(-11 * 60),
                                notify='{ command = "cat >> %s"; }' % notes)
    st, out, err = run_bot(["run", "--once", "--rehearse=600", "--date", date,
                            "--api-base", fake.base, sched], timeout=120)
    t.eq(st, 0, "the rehearsal ran (exit 0)")
    reh = [r for r in post_records(fake) if r.get("status") == 201]
    t.eq(len(reh), 5, "the rehearsal posted its 5 posts")
    reh_ids = host_ids_of(fake)
    reh_log = read_log(os.path.join(d, "logs", "testchat", "rehearsal", date + ".jsonl"))
    reh_answers = set(l["id"] for l in reh_log if l.get("kind") != "host")
    t.ok(reh_answers, "the rehearsal's answers were captured (%d)" % len(reh_answers))

    time.sleep(3.0)  # the rehearsal ended 3 s before the real chat's intents
    st, out, err = run_bot(["run", "--once", "--date", date,
                            "--api-base", fake.base, sched], timeout=120)
    t.ok(st == 3, "the real chat whose posts are all refused exits 3 (%d)" % st, err[-1500:])
    created = [r for r in post_records(fake) if r.get("status") == 201]
    t.eq(len(created), 5, "nothing new was created (X refused every post)")
    state = state_of(os.path.join(d, "logs", "testchat", date + ".state.json"))
    posts = state.get("posts", {})
    t.eq([posts.get(k, {}).get("id") for k in KEYS], [None] * 5,
         "no real post took a rehearsal's id")
    t.eq([posts.get(k, {}).get("skipped") for k in KEYS], ["duplicate"] * 5,
         "each is recorded as not posted (duplicate)")
    t.ok("5 of 5 posts were not posted" in err, "the last line says so", err[-800:])
    t.ok("made before this run's intent" in err,
         "the look-up says why the rehearsal's post is not this chat's", err[-3000:])
    text = open(notes).read() if os.path.exists(notes) else ""
    t.ok("were not posted" in text and "#ICMIchat" in text,
         "the notifier was told", text or "(no notes)")
    real = read_log(os.path.join(d, "logs", "testchat", date + ".jsonl"))
    real_ids = set(l.get("id") for l in real if l.get("kind") != "event")
    t.eq(sorted(real_ids & reh_ids), [], "the real log holds none of the rehearsal's posts")
    t.eq(sorted(real_ids & reh_answers), [], "nor the rehearsal's answers")

    # a rehearsal against a real network: refused without --yes, nothing sent
    n_before = len(fake.requests())
    st, out, err = run_bot(["run", "--once", "--rehearse=600", "--date", date,
                            "--api-base", "https://api.x.com", sched], timeout=30)
    t.eq(st, 2, "a rehearsal on https://api.x.com without --yes: exit 2")
    t.ok("posts for real" in err and "--yes" in err and "https://api.x.com" in err,
         "it says plainly that it would post, where, and how to go ahead", err)
    st, out, err = run_bot(["run", "--once", "--rehearse=600", "--date", date,
                            "--api-base", fake.base, sched], timeout=120)
    # (it ran: X refuses its posts as duplicates of the first rehearsal's)
    t.ok(st == 3 and "posts for real" not in err and "posts were not posted" in err,
         "a rehearsal on a loopback server needs no --yes (exit %d)" % st, err[-600:])
finally:
    fake.stop()
t.done()
