#!/usr/bin/env python3
"""SIGKILL of a chat on Mastodon at 25 or more points, against the fake
Mastodon server that forgets Idempotency-Keys (so that only the look-up of
the account's statuses stands between a crash and a second status): each
post is killed once between the status's creation and the answer (the
server answers 1.5 s late), the other kills at random instants. No status
is created twice, no answer is lost, every post ends with its id."""
import json
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Tap, bot_env, read_log, run_bot, start_bot, workdir  # noqa: E402
from masto import TOPIC, MastoFake, creds_file, write_chat  # noqa: E402

MIN_KILLS = 25
t = Tap()
d = workdir("masto_crash")
fake = MastoFake(d)
try:
    creds = creds_file(d)
    sched, date = write_chat(d, time.gmtime(), TOPIC, ["mastodon"], {
        "mastodon": '{ instance = "%s"; credentials = "%s"; }' % (fake.base, creds)})
    state = os.path.join(d, "logs", "testchat", "rehearsal", date + ".state.json")
    # keys forgotten, and every status answered 1.5 s after it was made: a
    # kill as soon as it shows lands between its creation and its id's record
    fake.faults([{"path": "^/api/v1/statuses$", "method": "POST",
                  "fault": "ignore-idempotency", "count": 100000}])
    fake.faults([{"path": "^/api/v1/statuses$", "method": "POST",
                  "fault": "slow-after", "seconds": 1.5, "count": 100000}])
    rng = random.Random()
    kills, runs, answers, asked, rc = 0, 0, [], set(), None
    people = ["ann", "ben", "cat"]
    deadline = time.time() + 120
    while time.time() < deadline:
        log = open(os.path.join(d, "bot%d.log" % runs), "w")
        proc = start_bot(["run", "--once", "--rehearse=30", "--date", date, sched],
                         env=bot_env(creds=False), log=log)
        runs += 1
        before = len(fake.host_statuses())
        kill_at = time.time() + rng.uniform(0.15, 0.9)
        while proc.poll() is None:
            host = fake.host_statuses()
            for s in host:
                if s["text"].startswith("Q") and s["id"] not in asked:
                    asked.add(s["id"])
                    who = people[len(asked) % 3]
                    if len(asked) % 2:
                        answers.append(fake.post(who, "A%s: answer %d #ICMIchat"
                                                 % (s["text"][1], len(asked))))
                    else:
                        answers.append(fake.post(who, "in the thread %d" % len(asked),
                                                 reply_to=s["id"]))
            if len(host) > before or (kills < 60 and time.time() >= kill_at):
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += 1
                break
            time.sleep(0.03)
        log.close()
        if proc.returncode is not None and proc.returncode >= 0:
            rc = proc.returncode
            break
        try:
            if json.load(open(state)).get("done"):
                rc = 0
                break
        except (OSError, ValueError):
            pass
    if rc is None:
        rc = run_bot(["run", "--once", "--rehearse=30", "--date", date, sched],
                     env=bot_env(creds=False), timeout=120)[0]
    t.eq(rc, 0, "crash: the last run finishes the chat (exit 0)")
    t.ok(kills >= MIN_KILLS, "crash: killed %d times in %d runs" % (kills, runs))
    texts = [s["text"] for s in fake.host_statuses()]
    t.ok(len(texts) == 5 and len(set(texts)) == 5,
         "crash: 5 statuses, none created twice", texts)
    log = read_log(os.path.join(d, "logs", "testchat", "rehearsal", date + ".jsonl"))
    ids = [e["id"] for e in log if e.get("kind") != "event"]
    t.eq(len(ids), len(set(ids)), "crash: every line of the log is one status, once")
    missing = [a["id"] for a in answers if a["id"] not in ids]
    t.ok(answers and not missing, "crash: all %d answers in the log" % len(answers),
         missing)
    found = sum(open(os.path.join(d, "bot%d.log" % i)).read().count("before the restart")
                for i in range(runs))
    t.ok(found >= 4, "crash: %d posts found after a kill between their creation and "
         "their record (the look-up, not a second post)" % found)
    st = json.load(open(state))
    t.ok(all(p.get("id") for p in st["posts"].values()),
         "crash: every post recorded with its id, none skipped", st["posts"])
finally:
    fake.stop()
t.done()
