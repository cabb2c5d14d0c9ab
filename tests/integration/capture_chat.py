#!/usr/bin/env python3
"""Live capture of the answers (issue 4) against the fake X API: rehearsed
chats with the fake's scripted participants (labelled answers, unlabelled
replies in the thread, an answer without the hashtag, retweets) plus
injected posts: a burst of more than one page between two polls, a 429 in
the middle, a crash of the bot lasting past the capture window (only the
backfill after the restart recovers what was posted meanwhile), and a
backfill by hand (`chathost run --backfill --date D`, `--full`) of a past
chat. The log must hold every expected post exactly once with the expected
question; a chat without faults reads at most 1.05 posts per post logged."""
import collections
import datetime
import json
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import (ROOT, SLOW, Fake, Tap, read_log, run_bot, start_bot,  # noqa: E402
                   workdir, write_schedule)
from chatcheck import post_records  # noqa: E402

DATE = "2026-12-01"
t = Tap()

LABEL = re.compile(r"^(?:[.]?@\S+\s+)*(?:\S+\s+){0,2}[(\[{\"'*]{0,3}[Aa]\s*(\d{1,3})(?![0-9A-Za-z])")


def iso_s(s):
    return datetime.datetime.strptime(s[:19], "%Y-%m-%dT%H:%M:%S").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def expected(tweets, host_id, intro_id, q_ids, q_times, wrapup_time):
    """Independent attribution: {id: (kind, question)} of the posts the log
    must hold (the hashtag or the chat's conversation; no retweets)."""
    out = {}
    for tw in tweets:
        text = tw["text"]
        if tw.get("referenced_tweets") and any(
                r["type"] == "retweeted" for r in tw["referenced_tweets"]):
            continue
        if "#icmichat" not in text.lower() and tw.get("conversation_id") != intro_id:
            continue
        reply_to = None
        for r in tw.get("referenced_tweets") or []:
            if r["type"] == "replied_to":
                reply_to = r["id"]
        if tw["author_id"] == host_id:
            out[tw["id"]] = ("host", q_ids.index(tw["id"]) + 1 if tw["id"] in q_ids else None)
            continue
        m = LABEL.match(text)
        if m and 1 <= int(m.group(1)) <= len(q_ids):
            out[tw["id"]] = ("answer", int(m.group(1)))
            continue
        if reply_to in q_ids:
            out[tw["id"]] = ("answer", q_ids.index(reply_to) + 1)
            continue
        c = iso_s(tw["created_at"])
        q = None
        for i, qt in enumerate(q_times):
            if qt and c >= int(qt):
                q = i + 1
        if wrapup_time and c >= int(wrapup_time):
            q = None
        kind = "reply" if reply_to or tw.get("conversation_id") == intro_id else "other"
        out[tw["id"]] = (kind, q)
    return out


def check_log(d, fake, label, rehearsal=True):
    sub = "rehearsal" if rehearsal else ""
    base = os.path.join(d, "logs", "testchat", sub)
    log = [e for e in read_log(os.path.join(base, DATE + ".jsonl")) if e.get("kind") != "event"]
    state = json.load(open(os.path.join(base, DATE + ".state.json")))
    posts = state["posts"]
    qkeys = sorted((k for k in posts if re.fullmatch(r"q\d+", k)), key=lambda k: int(k[1:]))
    q_ids = [posts[k].get("id") for k in qkeys]
    q_times = [posts[k].get("posted_at") for k in qkeys]
    host = fake.call("GET", "/_fake/config")["host"]["id"]
    tweets = fake.tweets()
    want = expected(tweets, host, posts["intro"]["id"], q_ids, q_times,
                    posts.get("wrapup", {}).get("posted_at"))
    ids = [e["id"] for e in log]
    t.eq(len(ids), len(set(ids)), "%s: no post id twice in the log" % label)
    missing = sorted(set(want) - set(ids))
    extra = sorted(set(ids) - set(want))
    t.ok(not missing, "%s: every expected post is in the log (%d)" % (label, len(want)),
         [next(tw["text"] for tw in tweets if tw["id"] == i) for i in missing][:10])
    t.ok(not extra, "%s: nothing else (no retweet) is in the log" % label, extra[:10])
    wrong = []
    for e in log:
        if e["id"] in want:
            k, q = want[e["id"]]
            if e["kind"] != k or e.get("question") != q:
                wrong.append((e["text"][:50], e["kind"], e.get("question"), k, q))
    t.ok(not wrong, "%s: every post has the expected kind and question" % label, wrong[:10])
    return log, state, tweets


