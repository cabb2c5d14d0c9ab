"""snac.py - a real Mastodon-API server for a test: snac (Debian snac2)
initialised in a throw-away folder, listening on a free loopback port,
stopped by PID. Accounts get an access token through snac's own login
(POST /oauth/x-snac-get-token). A server that cannot start raises: a
failure, never a skip.

    with Snac(["chatbot", "alice"], workdir) as s:
        s.token["chatbot"], s.post("alice", "A1 yes #ICMIchat")
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.parse
import urllib.request

SNAC = shutil.which("snac") or "/usr/bin/snac"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class Snac:
    def __init__(self, users, workdir):
        self.users = list(users)
        self.dir = os.path.join(workdir, "snac")
        self.proc = None
        self.port = None
        self.token = {}
        self.account = {}   # user -> account id
        self.base = None

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.stop()

    def _run(self, args, stdin):
        r = subprocess.run([SNAC] + args, input=stdin, capture_output=True,
                           text=True, timeout=30)
        if r.returncode != 0:
            raise RuntimeError("snac %s: %s %s" % (args[0], r.stdout, r.stderr))
        return r.stdout + r.stderr

    def start(self):
        if not os.access(SNAC, os.X_OK):
            raise RuntimeError("snac is not installed (make deps: Debian snac2 from bookworm-backports)")
        shutil.rmtree(self.dir, ignore_errors=True)
        self.port = free_port()
        host = "127.0.0.1:%d" % self.port
        # address, port, host name, URL prefix, admin e-mail
        self._run(["init", self.dir], "127.0.0.1\n%d\n%s\n\n\n" % (self.port, host))
        with open(os.path.join(self.dir, "server.json")) as f:
            conf = json.load(f)
        # plain http on loopback: snac delivers to its own inboxes over it
        conf["protocol"] = "http"
        conf["dbglevel"] = 0
        # deliveries to its own inboxes: more threads, a longer timeout and
        # a quick retry, so that a reply reaches the thread within seconds
        # on a loaded machine (by default a timed-out one waits 2 minutes)
        conf["num_threads"] = 8
        conf["queue_timeout"] = 30
        conf["queue_timeout_2"] = 30
        conf["queue_retry_minutes"] = 1
        with open(os.path.join(self.dir, "server.json"), "w") as f:
            json.dump(conf, f)
        passwords = {}
        for u in self.users:
            out = self._run(["adduser", self.dir], u + "\n")
            passwords[u] = out.split("User password is ", 1)[1].split()[0]
        self.log = open(os.path.join(os.path.dirname(self.dir), "snac.log"), "w")
        self.proc = subprocess.Popen([SNAC, "httpd", self.dir], stdout=self.log,
                                     stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL)
        self.base = "http://%s" % host
        end = time.time() + 20
        while True:
            try:
                urllib.request.urlopen(self.base + "/api/v1/instance", timeout=2).read()
                break
            except OSError:
                if self.proc.poll() is not None or time.time() > end:
                    self.stop()
                    raise RuntimeError("snac did not start (see snac.log)")
                time.sleep(0.1)
        for u in self.users:
            body = urllib.parse.urlencode({"login": u, "passwd": passwords[u]}).encode()
            tok = urllib.request.urlopen(self.base + "/oauth/x-snac-get-token",
                                         data=body, timeout=10).read().decode().strip()
            if not tok or "<" in tok:
                raise RuntimeError("snac gave no token for %s" % u)
            self.token[u] = tok
            self.account[u] = self.call("GET", "/api/v1/accounts/verify_credentials",
                                        user=u)["id"]

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self.proc = None

    def call(self, method, path, form=None, user=None):
        data = urllib.parse.urlencode(form, doseq=True).encode() if form else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if user:
            req.add_header("Authorization", "Bearer " + self.token[user])
        with urllib.request.urlopen(req, timeout=20) as r:
            return json.loads(r.read().decode() or "null")

    def post(self, user, text, reply_to=None, visibility="public"):
        form = {"status": text, "visibility": visibility}
        if reply_to:
            form["in_reply_to_id"] = reply_to
        return self.call("POST", "/api/v1/statuses", form, user=user)

    def statuses(self, user, limit=40):
        return self.call("GET", "/api/v1/accounts/%s/statuses?limit=%d"
                         % (self.account[user], limit), user=user)


def creds_file(d, token, name="mastodon.conf"):
    """A 0600 Mastodon credentials file in d."""
    p = os.path.join(d, name)
    with open(p, "w") as f:
        f.write('access_token = "%s";\n' % token)
    os.chmod(p, 0o600)
    return p


def attach(info):
    """A Snac for a server another process runs (its INFO file)."""
    with open(info) as f:
        i = json.load(f)
    s = Snac([], os.path.dirname(os.path.abspath(info)))
    s.base, s.token, s.account = i["base"], i["token"], i["account"]
    return s


ANSWERS = {1: "A1: the hold music, every time", 2: "A2: a callback time we keep",
           3: "A3: the first reply in plain words", 4: "A4: within the hour",
           5: "A5: a named person", 6: "A6: asking before closing"}


def answer(info, host, people, limit=300):
    """The demo's participants on Mastodon: each of host's questions gets
    answers (with the hashtag, or a reply in the thread) until the wrap-up."""
    s = attach(info)
    done, end = set(), time.time() + limit
    while time.time() < end:
        try:
            mine = s.statuses(host)
        except OSError:
            time.sleep(0.5)
            continue
        for st in mine:
            text = st["content"]
            if "Thanks" in text[:40]:
                return 0
            m = text.find("Q")
            if st["id"] in done or m < 0 or not text[m + 1:m + 2].isdigit():
                continue
            done.add(st["id"])
            n = int(text[m + 1])
            for k, who in enumerate(people):
                a = ANSWERS.get(n, "A%d: yes" % n)
                if k % 2:
                    s.post(who, a.split(": ", 1)[1], reply_to=st["id"])
                elif n == 4 and k == 0:
                    s.post(who, a + ", our checklist: https://cx.example.org/checklists/hour #ICMIchat")
                else:
                    s.post(who, a + " #ICMIchat")
        time.sleep(0.3)
    return 0


def main(argv):
    """python3 tests/lib/snac.py INFO USER...: starts snac with the users,
    writes its URL, tokens and accounts as JSON to INFO, and runs until
    SIGTERM or SIGINT (the demo's way to have one).
    python3 tests/lib/snac.py --answer INFO HOST USER...: answers host's
    questions as the USERs until its wrap-up."""
    if argv[:1] == ["--answer"]:
        return answer(argv[1], argv[2], argv[3:])
    info, users = argv[0], argv[1:]
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    with Snac(users, os.path.dirname(os.path.abspath(info))) as s:
        tmp = info + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"base": s.base, "token": s.token, "account": s.account}, f)
        os.rename(tmp, info)
        try:
            while not stop:
                time.sleep(0.2)
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv[1:]))
