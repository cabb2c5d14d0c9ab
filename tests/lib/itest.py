"""itest - shared helpers for chathost's integration tests (standard library).

    from itest import Fake, Tap, workdir, write_schedule, run_bot

Fake starts tests/fakex/fakex.py on a free loopback port and talks to its
/_fake/ control endpoints; Tap prints TAP lines ("ok N - ..."); workdir()
makes a scratch folder under tests/out; write_schedule() writes a schedule
file whose topics and logs live in that folder.
"""
import json
import os
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FAKEX = os.path.join(ROOT, "tests", "fakex", "fakex.py")
BIN = os.environ.get("CHATHOST", os.path.join(ROOT, "bot", "chathost"))
# CH_TEST_WRAPPER (e.g. valgrind) runs in front of the binary
WRAP = shlex.split(os.environ.get("CH_TEST_WRAPPER", ""))
# CH_SLOW: the binary runs instrumented; timing checks are looser
SLOW = bool(os.environ.get("CH_SLOW") or WRAP)
CREDS = {"X_API_KEY": "ck", "X_API_SECRET": "cs",
         "X_ACCESS_TOKEN": "at", "X_ACCESS_TOKEN_SECRET": "ats"}


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc, detail=None):
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, desc))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, desc))
            if detail is not None:
                for line in str(detail).splitlines()[:40]:
                    print("#   " + line)
        sys.stdout.flush()
        return cond

    def eq(self, got, want, desc):
        return self.ok(got == want, desc, "got:  %r\nwant: %r" % (got, want))

    def done(self):
        check_x_requests(self)
        print("1..%d" % self.n)
        sys.exit(1 if self.failed else 0)


# the fakes of this script whose records are checked against X's OpenAPI
_checked_fakes = []


def check_x_requests(t):
    """One check per script that ran the fake X API: every request the
    bot sent it is valid against X's OpenAPI 2.166 (x_openapi.py)."""
    import x_openapi
    n, probs = 0, []
    for fake in _checked_fakes:
        k, p = x_openapi.check_record(fake.record)
        n += k
        probs += p
    del _checked_fakes[:]
    if n:
        t.ok(not probs, "the %d requests sent to the fake X API are valid against "
             "X's OpenAPI 2.166" % n, "\n".join(probs[:20]))


def workdir(name):
    base = os.path.join(ROOT, "tests", "out")
    os.makedirs(base, exist_ok=True)
    return tempfile.mkdtemp(prefix=name + ".", dir=base)


class Fake:
    """The fake X API server, on a free port, recording to DIR/requests.jsonl."""

    def __init__(self, d, *args, openapi=True):
        self.dir = d
        port_file = os.path.join(d, "fakex.port")
        if openapi:
            _checked_fakes.append(self)
        self.record = os.path.join(d, "requests.jsonl")
        self.log = open(os.path.join(d, "fakex.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, FAKEX, "--port", "0", "--port-file", port_file,
             "--record", self.record] + list(args),
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("fakex did not start; see %s" % self.log.name)
            time.sleep(0.02)
        with open(port_file) as f:
            self.port = int(f.read().strip())
        self.base = "http://127.0.0.1:%d" % self.port

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method,
                                     headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=10) as r:
            return json.loads(r.read().decode())

    def requests(self, path=None, method=None):
        q = []
        if path:
            q.append("path=" + path)
        if method:
            q.append("method=" + method)
        return self.call("GET", "/_fake/requests" + ("?" + "&".join(q) if q else ""))["requests"]

    def posts(self):
        """Successful POST /2/tweets requests, in arrival order, with bodies."""
        out = []
        for r in self.requests("/2/tweets", "POST"):
            if r.get("status") == 201:
                out.append(r)
        return out

    def tweets(self):
        return self.call("GET", "/_fake/tweets")["data"]

    def faults(self, faults):
        return self.call("POST", "/_fake/faults", {"faults": faults})

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def write_schedule(d, name="testchat", topics=None, **extra):
    """A schedule in d whose logs go to d/logs; topics default to d/topics
    (created, with the repository's example topic files copied in)."""
    tdir = topics or os.path.join(d, "topics")
    if topics is None:
        os.makedirs(tdir, exist_ok=True)
        for f in os.listdir(os.path.join(ROOT, "topics")):
            if f.endswith(".conf"):
                shutil.copy(os.path.join(ROOT, "topics", f), tdir)
    keys = {
        "name": '"%s"' % name, "hashtag": '"#ICMIchat"', "weekday": '"Tuesday"',
        "time": '"13:00"', "timezone": '"America/New_York"', "duration": "60",
        "first_question": "5", "question_interval": "10", "thread": "true",
        "topics": '"%s"' % tdir, "logs": '"%s"' % os.path.join(d, "logs"),
    }
    for k, v in extra.items():
        if v is None:
            keys.pop(k, None)  # key=None: leave the key out, take the default
        else:
            keys[k] = v
    path = os.path.join(d, name + ".conf")
    with open(path, "w") as f:
        for k, v in keys.items():
            f.write("%s = %s;\n" % (k, v))
    return path