# 1. a chat without faults: every post once, reads per logged post <= 1.05
d = workdir("capture_clean")
fake = Fake(d, "--speed", "240", "--auto-answer")
try:
    sched = write_schedule(d, capture_after="5")
    st, out, err = run_bot(["run", "--once", "--rehearse=240", "--date", DATE,
                            "--api-base", fake.base, sched], timeout=120)
    t.eq(st, 0, "clean chat: exits 0")
    log, state, tweets = check_log(d, fake, "clean chat")
    cap = state.get("capture", {})
    ratio = cap.get("reads", 0) / max(1, len(log))
    t.ok(0 < ratio <= 1.05, "clean chat: %d posts read for %d logged (%.3f <= 1.05)"
         % (cap.get("reads", 0), len(log), ratio))
    t.ok(any(e.get("attributed_by") == "label" for e in log) and
         any(e.get("attributed_by") == "reply" for e in log) and
         any(e.get("attributed_by") == "time" for e in log),
         "clean chat: the label, reply and time rules all applied")
    t.ok(any(e["kind"] == "reply" and "#icmichat" not in e["text"].lower() for e in log),
         "clean chat: a reply without the hashtag was caught (conversation)")
    srch = fake.requests("/2/tweets/search/recent")
    t.ok(srch and all("-is:retweet" in r["query"]["query"][0] for r in srch),
         "clean chat: every search excludes retweets")
    t.ok(all("start_time" not in r["query"] for r in srch[1:]) and
         all("since_id" in r["query"] for r in srch[1:]),
         "clean chat: after the first search, since_id and no range searches")
    t.ok("nothing missed" in err, "clean chat: the backfill found nothing to do")
finally:
    fake.stop()

# 2. a chat with faults: a burst of 150 posts (two pages in one poll), a 429
#    in the middle, then the bot crashes after the wrap-up and is restarted
#    only after the capture window: the backfill recovers the posts made
#    while it was down
SPEED = 120
d = workdir("capture_faults")
fake = Fake(d, "--speed", str(SPEED), "--auto-answer")
try:
    sched = write_schedule(d, capture_after="5")
    args = ["run", "--once", "--rehearse=%d" % SPEED, "--date", DATE,
            "--api-base", fake.base, sched]
    logf = open(os.path.join(d, "bot1.log"), "w")
    p = start_bot(args, log=logf)

    def wait_posts(n, limit=90):
        end = time.time() + limit
        while len(fake.posts()) < n and time.time() < end and p.poll() is None:
            time.sleep(0.05)
        return len(fake.posts()) >= n

    wait_posts(3)                      # intro, Q1, Q2
    burst = [{"username": "burst_%d" % i, "name": "Burst %d" % i,
              "text": "A2: burst answer number %d #ICMIchat" % i} for i in range(150)]
    fake.call("POST", "/_fake/tweets", {"tweets": burst})
    wait_posts(4)                      # Q3
    time.sleep(0.5)
    fake.faults([{"path": "/2/tweets/search/recent", "fault": "429", "count": 1,
                  "reset_in": 5}])
    wait_posts(8)                      # the wrap-up
    time.sleep(0.3)
    p.send_signal(signal.SIGKILL)
    p.wait()
    logf.close()
    bot1_searches = len(fake.requests("/2/tweets/search/recent"))
    # posted while the bot is down
    tw = {x["text"]: x for x in fake.tweets()}
    state = json.load(open(os.path.join(d, "logs", "testchat", "rehearsal",
                                        DATE + ".state.json")))
    q6 = state["posts"]["q6"]["id"]
    intro = state["posts"]["intro"]["id"]
    down = fake.call("POST", "/_fake/tweets", {"tweets": [
        {"username": "late_lou", "text": "A6: posted while the bot was down #ICMIchat"},
        {"username": "late_lou", "text": "no hashtag, a reply to Q6", "in_reply_to": q6},
        {"username": "late_kim", "text": "thread reply after the wrap-up", "in_reply_to": intro},
        {"username": "late_kim", "text": "", "retweet_of": q6},
    ]})["data"]
    # wait until the capture window (wrap-up + 5 chat minutes) and 15 more
    # chat minutes have passed, so the restart must search the gap by time
    wrap = state["posts"]["wrapup"]["posted_at"]
    time.sleep(max(0, wrap + (5 + 16) * 60.0 / SPEED - time.time()))
    st, out, err = run_bot(args, timeout=120)
    t.eq(st, 0, "faults: the restarted bot exits 0")
    log, state, tweets = check_log(d, fake, "faults")
    ids = {e["id"] for e in log}
    t.ok(all(x["id"] in ids for x in down[:3]) and down[3]["id"] not in ids,
         "faults: the posts made while the bot was down are in the log, the retweet is not")
    burst_ids = {x["id"] for x in tweets if x["text"].startswith("A2: burst")}
    t.eq(len(burst_ids & ids), 150, "faults: all 150 posts of the burst logged")
    srch = fake.requests("/2/tweets/search/recent")
    paged = [r for r in srch if "next_token" in r["query"]]
    t.ok(paged, "faults: a poll read more than one page (next_token)")
    r429 = [i for i, r in enumerate(srch) if r["status"] == 429]
    t.ok(len(r429) == 1, "faults: the 429 happened once", [r["status"] for r in srch])
    if r429:
        i = r429[0]
        after = srch[i + 1]["arrival"] if i + 1 < len(srch) else None
        t.ok(after is None or after >= srch[i]["arrival"] + 4.0,
             "faults: no search before the 429's reset (%.2f s later)"
             % ((after or 0) - srch[i]["arrival"]))
    back = srch[bot1_searches:]
    t.ok(back and all("start_time" in r["query"] and "end_time" in r["query"]
                      for r in back),
         "faults: the backfill searched the gap by start_time/end_time",
         [r["query"] for r in back][:3])
    cov = state["capture"]["covered"]
    t.eq(len(cov), 1, "faults: the state's coverage is one range after the backfill")
    ratio = state["capture"]["reads"] / max(1, len(log))
    t.ok(ratio <= 1.10, "faults: %.3f posts read per post logged" % ratio)
    # running the finished rehearsal again starts a new one (the finished
    # one is kept as DATE.jsonl.1): X refuses its posts as duplicates and
    # the old posts are not taken for the new rehearsal's; harmless
    n_lines = len(log)
    st, out, err = run_bot(args, timeout=60)
    kept = read_log(os.path.join(d, "logs", "testchat", "rehearsal", DATE + ".jsonl.1"))
    made = collections.Counter(r["text"] for r in post_records(fake) if r.get("status") == 201)
    t.ok(st in (0, 3) and len(kept) == n_lines and all(v == 1 for v in made.values()),
         "faults: running the finished chat again is harmless (exit %d, %d of %d lines kept)"
         % (st, len(kept), n_lines), err[-600:])
