#!/usr/bin/env python3
"""Early warnings end to end: a local webhook receiver (127.0.0.1, a free
port) and notify.command, driven at the rehearsed instants 72 h, 48 h,
36 h, 24 h, 1 h and 1 min before a chat, for a missing, an invalid and a
valid topic file. Until the host loop calls it, tests/integration/
notify_driver.c stands in for it: one call of ch_notify_check_topic per
instant, carrying the mask of offsets already checked from call to call as
the chat's state would. Prints TAP lines."""

import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
H = 3600
INSTANTS = [-72 * H, -48 * H, -36 * H, -24 * H, -1 * H, -60]
WARNED_AT = {-48 * H: "in 48 hours", -24 * H: "in 24 hours",
             -1 * H: "in 1 hour"}
WHEN = "for the #ICMIchat chat on Tuesday 2026-12-01 13:00 America/New_York"
SECRET = "T0001/B0002/XyZsecretXyZ"

n_test = 0
n_failed = 0


def ok(cond, desc, diag=""):
    global n_test, n_failed
    n_test += 1
    if cond:
        print("ok %d - %s" % (n_test, desc))
    else:
        n_failed += 1
        print("not ok %d - %s" % (n_test, desc))
        for line in str(diag).splitlines()[:20]:
            print("# " + line)
    sys.stdout.flush()


