#!/usr/bin/env python3
"""A rehearsed chat through every fault the fake X API can inject: 429 with
reset headers (post, search, lookup), 500, 503, slow answers, a timeout
longer than the client's, cut connections (before and after the post is
made), malformed JSON, a duplicate-content 403. Every post goes out exactly
once, or is skipped with a logged reason; the run never crashes, and exits 3
when a post was skipped.
Then faults that outlast late_limit (skipped, logged, not posted late), and
a stand-alone responder for what the fake cannot do: a response above the
size cap and unexpected JSON."""
import http.server
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import SLOW, Fake, Tap, run_bot, workdir, write_schedule  # noqa: E402
from chatcheck import (DATE, created_counts, log_problems, planned,  # noqa: E402
                       post_records, raw_lines, state_of, window_end)

t = Tap()
KEYS = ["intro"] + ["q%d" % i for i in range(1, 7)] + ["wrapup"]
CRASH_MARKS = ("AddressSanitizer", "runtime error", "Segmentation", "Aborted",
               "core dumped", "LeakSanitizer")


def fault(path, kind, method=None, **kw):
    f = {"path": path, "fault": kind}
    if method:
        f["method"] = method
    f.update(kw)
    return f


POST = ("/2/tweets", "POST")


class Driver(threading.Thread):
    """Queues each post's faults once the previous post is settled in the
    bot's state (an id or a skip), so each fault hits the post it is for."""

    def __init__(self, fake, state_path, per_post):
        super().__init__(daemon=True)
        self.fake, self.path, self.per_post = fake, state_path, per_post
        self.stop = False
        self.queued = []

    def run(self):
        k = 1
        while not self.stop and k < len(KEYS):
            try:
                st = state_of(self.path) or {}
            except ValueError:
                st = {}
            prev = st.get("posts", {}).get(KEYS[k - 1], {})
            if prev.get("id") or prev.get("skipped"):
                if self.per_post.get(KEYS[k]):
                    self.fake.faults(self.per_post[KEYS[k]])
                self.queued.append(KEYS[k])
                k += 1
                continue
            time.sleep(0.01)


def no_crash(st, err):
    return st in (0, 1, 2, 3) and not any(m in err for m in CRASH_MARKS)


