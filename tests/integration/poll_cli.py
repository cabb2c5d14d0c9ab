#!/usr/bin/env python3
"""chathost poll status|post|close against the fake X API: the poll posted by
hand exactly once (with its options and duration, the hashtag added), the
live tally with the extra votes CSV merged in (changing who would win), a
bad CSV reported as FILE:LINE, a contest closed by hand (a tie, no votes),
an unreadable poll (nothing recorded, exit 3), and a post whose id was lost
in a crash found among the account's posts instead of posted again."""
import datetime
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Fake, Tap, read_log, run_bot, workdir, write_schedule  # noqa: E402

t = Tap()
LABELS = ["Pet peeves", "AI in the contact center", "Metrics that matter"]


def chat_date():
    """A Tuesday 9 to 15 days ahead: its poll (a week before) is ahead too."""
    d = datetime.date.today() + datetime.timedelta(days=9)
    while d.weekday() != 1:
        d += datetime.timedelta(days=1)
    return d


DATE = chat_date()
POST_AT = DATE - datetime.timedelta(days=7)


def write_topic(d, extra=None, tie=None, duration=60):
    tdir = os.path.join(d, "topics")
    os.makedirs(tdir, exist_ok=True)
    lines = ['date = "%s";' % DATE,
             'poll = {',
             '  text = "What should we chat about next week?";',
             '  post_at = "%s 14:00";' % POST_AT,
             '  duration = %d;' % duration]
    if extra:
        lines.append('  extra_votes = "%s";' % extra)
    if tie:
        lines.append('  tie = "%s";' % tie)
    lines.append('};')
    lines.append('candidates = (')
    for i, lab in enumerate(LABELS):
        lines.append('  { label = "%s"; title = "Topic %d"; intro = "Welcome to #ICMIchat! Today: %s."; '
                     'questions = ( "First question on %s?" ); wrapup = "Thanks for joining, %s!"; }%s'
                     % (lab, i + 1, lab, lab, lab, "," if i < len(LABELS) - 1 else ""))
    lines.append(');')
    path = os.path.join(tdir, "%s.conf" % DATE)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return path


def poll(fake, action, sched, *more):
    return run_bot(["poll", action, sched, "--date", str(DATE),
                    "--api-base", fake.base] + list(more), timeout=60)


def state_of(d):
    p = os.path.join(d, "logs", "testchat", "%s.state.json" % DATE)
    return json.load(open(p)) if os.path.exists(p) else {}


def log_of(d):
    return read_log(os.path.join(d, "logs", "testchat", "%s.jsonl" % DATE))


def api_requests(fake, method=None, path=None):
    return [r for r in fake.requests(path, method) if r["path"].startswith("/2/")]


