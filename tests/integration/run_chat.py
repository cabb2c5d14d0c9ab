#!/usr/bin/env python3
"""chathost run against the fake X API: a whole rehearsed chat posted in
order and threaded, every request's signature verified by the server, a
bad signature caught, a restart mid-chat, a 0644 credentials file refused
with nothing sent, and --dry-run sending nothing."""
import json
import os
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import (SLOW, Fake, Tap, bot_env, read_log, run_bot, start_bot,  # noqa: E402
                   workdir, write_schedule)

DATE = "2026-12-01"
SPEED = "600"
t = Tap()


def expected_texts(sched):
    st, out, err = run_bot(["preview", "--date", DATE, sched])
    return st, out


# 1. a whole rehearsed chat, in order and threaded
d = workdir("run_chat")
fake = Fake(d, "--speed", SPEED, "--auto-answer")
try:
    sched = write_schedule(d, capture_after="5")
    st, out, err = run_bot(["run", "--once", "--rehearse=" + SPEED, "--date", DATE,
                            "--api-base", fake.base, sched], timeout=60)
    t.eq(st, 0, "a rehearsed chat exits 0")
    posts = fake.posts()
    bodies = [json.loads(p["body"]) for p in posts]
    texts = [b["text"] for b in bodies]
    t.eq(len(texts), 8, "intro, 6 questions and the wrap-up posted (8 posts)")
    t.ok(texts and "#ICMIchat" in texts[0] and not texts[0].startswith("Q"),
         "the intro comes first", texts[:1])
    qs = [x for x in texts if x.startswith("Q")]
    t.eq([q.split(":")[0] for q in qs], ["Q%d" % i for i in range(1, 7)],
         "questions Q1..Q6 in order")
    t.ok(all("#ICMIchat" in x for x in texts), "every post carries the hashtag")
    intro_id = None
    for p in fake.tweets():
        if p.get("text") == texts[0]:
            intro_id = p["id"]
    replies = [b.get("reply", {}).get("in_reply_to_tweet_id") for b in bodies[1:]]
    t.ok(intro_id is not None and all(r == intro_id for r in replies),
         "questions and wrap-up are replies to the intro (thread)", replies)
    reqs = fake.requests()
    api = [r for r in reqs if r["path"].startswith("/2/")]
    bad = [r for r in api if r["verdict"] != "ok"]
    t.ok(api and not bad, "the fake server verified the signature of every request (%d)" % len(api),
         bad[:3])
    arrivals = [p["arrival"] for p in posts]
    t.ok(arrivals == sorted(arrivals), "posts arrive in time order")
    gaps = [round(b - a, 2) for a, b in zip(arrivals, arrivals[1:])]
    # Q1 5 min after intro, 10 min apart, wrap-up at 60 (rehearsed at 600x)
    want = [0.5, 1.0, 1.0, 1.0, 1.0, 1.0, 0.5]
    t.ok(all(abs(g - w) < 0.25 for g, w in zip(gaps, want)),
         "posts spaced as the plan says (rehearsed)", gaps)
    auth = [r["headers"].get("Authorization", "") for r in api]
    t.ok(all(a.startswith("OAuth ") and "oauth_signature=" in a for a in auth),
         "OAuth 1.0a in the Authorization header")
    t.ok("cs" not in err.split() and "ats" not in err, "no secret in the bot's output")
    state = json.load(open(os.path.join(d, "logs", "testchat", "rehearsal", DATE + ".state.json")))
    t.ok(all(state["posts"][k].get("id") for k in ["intro", "q1", "q6", "wrapup"]),
         "the state records every posted id")
    log = read_log(os.path.join(d, "logs", "testchat", "rehearsal", DATE + ".jsonl"))
    hosts = [e for e in log if e.get("kind") == "host"]
    t.eq(len(hosts), 8, "the log holds the host's 8 posts")

    # running the finished rehearsal's date again: a new rehearsal, archived old
    n_before = len(fake.posts())
    # (the fake server refuses duplicates within its window; reset it)
    fake.call("POST", "/_fake/reset")
finally:
    fake.stop()

# 2. a bad signature is caught: wrong consumer secret
d = workdir("run_badsig")
fake = Fake(d, "--speed", SPEED)
try:
    sched = write_schedule(d)
    env = bot_env({"X_API_SECRET": "wrong"})
    st, out, err = run_bot(["run", "--once", "--rehearse=" + SPEED, "--date", DATE,
                            "--api-base", fake.base, sched], env=env, timeout=60)
    t.eq(st, 3, "a wrong secret: exit 3 (API failure)")
    t.ok("credentials" in err, "the message says to check the credentials", err)
    t.ok("wrong" not in err, "the secret is not printed")
    rej = [r for r in fake.requests() if r["verdict"] == "rejected"]
    t.ok(len(rej) >= 1, "the fake server rejected the bad signature")
    t.eq(len(fake.posts()), 0, "nothing was posted")
