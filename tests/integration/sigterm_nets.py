#!/usr/bin/env python3
"""SIGTERM with three networks (issue 36, item 7): a chat on X (the fake),
Bluesky (the reference servers) and Mastodon (the fake) is stopped in each
phase while one network hangs: waiting for the start with Mastodon's
account look-up unanswered, posting with a Mastodon post made but its
answer held, capturing with X's search unanswered. Each time every
network's thread ends and the run exits 0 within 5 s (the unit's stop
timeout is 30 s; before, 112 s while waiting for the intro); the
rehearsal run again finishes the chat with every post made once on each
network, nothing lost."""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import SLOW, Fake, Tap, bot_env, start_bot, workdir  # noqa: E402
from bsky import BskyNet, creds_file, write_chat  # noqa: E402
import masto  # noqa: E402

SPEED = 20
LIMIT = 15.0 if SLOW else 5.0   # valgrind's start-up and exit are slower
HOST = "termbot.test"
TOPIC = ('date = "%s";\ntitle = "Hold times";\n'
         'intro = "Welcome to #TermChat: hold times";\n'
         'questions = ( "What makes a wait feel long?", "What helps?" );\n'
         'wrapup = "Thanks all, see you next week #TermChat";\n')
t = Tap()


def stop_within(p, what):
    t0 = time.time()
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(60)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = None
    took = time.time() - t0
    t.ok(rc == 0 and took <= LIMIT, "%s: SIGTERM ends the run, exit 0 in %.1f s (<= %.0f s)"
         % (what, took, LIMIT), "rc %s" % rc)


def wait_for(cond, limit):
    end = time.time() + limit
    while time.time() < end:
        if cond():
            return True
        time.sleep(0.1)
    return False


def rehearse(net, fx, sched, date):
    """The rehearsal's command line on the three networks."""
    return ["run", "--once", "--rehearse=%d" % SPEED, "--date", date,
            "--api-base", "x=" + fx.base, "--api-base", "bluesky=" + net.pds, sched]


def setup(name, net, tm, **keys):
    d = workdir("sigterm_nets_" + name)
    fx = Fake(d, "--speed", str(SPEED))
    fm = masto.MastoFake(d)
    creds = creds_file(d, HOST, net.by_handle[HOST]["app_password"])
    mcreds = masto.creds_file(d)
    sched, date = write_chat(d, tm, TOPIC, ["x", "bluesky", "mastodon"], creds,
                             mastodon='{ instance = "%s"; credentials = "%s"; }'
                             % (fm.base, mcreds), hashtag='"#TermChat"', **keys)
    return d, fx, fm, sched, date


with BskyNet([HOST], workdir("sigterm_nets_bsky"), shared=True) as net:
    # 1. waiting for the start (in the run, not handed to the waiter: the
    # start is 100 s away), Mastodon's look-up hung (no answer for 60 s)
    d, fx, fm, sched, date = setup("wait", net, time.gmtime(time.time() + 100))
    try:
        fm.faults([{"path": "verify_credentials$", "method": "GET", "fault": "timeout",
                    "seconds": 60, "count": 100}])
        log = open(os.path.join(d, "bot.log"), "w")
        p = start_bot(["run", "--once", "--api-base", "x=" + fx.base,
                       "--api-base", "bluesky=" + net.pds, sched],
                      env=bot_env({"CHATHOST_NO_WAITER": "1"}), log=log)
        # X and Bluesky answered; Mastodon's look-up is hung (the fake
        # records a request once answered: none yet)
        t.ok(wait_for(lambda: "posting on Bluesky as" in open(log.name).read(), 30) and
             not any("verify_credentials" in r.get("path", "") for r in fm.requests()),
             "waiting: the run waits for the start, Mastodon's look-up unanswered",
             open(log.name).read()[-1500:])
        time.sleep(2)
        t.eq(p.poll(), None, "the run is still waiting")
        stop_within(p, "waiting, a network hung")
        t.ok("stopped (chathost is ending)" in open(log.name).read(),
             "Mastodon's hung look-up ended by the stop", open(log.name).read()[-1000:])
    finally:
        fx.stop()
        fm.stop()

    # 2. posting: Mastodon's first post made, its answer held 60 s; then the
    # rehearsal run again to its end
    d, fx, fm, sched, date = setup("post", net, time.gmtime(time.time() + 5),
                                   capture_after="1")
    args = rehearse(net, fx, sched, date)
    try:
        fm.faults([{"path": "statuses$", "method": "POST", "fault": "slow-after",
                    "seconds": 60, "count": 1}])
        log = open(os.path.join(d, "bot1.log"), "w")
        p = start_bot(args, env=bot_env(), log=log)
        t.ok(wait_for(lambda: len(fm.host_statuses()) >= 1, 60),
             "posting: Mastodon's intro made, its answer held",
             open(log.name).read()[-1500:])
        time.sleep(1)
        stop_within(p, "posting, a post's answer held")
        log2 = open(os.path.join(d, "bot2.log"), "w")
        p = start_bot(args, env=bot_env(), log=log2)
        rc = p.wait(240)
        out = open(log2.name).read()
        t.eq(rc, 0, "the rehearsal run again finishes the chat")
        texts = {
            "x": [json.loads(r.get("body") or "{}").get("text") for r in fx.posts()],
            "bluesky": [r["value"]["text"] for r in net.records(HOST)
                        if "#TermChat" in r["value"]["text"] or
                        r["value"]["text"].startswith("Q")],
            "mastodon": [s["text"] for s in fm.host_statuses()],
        }
        for n, got in texts.items():
            t.ok(len(got) == 4 and len(set(got)) == 4,
                 "%s: intro, two questions and the wrap-up, each once" % n, got)
    finally:
        fx.stop()
        fm.stop()

    # 3. capturing: after the wrap-up, X's search hung
    d, fx, fm, sched, date = setup("capture", net, time.gmtime(time.time() + 5),
                                   capture_after="30")
    args = rehearse(net, fx, sched, date)
    try:
        log = open(os.path.join(d, "bot.log"), "w")
        p = start_bot(args, env=bot_env(), log=log)
        t.ok(wait_for(lambda: any(s["text"].startswith("Thanks")
                                  for s in fm.host_statuses()) and
                      len(fx.posts()) >= 4, 120),
             "capturing: the wrap-up made", open(log.name).read()[-1500:])
        fx.faults([{"path": "/2/tweets/search/recent", "method": "GET", "fault": "timeout",
                    "count": 100}])
        time.sleep(3)
        stop_within(p, "capturing, a read hung")
    finally:
        fx.stop()
        fm.stop()
t.done()
