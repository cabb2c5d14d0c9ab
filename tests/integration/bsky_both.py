#!/usr/bin/env python3
"""One chat on X (the fake) and Bluesky (the reference servers) at once:
every post once on each network, threaded on each, one log whose lines
carry their network, answers of both networks captured; and Bluesky
refusing its credentials does not stop the chat on X, and X out of reach
does not stop it on Bluesky."""
import json
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Fake, Tap, bot_env, read_log, start_bot, workdir  # noqa: E402
from bsky import BskyNet, creds_file, write_chat  # noqa: E402

SPEED = 60
HOSTS = {"both": "bothbot.test", "badcreds": "badbot.test", "xdown": "xdownbot.test"}
t = Tap()

TOPIC = """date = "%s";
title = "Pet peeves";
intro = "Welcome to #ICMIchat! Today: pet peeves. Answer with A1, A2...";
questions = (
  "What is your biggest pet peeve?",
  "Which peeve do you see in your own team?",
  "What one change would fix it?"
);
wrapup = "Thanks for joining #ICMIchat!";
"""


def setup(d, net, host, password):
    """A 10-minute chat on X and Bluesky (Bluesky's service is given with
    --api-base bluesky=URL)."""
    creds = creds_file(d, host, password)
    return write_chat(d, time.gmtime(int(time.time()) + 5), TOPIC, ["x", "bluesky"], creds)


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(net, name, password, answer, x_base=None):
    host = HOSTS[name]
    d = workdir("bsky_both_" + name)
    fake = Fake(d, "--speed", str(SPEED), "--auto-answer")
    try:
        sched, date = setup(d, net, host, password)
        log = open(os.path.join(d, "bot.log"), "w")
        proc = start_bot(["run", "--once", "--rehearse=%d" % SPEED, "--date", date,
                          "--api-base", x_base or fake.base, "--api-base", "bluesky=" + net.pds,
                          sched], env=bot_env(), log=log)
        posted = None
        deadline = time.time() + 90
        while proc.poll() is None and time.time() < deadline:
            if answer and posted is None:
                try:
                    q1 = [r for r in net.records(host) if r["value"]["text"].startswith("Q1:")]
                except OSError:
                    q1 = []
                if q1:
                    posted = net.post("alice.test", "A1: meetings without agendas #ICMIchat")
            time.sleep(0.1)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        log.close()
        xposts = [json.loads(p["body"])["text"] for p in fake.posts()]
        return d, date, proc.returncode, xposts, posted, open(log.name).read()
    finally:
        fake.stop()


with BskyNet(list(HOSTS.values()) + ["alice.test"], workdir("bsky_both_net")) as net:
    # 1. both networks, every post once on each
    host = HOSTS["both"]
    d, date, rc, xposts, answer, out = run(net, "both", net.by_handle[host]["app_password"], True)
    t.eq(rc, 0, "both: the rehearsed chat exits 0")
    bposts = sorted(net.records(host), key=lambda r: r["value"]["createdAt"])
    xt = xposts
    bt = [r["value"]["text"] for r in bposts]
    t.eq(len(bt), 5, "both: 5 posts on Bluesky, each once")
    t.eq(len(xt), 5, "both: 5 posts on X, each once")
    t.eq(sorted(xt), sorted(bt), "both: the same texts on each network")
    log = read_log(os.path.join(d, "logs", "testchat", "rehearsal", date + ".jsonl"))
    posts = [e for e in log if e.get("kind") != "event"]
    ids = [(e.get("net"), e["id"]) for e in posts]
    t.eq(len(ids), len(set(ids)), "both: every post logged once")
    hosts = [e for e in posts if e["kind"] == "host"]
    t.eq(sorted(e.get("net") for e in hosts), ["bluesky"] * 5 + ["x"] * 5,
         "both: the host's posts of both networks in the one log, with net")
    xa = [e for e in posts if e.get("net") == "x" and e["kind"] == "answer"]
    t.ok(len(xa) > 0, "both: answers on X captured (%d)" % len(xa))
    ba = [e for e in posts if e.get("net") == "bluesky" and e["kind"] == "answer"]
    t.ok(answer is not None and [e["id"] for e in ba] == [answer["uri"]]
         and ba[0]["question"] == 1, "both: the Bluesky answer captured for Q1", ba)
    t.ok(os.path.exists(os.path.join(d, "logs", "testchat", "rehearsal",
                                     date + ".bluesky.state.json")),
         "both: Bluesky's own state file beside X's")

    # 2. Bluesky refuses the credentials: the chat goes on on X
    d, date, rc, xposts, _, out = run(net, "badcreds", "wrong-password", False)
    t.eq(len(xposts), 5, "bad Bluesky credentials: X still gets its 5 posts")
    t.ok("not hosted on Bluesky" in out, "bad Bluesky credentials: said", out[-1500:])
    t.eq(len(net.records(HOSTS["badcreds"])), 0, "bad Bluesky credentials: nothing on Bluesky")

    # 3. X cannot be reached (a closed port): the chat goes on on Bluesky
    d, date, rc, xposts, _, out = run(net, "xdown", net.by_handle[HOSTS["xdown"]]["app_password"],
                                      False, x_base="http://127.0.0.1:%d" % closed_port())
    bt = [r["value"]["text"] for r in net.records(HOSTS["xdown"])]
    t.eq(len(bt), 5, "X down: Bluesky still gets its 5 posts, each once")
    t.ok("goes on without X" in out, "X down: said", out[-1500:])
    t.eq(rc, 3, "X down: the run exits 3 (a network was not hosted)")
    rdir = os.path.join(d, "logs", "testchat", "rehearsal")
    t.ok(os.path.exists(os.path.join(rdir, date + ".bluesky.state.json")) and
         not os.path.exists(os.path.join(rdir, date + ".state.json")),
         "X down: Bluesky's posts are in its own state file, X's stays unwritten",
         os.listdir(rdir))
t.done()
