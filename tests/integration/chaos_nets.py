#!/usr/bin/env python3
"""The chaos run of issue 36: a rehearsed chat on X (the fake), Bluesky
(the reference servers) and Mastodon (the fake) is killed (SIGKILL) at
each post's instant (as soon as any network shows it, while the others
may be posting it) and twice in the capture window, and started again
each time; participants answer every question on every network. The last
run ends the chat. Every post of the plan is made once on each network
(or listed as skipped), and every answer is in the log."""
import json
import os
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import SLOW, Fake, Tap, bot_env, start_bot, workdir  # noqa: E402
from bsky import BskyNet, creds_file, write_chat  # noqa: E402
import masto  # noqa: E402

SPEED = 10 if SLOW else 20
HOST, ANA = "chaosbot.test", "chaosana.test"
TAG = "ChaosChat"
TOPIC = ('date = "%s";\ntitle = "Hold times";\n'
         'intro = "Welcome to #ChaosChat: hold times";\n'
         'questions = ( "What makes a wait feel long?", "What helps?" );\n'
         'wrapup = "Thanks all, see you next week #ChaosChat";\n')
PLAN = 4   # intro, Q1, Q2, wrap-up
t = Tap()
d = workdir("chaos_nets")


def bsky_answers(net, stop):
    """ana answers each of the host's questions on Bluesky with the tag."""
    done = set()
    while not stop.is_set():
        try:
            for r in net.records(HOST):
                txt = r["value"]["text"]
                if txt.startswith("Q") and r["uri"] not in done:
                    done.add(r["uri"])
                    net.post(ANA, "A%s from ana #%s" % (txt[1], TAG))
        except OSError:
            pass
        time.sleep(0.2)


with BskyNet([HOST, ANA], workdir("chaos_nets_bsky"), shared=True) as net:
    fx = Fake(d, "--speed", str(SPEED), "--auto-answer")
    fm = masto.MastoFake(d, "--answer", "ann:tag,ben:reply", "--tag", TAG)
    stop = threading.Event()
    th = threading.Thread(target=bsky_answers, args=(net, stop), daemon=True)
    th.start()
    p = None
    try:
        creds = creds_file(d, HOST, net.by_handle[HOST]["app_password"])
        sched, date = write_chat(d, time.gmtime(time.time() + 5), TOPIC,
                                 ["x", "bluesky", "mastodon"], creds,
                                 mastodon='{ instance = "%s"; credentials = "%s"; }'
                                 % (fm.base, masto.creds_file(d)),
                                 hashtag='"#%s"' % TAG, capture_after="4")
        args = ["run", "--once", "--rehearse=%d" % SPEED, "--date", date,
                "--api-base", "x=" + fx.base, "--api-base", "bluesky=" + net.pds, sched]

        def host_posts():
            try:
                b = [r["value"]["text"] for r in net.records(HOST)]
            except OSError:
                b = []
            return {"x": [json.loads(r.get("body") or "{}").get("text") for r in fx.posts()],
                    "bluesky": b, "mastodon": [s["text"] for s in fm.host_statuses()]}

        def seen():
            return max(len(v) for v in host_posts().values())

        runs, kills = 0, []

        def start():
            global p, runs
            runs += 1
            p = start_bot(args, env=bot_env(), log=open(os.path.join(d, "bot%d.log" % runs), "w"))

        start()
        # a kill at each post's instant: as soon as any network shows it
        for k in range(1, PLAN + 1):
            end = time.time() + 120
            while seen() < k and p.poll() is None and time.time() < end:
                time.sleep(0.02)
            if p.poll() is not None:
                break
            p.send_signal(signal.SIGKILL)
            p.wait()
            kills.append("post %d" % k)
            start()
        # and twice in the capture window (4 chat minutes: 12 s)
        end = time.time() + 120
        while min(len(v) for v in host_posts().values()) < PLAN and p.poll() is None \
                and time.time() < end:
            time.sleep(0.1)
        for delay in (2.0, 3.0):
            time.sleep(delay)
            if p.poll() is not None:
                break
            p.send_signal(signal.SIGKILL)
            p.wait()
            kills.append("capture")
            start()
        rc = p.wait(240)
        t.eq(rc, 0, "the last run ends the chat, exit 0 (after kills: %s)" % ", ".join(kills))
        t.ok(len(kills) >= PLAN + 1, "killed at each post's instant and in the capture "
             "window (%d kills)" % len(kills), kills)
        stop.set()
        posts = host_posts()
        rdir = os.path.join(d, "logs", "testchat", "rehearsal")
        for n, got in posts.items():
            # the first network's state is DATE.state.json, the others'
            # DATE.NET.state.json
            state = json.load(open(os.path.join(rdir, date + (".state.json" if n == "x" else
                                                              ".%s.state.json" % n))))
            skipped = [k for k, v in state.get("posts", {}).items() if v.get("skipped")]
            t.ok(len(got) == len(set(got)) and len(got) + len(skipped) == PLAN,
                 "%s: every post once (%d) or skipped (%d)" % (n, len(got), len(skipped)),
                 got)
        lines = [json.loads(x) for x in
                 open(os.path.join(d, "logs", "testchat", "rehearsal", date + ".jsonl"))]
        logged = {(x.get("net") or "x", x["id"]) for x in lines if "id" in x}
        # the participants' posts with the tag (a retweet is never an answer)
        x_ans = [tw["id"] for tw in fx.tweets()
                 if tw.get("author_id") != fx.tweets()[0].get("author_id") and
                 ("#" + TAG).lower() in tw["text"].lower() and
                 not any(r.get("type") == "retweeted" for r in tw.get("referenced_tweets", []))]
        m_ans = [s["id"] for s in fm.statuses() if s["account"]["acct"] in ("ann", "ben")]
        b_ans = [r["uri"] for r in net.records(ANA) if TAG in r["value"]["text"]]
        lost = [("x", i) for i in x_ans if ("x", i) not in logged] + \
               [("mastodon", i) for i in m_ans if ("mastodon", i) not in logged] + \
               [("bluesky", i) for i in b_ans if ("bluesky", i) not in logged]
        t.ok(len(m_ans) >= 4 and len(b_ans) >= 2 and not lost,
             "every answer is in the log (X %d, Mastodon %d, Bluesky %d)"
             % (len(x_ans), len(m_ans), len(b_ans)), lost)
        ids = [(x.get("net") or "x", x["id"]) for x in lines if "id" in x]
        t.eq(len(ids), len(set(ids)), "and once")
    finally:
        stop.set()
        if p and p.poll() is None:
            p.kill()
        fx.stop()
        fm.stop()
t.done()
