#!/usr/bin/env python3
"""chathost run with a poll topic, rehearsed against the fake X API: the poll
posted once at its time, the result read and the winner hosted (its intro
posted), extra CSV votes changing the winner, a tie, no votes, an unreadable
poll (the tie rule, said in the log ahead of the chat), and a kill -9 between
posting and closing (exactly one poll at the fake server after the rerun).

Timeline (rehearsed at 600x, the fake server at the same speed): the poll is
posted an hour before the chat (at once), open 30 minutes (3 s), the chat
starts 6 s after the poll and lasts 60 minutes (6 s)."""
import json
import os
import re
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import (SLOW, Fake, Tap, read_log, run_bot, start_bot,  # noqa: E402
                   workdir, write_schedule)

DATE = "2026-12-15"
SPEED = "600"
LABELS = ["Pet peeves", "AI in the contact center", "Metrics that matter"]
POLL_TEXT = "What should we chat about on Dec 15? #ICMIchat"


def intro(i):
    return "Welcome to #ICMIchat! Today: %s." % LABELS[i]


def write_topic(d, extra=None, tie=None, duration=30, post_at="12:00"):
    tdir = os.path.join(d, "topics")
    os.makedirs(tdir, exist_ok=True)
    lines = ['date = "%s";' % DATE, 'poll = {',
             '  text = "What should we chat about on Dec 15?";',
             '  post_at = "%s %s";' % (DATE, post_at),
             '  duration = %d;' % duration]
    if extra:
        lines.append('  extra_votes = "%s";' % extra)
    if tie:
        lines.append('  tie = "%s";' % tie)
    lines += ['};', 'candidates = (']
    for i, lab in enumerate(LABELS):
        lines.append('  { label = "%s"; title = "Topic %d"; intro = "%s"; '
                     'questions = ( "Q on %s?" ); wrapup = "Bye from %s!"; }%s'
                     % (lab, i + 1, intro(i), lab, lab, "," if i < 2 else ""))
    lines.append(');')
    with open(os.path.join(tdir, DATE + ".conf"), "w") as f:
        f.write("\n".join(lines) + "\n")
    return tdir


def votes_file(d, votes):
    p = os.path.join(d, "votes.json")
    with open(p, "w") as f:
        json.dump({"steps": [{"fraction": 0, "votes": [0, 0, 0]},
                             {"fraction": 1, "votes": votes}]}, f)
    return p


def files(d):
    base = os.path.join(d, "logs", "testchat", "rehearsal")
    sp = os.path.join(base, DATE + ".state.json")
    state = json.load(open(sp)) if os.path.exists(sp) else {}
    return state, read_log(os.path.join(base, DATE + ".jsonl"))


def bodies(fake):
    return [json.loads(p["body"]) for p in fake.posts()]


def run(d, fake, sched, timeout=120):
    return run_bot(["run", "--once", "--rehearse=" + SPEED, "--date", DATE,
                    "--api-base", fake.base, sched], timeout=timeout)


def scenario(name, votes, want, decided_by, extra_csv=None, tie=None,
             faults=None, warn=False):
    """Runs one rehearsed chat; returns a list of (cond, desc, detail)."""
    res = []
    d = workdir("poll_run_" + name)
    fake = Fake(d, "--speed", SPEED, "--poll-votes", votes_file(d, votes))
    try:
        tdir = write_topic(d, extra="votes.csv" if extra_csv else None, tie=tie)
        if extra_csv:
            with open(os.path.join(tdir, "votes.csv"), "w") as f:
                f.write(extra_csv)
        sched = write_schedule(d, topics=tdir, capture_after="1")
        if faults:
            fake.faults(faults)
        t0 = time.time()
        st, out, err = run(d, fake, sched)
        res.append((st == 0, "%s: the rehearsed chat exits 0" % name, err[-2000:]))
        b = bodies(fake)
        polls = [x for x in b if "poll" in x]
        res.append((len(polls) == 1, "%s: exactly one poll posted" % name, b[:2]))
        res.append((bool(b) and "poll" in b[0] and b[0]["text"] == POLL_TEXT,
                    "%s: the poll comes first, with the hashtag added" % name, b[:1]))
        posts = fake.posts()
        if posts:
            res.append((posts[0]["arrival"] - t0 < (15 if SLOW else 2),
                        "%s: the poll is posted at once (its post_at is the "
                        "rehearsal's start)" % name, posts[0]["arrival"] - t0))
        others = [x["text"] for x in b if "poll" not in x]
        res.append((bool(others) and others[0] == intro(want),
                    "%s: the winner's intro is posted (%s)" % (name, LABELS[want]),
                    others[:1]))
        res.append((len(others) == 3, "%s: intro, Q1 and wrap-up of the winner" % name,
                    others))
        state, log = files(d)
        p = state.get("poll", {})
        res.append(((p.get("winner"), p.get("label"), p.get("decided_by")) ==
                    (want, LABELS[want], decided_by),
                    "%s: the state records winner %d, decided_by %s" % (name, want, decided_by),
                    p))
        kinds = [(e.get("kind"), e.get("event")) for e in log]
        ri = kinds.index(("event", "poll_result")) if ("event", "poll_result") in kinds else -1
        hi = kinds.index(("host", None)) if ("host", None) in kinds else -1
        res.append((ri >= 0 and hi > ri,
                    "%s: the poll_result event is logged before the chat's first post" % name,
                    kinds[:6]))
        if ri >= 0:
            ev = log[ri]
            res.append((ev.get("label") == LABELS[want] and ev.get("decided_by") == decided_by,
                        "%s: the event names the winner and the rule" % name, ev))
        if warn:
            lines = [ln for ln in err.splitlines()
                     if re.search(r"\bwarn(ing)?\b", ln, re.I) and LABELS[want] in ln]
            res.append((bool(lines), "%s: a warning in the bot's log names the "
                        "candidate chosen by the rule" % name, err[-1500:]))
        res.append((LABELS[want] in err, "%s: the bot's log names the winner" % name,
                    err[-1500:]))
        return res, d, fake, p
    finally:
        fake.stop()