class Receiver(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    got = []           # (path, content_type, raw body)
    status = 200
    lock = threading.Lock()

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n)
        with Receiver.lock:
            Receiver.got.append((self.path,
                                 self.headers.get("Content-Type", ""), body))
            status = Receiver.status
        reply = b"ok" if status == 200 else b"server error"
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def build_driver(out_dir):
    r = subprocess.run(["make", "-s", "bot/libchathost.a"], cwd=ROOT,
                       capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stdout + r.stderr
    pkgs = ["libcurl", "oauth", "jansson", "libconfig", "libutf8proc"]
    cflags = subprocess.run(["pkg-config", "--cflags"] + pkgs,
                            capture_output=True, text=True).stdout.split()
    libs = subprocess.run(["pkg-config", "--libs"] + pkgs,
                          capture_output=True, text=True).stdout.split()
    exe = os.path.join(out_dir, "notify_driver")
    cmd = (["cc", "-std=c11", "-D_POSIX_C_SOURCE=200809L",
            "-D_XOPEN_SOURCE=700", "-g", "-Wall", "-Wextra", "-I",
            os.path.join(ROOT, "bot")] + cflags +
           ["-o", exe, os.path.join(ROOT, "tests/integration/notify_driver.c")]
           + os.environ.get("NOTIFY_DRIVER_EXTRA", "").split() +
           [os.path.join(ROOT, "bot/libchathost.a")] + libs +
           ["-lpthread", "-lm"])
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        return None, r.stdout + r.stderr
    return exe, ""


TOPIC_OK = """date = "2026-12-01";
title = "Customer service pet peeves";
intro = "Welcome! Today: customer service pet peeves. Answer with A1, A2...";
questions = (
  "What is your biggest pet peeve as a customer?",
  { text = "How do you turn a peeve into a fix?"; at = 25; }
);
wrapup = "Thanks for joining!";
"""

# the date is a Wednesday and does not match the file name
TOPIC_BAD = """date = "2026-12-02";
title = "Pet peeves";
intro = "Welcome!";
questions = ( "What is your biggest pet peeve?" );
wrapup = "Thanks!";
"""


def setup(work, port, hook_path):
    os.makedirs(os.path.join(work, "schedules"))
    os.makedirs(os.path.join(work, "topics"))
    out = os.path.join(work, "command.out")
    sched = os.path.join(work, "schedules", "icmichat.conf")
    with open(sched, "w") as f:
        f.write('name = "icmichat";\nhashtag = "#ICMIchat";\n'
                'weekday = "Tuesday";\ntime = "13:00";\n'
                'timezone = "America/New_York";\n'
                'warn_before = ["48h", "24h", "1h"];\n'
                'notify = {\n  webhook = "http://127.0.0.1:%d%s";\n'
                '  command = "cat >> \'%s\'";\n};\n' % (port, hook_path, out))
    return sched, out


def run_driver(exe, sched, offset, done):
    r = subprocess.run([exe, sched, "2026-12-01", str(offset), str(done)],
                       capture_output=True, text=True, timeout=60)
    m = re.match(r"rc=(-?\d+) done=(\d+) next=(\S+)", r.stdout)
    if r.returncode != 0 or not m:
        return None, r
    return (int(m.group(1)), int(m.group(2)), m.group(3)), r


def read_lines(path):
    try:
        with open(path) as f:
            return f.read().splitlines()
    except FileNotFoundError:
        return []


def scenario(exe, work, port, kind):
    """Runs the rehearsed instants for one topic file state; returns
    [(offset, rc, posts that arrived during the call, stderr)]."""
    hook = "/hooks/" + SECRET
    sched, out = setup(work, port, hook)
    topic = os.path.join(work, "topics", "2026-12-01.conf")
    if kind == "invalid":
        with open(topic, "w") as f:
            f.write(TOPIC_BAD)
    elif kind == "valid":
        with open(topic, "w") as f:
            f.write(TOPIC_OK)
    done = 0
    calls = []
    for off in INSTANTS:
        before = len(Receiver.got)
        res, r = run_driver(exe, sched, off, done)
        if res is None:
            return None, "driver failed at %d: %s%s" % (off, r.stdout,
                                                        r.stderr), out
        rc, done, _next = res
        calls.append((off, rc, Receiver.got[before:], r.stderr))
    return calls, done, out


def check_calls(kind, calls, done, out, topic_path, sched_path):
    posts = [p for (_o, _r, got, _e) in calls for p in got]
    if kind == "valid":
        ok(len(posts) == 0, "valid topic: no webhook POST at any instant",
           posts)
        ok(read_lines(out) == [], "valid topic: notify.command never run",
           read_lines(out))
        ok(all(rc == 0 for (_o, rc, _g, _e) in calls),
           "valid topic: every call returns 0")
        ok(not any(" warn " in e for (_o, _r, _g, e) in calls),
           "valid topic: no warn log line",
           "".join(e for (_o, _r, _g, e) in calls))
        ok(done == 7, "valid topic: all three offsets checked (done=7)", done)
        return
    # one POST at each warn_before instant, none in between
    when_posted = [o for (o, _r, got, _e) in calls if got]
    ok(when_posted == [-48 * H, -24 * H, -1 * H],
       "%s topic: a warning arrives at 48 h, 24 h and 1 h before, and only "
       "then" % kind, [(o, len(g)) for (o, _r, g, _e) in calls])
    ok(all(len(g) <= 1 for (_o, _r, g, _e) in calls),
       "%s topic: one POST per due instant" % kind)
    ok(all(rc == 1 for (o, rc, _g, _e) in calls if o in WARNED_AT) and
       all(rc == 0 for (o, rc, _g, _e) in calls if o not in WARNED_AT),
       "%s topic: rc 1 when warned, 0 otherwise" % kind,
       [(o, rc) for (o, rc, _g, _e) in calls])
    good_json = True
    texts = []
    diag = ""
    for (path, ctype, body) in posts:
        try:
            obj = json.loads(body.decode("utf-8"))
        except ValueError as e:
            good_json, diag = False, "%s: %r" % (e, body)
            break
        if (path != "/hooks/" + SECRET or
                not ctype.startswith("application/json") or
                not isinstance(obj, dict) or list(obj) != ["text"]):
            good_json, diag = False, repr((path, ctype, obj))
            break
        texts.append(obj["text"])
    ok(good_json and len(texts) == 3,
       "%s topic: each POST is application/json {\"text\": ...} to the "
       "webhook's path" % kind, diag)
    if len(texts) != 3:
        return
    # the topics folder may be shown as schedules/../topics or normalised
    raw_texts = texts
    texts = [t.replace("/schedules/../", "/") for t in texts]
    topic_path = os.path.normpath(topic_path)
    what = ("is missing: write it, then run chathost check" if
            kind == "missing" else "is invalid: ")
    want_ok = True
    for (text, off) in zip(texts, [-48 * H, -24 * H, -1 * H]):
        lead = "the topic file %s %s (%s) %s" % (topic_path, WHEN,
                                                 WARNED_AT[off], what)
        if not text.startswith(lead):
            want_ok = False
            diag = "want: %s\ngot:  %s" % (lead, text)
    ok(want_ok, "%s topic: the text names the file, the chat, the time "
       "left and what to do" % kind, diag)
    if kind == "invalid":
        pat = re.escape(topic_path) + r":\d+: .*Wednesday"
        ok(all(re.search(pat, t) and t.endswith(
            "then run chathost check %s %s" % (sched_path, topic_path))
            for t in texts),
            "invalid topic: the text quotes FILE:LINE: problems and the "
            "check command", texts[0])
    ok(read_lines(out) == raw_texts,
       "%s topic: notify.command got the same messages on stdin" % kind,
       "%r\n%r" % (read_lines(out), raw_texts))
    errs = "".join(e for (_o, _r, _g, e) in calls)
    warn_lines = [ln for ln in errs.splitlines() if " warn icmichat: " in ln]
    ok(len(warn_lines) == 3 and all(t in ln for (t, ln) in
                                     zip(raw_texts, warn_lines)),
       "%s topic: a warn log line for each warning" % kind, errs)
    ok(SECRET not in errs, "%s topic: the webhook's secret path is never "
       "logged" % kind)


def main():
    out_dir = os.path.join(ROOT, "tests", "out")
    os.makedirs(out_dir, exist_ok=True)
    exe, why = build_driver(out_dir)
    ok(exe is not None, "the notify driver builds", why)
    if exe is None:
        print("1..%d" % n_test)
        return 1

    server = http.server.HTTPServer(("127.0.0.1", 0), Receiver)
    port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = tempfile.mkdtemp(prefix="notify_webhook.")
    try:
        for kind in ("missing", "invalid", "valid"):
            work = os.path.join(base, kind)
            res = scenario(exe, work, port, kind)
            calls, done, out = res
            if calls is None:
                ok(False, "%s topic: driver runs" % kind, done)
                continue
            check_calls(kind, calls, done, out,
                        os.path.join(work, "schedules", "..", "topics",
                                     "2026-12-01.conf"),
                        os.path.join(work, "schedules", "icmichat.conf"))

        # started late (2 h before): 48 h and 24 h checked together, once
        work = os.path.join(base, "late")
        sched, out = setup(work, port, "/hooks/" + SECRET)
        before = len(Receiver.got)
        res, r = run_driver(exe, sched, -2 * H, 0)
        got = Receiver.got[before:]
        ok(res is not None and res[0] == 1 and res[1] == 3 and
           res[2] == str(-1 * H) and len(got) == 1 and
           b"(in 2 hours) is missing" in got[0][2],
           "started 2 h before: one warning for the passed 48 h and 24 h "
           "marks, next check at 1 h", (res, got, r.stderr))

        # a webhook that answers 500: rc -1, the command still delivers
        work = os.path.join(base, "failing")
        sched, out = setup(work, port, "/hooks/" + SECRET)
        Receiver.status = 500
        before = len(Receiver.got)
        res, r = run_driver(exe, sched, -24 * H, 1)
        Receiver.status = 200
        ok(res is not None and res[0] == -1 and res[1] == 3 and
           len(Receiver.got) == before + 1 and
           "HTTP 500" in r.stderr and SECRET not in r.stderr and
           len(read_lines(out)) == 1 and "is missing" in read_lines(out)[0],
           "a webhook answering 500 is reported (without its path) and "
           "notify.command still gets the warning", (res, r.stderr))

        # nothing listening on the webhook's port
        work = os.path.join(base, "closed")
        with socket_free_port() as dead:
            sched, out = setup(work, dead, "/x")
        res, r = run_driver(exe, sched, -1 * H, 3)
        ok(res is not None and res[0] == -1 and "not reached" in r.stderr
           and len(read_lines(out)) == 1,
           "an unreachable webhook is reported, the command still runs",
           (res, r.stderr))
    finally:
        server.shutdown()
        server.server_close()
        shutil.rmtree(base, ignore_errors=True)
    print("1..%d" % n_test)
    return 1 if n_failed else 0


class socket_free_port:
    """A loopback port that was free a moment ago (nothing listens)."""

    def __enter__(self):
        import socket
        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        self.port = s.getsockname()[1]
        s.close()
        return self.port

    def __exit__(self, *a):
        return False


if __name__ == "__main__":
    sys.exit(main())
