#!/usr/bin/env python3
"""X as it is in 2026: the texts X gives back are HTML-escaped (&amp;,
&lt;, &gt;). A topic poll whose text has "&" and "<" in it, posted by
chathost poll post, is killed (SIGKILL) after X made the post and before
its answer came back; the next run finds it among the account's posts (as
X escapes it) and never posts it a second time. Then the early warning of
a chat whose reads X refuses (402: the credits are used up): run checks
the reads once, at the early-warning time, and tells the host."""
import datetime
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import sigterm_exits_0, Fake, Tap, run_bot, start_bot, workdir, write_schedule  # noqa: E402
from faultlib import fault  # noqa: E402

t = Tap()
POLL_TEXT = "Pet peeves & fixes, or <AI> in the contact center: which next week?"


def chat_date():
    d = datetime.date.today() + datetime.timedelta(days=9)
    while d.weekday() != 1:
        d += datetime.timedelta(days=1)
    return d


DATE = chat_date()


def write_topic(d):
    tdir = os.path.join(d, "topics")
    os.makedirs(tdir, exist_ok=True)
    post_at = DATE - datetime.timedelta(days=7)
    with open(os.path.join(tdir, "%s.conf" % DATE), "w") as f:
        f.write('date = "%s";\npoll = { text = "%s"; post_at = "%s 14:00"; '
                'duration = 60; };\ncandidates = (\n' % (DATE, POLL_TEXT, post_at))
        for i, lab in enumerate(["Pet peeves & fixes", "AI <assist>"]):
            f.write('  { label = "%s"; title = "T%d"; intro = "Welcome to #ICMIchat!"; '
                    'questions = ( "Q on %s?" ); wrapup = "Thanks, all!"; }%s\n'
                    % (lab, i, lab, "," if i == 0 else ""))
        f.write(');\n')


def service(d, fake, faults, warn_before, until):
    """The service for a chat 3 days ahead, telling its notes file; waits
    (20 s at most) until the notes hold until. Returns (process, notes)."""
    day = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=3)
    notes = os.path.join(d, "notes.txt")
    sched = write_schedule(d, weekday='"%s"' % day.strftime("%A"), time='"12:00"',
                           timezone='"UTC"', warn_before=warn_before,
                           notify='{ command = "cat >> %s"; }' % notes)
    fake.faults(faults)
    p = start_bot(["run", "--api-base", fake.base, sched],
                  log=open(os.path.join(d, "bot.log"), "w"))
    deadline = time.time() + 20
    while time.time() < deadline and until not in read(notes):
        time.sleep(0.1)
    return p, notes


def read(path):
    return open(path).read() if os.path.exists(path) else ""


def stop(p):
    sigterm_exits_0(t, p, "SIGTERM: exit 0")


# 1. the poll, killed in flight, found after the restart
d = workdir("x_poll_kill")
fake = Fake(d)
try:
    sched = write_schedule(d)
    write_topic(d)
    # X makes the post, then holds its answer 3 s: the kill falls in there
    fake.faults([fault("/2/tweets", "slow", "POST", delay=3.0)])
    log = open(os.path.join(d, "poll1.log"), "w")
    p = start_bot(["poll", "post", sched, "--date", str(DATE), "--api-base", fake.base],
                  log=log)
    deadline = time.time() + 20
    while time.time() < deadline and not [
            r for r in fake.requests("/2/tweets", "POST") if r.get("status") == 201]:
        time.sleep(0.02)
    p.send_signal(signal.SIGKILL)
    p.wait()
    made = [tw for tw in fake.tweets() if tw.get("poll")]
    t.eq(len(made), 1, "X made the poll's post before the kill")
    st, out, err = run_bot(["poll", "post", sched, "--date", str(DATE),
                            "--api-base", fake.base], timeout=60)
    t.eq(st, 0, "the next poll post succeeds", )
    polls = [tw for tw in fake.tweets() if tw.get("poll")]
    t.eq(len(polls), 1, "the poll with & and < in it is not posted a second time")
    t.ok("posted already" in err and made and made[0]["id"] in err,
         "it was found among the account's posts, as X escapes its text", err[-800:])
    lookups = fake.requests("/2/users/%s/tweets" % "1700000000000000001", "GET")
    t.ok(lookups, "by the account's posts (GET /2/users/:id/tweets)")