# 1. post by hand once; live tally; CSV merged; closed by hand
d = workdir("poll_cli")
fake = Fake(d)
try:
    sched = write_schedule(d, topics=os.path.join(d, "topics"))
    csv = os.path.join(d, "topics", "votes.csv")
    write_topic(d, extra="votes.csv")
    with open(csv, "w") as f:
        f.write("label,votes\n")

    st, out, err = poll(fake, "status", sched)
    t.eq(st, 0, "status before the poll is posted: exit 0")
    t.ok("not yet" in out and "would win now: 1. Pet peeves" in out,
         "status says not posted and who would win (the first listed)", out + err)
    t.eq(len(api_requests(fake)), 0, "status of an unposted poll sends nothing")

    st, out, err = poll(fake, "post", sched)
    t.eq(st, 0, "poll post: exit 0")
    posts = fake.posts()
    t.eq(len(posts), 1, "one post at the fake server")
    body = json.loads(posts[0]["body"]) if posts else {}
    t.eq(body.get("poll", {}).get("options"), LABELS, "the options are the candidates' labels")
    t.eq(body.get("poll", {}).get("duration_minutes"), 60, "duration_minutes from poll.duration")
    t.eq(body.get("text"), "What should we chat about next week? #ICMIchat",
         "the hashtag is added to the poll text")
    tid = str(fake.tweets()[-1]["id"]) if fake.tweets() else None
    t.eq(state_of(d).get("poll", {}).get("id"), tid, "the state records the poll's post id")
    t.ok("posted the poll (id %s)" % tid in out, "post says so with the id", out)
    t.ok("; it closes " in out, "and when it closes (a duration after now)", out)
    st, out, err = poll(fake, "status", sched)
    t.ok("(from when it was posted)" in out,
         "status: a poll posted by hand closes a duration after it was posted, not after post_at", out)
    ev = [e for e in log_of(d) if e.get("event") == "poll_posted"]
    t.ok(len(ev) == 1 and ev[0].get("tweet_id") == tid and ev[0].get("options") == LABELS,
         "the log has a poll_posted event", ev)

    st, out, err = poll(fake, "post", sched)
    t.eq(st, 0, "poll post again: exit 0")
    t.ok("posted already" in out, "it says the poll was posted already", out)
    t.eq(len(fake.posts()), 1, "still exactly one post at the fake server")

    fake.call("POST", "/_fake/votes", {"tweet_id": tid, "votes": [3, 5, 1]})
    st, out, err = poll(fake, "status", sched)
    t.eq(st, 0, "status while open: exit 0")
    t.ok("status:  open" in out, "the poll is open", out)
    t.ok("would win now: 2. AI in the contact center (most votes)" in out,
         "the live tally's leader would win", out)
    t.ok(len(api_requests(fake, "GET", "/2/tweets")) >= 1, "status read the poll from X")
    gets = api_requests(fake, "GET", "/2/tweets")
    q = gets[-1]["query"] if gets else {}
    t.ok(q.get("expansions") == ["attachments.poll_ids"] and
         "voting_status" in q.get("poll.fields", [""])[0],
         "GET /2/tweets?ids= with expansions=attachments.poll_ids and poll.fields", q)

    with open(csv, "w") as f:
        f.write('label,votes\n"Pet peeves",2\nmetrics that matter,1\nPet peeves,1\n')
    st, out, err = poll(fake, "status", sched)
    t.ok(st == 0 and "would win now: 1. Pet peeves" in out,
         "extra CSV votes merged: 3+3 beats 5 (tie -> first listed)", out + err)
    t.ok("3 X + 3 extra = 6" in out, "the tally shows X + extra = total", out)

    with open(csv, "w") as f:
        f.write("label,votes\nPet peeves,4\nNot a candidate,2\n")
    st, out, err = poll(fake, "status", sched)
    t.eq(st, 1, "a CSV label that matches no candidate: exit 1")
    t.ok("votes.csv:3: label \"Not a candidate\" matches no candidate" in err,
         "reported as FILE:LINE: message", err)

    with open(csv, "w") as f:
        f.write("label,votes\nPet peeves,4\n")
    fake.call("POST", "/_fake/time", {"advance": 3700})
    st, out, err = poll(fake, "status", sched)
    t.ok(st == 0 and "closed on X" in out, "status after the poll closed on X", out + err)

    st, out, err = poll(fake, "close", sched)
    t.eq(st, 0, "poll close: exit 0")
    s = state_of(d).get("poll", {})
    t.eq((s.get("winner"), s.get("label"), s.get("decided_by")),
         (0, "Pet peeves", "closed-by-hand"), "the state records the winner, decided_by closed-by-hand")
    t.eq(s.get("votes", {}).get("Pet peeves"), {"x": 3, "extra": 4, "total": 7},
         "the state records X, extra and total votes")
    res = [e for e in log_of(d) if e.get("event") == "poll_result"]
    t.ok(len(res) == 1 and res[0].get("label") == "Pet peeves" and
         res[0].get("votes", {}).get("AI in the contact center", {}).get("x") == 5,
         "the log has one poll_result event with the votes", res)
    n_get = len(api_requests(fake, "GET"))
    st, out, err = poll(fake, "close", sched)
    t.ok(st == 0 and "decided already" in out, "close again: decided already", out)
    st, out, err = poll(fake, "status", sched)
    t.ok(st == 0 and "decided: 1. Pet peeves (decided_by closed-by-hand" in out,
         "status shows the decision", out)
    t.eq(len(api_requests(fake, "GET")), n_get, "a decided poll is not read again")
    t.eq(len([e for e in log_of(d) if e.get("event") == "poll_result"]), 1,
         "still one poll_result event")
    st, out, err = poll(fake, "post", sched)
    t.eq(len(fake.posts()), 1, "post after the decision posts nothing")

    st, out, err = run_bot(["preview", "--date", str(DATE), sched])
    t.ok("Pet peeves" in out, "preview shows the candidates", out)
finally:
    fake.stop()