# ---- 1. a chat through every fault -----------------------------------------
SPEED = 50 if SLOW else 100
d = workdir("faults_all")
# a search rate limit high enough that the live capture searches often: the
# search faults all land during the chat (the backfill does not retry a
# malformed page; see the report of issue 7)
fake = Fake(d, "--speed", str(SPEED), "--auto-answer", "--search-limit", "100000")
try:
    sched = write_schedule(d, capture_after="5", late_limit="60", search_budget="300")
    texts = [x[1] for x in planned(sched)]
    rdir = os.path.join(d, "logs", "testchat", "rehearsal")
    state_path = os.path.join(rdir, DATE + ".state.json")
    log_path = os.path.join(rdir, DATE + ".jsonl")
    SEARCH = "/2/tweets/search/recent"
    # at startup: the account lookup fails twice; the first searches fail
    # in every way (the live capture goes on; the backfill fills the gaps)
    fake.faults([fault("/2/users/me", "503", reset_in=1),
                 fault("/2/users/me", "cut"),
                 fault("/2/tweets", "429", "POST", reset_in=2),            # intro
                 fault(SEARCH, "429", reset_in=2),
                 fault(SEARCH, "500"), fault(SEARCH, "503", reset_in=1),
                 fault(SEARCH, "cut"), fault(SEARCH, "malformed"),
                 fault(SEARCH, "timeout", delay=30),
                 fault(SEARCH, "slow", delay=0.5)])
    per_post = {
        "q1": [fault("/2/tweets", "500", "POST", count=2)],
        "q2": [fault("/2/tweets", "503", "POST", reset_in=1),
               fault("/2/tweets", "slow", "POST", delay=1)],
        # made, answer lost; the first look-up of the account's posts fails
        "q3": [fault("/2/tweets", "cut", "POST", apply=True),
               fault("/2/users/*/tweets", "500", "GET")],
        "q4": [fault("/2/tweets", "malformed", "POST", apply=True)],
        # not made, answer lost: looked up, not found, sent again
        "q5": [fault("/2/tweets", "cut", "POST"),
               fault("/2/users/*/tweets", "429", "GET", reset_in=1)],
        # X says duplicate but it is nowhere: skipped, not forced
        "q6": [fault("/2/tweets", "duplicate", "POST")],
        # held past the client's 20 s timeout, then sent again in time
        "wrapup": [fault("/2/tweets", "timeout", "POST", delay=25)],
    }
    drv = Driver(fake, state_path, per_post)
    drv.start()
    t0 = time.time()
    st, out, err = run_bot(["run", "--once", "--rehearse=%d" % SPEED, "--date", DATE,
                            "--api-base", fake.base, sched], timeout=280)
    drv.stop = True
    with open(os.path.join(d, "bot.err"), "w") as f:
        f.write(err)
    # Q6 is skipped as a duplicate (below): a post not made is exit 3
    t.eq(st, 3, "the chat through every fault ends, exit 3 for the skipped Q6 (%.0f s)"
         % (time.time() - t0))
    t.ok("1 of 8 posts were not posted: q6 (duplicate)" in err,
         "the last line says which post was not made and why", err[-400:])
    t.ok(no_crash(st, err), "no crash, no sanitizer report")
    t.eq(drv.queued, KEYS[1:], "each post's faults were queued in its turn")
    tweets = fake.tweets()
    made = {}
    for tw in tweets:
        made[tw["text"]] = made.get(tw["text"], 0) + 1
    want = [1, 1, 1, 1, 1, 1, 0, 1]
    t.eq([made.get(x, 0) for x in texts], want,
         "every post made exactly once; Q6 (a duplicate nowhere to be found) not forced")
    recs = post_records(fake)
    # libcurl resends a request whose reused connection died before any
    # answer, with the same Authorization header: the fake refuses the
    # spent nonce. Those are not the bot's attempts.
    resends = [r for r in recs if r.get("verdict") == "rejected"
               and "nonce" in (r.get("reason") or "")]
    print("# libcurl resends refused for their spent nonce: %d" % len(resends))
    by_text = {}
    for r in recs:
        if r not in resends:
            by_text.setdefault(r["text"], []).append(r)
    t.eq([len(by_text.get(x, [])) for x in texts], [2, 3, 2, 1, 1, 2, 1, 2],
         "POST attempts per post: intro 429+ok, Q1 2x500+ok, "
         "Q2 503+slow, Q3 cut-after-making (no resend), Q4 malformed-after-making (no resend), "
         "Q5 cut+resend, Q6 duplicate, wrap-up timeout+resend")
    intro = by_text.get(texts[0], [])
    t.ok(len(intro) == 2 and intro[1]["arrival"] >= intro[0]["arrival"] + 1.5,
         "after the 429 the intro waited for x-rate-limit-reset",
         [r["arrival"] for r in intro])
    q1 = [r["arrival"] for r in by_text.get(texts[1], [])]
    t.ok(len(q1) == 3 and q1[1] - q1[0] >= 0.2 and q1[2] - q1[1] >= 0.45,
         "Q1's retries back off (>= 0.25 s, then >= 0.5 s)", q1)
    wr = by_text.get(texts[7], [])
    t.ok(len(wr) == 2 and 18 <= wr[1]["arrival"] - wr[0]["arrival"] <= 30,
         "the held wrap-up timed out after the client's 20 s and was sent again",
         [r["arrival"] for r in wr])
    ok, dup = created_counts(fake)
    t.eq(dict(dup), {texts[6]: 1}, "the only 403 is the injected one")
    state = state_of(state_path)
    t.eq([bool(state["posts"][k].get("id")) for k in KEYS],
         [True] * 6 + [False, True], "the state has the id of every post made")
    ids = {tw["text"]: tw["id"] for tw in tweets}
    t.eq([state["posts"][k].get("id") for k in ("q3", "q4")],
         [ids.get(texts[3]), ids.get(texts[4])],
         "the ids of Q3 and Q4 (answers lost) were found among the account's posts")
    t.eq(state["posts"]["q6"].get("skipped"), "duplicate", "Q6 is skipped as a duplicate")
    events = [json.loads(l) for l in raw_lines(log_path) if '"event"' in l]
    skips = [(e.get("key"), e.get("reason")) for e in events if e.get("event") == "skipped"]
    t.eq(skips, [("q6", "duplicate")], "the log records the skip with its reason")
    for word, what in (("429", "rate limit"), ("500", "500"), ("503", "503"),
                       ("retrying", "retry"), ("timed out", "timeout"),
                       ("duplicate", "duplicate")):
        t.ok(word.lower() in err.lower(), "the output reports the %s" % what)
    probs, n_ans, n_lines = log_problems(log_path, fake, set(texts),
                                         window_end(state, capture_after=5))
    t.eq(probs, [], "every answer of the window logged exactly once (%d answers)" % n_ans)
    t.ok(n_ans >= 20, "the participants answered (%d)" % n_ans)
    faulted = [r for r in fake.requests() if r.get("fault")]
    kinds = sorted({r["fault"] if isinstance(r["fault"], str) else
                    r["fault"].get("fault", "?") for r in faulted})
    t.ok(len(faulted) >= 20, "%d requests were faulted (%s)" % (len(faulted), ", ".join(kinds)))
