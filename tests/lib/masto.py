"""masto.py - the fake Mastodon server (tests/fakemasto) for a test, on a
free port, stopped by PID; and a Mastodon chat's schedule."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

from itest import write_chat  # noqa: F401  (the one writer of a network chat)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAKEMASTO = os.path.join(ROOT, "tests", "fakemasto", "fakemasto.py")
HOST_TOKEN = "host-token"


class MastoFake:
    def __init__(self, d, *args):
        self.dir = d
        port_file = os.path.join(d, "fakemasto.port")
        self.record = os.path.join(d, "masto-requests.jsonl")
        self.log = open(os.path.join(d, "fakemasto.log"), "w")
        self.proc = subprocess.Popen(
            [sys.executable, FAKEMASTO, "--port", "0", "--port-file", port_file,
             "--record", self.record] + list(args),
            stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.time() + 15
        while not os.path.exists(port_file):
            if self.proc.poll() is not None or time.time() > deadline:
                raise RuntimeError("fakemasto did not start; see %s" % self.log.name)
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

    def statuses(self):
        return self.call("GET", "/_fake/statuses")["statuses"]

    def host_statuses(self):
        return [s for s in self.statuses() if s["account"]["acct"] == "chatbot"]

    def requests(self):
        return self.call("GET", "/_fake/requests")["requests"]

    def faults(self, faults):
        return self.call("POST", "/_fake/faults", {"faults": faults})

    def post(self, acct, text, reply_to=None, visibility="public", quote_of=None):
        body = {"acct": acct, "text": text, "visibility": visibility}
        if reply_to:
            body["in_reply_to_id"] = reply_to
        if quote_of:
            body["quote_of"] = quote_of
        return self.call("POST", "/_fake/statuses", body)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


def creds_file(d, token=HOST_TOKEN, name="mastodon.conf"):
    """A 0600 Mastodon credentials file in d."""
    p = os.path.join(d, name)
    with open(p, "w") as f:
        f.write('access_token = "%s";\n' % token)
    os.chmod(p, 0o600)
    return p


TOPIC = ('date = "%s";\ntitle = "Hold times";\n'
         'intro = "Welcome to the chat: hold times";\n'
         'questions = ( "What makes a wait feel long?", "What helps?", '
         '"Who answers first?" );\nwrapup = "Thanks all, see you next week";\n')