def bot_env(extra=None, creds=True):
    env = {k: v for k, v in os.environ.items() if not k.startswith("X_")}
    if creds:
        env.update(CREDS)
    env.update(extra or {})
    return env


def run_bot(args, env=None, timeout=120, stdin=None):
    """Runs bot/chathost ARGS; returns (status, stdout, stderr)."""
    p = subprocess.run(WRAP + [BIN] + args, env=env if env is not None else bot_env(),
                       capture_output=True, text=True, timeout=timeout,
                       input=stdin)
    return p.returncode, p.stdout, p.stderr


def start_bot(args, env=None, log=None):
    return subprocess.Popen(WRAP + [BIN] + args, env=env if env is not None else bot_env(),
                            stdout=log or subprocess.DEVNULL,
                            stderr=subprocess.STDOUT if log else subprocess.DEVNULL)


def proc_exe(pid):
    """The program process pid runs now ("" once it is gone)."""
    try:
        return os.readlink("/proc/%d/exe" % pid)
    except OSError:
        return ""


def proc_rss_kib(pid):
    """Its resident memory (VmRSS, KiB), -1 if not known."""
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return -1


def wait_until(cond, limit, step=0.01):
    """Polls cond() until it holds or limit seconds have passed; returns
    whether it held (checked once more at the end)."""
    end = time.time() + limit
    while time.time() < end:
        if cond():
            return True
        time.sleep(step)
    return bool(cond())


def sigterm_exits_0(t, p, desc, limit=20):
    """Sends SIGTERM to process p and asserts that it exits 0 within limit
    seconds (killed if not)."""
    p.send_signal(signal.SIGTERM)
    try:
        t.eq(p.wait(limit), 0, desc)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
        t.ok(False, desc)


def read_log(path):
    """The JSON lines of a participation log (bad lines skipped)."""
    out = []
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
            "Saturday", "Sunday"]


def write_chat(d, tm, topic, networks, groups, **keys):
    """The schedule d/chat.conf of a chat on the day of struct tm (its
    weekday, UTC, hour and minute) on networks, with groups (network ->
    its group's text, e.g. mastodon = '{ instance = ...; }') and topic (a
    format taking the date) as that date's topic file. Returns (schedule
    path, date)."""
    date = time.strftime("%Y-%m-%d", tm)
    tdir = os.path.join(d, "topics")
    os.makedirs(tdir, exist_ok=True)
    with open(os.path.join(tdir, date + ".conf"), "w") as f:
        f.write(topic % date)
    k = {"name": '"testchat"', "hashtag": '"#ICMIchat"',
         "weekday": '"%s"' % WEEKDAYS[tm.tm_wday],
         "time": '"%02d:%02d"' % (tm.tm_hour, tm.tm_min), "timezone": '"UTC"',
         "duration": "10", "first_question": "1", "question_interval": "2",
         "capture_after": "2", "late_limit": "30", "topics": '"%s"' % tdir,
         "logs": '"%s"' % os.path.join(d, "logs"),
         "networks": "[ %s ]" % ", ".join('"%s"' % n for n in networks)}
    k.update(groups)
    k.update(keys)
    path = os.path.join(d, "chat.conf")
    with open(path, "w") as f:
        for key, v in k.items():
            f.write("%s = %s;\n" % (key, v))
    return path, date
