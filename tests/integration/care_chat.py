#!/usr/bin/env python3
"""A chat's welcome: with a watch group in a chat's schedule, chathost run
makes a case of each first-timer (no post in the earlier chats' logs) and
says when one has not been welcomed within sla minutes; a reply by the
host's account welcomes. Rehearsed on the fake X API with its scripted
participants: one is a regular (in last week's log), one first-timer is
welcomed by hand, the others are not. Then the chat report's view of the
same: first-timers welcomed, how fast, and the ones never welcomed."""
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import SLOW, Fake, Tap, run_bot, workdir, write_schedule  # noqa: E402
from chatcheck import DATE  # noqa: E402

SPEED = 40 if SLOW else 120
t = Tap()
d = workdir("care_chat")
fake = Fake(d, "--speed", str(SPEED), "--auto-answer")
try:
    users = {u["username"]: u["id"] for u in fake.call("GET", "/_fake/users")["data"]}
    regular, welcomed = "ana_cx", "sam_ops"
    # last week's chat: ana_cx took part, so she is no first-timer
    logs = os.path.join(d, "logs", "testchat")
    os.makedirs(logs, exist_ok=True)
    with open(os.path.join(logs, "2026-11-24.jsonl"), "w") as f:
        f.write(json.dumps({"id": "1", "created_at": "2026-11-24T18:06:00.000Z",
                            "author_id": users[regular], "username": regular,
                            "kind": "answer", "question": 1, "attributed_by": "label",
                            "in_reply_to_id": None, "text": "A1 #ICMIchat"}) + "\n")
    # sla: 8 s at 120x. The host's reply by hand is seen one capture poll
    # (about 3 s) after the first-timer's post, which X dates up to a
    # second early: a shorter SLA breached the welcomed one first whenever
    # the two fell in different polls. The others still breach within the
    # chat: they all post in its first 10 s of 30.
    sched = write_schedule(
        d, capture_after="2",
        watch='{ accounts = [ "@chathost_demo" ]; staff = [ "@chathost_demo" ]; '
              'hours = ( { days = "daily"; from = "00:00"; to = "24:00"; } ); '
              'warn_after = 1; sla = 16; }')
    stop = False

    def welcome_by_hand():
        """The host welcomes sam_ops by hand, from the host's account."""
        while not stop:
            tw = [x for x in fake.tweets() if x["username"] == welcomed and
                  not x["text"].startswith("RT @")]
            if tw:
                time.sleep(30.0 / SPEED)
                fake.call("POST", "/_fake/tweets", {
                    "username": "chathost_demo", "in_reply_to": tw[0]["id"],
                    "text": "@%s welcome to #ICMIchat!" % welcomed})
                return
            time.sleep(0.1)
    th = threading.Thread(target=welcome_by_hand, daemon=True)
    th.start()
    st, out, err = run_bot(["run", "--once", "--rehearse=%d" % SPEED, "--date", DATE,
                            "--api-base", fake.base, sched], timeout=200)
    stop = True
    t.eq(st, 0, "the chat completes")
    t.ok("welcome: " in err and "people of the earlier chats" in err,
         "the welcome is on (a watch group in the chat's schedule)", err[:1500])
    said = [ln for ln in err.splitlines() if "has not been welcomed" in ln]
    names = sorted({ln.split("first-timer @", 1)[1].split(" ", 1)[0] for ln in said})
    firsts = sorted(u for u in users if u not in (regular, welcomed, "chathost_demo"))
    t.eq(names, firsts, "each first-timer not welcomed is said, the regular and the "
         "one welcomed are not")
    t.ok(len(said) == len(names), "once each", said)
    care = os.path.join(logs, "rehearsal", "care")
    events = []
    for f in sorted(os.listdir(care)) if os.path.isdir(care) else []:
        if f.endswith(".jsonl"):
            events += [json.loads(x) for x in open(os.path.join(care, f))]
    ans = [e["author"] for e in events if e["event"] == "answered"]
    t.eq(ans, [welcomed], "the one welcomed by hand: answered by the host's account")
    t.ok(all(e.get("category") == "first-timer" for e in events if e["event"] == "opened"),
         "the cases are first-timers'")
    rst, rout, rerr = run_bot(["report", "--format", "json", "--rehearsals",
                               os.path.join(logs, "rehearsal", DATE + ".jsonl")])
    rep = json.loads(rout) if rst == 0 else {}
    chat = (rep.get("chats") or [{}])[-1]
    t.ok(chat.get("first_timers_welcomed") == 1 and chat.get("welcome_median_s") is not None,
         "the chat report: one first-timer welcomed, and how fast",
         {k: chat.get(k) for k in ("first_timers", "first_timers_welcomed",
                                   "welcome_median_s")})
finally:
    fake.stop()
t.done()
