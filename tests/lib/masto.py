"""masto.py - the fake Mastodon server (tests/fakemasto) for a test, on a
free port, stopped by PID; and a Mastodon chat's schedule."""
import json
import os
import signal
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FAKEMASTO = os.path.join(ROOT, "tests", "fakemasto", "fakemasto.py")
HOST_TOKEN = "host-token"
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
            "Saturday", "Sunday"]


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

    def post(self, acct, text, reply_to=None, visibility="public"):
        body = {"acct": acct, "text": text, "visibility": visibility}
        if reply_to:
            body["in_reply_to_id"] = reply_to
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


TOPIC = ('date = "%s";\ntitle = "Hold times";\n'
         'intro = "Welcome to the chat: hold times";\n'
         'questions = ( "What makes a wait feel long?", "What helps?", '
         '"Who answers first?" );\nwrapup = "Thanks all, see you next week";\n')
