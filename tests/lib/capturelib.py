"""capturelib: helpers shared by the capture_* scripts, one scenario each.

Live capture of the answers (issue 4) against the fake X API: rehearsed
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

from itest import (ROOT, SLOW, Fake, Tap, read_log, run_bot, start_bot,  # noqa: E402
                   workdir, write_schedule)
from chatcheck import post_records  # noqa: E402

DATE = "2026-12-01"
t = Tap()  # the scripts' Tap: check_log reports through it

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
