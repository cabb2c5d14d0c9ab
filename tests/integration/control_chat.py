#!/usr/bin/env python3
"""chathost pause, resume and cancel (issue 19, part 2).

1. A rehearsed chat paused after Q1 posts nothing until resumed; Q2 and
   Q3, which fell past late_limit meanwhile, are skipped and listed as
   "late (paused)" (state, log line, report); the rest is posted once each
   after the resume; both decisions are in the log with who made them.
2. A real chat 3 days ahead, on X and Mastodon, with a topic poll: the
   waiting service is cancelled with a notice. It posts the notice once on
   each network and nothing else, no poll; status says cancelled; resume
   is refused; a second run posts nothing more."""
import datetime
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import (sigterm_exits_0, wait_until, SLOW, Fake, Tap, read_log, run_bot, start_bot,  # noqa: E402
                   workdir, write_schedule)
from chatcheck import DATE, state_of  # noqa: E402
from masto import MastoFake, creds_file  # noqa: E402

t = Tap()
SPEED = 120 if SLOW else 240




def posted(state_path, key):
    try:
        return (state_of(state_path) or {}).get("posts", {}).get(key, {}).get("id")
    except ValueError:
        return None


def n_created(fake):
    return sum(1 for r in fake.posts())


# ---- 1. pause after Q1, resume after Q3 fell past late_limit ---------------
d = workdir("control_pause")
fake = Fake(d, "--speed", str(SPEED))
try:
    sched = write_schedule(d, capture_after="1", late_limit="5")
    rdir = os.path.join(d, "logs", "testchat", "rehearsal")
    state_path = os.path.join(rdir, DATE + ".state.json")
    log_path = os.path.join(rdir, DATE + ".jsonl")
    args = ["run", "--once", "--rehearse=%d" % SPEED, "--date", DATE,
            "--api-base", fake.base, sched]
    out = open(os.path.join(d, "bot.log"), "w")
    p = start_bot(args, log=out)
    t.ok(wait_until(lambda: posted(state_path, "q1"), 30), "pause: the chat got to Q1")
    st, o, e = run_bot(["pause", "--rehearse", "--date", DATE, sched])
    t.ok(st == 0 and "paused" in o and "was told" in o,
         "pause exits 0 and tells the running service", o + e)
    n_at_pause = n_created(fake)
    st, o, e = run_bot(["pause", "--rehearse", "--date", DATE, sched])
    t.ok(st == 0 and "already" in o, "a second pause changes nothing", o + e)
    # Q2 is due 10 chat minutes after Q1, Q3 20: wait until Q3's
    # late_limit (5 min) has passed, then resume at once (Q4, at 35, is
    # then 4 minutes away: time enough for a slow run to post it)
    t0 = json.load(open(state_path))["rehearsal"]["start"]
    q3_late = t0 + (25 + 5 + 1) * 60.0 / SPEED
    time.sleep(max(0, q3_late - time.time()))
    t.eq(n_created(fake), n_at_pause, "pause: nothing was posted while paused")
    st, o, e = run_bot(["resume", "--rehearse", "--date", DATE, sched])
    t.ok(st == 0 and "resumed" in o, "resume exits 0", o + e)
    try:
        rc = p.wait(120)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = p.wait()
    out.close()
    t.eq(rc, 0, "pause: the chat ends with exit 0 (skips as decided are no failure)")
    state = state_of(state_path)
    posts = state.get("posts", {})
    t.eq({k: posts.get(k, {}).get("skipped") for k in ("q2", "q3")},
         {"q2": "late (paused)", "q3": "late (paused)"},
         "Q2 and Q3 fell past late_limit while paused: skipped as such")
    t.eq(sorted(k for k, v in posts.items() if v.get("id")),
         sorted(["intro", "q1", "q4", "q5", "q6", "wrapup"]),
         "the rest was posted after the resume")
    texts = [r["body"] for r in fake.posts()]
    t.eq(len(texts), len(set(texts)), "each post once")
    log = read_log(log_path)
    ctl = [(e.get("action"), bool(e.get("by"))) for e in log
           if e.get("kind") == "event" and e.get("event") == "control"]
    t.eq(ctl, [("pause", True), ("resume", True)],
         "the log holds the pause and the resume, each with who ran it")
    skips = sorted(e.get("key") for e in log if e.get("event") == "skipped")
    t.eq(skips, ["q2", "q3"], "the skipped posts are in the log")
    bot = open(os.path.join(d, "bot.log")).read()
    t.ok("not posted as decided: q2 (late (paused)), q3 (late (paused))" in bot,
         "the closing lines list them", bot[-1500:])
    st, o, e = run_bot(["report", log_path])
    t.ok(st == 0 and "DECIDED: paused by" in o and "resumed by" in o and
         "q2 (late (paused))" in o, "the report shows the decisions and the skips", o[:1500] + e)