finally:
    fake.stop()

# 2. the early warning of reads X refuses (402: no credits)
d = workdir("x_probe")
fake = Fake(d)
try:
    p, notes = service(d, fake, [fault("/2/tweets/search/recent", "credits", count=5)],
                       '["96h", "48h"]', "does not work")
    text = read(notes)
    t.ok("reading its answers on X does not work for this app (402 Payment Required"
         in text and "credits" in text,
         "the host is told at the early warning that X refuses the reads, and why", text)
    searches = fake.requests("/2/tweets/search/recent", "GET")
    t.eq(len(searches), 1, "one search request checks it (no loop)")
    p.send_signal(signal.SIGHUP)      # a reload: checked once only
    time.sleep(1.5)
    t.eq(read(notes).count("does not work"), 1, "told once, across a reload")
    stop(p)
finally:
    fake.stop()

# 3. credits used up when the service starts: said once, not asked in a
# loop, and the service waits for its chat (credits may be bought by then)
d = workdir("x_credits")
fake = Fake(d)
try:
    p, notes = service(d, fake, [fault("/2/users/me", "credits", count=100)],
                       '["48h"]', "credits")
    time.sleep(1.0)
    text = read(notes)
    t.ok("cannot use its X account: 402 Payment Required" in text and
         "buy credits" in text, "credits used up at the start: the host is told, "
         "in X's words", text)
    t.eq(len(fake.requests("/2/users/me", "GET")), 1, "asked once, not in a loop")
    t.ok(p.poll() is None, "the service goes on waiting for its chat")
    stop(p)
finally:
    fake.stop()

# 4. the OpenAPI check every X suite ends with catches what X would refuse
import x_openapi  # noqa: E402
good = {"method": "GET", "path": "/2/tweets/search/recent",
        "query": {"query": ["#ICMIchat -is:retweet"], "max_results": ["100"],
                  "tweet.fields": ["created_at,note_tweet"], "expansions": ["author_id"]}}
t.eq(x_openapi.check(good), [], "a good search passes")
bad = [
    ({"method": "GET", "path": "/2/tweets/search/recent",
      "query": {"query": ["x"], "bogus": ["1"]}}, "bogus is not declared"),
    ({"method": "GET", "path": "/2/tweets/search/recent",
      "query": {"query": ["x"], "max_results": ["500"]}}, "above 100"),
    ({"method": "GET", "path": "/2/tweets/search/recent",
      "query": {"query": ["x"], "tweet.fields": ["created_at,post_text"]}}, "post_text"),
    ({"method": "GET", "path": "/2/tweets/search/recent",
      "query": {"query": ["x"], "start_time": ["yesterday"]}}, "date-time"),
    ({"method": "GET", "path": "/2/tweets/search/recent", "query": {}}, "query is required"),
    ({"method": "GET", "path": "/2/users/abc/tweets", "query": {}}, "does not match"),
    ({"method": "POST", "path": "/2/tweets", "query": {},
      "body": '{"text":"hi","reply":{"in_reply_to_post_id":"1"}}'}, "reply"),
    ({"method": "POST", "path": "/2/tweets", "query": {},
      "body": '{"text":"hi","poll":{"options":["a"],"duration_minutes":5}}'}, "fewer than"),
    ({"method": "GET", "path": "/2/nothing", "query": {}}, "no such path"),
]
for req, want in bad:
    probs = x_openapi.check(req)
    t.ok(any(want in p for p in probs), "caught: %s" % want, probs)
t.done()
