#!/usr/bin/env python3
"""Mastodon's failures, on the fake Mastodon server: 5xx on a post (tried
again with the same Idempotency-Key), a connection cut after the status was
made while the server ignores the key (found among the account's statuses,
not posted again), a rate limit on the tag's timeline (X-RateLimit-Reset
waited out), a slow context, a refused access token; a topic poll on
Mastodon (posted with its options and duration, read from
/api/v1/polls/:id, the winner decided) and on an instance that drops API
polls (a clear message, the tie rule)."""
import datetime
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Tap, bot_env, read_log, run_bot, workdir  # noqa: E402
from masto import TOPIC, MastoFake, creds_file, write_chat  # noqa: E402

t = Tap()


def chat(d, fake, creds, **keys):
    tm = time.gmtime(time.time() + 60)
    return write_chat(d, tm, TOPIC, ["mastodon"], {
        "mastodon": '{ instance = "%s"; credentials = "%s"; }' % (fake.base, creds)},
        **keys)


# 1. faults during a rehearsed chat
d = workdir("masto_faults")
fake = MastoFake(d, "--answer", "ann:tag,ben:reply")
try:
    creds = creds_file(d)
    sched, date = chat(d, fake, creds)
    fake.faults([
        # the intro: two 500s, then it goes through
        {"path": "^/api/v1/statuses$", "method": "POST", "fault": "500", "count": 2},
    ])
    # the first question's post: made, then the connection cut; the key is
    # forgotten by the server, so only the look-up prevents a second one
    fake.faults([{"path": "^/api/v1/statuses$", "method": "POST",
                  "fault": "ignore-idempotency", "count": 1000}])
    def later():
        while len(fake.host_statuses()) < 1:
            time.sleep(0.05)
        fake.faults([{"path": "^/api/v1/statuses$", "method": "POST",
                      "fault": "cut-after", "count": 1},
                     {"path": "^/api/v1/timelines/tag/", "method": "GET",
                      "fault": "429", "reset": 2, "count": 1},
                     {"path": "/context$", "method": "GET", "fault": "timeout",
                      "seconds": 1.5, "count": 1}])
    th = threading.Thread(target=later, daemon=True)
    th.start()
    st, out, err = run_bot(["run", "--once", "--rehearse=60", "--date", date, sched],
                           env=bot_env(creds=False), timeout=150)
    th.join(5)
    with open(os.path.join(d, "bot.err"), "w") as f:
        f.write(err)
    t.eq(st, 0, "faults: the chat ends with exit 0")
    texts = [s["text"] for s in fake.host_statuses()]
    t.ok(len(texts) == 5 and len(set(texts)) == 5,
         "faults: 5 statuses, none twice (the cut one found, not posted again)", texts)
    posts = [r for r in fake.requests() if r["method"] == "POST"]
    intro = [r for r in posts if r["form"]["status"][0].startswith("Welcome")]
    t.ok(len(intro) == 3 and len({r["idempotency_key"] for r in intro}) == 1,
         "faults: the intro sent 3 times (two 500s) with one Idempotency-Key",
         [(r["status"], r["idempotency_key"]) for r in intro])
    looked = [r for r in fake.requests() if r["method"] == "GET" and
              "/accounts/" in r["path"] and r["path"].endswith("/statuses")]
    t.ok("not sent again" in err and "was posted already" in err and looked,
         "faults: a cut after the status was made: not resent (not even by libcurl "
         "on a fresh connection), looked up among the account's statuses and found",
         err[-2000:])
    t.ok("429 rate limited" in err, "faults: the rate limit is said", err[-1500:])
    log = read_log(os.path.join(d, "logs", "testchat", "rehearsal", date + ".jsonl"))
    got = {(e["username"], e["question"]) for e in log if e.get("kind") == "answer"}
    t.eq(got, {(a, q) for a in ("ann", "ben") for q in (1, 2, 3)},
         "faults: every answer logged, with its question")
    ids = [e["id"] for e in log if e.get("kind") != "event"]
    t.eq(len(ids), len(set(ids)), "faults: once each")

    # 2. a refused token: a clear message, exit 4 (network), nothing posted
    bad = creds_file(d, "not-the-token", "bad.conf")
    os.makedirs(os.path.join(d, "bad"), exist_ok=True)
    sched2, date2 = chat(os.path.join(d, "bad"), fake, bad)
    before = len(fake.host_statuses())
    st, out, err = run_bot(["run", "--once", "--rehearse=60", "--date", date2, sched2],
                           env=bot_env(creds=False), timeout=60)
    t.ok(st != 0 and "401" in err and "access token" in err,
         "a refused token: a non-zero exit and what to check", (st, err[-800:]))
    t.eq(len(fake.host_statuses()), before, "a refused token: nothing posted")
finally:
    fake.stop()

# 3. a topic poll on Mastodon
LABELS = ["Pet peeves", "Hold music", "Metrics"]


