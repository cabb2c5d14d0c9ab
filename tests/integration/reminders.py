#!/usr/bin/env python3
"""Reminders before the chat (issue 19, part 3): posts of the plan with the
same exactly-once rules as any post.

1. A rehearsal plays them on the chat's timeline, before the intro, with
   the title and the local time filled in.
2. A real service 15 minutes before its chat posts the reminder due now
   and the one due within the minute, each once, across a SIGKILL while
   X holds its answer to the first (the restart finds it among the
   account's posts and never posts it again); nothing of the chat itself
   is posted yet."""
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import (sigterm_exits_0, wait_until, SLOW, Fake, Tap, read_log, run_bot, start_bot,  # noqa: E402
                   workdir, write_schedule)
from chatcheck import DATE, state_of  # noqa: E402

t = Tap()
# a day ahead too: a rehearsal plays it a chat minute before the others
# (at 200x a day would hold the intro back 7 minutes)
REMINDERS = ('( { before = 1440; text = "Tomorrow: {title}"; },\n'
             '  { before = 10; text = "Soon: {title}, at {time}"; },\n'
             '  { before = 3; text = "In 3 minutes, {day}: {title}"; } )')




def created(fake):
    out = []
    for r in fake.posts():
        try:
            out.append(json.loads(r.get("body") or "{}").get("text"))
        except ValueError:
            out.append(None)
    return out


# ---- 2 (started first: its second reminder is due within the minute, and
# the rehearsal of part 1 runs meanwhile) ------------------------------------
d2 = workdir("reminders_real")
fake2 = Fake(d2)
p = None
try:
    now = time.time()
    start = (int(now) // 60 + 1) * 60 + 15 * 60
    tm = time.gmtime(start)
    date = time.strftime("%Y-%m-%d", tm)
    tdir = os.path.join(d2, "topics")
    os.makedirs(tdir)
    with open(os.path.join(tdir, date + ".conf"), "w") as f:
        f.write('date = "%s";\ntitle = "Hold times";\nintro = "Welcome!";\n'
                'questions = ( "What makes a wait feel long?" );\nwrapup = "Thanks!";\n' % date)
    days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
    sched2 = write_schedule(
        d2, topics=tdir, weekday='"%s"' % days[tm.tm_wday],
        time='"%02d:%02d"' % (tm.tm_hour, tm.tm_min), timezone='"UTC"',
        late_limit="5", api='{ base_url = "%s"; }' % fake2.base,
        reminders='( { before = 16; text = "Starting soon: {title}"; },\n'
                  '  { before = 15; text = "In 15 minutes: {title}"; } )')
    # X holds its answer to the first post 3 s: the service is killed after
    # X made it and before it knows
    fake2.faults([{"path": "/2/tweets", "method": "POST", "fault": "slow",
                  "delay": 3.0, "apply": True, "count": 1}])
    log1 = open(os.path.join(d2, "bot1.log"), "w")
    p = start_bot(["run", sched2], log=log1)
    t.ok(wait_until(lambda: len(created(fake2)) >= 1, 30),
         "real: the reminder due now is made at once")
    p.send_signal(signal.SIGKILL)
    p.wait()
    log2 = open(os.path.join(d2, "bot2.log"), "w")
    p = start_bot(["run", sched2], log=log2)
    # ---- 1. a rehearsal plays the reminders before the intro ---------------
    d = workdir("reminders_rehearsal")
    fake = Fake(d, "--speed", "200")
    try:
        sched = write_schedule(d, capture_after="1", reminders=REMINDERS)
        # as on the eve of the chat of DATE, whose topic file is there
        st, out, err = run_bot(["check", "--now", DATE + "T00:00:00Z", sched])
        t.eq(st, 0, "check accepts the reminders")
        st, out, err = run_bot(["preview", "--date", DATE, sched])
        t.ok(st == 0 and "Reminders, before the chat:" in out and
             "Tue 2026-12-01 12:50  17:50Z" in out and
             "Soon: Customer service pet peeves, at 13:00 New York time #ICMIchat" in out,
             "preview shows each reminder with its day, time and text", out[:1200] + err)
        st, out, err = run_bot(["run", "--once", "--rehearse=200", "--date", DATE,
                                "--api-base", fake.base, sched], timeout=120)
        t.eq(st, 0, "the rehearsal with reminders exits 0")
        texts = created(fake)
        t.ok(len(texts) == 11 and texts[0].startswith("Tomorrow: ") and
             texts[1].startswith("Soon: ") and
             "at 13:00 New York time" in texts[1] and
             texts[2].startswith("In 3 minutes, Tuesday: ") and
             texts[3].startswith("Welcome"),
             "the three reminders first, with title, time and day filled in, then the chat",
             texts[:4])
        t.eq(len(set(texts)), len(texts), "every post once")
        rdir = os.path.join(d, "logs", "testchat", "rehearsal")
        state = state_of(os.path.join(rdir, DATE + ".state.json"))
        t.ok(all(state["posts"].get(k, {}).get("id") for k in ("remind1440", "remind10",
                                                                   "remind3")),
             "the state keys them remind1440, remind10 and remind3")
        log = read_log(os.path.join(rdir, DATE + ".jsonl"))
        t.eq(sum(1 for e in log if e.get("kind") == "host"), 11,
             "the log holds every host post, reminders included")
    finally:
        fake.stop()
    t.ok(wait_until(lambda: len(created(fake2)) >= 2, 75),
         "real: the second reminder is made within its minute")
    time.sleep(2)
    texts = created(fake2)
    t.eq(sorted(texts), ["In 15 minutes: Hold times #ICMIchat",
                         "Starting soon: Hold times #ICMIchat"],
         "each reminder once, and nothing of the chat yet")
    state = state_of(os.path.join(d2, "logs", "testchat", date + ".state.json"))
    posts = (state or {}).get("posts", {})
    t.ok(posts.get("remind16", {}).get("id") and posts.get("remind15", {}).get("id"),
         "the state holds both reminders' ids", posts)
    t.ok(not (state or {}).get("done"), "the chat is not done: it is still to come")
    log2.flush()
    b2 = open(log2.name).read()
    t.ok("was posted before the restart" in b2,
         "the restart found the first reminder among the account's posts", b2[-1500:])
    sigterm_exits_0(t, p, "the service stops on SIGTERM")
    p = None
finally:
    if p:
        p.kill()
    fake2.stop()
t.done()
