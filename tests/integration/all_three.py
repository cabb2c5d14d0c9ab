#!/usr/bin/env python3
"""One chat on X (the fake), Bluesky (the reference servers) and Mastodon
(snac) at once: every post once on each network, one log whose answers
carry their network, and one report that merges the three (totals, per
network, the transcript's network marks)."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Fake, Tap, bot_env, read_log, run_bot, start_bot, workdir  # noqa: E402
from bsky import BskyNet, creds_file, write_chat  # noqa: E402
import masto  # noqa: E402
from snac import Snac  # noqa: E402

SPEED = 60
HOST = "threebot.test"
t = Tap()
TOPIC = masto.TOPIC

d = workdir("all_three")
with BskyNet([HOST, "alice.test"], workdir("all_three_net")) as net, \
        Snac(["chatbot", "carol"], d) as s:
    fake = Fake(d, "--speed", str(SPEED), "--auto-answer")
    try:
        mcreds = masto.creds_file(d, s.token["chatbot"])
        sched, date = write_chat(
            d, time.gmtime(int(time.time()) + 5), TOPIC, ["x", "bluesky", "mastodon"],
            creds_file(d, HOST, net.by_handle[HOST]["app_password"]),
            mastodon='{ instance = "%s"; credentials = "%s"; }' % (s.base, mcreds),
            capture_after="6")
        log = open(os.path.join(d, "bot.log"), "w")
        proc = start_bot(["run", "--once", "--rehearse=%d" % SPEED, "--date", date,
                          "--api-base", fake.base, "--api-base", "bluesky=" + net.pds,
                          sched], env=bot_env(), log=log)
        banswer = manswer = None
        deadline = time.time() + 120
        while proc.poll() is None and time.time() < deadline:
            if banswer is None:
                try:
                    if any(r["value"]["text"].startswith("Q1:") for r in net.records(HOST)):
                        banswer = net.post("alice.test", "A1: agendas #ICMIchat")
                except OSError:
                    pass
            if manswer is None:
                try:
                    if any("Q1:" in x["content"] for x in s.statuses("chatbot")):
                        manswer = s.post("carol", "A1: long holds #ICMIchat")
                except OSError:
                    pass
            time.sleep(0.1)
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        log.close()
        t.eq(proc.returncode, 0, "three networks: the rehearsed chat exits 0")
        xt = [json.loads(p["body"])["text"] for p in fake.posts()]
        bt = [r["value"]["text"] for r in net.records(HOST)]
        mt = [x["content"] for x in s.statuses("chatbot")]
        t.ok(len(xt) == len(set(xt)) == 5, "three networks: 5 posts on X, each once", xt)
        t.ok(len(bt) == len(set(bt)) == 5, "three networks: 5 posts on Bluesky, each once", bt)
        t.ok(len(mt) == len(set(mt)) == 5, "three networks: 5 statuses on Mastodon, each once",
             mt)
        rlog = os.path.join(d, "logs", "testchat", "rehearsal", date + ".jsonl")
        posts = [e for e in read_log(rlog) if e.get("kind") != "event"]
        keys = [(e.get("net", "x"), e["id"]) for e in posts]
        t.eq(len(keys), len(set(keys)), "three networks: every post logged once")
        t.eq(sorted(e.get("net", "x") for e in posts if e["kind"] == "host"),
             ["bluesky"] * 5 + ["mastodon"] * 5 + ["x"] * 5,
             "three networks: the host's posts of all three in the one log")
        ans = {e.get("net", "x") for e in posts if e["kind"] == "answer"}
        t.eq(ans, {"x", "bluesky", "mastodon"}, "three networks: answers of each captured")
        t.ok(banswer and manswer and
             any(e["id"] == banswer["uri"] and e["question"] == 1 for e in posts) and
             any(e["id"] == manswer["id"] and e["question"] == 1 for e in posts),
             "three networks: the Bluesky and the Mastodon answer to Q1, with their question")
        st, out, err = run_bot(["report", "--format", "json", rlog], env=bot_env())
        rep = json.loads(out) if st == 0 else {}
        text = json.dumps(rep)
        t.ok(st == 0 and all('"%s"' % n in text for n in ("x", "bluesky", "mastodon")),
             "three networks: the report merges them, each named", (st, err, out[:1500]))
        st, out, err = run_bot(["report", rlog], env=bot_env())
        t.ok(st == 0 and all("on %s " % n in out and "[%s]" % n in out
                             for n in ("x", "bluesky", "mastodon")),
             "three networks: the text report gives each network its figures and "
             "marks the transcript", out[-2500:])
    finally:
        fake.stop()
t.done()