finally:
    fake.stop()

# 3. --backfill --date D by hand, for a past (real-time) chat, and --full
d = workdir("capture_backfill")
fake = Fake(d, "--speed", "60")
try:
    # a chat two days ago (over, and within search's 7 days): the
    # schedule's weekday is that day's
    day = datetime.datetime.now(datetime.timezone.utc).date() - datetime.timedelta(days=2)
    date = day.isoformat()
    sched = write_schedule(d, weekday='"%s"' % day.strftime("%A"))
    tdir = os.path.join(d, "topics")
    src = open(os.path.join(tdir, "2026-12-01.conf")).read()
    open(os.path.join(tdir, date + ".conf"), "w").write(
        src.replace("2026-12-01", date))
    st, out, err = run_bot(["preview", "--date", date, sched])
    m = re.search(r"= (\d{4}-\d\d-\d\d) (\d\d:\d\d) UTC", out)
    start = iso_s("%sT%s:00" % (m.group(1), m.group(2))) if m else None
    t.ok(start is not None, "backfill: the chat's start from preview", out[:300])
    start = start or 0
    posts = fake.call("POST", "/_fake/tweets", {"tweets": [
        {"username": "ana_cx", "text": "A1: first answer #ICMIchat", "created_at": start + 400},
        {"username": "ana_cx", "text": "A3 - third #ICMIchat", "created_at": start + 1600},
        {"username": "bo", "text": "just passing by #ICMIchat", "created_at": start + 2000},
        {"username": "bo", "text": "an hour before #ICMIchat", "created_at": start - 3600},
        {"username": "bo", "text": "next day #ICMIchat", "created_at": start + 86400},
    ]})["data"]
    st, out, err = run_bot(["run", "--backfill", "--date", date, "--api-base",
                            fake.base, sched], timeout=60)
    t.ok(st == 0, "backfill: --backfill --date D exits 0", err[-800:])
    path = os.path.join(d, "logs", "testchat", date + ".jsonl")
    log = [e for e in read_log(path) if e.get("kind") != "event"]
    got = {e["id"]: e for e in log}
    t.eq(sorted(got), sorted(x["id"] for x in posts[:3]),
         "backfill: the window's posts are logged, not those outside it")
    t.ok(posts[0]["id"] in got and got[posts[0]["id"]]["question"] == 1 and
         posts[1]["id"] in got and got[posts[1]["id"]]["question"] == 3,
         "backfill: labels attribute the answers")
    srch = fake.requests("/2/tweets/search/recent")
    t.ok(srch and all("start_time" in r["query"] and "end_time" in r["query"] for r in srch),
         "backfill: searched by start_time/end_time")
    n = len(srch)
    st, out, err = run_bot(["run", "--backfill", "--date", date, "--api-base",
                            fake.base, sched], timeout=60)
    t.ok(st == 0 and len(fake.requests("/2/tweets/search/recent")) == n,
         "backfill: a second --backfill reads nothing (the window is covered)")
    st, out, err = run_bot(["run", "--backfill", "--full", "--date", date,
                            "--api-base", fake.base, sched], timeout=60)
    log = [e for e in read_log(path) if e.get("kind") != "event"]
    t.ok(st == 0 and len(fake.requests("/2/tweets/search/recent")) > n and len(log) == 3,
         "backfill: --full sweeps the window again and logs nothing twice")
finally:
    fake.stop()

t.done()