finally:
    fake.stop()


# ---- 2. cancel a waiting service's chat, with a notice, on two networks -----
def chat_day():
    return datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3)


d = workdir("control_cancel")
fake = Fake(d)
masto = MastoFake(d)
p = None
try:
    day = chat_day()
    date = day.strftime("%Y-%m-%d")
    tdir = os.path.join(d, "topics")
    os.makedirs(tdir)
    post_at = (day - datetime.timedelta(days=1)).strftime("%Y-%m-%d")
    with open(os.path.join(tdir, date + ".conf"), "w") as f:
        f.write('date = "%s";\npoll = { text = "Which topic next?"; post_at = "%s 12:00"; '
                'duration = 60; };\ncandidates = (\n'
                '  { label = "Hold"; title = "Hold times"; intro = "Welcome!"; '
                'questions = ( "Q on hold?" ); wrapup = "Thanks!"; },\n'
                '  { label = "Bots"; title = "Bots"; intro = "Welcome, all!"; '
                'questions = ( "Q on bots?" ); wrapup = "Thanks, all!"; }\n);\n'
                % (date, post_at))
    sched = write_schedule(d, weekday='"%s"' % day.strftime("%A"), time='"12:00"',
                           timezone='"UTC"', topics=tdir,
                           networks='[ "x", "mastodon" ]',
                           api='{ base_url = "%s"; }' % fake.base,
                           mastodon='{ instance = "%s"; credentials = "%s"; }'
                           % (masto.base, creds_file(d)))
    cdir = os.path.join(d, "logs", "testchat")
    out = open(os.path.join(d, "bot.log"), "w")
    p = start_bot(["run", sched], log=out)
    t.ok(wait_until(lambda: "waiting in" in open(out.name).read(), 30),
         "cancel: the service waits for the chat 3 days ahead")
    notice = "No chat this week: our host is ill. See you next Tuesday!"
    st, o, e = run_bot(["cancel", "--notice", notice, "--date", date, sched])
    t.ok(st == 0 and "cancelled" in o and "was told" in o, "cancel exits 0 and tells the service",
         o + e)

    def notices():
        x = [r for r in fake.posts() if notice in r["body"]]
        m = [s for s in masto.host_statuses() if notice in s["text"]]
        return x, m
    t.ok(wait_until(lambda: all(notices()), 20),
         "the notice is posted on X and on Mastodon within seconds")
    time.sleep(1)
    x, m = notices()
    t.eq((len(x), len(m)), (1, 1), "the notice once on each network")
    t.eq((len(fake.posts()), len(masto.host_statuses())), (1, 1),
         "nothing else is posted: no poll, no intro, on either network")
    t.ok("#ICMIchat" in (x[0]["body"] if x else ""), "the notice carries the hashtag")
    state = state_of(os.path.join(cdir, date + ".state.json"))
    t.ok(state.get("done") is True and state["posts"].get("intro", {}).get("skipped") == "cancelled",
         "the chat is done, its posts skipped as cancelled", state.get("posts"))
    st, o, e = run_bot(["status", "--offline", "--json", "--now",
                        (day - datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                        sched])
    nxt = json.loads(o).get("next", {}) if st == 0 else {}
    t.ok(nxt.get("control") == "cancelled" and nxt.get("control_by") and
         nxt.get("notice") == notice, "status shows the chat cancelled, by whom, its notice", o + e)
    st, o, e = run_bot(["resume", "--date", date, sched])
    t.ok(st != 0 and "over" in e, "a cancelled chat that is over cannot be resumed", o + e)
    sigterm_exits_0(t, p, "the service stops on SIGTERM")
    p = None
    st, o, e = run_bot(["run", "--once", "--date", date, sched], timeout=60)
    t.eq(st, 0, "a second run of the cancelled chat exits 0")
    t.eq((len(fake.posts()), len(masto.host_statuses())), (1, 1),
         "and posts nothing more")
finally:
    if p:
        p.kill()
    masto.stop()
    fake.stop()
t.done()