finally:
    fake.stop()

# 3. credentials file of mode 0644 refused, nothing sent
d = workdir("run_creds")
fake = Fake(d, "--speed", SPEED)
try:
    cred = os.path.join(d, "credentials.conf")
    with open(cred, "w") as f:
        f.write('api_key = "ck";\napi_secret = "cs";\naccess_token = "at";\n'
                'access_token_secret = "ats";\n')
    os.chmod(cred, 0o644)
    sched = write_schedule(d, api='{ credentials = "%s"; }' % cred)
    env = bot_env(creds=False)
    st, out, err = run_bot(["run", "--once", "--rehearse=" + SPEED, "--date", DATE,
                            "--api-base", fake.base, sched], env=env, timeout=30)
    t.eq(st, 1, "a 0644 credentials file: exit 1")
    t.ok("chmod 600" in err, "the message says chmod 600", err)
    t.eq(len([r for r in fake.requests() if r["path"].startswith("/2/")]), 0,
         "nothing was sent")
    os.chmod(cred, 0o600)
    st, out, err = run_bot(["run", "--once", "--rehearse=" + SPEED, "--date", DATE,
                            "--api-base", fake.base, sched], env=env, timeout=60)
    t.eq(st, 0, "the same file at 0600 is accepted")
    t.eq(len(fake.posts()), 8, "and the chat is posted")
finally:
    fake.stop()

# 4. restart mid-chat: SIGKILL after the second post, then run again
d = workdir("run_restart")
RSPEED = "60" if SLOW else "300"  # a restart under valgrind takes seconds
fake = Fake(d, "--speed", RSPEED)
try:
    sched = write_schedule(d, capture_after="2")
    args = ["run", "--once", "--rehearse=" + RSPEED, "--date", DATE, "--api-base", fake.base, sched]
    logf = open(os.path.join(d, "bot1.log"), "w")
    p = start_bot(args, log=logf)
    deadline = time.time() + 30
    while len(fake.posts()) < 2 and time.time() < deadline:
        time.sleep(0.05)
    p.send_signal(signal.SIGKILL)
    p.wait()
    n1 = len(fake.posts())
    t.ok(n1 >= 2, "first run posted %d before it was killed" % n1)
    st, out, err = run_bot(args, timeout=60)
    t.eq(st, 0, "the restarted rehearsal exits 0")
    texts = [json.loads(r["body"])["text"] for r in fake.posts()]
    t.eq(len(texts), 8, "8 posts in all after the restart")
    t.eq(len(set(texts)), len(texts), "no post was sent twice")
    t.ok("continuing the rehearsal" in err, "the restart continues the same rehearsed timeline", err[-500:])
finally:
    fake.stop()

# 5. --dry-run prints every post and sends nothing (no credentials needed)
d = workdir("run_dry")
sched = write_schedule(d)
st, out, err = run_bot(["run", "--dry-run", "--once", "--rehearse=6000", "--date", DATE, sched],
                       env=bot_env(creds=False), timeout=30)
t.eq(st, 0, "--dry-run exits 0 without credentials")
lines = [l for l in out.splitlines() if l.strip()]
t.eq(len(lines), 8, "--dry-run prints the 8 posts")
t.ok(not os.path.exists(os.path.join(d, "logs")), "--dry-run writes no state or log")

# 6. under systemd (LogsDirectory=): a schedule without a logs key keeps
# its log and state in $LOGS_DIRECTORY, not in the read-only ../logs
d = workdir("run_logsdir")
fake = Fake(d, "--speed", SPEED, "--auto-answer")
try:
    os.makedirs(os.path.join(d, "etc"))
    sched = write_schedule(os.path.join(d, "etc"), logs=None, capture_after="2")
    svc = os.path.join(d, "var-log-chathost")
    env = bot_env({"LOGS_DIRECTORY": svc})
    st, out, err = run_bot(["run", "--once", "--rehearse=" + SPEED, "--date", DATE,
                            "--api-base", fake.base, sched], env=env, timeout=60)
    t.eq(st, 0, "a chat without a logs key under LOGS_DIRECTORY exits 0")
    got = os.path.join(svc, "testchat", "rehearsal", DATE + ".jsonl")
    t.ok(len([r for r in read_log(got) if r.get("kind") == "host"]) == 8,
         "its log, with the 8 host posts, is in $LOGS_DIRECTORY/NAME/", got)
    t.ok(os.path.exists(os.path.join(svc, "testchat", "rehearsal", DATE + ".state.json")),
         "and its state beside it")
    t.ok(not os.path.exists(os.path.join(d, "logs")), "nothing went to ../logs")
finally:
    fake.stop()

# 7. usage errors
st, out, err = run_bot(["run", "--bogus", "x.conf"])
t.eq(st, 2, "an unknown flag: exit 2")
t.ok("usage:" in err, "and the usage")
t.done()