# 2. a tie and no votes, closed by hand; an unreadable poll
d = workdir("poll_cli_tie")
fake = Fake(d)
try:
    sched = write_schedule(d, topics=os.path.join(d, "topics"))
    write_topic(d)
    st, out, err = poll(fake, "post", sched)
    tid = str(fake.tweets()[-1]["id"])
    fake.faults([{"path": "/2/tweets", "method": "GET", "fault": "500", "count": 20}])
    st, out, err = poll(fake, "status", sched)
    t.eq(st, 3, "status of an unreadable poll: exit 3")
    t.ok("could not be read" in out, "status says the poll could not be read", out + err)
    st, out, err = poll(fake, "close", sched)
    t.eq(st, 3, "close of an unreadable poll: exit 3")
    t.ok("winner" not in state_of(d).get("poll", {}), "nothing is decided")
    fake.call("DELETE", "/_fake/faults")
    fake.call("POST", "/_fake/votes", {"tweet_id": tid, "votes": [2, 4, 4]})
    st, out, err = poll(fake, "close", sched)
    s = state_of(d).get("poll", {})
    t.eq((st, s.get("winner"), s.get("rule")), (0, 1, "tie-first"),
         "a tie (4, 4): the first listed of the tied wins")
    t.ok("a tie" in out, "close says it was a tie", out)
    t.ok("stays open on X until" in out,
         "close says the poll stays open on X until its end", out)

    d2 = workdir("poll_cli_none")
    sched2 = write_schedule(d2, topics=os.path.join(d2, "topics"))
    write_topic(d2, tie="random")
    fake.call("POST", "/_fake/reset")
    st, out, err = poll(fake, "post", sched2)
    tid = str(fake.tweets()[-1]["id"])
    fake.call("POST", "/_fake/votes", {"tweet_id": tid, "votes": [0, 0, 0]})
    st, out, err = poll(fake, "close", sched2)
    s = state_of(d2).get("poll", {})
    t.ok(st == 0 and s.get("rule") == "no-votes" and s.get("winner") in (0, 1, 2),
         "no votes at all: the tie rule (random) among all candidates", s)
finally:
    fake.stop()

# 3. a crash between the intent and the id: found, not posted again
d = workdir("poll_cli_lost")
fake = Fake(d)
try:
    sched = write_schedule(d, topics=os.path.join(d, "topics"))
    write_topic(d)
    text = "What should we chat about next week? #ICMIchat"
    fake.call("POST", "/_fake/tweets", {"tweets": [{
        "username": "chathost_demo", "text": text,
        "poll": {"options": LABELS, "duration_minutes": 60}}]})
    tid = str(fake.tweets()[-1]["id"])
    sdir = os.path.join(d, "logs", "testchat")
    os.makedirs(sdir, exist_ok=True)
    with open(os.path.join(sdir, "%s.state.json" % DATE), "w") as f:
        json.dump({"version": 1, "poll": {"text": text, "intent_at": 1.0}}, f)
    st, out, err = poll(fake, "post", sched)
    t.eq(st, 0, "post after a crash in the posting window: exit 0")
    t.eq(len(api_requests(fake, "POST", "/2/tweets")), 0, "no second poll posted")
    t.eq(state_of(d).get("poll", {}).get("id"), tid, "the lost id was found")

    # the connection cut after the post went through: found, not reposted
    d2 = workdir("poll_cli_cut")
    sched2 = write_schedule(d2, topics=os.path.join(d2, "topics"))
    write_topic(d2)
    fake.call("POST", "/_fake/reset")
    fake.faults([{"path": "/2/tweets", "method": "POST", "fault": "cut", "apply": True}])
    st, out, err = poll(fake, "post", sched2)
    polls = [x for x in fake.tweets() if x.get("poll")]
    t.eq((st, len(polls)), (0, 1), "a cut connection after the post: one poll, exit 0")
    t.eq(state_of(d2).get("poll", {}).get("id"), str(polls[0]["id"]) if polls else None,
         "and its id recorded")
finally:
    fake.stop()

# 4. usage and bad input
st, out, err = run_bot(["poll", "--help"])
t.ok(st == 0 and "status|post|close" in out, "poll --help", out)
st, out, err = run_bot(["poll", "vote", "x.conf"])
t.ok(st == 2 and "unknown action" in err, "an unknown action: exit 2", err)
st, out, err = run_bot(["poll", "status"])
t.eq(st, 2, "no schedule: exit 2")
d = workdir("poll_cli_single")
sched = write_schedule(d)
st, out, err = run_bot(["poll", "status", sched, "--date", "2026-12-01"])
t.ok(st == 1 and "no poll" in err, "a single-topic chat: exit 1, nothing to do", err)
t.done()
