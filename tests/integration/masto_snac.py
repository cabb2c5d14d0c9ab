#!/usr/bin/env python3
"""A chat hosted on a real Mastodon-API server, snac (Debian snac2), with
two accounts answering: alice with the hashtag, bob in the thread without
it. Every status once, threaded under the intro, public; both answers of
each question logged once, with the question, the account as acct and
net mastodon. (snac has no API polls, no Idempotency-Key and no rate-limit
headers: those are tested on the fake, masto_faults.py.)"""
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Tap, bot_env, read_log, start_bot, workdir  # noqa: E402
from masto import TOPIC, creds_file, write_chat  # noqa: E402
from snac import Snac  # noqa: E402

t = Tap()
d = workdir("masto_snac")
t0 = time.time()
with Snac(["chatbot", "alice", "bob"], d) as s:
    t.ok(time.time() - t0 < 30, "snac started with three accounts (%.1f s)" % (time.time() - t0))
    creds = creds_file(d, s.token["chatbot"])
    sched, date = write_chat(d, time.gmtime(time.time() + 60), TOPIC, ["mastodon"], {
        "mastodon": '{ instance = "%s"; credentials = "%s"; }' % (s.base, creds)},
        capture_after="6")
    log = open(os.path.join(d, "bot.log"), "w")
    proc = start_bot(["run", "--once", "--rehearse=30", "--date", date, sched],
                     env=bot_env(creds=False), log=log)
    asked, answers = set(), []
    deadline = time.time() + 150
    while proc.poll() is None and time.time() < deadline:
        try:
            mine = s.statuses("chatbot")
        except OSError:
            mine = []
        for st in mine:
            if st["id"] in asked or "Q" not in st["content"][:8]:
                continue
            asked.add(st["id"])
            n = st["content"].split("Q", 1)[1][0]
            answers.append(("alice", n, s.post(
                "alice", "A%s from alice, see https://cx.example.org/snac/a%s #ICMIchat" % (n, n))))
            answers.append(("bob", n, s.post("bob", "bob thinks so too", reply_to=st["id"])))
        time.sleep(0.3)
    if proc.poll() is None:
        proc.kill()
    proc.wait()
    log.close()
    out = open(log.name).read()
    t.eq(proc.returncode, 0, "the rehearsed chat on snac ends with exit 0")
    mine = sorted(s.statuses("chatbot"), key=lambda x: x["created_at"])
    texts = [x["content"] for x in mine]
    t.ok(len(texts) == 5 and len(set(texts)) == 5, "5 statuses on snac, each once",
         texts)
    intro = mine[0]["id"] if mine else None
    t.ok(all(x.get("in_reply_to_id") == intro for x in mine[1:]),
         "the questions and the wrap-up reply to the intro",
         [x.get("in_reply_to_id") for x in mine])
    t.ok(all(x.get("visibility") == "public" for x in mine), "public")
    entries = read_log(os.path.join(d, "logs", "testchat", "rehearsal", date + ".jsonl"))
    posts = [e for e in entries if e.get("kind") != "event"]
    ids = [e["id"] for e in posts]
    t.eq(len(ids), len(set(ids)), "every status logged once")
    got = {(e["username"].split("@")[0], e["question"]) for e in posts
           if e.get("kind") == "answer"}
    want = {(who, int(n)) for who, n, _ in answers}
    t.ok(len(want) == 6 and got == want,
         "alice's tagged and bob's threaded answers, each with its question", (got, want))
    t.ok(all(e.get("net") == "mastodon" for e in posts), "every line carries net mastodon")
    links = sorted(e.get("links") for e in posts
                   if e.get("kind") == "answer" and e["username"].startswith("alice"))
    t.eq(links, ["https://cx.example.org/snac/a%d" % n for n in (1, 2, 3)],
         "the link in each of alice's answers is logged, from the status's HTML")
    t.ok(all("@" in e["username"] for e in posts if e.get("kind") == "answer"),
         "accounts as acct (user@host)", [e["username"] for e in posts])
    # snac drops idle kept-alive connections: a read on one is made again,
    # quietly, on a new connection (before: a warning a minute)
    resets = [ln for ln in open(os.path.join(d, "bot.log")) if "reset by peer" in ln]
    t.eq(resets, [], "no \"Connection reset by peer\" warnings")
t.done()