finally:
    fake.stop()

# ---- 2. faults that outlast late_limit ---------------------------------------
SPEED2 = 50 if SLOW else 100
d = workdir("faults_late")
fake = Fake(d, "--speed", str(SPEED2))
try:
    # late_limit 4 chat minutes = 2.4 s here; Q1 fails for longer (503s),
    # Q2's 429 resets long after its late limit
    sched = write_schedule(d, capture_after="1", late_limit="4")
    texts = [x[1] for x in planned(sched)]
    rdir = os.path.join(d, "logs", "testchat", "rehearsal")
    state_path = os.path.join(rdir, DATE + ".state.json")
    log_path = os.path.join(rdir, DATE + ".jsonl")
    per_post = {"q1": [fault("/2/tweets", "503", "POST", count=1000, reset_in=1)],
                "q2": [fault("/2/tweets", "429", "POST", reset_in=120)]}

    drv = Driver(fake, state_path, per_post)

    def clear_after_q1():
        while not drv.stop:
            st = state_of(state_path) if os.path.exists(state_path) else {}
            if st.get("posts", {}).get("q1", {}).get("skipped"):
                # Q1's 503s end when it is skipped; Q2's 429 comes next
                fake.call("DELETE", "/_fake/faults")
                fake.faults(per_post["q2"])
                return
            time.sleep(0.01)
    drv.per_post = {"q1": per_post["q1"]}
    drv.start()
    th = threading.Thread(target=clear_after_q1, daemon=True)
    th.start()
    st, out, err = run_bot(["run", "--once", "--rehearse=%d" % SPEED2, "--date", DATE,
                            "--api-base", fake.base, sched], timeout=200)
    drv.stop = True
    t.eq(st, 3, "a chat with posts skipped as late exits 3")
    t.ok("2 of 8 posts were not posted: q1 (late), q2 (late)" in err,
         "and says which posts were not made", err[-400:])
    t.ok(no_crash(st, err), "no crash")
    made = {}
    for tw in fake.tweets():
        made[tw["text"]] = made.get(tw["text"], 0) + 1
    t.eq([made.get(x, 0) for x in texts], [1, 0, 0, 1, 1, 1, 1, 1],
         "Q1 and Q2 are not posted late; the rest once each")
    state = state_of(state_path)
    t.eq([state["posts"][k].get("skipped") for k in ("q1", "q2")], ["late", "late"],
         "the state records both as skipped (late)")
    events = [json.loads(l) for l in raw_lines(log_path) if '"event"' in l]
    t.eq([(e.get("key"), e.get("reason")) for e in events if e.get("event") == "skipped"],
         [("q1", "late"), ("q2", "late")], "the log records both skips as event lines")
    t.ok("late_limit" in err, "the output says why (late_limit)", err[-800:])
    q1 = [r for r in post_records(fake) if r["text"] == texts[1]]
    t.ok(len(q1) >= (2 if SLOW else 3), "Q1 was retried (%d attempts) before it was skipped" % len(q1))
    recs = post_records(fake)
    q3 = [r["arrival"] for r in recs if r["text"] == texts[3]]
    q2 = [r["arrival"] for r in recs if r["text"] == texts[2]]
    # Q3 is due 10 chat minutes after Q2: it must not wait for Q2's 120 s reset
    t.ok(q2 and q3 and q3[0] - q2[0] < 600.0 / SPEED2 + (3 if SLOW else 1),
         "Q2's long rate-limit wait ended at its late limit: Q3 went out on time",
         (q2, q3))
