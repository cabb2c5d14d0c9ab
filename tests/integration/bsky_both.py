#!/usr/bin/env python3
"""One chat on X (the fake), Bluesky (the reference servers) and Mastodon
(snac) at once: every post once on each network, one log whose lines
carry their network, answers of each network captured with their
question, one report that merges the three; and Bluesky refusing its
credentials does not stop the chat on X, and X out of reach does not stop
it on Bluesky."""
import json
from concurrent.futures import ThreadPoolExecutor
import os
import socket
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Fake, Tap, bot_env, read_log, run_bot, start_bot, workdir  # noqa: E402
from bsky import BskyNet, creds_file, write_chat  # noqa: E402
import masto  # noqa: E402
from snac import Snac  # noqa: E402

SPEED = 60
HOSTS = {"both": "bothbot.test", "badcreds": "badbot.test", "xdown": "xdownbot.test"}
# its own hashtag: the other tests on run-all's shared network post #ICMIchat
HASHTAG = '"#BothChat"'

t = Tap()

TOPIC = """date = "%s";
title = "Pet peeves";
intro = "Welcome to #BothChat! Today: pet peeves. Answer with A1, A2...";
questions = (
  "What is your biggest pet peeve?",
  "Which peeve do you see in your own team?",
  "What one change would fix it?"
);
wrapup = "Thanks for joining #BothChat!";
"""


def setup(d, net, host, password, snac=None):
    """A 10-minute chat on X and Bluesky (Bluesky's service is given with
    --api-base bluesky=URL), and on Mastodon when a snac server is given."""
    creds = creds_file(d, host, password)
    if snac is None:
        return write_chat(d, time.gmtime(int(time.time()) + 5), TOPIC, ["x", "bluesky"],
                          creds, hashtag=HASHTAG)
    mcreds = masto.creds_file(d, snac.token["chatbot"])
    return write_chat(d, time.gmtime(int(time.time()) + 5), TOPIC,
                      ["x", "bluesky", "mastodon"], creds,
                      mastodon='{ instance = "%s"; credentials = "%s"; }' % (snac.base, mcreds),
                      capture_after="6", hashtag=HASHTAG)


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(net, name, password, answer, x_base=None, snac=None):
    host = HOSTS[name]
    d = workdir("bsky_both_" + name)
    fake = Fake(d, "--speed", str(SPEED), "--auto-answer")
    try:
        sched, date = setup(d, net, host, password, snac)
        log = open(os.path.join(d, "bot.log"), "w")
        proc = start_bot(["run", "--once", "--rehearse=%d" % SPEED, "--date", date,
                          "--api-base", x_base or fake.base, "--api-base", "bluesky=" + net.pds,
                          sched], env=bot_env(), log=log)
        posted = mposted = None
        deadline = time.time() + 90
        while proc.poll() is None and time.time() < deadline:
            if answer and posted is None:
                try:
                    q1 = [r for r in net.records(host) if r["value"]["text"].startswith("Q1:")]
                except OSError:
                    q1 = []
                if q1:
                    posted = net.post("alice.test", "A1: meetings without agendas #BothChat")
            if snac and answer and mposted is None:
                try:
                    if any("Q1:" in x["content"] for x in snac.statuses("chatbot")):
                        mposted = snac.post("carol", "A1: long holds #BothChat")
                except OSError:
                    pass
            time.sleep(0.1)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        log.close()
        xposts = [json.loads(p["body"])["text"] for p in fake.posts()]
        return d, date, proc.returncode, xposts, posted, open(log.name).read(), mposted
    finally:
        fake.stop()


