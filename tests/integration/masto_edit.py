#!/usr/bin/env python3
"""An edited and a deleted answer on Mastodon (issue 36, item 9):
Mastodon (and snac) keep a status's id when it is edited, change its text
and set edited_at; before, the log kept the first version only (one line
per id) and the report counted what was first written. Now the edit is
logged as its own line, an edit of the first ("ID~MS", edit_of ID), and
the report and its transcript show the post once, as its newest version.
An answer its author deletes during the chat is marked in the log when
the capture ends (a "deleted" event: Mastodon answers 404 for it) and
left out of the report."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Tap, bot_env, run_bot, start_bot, wait_until, workdir  # noqa: E402
from masto import TOPIC, MastoFake, creds_file, write_chat  # noqa: E402

t = Tap()
d = workdir("masto_edit")
fake = MastoFake(d, "--answer", "ann:tag,ben:reply")
p = None
try:
    creds = creds_file(d)
    sched, date = write_chat(d, time.gmtime(time.time() + 60), TOPIC, ["mastodon"], {
        "mastodon": '{ instance = "%s"; credentials = "%s"; }' % (fake.base, creds)},
        capture_after="6")
    log = open(os.path.join(d, "bot.log"), "w")
    p = start_bot(["run", "--once", "--rehearse=60", "--date", date, sched],
                  env=bot_env(creds=False), log=log)

    def ann_a1():
        return [s for s in fake.statuses()
                if s["account"]["acct"] == "ann" and s["text"].startswith("A1")]
    t.ok(wait_until(lambda: ann_a1(), 60), "ann answers Q1", open(log.name).read()[-800:])
    a1 = ann_a1()[0]
    time.sleep(2)    # read once as first written
    fake.call("POST", "/_fake/edit", {"id": a1["id"],
                                      "text": "A1 edited: the silence on hold #ICMIchat"})

    def ben_a2():
        return [s for s in fake.statuses()
                if s["account"]["acct"] == "ben" and s["text"].startswith("A2")]
    t.ok(wait_until(lambda: ben_a2(), 60), "ben answers Q2", open(log.name).read()[-800:])
    b2 = ben_a2()[0]
    time.sleep(2)    # read, then deleted
    fake.call("POST", "/_fake/delete", {"id": b2["id"]})
    p.wait(180)
    t.eq(p.returncode, 0, "the chat ends, exit 0")
    lines = [json.loads(x) for x in
             open(os.path.join(d, "logs", "testchat", "rehearsal", date + ".jsonl"))]
    versions = [x for x in lines if x.get("id", "").split("~")[0] == a1["id"]]
    t.ok(len(versions) == 2 and versions[0]["id"] == a1["id"] and
         versions[1].get("edit_of") == a1["id"] and
         versions[1]["text"].startswith("A1 edited"),
         "the log keeps the first version and the edit, an edit of it",
         [(v["id"], v.get("edit_of"), v["text"]) for v in versions])
    st, out, err = run_bot(["report", "--format", "json",
                            os.path.join(d, "logs", "testchat", "rehearsal", date + ".jsonl")])
    rep = json.loads(out) if st == 0 else {}
    chat = (rep.get("chats") or [{}])[0]
    q1 = (chat.get("questions") or [{}])[0]
    t.eq(q1.get("answers"), 2, "Q1: two answers (ann's edited one counted once, ben's)")
    t.ok(any(x.get("id") == b2["id"] for x in lines if x.get("kind") == "answer" or
             x.get("kind") == "reply") and
         any(x.get("event") == "deleted" and x.get("id") == b2["id"] for x in lines),
         "ben's deleted A2: logged when read, then marked deleted",
         [x for x in lines if x.get("kind") == "event"])
    q2 = (chat.get("questions") or [{}, {}])[1]
    t.ok(q2.get("answers") == 1 and chat.get("deleted_by_authors") == 1,
         "Q2: ann's answer only; the report says one post was deleted",
         (q2, chat.get("deleted_by_authors")))
    t.ok(not any("A2 in the thread from ben" in x["text"]
                 for s in rep.get("transcript", {}).get("sections", []) for x in s["posts"]),
         "the deleted answer is not in the transcript")
    posts = [x for s in rep.get("transcript", {}).get("sections", []) for x in s["posts"]
             if x.get("username") == "ann" and x["text"].startswith("A1")]
    t.ok(len(posts) == 1 and posts[0]["text"].startswith("A1 edited"),
         "the transcript shows ann's A1 once, as edited", posts)
finally:
    if p and p.poll() is None:
        p.kill()
    fake.stop()
t.done()