finally:
    fake.stop()


# ---- 3. a response above the size cap, unexpected JSON ------------------------
class Mini(http.server.BaseHTTPRequestHandler):
    """A bare API: users/me, posts (the first answer has a numeric id:
    unexpected JSON), the account's posts, and a search whose answer is 5 MB
    (above the 4 MiB cap)."""
    protocol_version = "HTTP/1.1"
    posts = []
    searches = 0
    lock = threading.Lock()

    def log_message(self, *a):
        pass

    def reply(self, status, body, ctype="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_HEAD(self):
        self.reply(200, b"")

    def do_GET(self):
        p = self.path.split("?")[0]
        if p == "/2/users/me":
            return self.reply(200, {"data": {"id": "42", "username": "mini"}})
        if p == "/2/users/42/tweets":
            with Mini.lock:
                data = [{"id": i, "text": x, "created_at": c}
                        for i, x, c in reversed(Mini.posts)]
            return self.reply(200, {"data": data, "meta": {"result_count": len(data)}})
        if p == "/2/tweets/search/recent":
            with Mini.lock:
                Mini.searches += 1
            pad = "x" * (5 * 1024 * 1024)
            return self.reply(200, ('{"data":[],"pad":"%s"}' % pad).encode())
        self.reply(404, {"title": "Not Found", "status": 404})

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = json.loads(self.rfile.read(n) or b"{}")
        with Mini.lock:
            i = str(1000 + len(Mini.posts))
            # created_at as X gives it when tweet.fields asks for it
            Mini.posts.append((i, body.get("text"),
                               time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())))
            first = len(Mini.posts) == 1
        if first:
            return self.reply(201, {"data": {"id": int(i), "text": body.get("text")}})
        self.reply(201, {"data": {"id": i, "text": body.get("text")}})


d = workdir("faults_cap")
srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Mini)
th = threading.Thread(target=srv.serve_forever, daemon=True)
th.start()
try:
    base = "http://127.0.0.1:%d" % srv.server_address[1]
    sched = write_schedule(d, capture_after="1", search_budget="30")
    texts = [x[1] for x in planned(sched)]
    st, out, err = run_bot(["run", "--once", "--rehearse=1000", "--date", DATE,
                            "--api-base", base, sched], timeout=120)
    t.ok(no_crash(st, err), "no crash on a 5 MB answer or a numeric id (exit %d)" % st)
    t.eq(st, 3, "the backfill cannot read the search: exit 3 (API failure)")
    t.ok("larger than 4194304 bytes" in err, "the 5 MB answer is refused at the cap",
         err[-1500:])
    t.ok(Mini.searches >= 1, "the search was tried (%d)" % Mini.searches)
    posted = [x for _, x, _ in Mini.posts]
    t.eq(sorted(posted), sorted(texts),
         "every post made once, the one answered with unexpected JSON too")
    state = state_of(os.path.join(d, "logs", "testchat", "rehearsal", DATE + ".state.json"))
    t.eq(state["posts"]["intro"].get("id"), "1000",
         "the intro's id (answer not understood) was found among the account's posts")
    t.ok(not state.get("done"), "the chat is not marked done: a later --backfill can finish it")
finally:
    srv.shutdown()
    srv.server_close()
t.done()