with BskyNet(list(HOSTS.values()) + ["alice.test"], workdir("bsky_both_net"),
             shared=True) as net, \
        Snac(["chatbot", "carol"], workdir("bsky_both_snac")) as snac:
    # the three chats at once (each its own accounts, folder and fake X),
    # then what each shows:
    # 1. all three networks, every post once on each
    # 2. Bluesky refuses the credentials: the chat goes on on X
    # 3. X cannot be reached (a closed port): the chat goes on on Bluesky
    host = HOSTS["both"]
    with ThreadPoolExecutor(3) as ex:
        both = ex.submit(run, net, "both", net.by_handle[host]["app_password"], True,
                         snac=snac)
        badcreds = ex.submit(run, net, "badcreds", "wrong-password", False)
        xdown = ex.submit(run, net, "xdown", net.by_handle[HOSTS["xdown"]]["app_password"],
                          False, x_base="http://127.0.0.1:%d" % closed_port())
    d, date, rc, xposts, answer, out, manswer = both.result()
    t.eq(rc, 0, "three: the rehearsed chat exits 0")
    bposts = sorted(net.records(host), key=lambda r: r["value"]["createdAt"])
    xt = xposts
    bt = [r["value"]["text"] for r in bposts]
    mt = [x["content"] for x in snac.statuses("chatbot")]
    t.eq(len(bt), 5, "three: 5 posts on Bluesky, each once")
    t.eq(len(xt), 5, "three: 5 posts on X, each once")
    t.ok(len(mt) == len(set(mt)) == 5, "three: 5 statuses on Mastodon, each once", mt)
    t.eq(sorted(xt), sorted(bt), "three: the same texts on X and Bluesky")
    rlog = os.path.join(d, "logs", "testchat", "rehearsal", date + ".jsonl")
    log = read_log(rlog)
    posts = [e for e in log if e.get("kind") != "event"]
    ids = [(e.get("net"), e["id"]) for e in posts]
    t.eq(len(ids), len(set(ids)), "three: every post logged once")
    hosts = [e for e in posts if e["kind"] == "host"]
    t.eq(sorted(e.get("net") for e in hosts), ["bluesky"] * 5 + ["mastodon"] * 5 + ["x"] * 5,
         "three: the host's posts of the three networks in the one log, with net")
    xa = [e for e in posts if e.get("net") == "x" and e["kind"] == "answer"]
    t.ok(len(xa) > 0, "three: answers on X captured (%d)" % len(xa))
    ba = [e for e in posts if e.get("net") == "bluesky" and e["kind"] == "answer"]
    t.ok(answer is not None and [e["id"] for e in ba] == [answer["uri"]]
         and ba[0]["question"] == 1, "three: the Bluesky answer captured for Q1", ba)
    ma = [e for e in posts if e.get("net") == "mastodon" and e["kind"] == "answer"]
    t.ok(manswer is not None and [e["id"] for e in ma] == [manswer["id"]]
         and ma[0]["question"] == 1, "three: the Mastodon answer captured for Q1", ma)
    rdir = os.path.join(d, "logs", "testchat", "rehearsal")
    t.ok(os.path.exists(os.path.join(rdir, date + ".bluesky.state.json")) and
         os.path.exists(os.path.join(rdir, date + ".mastodon.state.json")),
         "three: Bluesky's and Mastodon's own state files beside X's", os.listdir(rdir))
    st, out, err = run_bot(["report", "--format", "json", rlog], env=bot_env())
    t.ok(st == 0 and all('"%s"' % n in out for n in ("x", "bluesky", "mastodon")),
         "three: the JSON report merges them, each named", (st, err, out[:1500]))
    st, out, err = run_bot(["report", rlog], env=bot_env())
    t.ok(st == 0 and all("on %s " % n in out and "[%s]" % n in out
                         for n in ("x", "bluesky", "mastodon")),
         "three: the text report gives each network its figures and marks the transcript",
         out[-2500:])

    # 2.
    d, date, rc, xposts, _, out, _ = badcreds.result()
    t.eq(len(xposts), 5, "bad Bluesky credentials: X still gets its 5 posts")
    t.ok("not hosted on Bluesky" in out, "bad Bluesky credentials: said", out[-1500:])
    t.eq(len(net.records(HOSTS["badcreds"])), 0, "bad Bluesky credentials: nothing on Bluesky")

    # 3.
    d, date, rc, xposts, _, out, _ = xdown.result()
    bt = [r["value"]["text"] for r in net.records(HOSTS["xdown"])]
    t.eq(len(bt), 5, "X down: Bluesky still gets its 5 posts, each once")
    t.ok("goes on without X" in out, "X down: said", out[-1500:])
    t.eq(rc, 3, "X down: the run exits 3 (a network was not hosted)")
    rdir = os.path.join(d, "logs", "testchat", "rehearsal")
    xstate = os.path.join(rdir, date + ".state.json")
    xs = json.load(open(xstate)) if os.path.exists(xstate) else {}
    t.ok(os.path.exists(os.path.join(rdir, date + ".bluesky.state.json")) and
         not any(p.get("id") for p in xs.get("posts", {}).values()) and
         (not xs or (xs.get("not_hosted") == "X did not answer" and
                     all(p.get("skipped") == "X did not answer"
                         for p in xs.get("posts", {}).values()))),
         "X down: Bluesky's posts are in its own state file; X's holds no post, "
         "only that X did not answer", (os.listdir(rdir), xs))
t.done()