results = {}


def job(key, *a, **kw):
    try:
        results[key] = scenario(*a, **kw)[0]
    except Exception as e:  # reported as a failed test
        results[key] = [(False, "%s: raised %r" % (key, e), None)]


jobs = [
    ("votes", ("votes", [1, 9, 3], 1, "votes"), {}),
    ("csv", ("csv", [1, 9, 3], 2, "votes"),
     {"extra_csv": "label,votes\nMetrics that matter,10\n"}),
    ("tie", ("tie", [7, 2, 7], 0, "tie-first"), {"warn": True}),
    ("none", ("no-votes", [0, 0, 0], 0, "no-votes"), {"warn": True}),
    ("unreadable", ("unreadable", [1, 9, 3], 0, "unreadable"),
     {"faults": [{"path": "/2/tweets", "method": "GET", "fault": "500",
                  "count": 100000}], "warn": True}),
]
threads = [threading.Thread(target=job, args=(k,) + a, kwargs=kw) for k, a, kw in jobs]
for th in threads:
    th.start()


def restart_case():
    """kill -9 after the poll post, rerun: one poll, the chat hosted."""
    res = []
    d = workdir("poll_run_restart")
    fake = Fake(d, "--speed", SPEED, "--poll-votes", votes_file(d, [2, 3, 8]))
    try:
        tdir = write_topic(d, duration=40)  # closes 4 s after the post
        sched = write_schedule(d, topics=tdir, capture_after="1")
        args = ["run", "--once", "--rehearse=" + SPEED, "--date", DATE,
                "--api-base", fake.base, sched]
        p = start_bot(args)
        deadline = time.time() + 20
        while time.time() < deadline and not fake.posts():
            time.sleep(0.02)
        time.sleep(0.2)
        p.send_signal(signal.SIGKILL)
        p.wait()
        state, _ = files(d)
        res.append((bool(state.get("poll", {}).get("id")) and
                    "winner" not in state.get("poll", {}),
                    "restart: killed after the poll post, before it closed", state.get("poll")))
        st, out, err = run_bot(args, timeout=90)
        res.append((st == 0, "restart: the rerun exits 0", err[-1500:]))
        b = bodies(fake)
        polls = [x for x in b if "poll" in x]
        res.append((len(polls) == 1, "restart: exactly one poll post at the fake server",
                    [x.get("text") for x in b]))
        tries = [r for r in fake.requests("/2/tweets", "POST")
                 if "poll" in (r.get("body") or "")]
        res.append((len(tries) == 1, "restart: and only one attempt to post it", len(tries)))
        others = [x["text"] for x in b if "poll" not in x]
        res.append((bool(others) and others[0] == intro(2),
                    "restart: the winner's intro is posted", others[:1]))
        state, _ = files(d)
        res.append((state.get("poll", {}).get("winner") == 2,
                    "restart: the winner is recorded", state.get("poll")))
    finally:
        fake.stop()
    return res


restart = []
th = threading.Thread(target=lambda: restart.extend(restart_case()))
th.start()
for x in threads + [th]:
    x.join()

t = Tap()
for k, _, _ in jobs:
    for cond, desc, detail in results.get(k, [(False, k + ": did not run", None)]):
        t.ok(cond, desc, detail)
for cond, desc, detail in restart:
    t.ok(cond, desc, detail)
t.done()
