#!/usr/bin/env python3
"""A response above the size cap, unexpected JSON

One scenario of the fault suite; the shared helpers are in
tests/lib/faultlib.py."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from faultlib import *  # noqa: E402,F401,F403

t = Tap()

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