def chat_date():
    x = datetime.date.today() + datetime.timedelta(days=9)
    while x.weekday() != 1:
        x += datetime.timedelta(days=1)
    return x


DATE = chat_date()


def poll_topic(d, post_at=None, duration=60):
    tdir = os.path.join(d, "topics")
    os.makedirs(tdir, exist_ok=True)
    cands = ",\n".join(
        '{ label = "%s"; intro = "Welcome! Today: %s."; questions = ( "On %s?" ); '
        'wrapup = "Thanks!"; }' % (lab, lab, lab) for lab in LABELS)
    with open(os.path.join(tdir, "%s.conf" % DATE), "w") as f:
        f.write('date = "%s";\npoll = { text = "Next week\'s topic?"; post_at = "%s"; '
                'duration = %d; };\ncandidates = (\n%s\n);\n'
                % (DATE, post_at or "%s 14:00" % (DATE - datetime.timedelta(days=7)),
                   duration, cands))
    return tdir


def poll_sched(d, fake, creds, **topic):
    tdir = poll_topic(d, **topic)
    path = os.path.join(d, "poll.conf")
    with open(path, "w") as f:
        f.write('name = "testchat"; hashtag = "#ICMIchat"; weekday = "Tuesday"; '
                'time = "13:00"; timezone = "America/New_York"; topics = "%s"; '
                'logs = "%s"; networks = [ "mastodon" ];\n'
                'mastodon = { instance = "%s"; credentials = "%s"; };\n'
                % (tdir, os.path.join(d, "logs"), fake.base, creds))
    return path


d = workdir("masto_poll")
fake = MastoFake(d)
try:
    creds = creds_file(d)
    sched = poll_sched(d, fake, creds)
    st, out, err = run_bot(["poll", "post", sched, "--date", str(DATE)],
                           env=bot_env(creds=False))
    host = fake.host_statuses()
    t.ok(st == 0 and len(host) == 1 and host[0]["poll"] and
         [o["title"] for o in host[0]["poll"]["options"]] == LABELS,
         "poll: posted on Mastodon with the candidates as options", (st, out, err))
    form = [r for r in fake.requests() if r["method"] == "POST"][0]["form"]
    t.eq(form.get("poll[expires_in]"), ["3600"], "poll: poll[expires_in] is the duration")
    fake.call("POST", "/_fake/votes", {"status_id": host[0]["id"], "votes": [2, 7, 1],
                                      "expire": True})
    st, out, err = run_bot(["poll", "close", sched, "--date", str(DATE)],
                           env=bot_env(creds=False))
    state = json.load(open(os.path.join(d, "logs", "testchat", "%s.state.json" % DATE)))
    t.ok(st == 0 and state["poll"].get("winner") == 1,
         "poll: the counts read from /api/v1/polls/:id decide (Hold music, 7 votes)",
         (st, out, err, state.get("poll")))
    polls = [r for r in fake.requests() if r["path"].startswith("/api/v1/polls/")]
    t.ok(polls, "poll: read from /api/v1/polls/:id")

    # an instance that drops API polls: said, and the tie rule decides
    d2 = workdir("masto_poll_none")
    fake.call("POST", "/_fake/reset")
    fake.faults([{"path": "^/api/v1/statuses$", "fault": "no-polls", "count": 100}])
    sched2 = poll_sched(d2, fake, creds_file(d2))
    st, out, err = run_bot(["poll", "post", sched2, "--date", str(DATE)],
                           env=bot_env(creds=False))
    t.ok("does not take polls" in err, "no polls: the instance's refusal is said", err)
    st, out, err = run_bot(["poll", "status", sched2, "--date", str(DATE)],
                           env=bot_env(creds=False))
    t.ok(st != 0 and "no poll" in (out + err), "no polls: status says the poll cannot be read",
         (st, out, err))

    # run with a poll the instance refuses (422): the chat is hosted all the
    # same, on the tie rule, and the notifier hears it
    d3 = workdir("masto_poll_refused")
    fake.call("POST", "/_fake/reset")
    fake.faults([{"path": "^/api/v1/statuses$", "method": "POST", "fault": "422",
                  "count": 1}])
    sched3 = poll_sched(d3, fake, creds_file(d3), post_at="%s 12:00" % DATE, duration=30)
    notes = os.path.join(d3, "notes.txt")
    with open(sched3, "a") as f:
        f.write('notify = { command = "cat >> %s"; };\n' % notes)
    st, out, err = run_bot(["run", "--once", "--rehearse=600", "--date", str(DATE), sched3],
                           env=bot_env(creds=False), timeout=120)
    texts = [x["text"] for x in fake.host_statuses()]
    t.ok(st == 0 and texts and texts[0].startswith("Welcome! Today: Pet peeves"),
         "refused poll: the chat is hosted on the tie rule (the first candidate)",
         (st, texts, err[-1500:]))
    t.ok(os.path.exists(notes) and "tie rule" in open(notes).read(),
         "refused poll: the notifier hears it")
finally:
    fake.stop()
t.done()
