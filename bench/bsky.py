#!/usr/bin/env python3
"""bsky.py - Bluesky's figures beside X's, on the local reference servers
(tests/lib/bsky.py) and the fake X API:

  punctuality  RUNS rehearsed chats (8 posts each) on X and Bluesky at once;
               for each post, when its request reached the server minus its
               instant: X's from the fake's arrival stamps, Bluesky's from
               a loopback TCP relay in front of the PDS that stamps the
               first bytes of each createRecord request;
  capture      answers posted on Bluesky during those chats: from the
               answer's createdAt to its line in the log (the log polled
               every 10 ms);
  rest         `chathost run` (a real chat six days away) with X, Bluesky
               and Mastodon (the fake Mastodon server) configured, once the
               accounts are looked up and it waits in chathost-wait: VmRSS
               and VmHWM.

    bench/bsky.py [--runs 3] [--speed 60] OUT.json
"""
import argparse
import datetime
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import benchlib as B  # noqa: E402
import bsky  # noqa: E402
import masto  # noqa: E402
from bsky import BskyNet  # noqa: E402
from itest import Fake, bot_env, start_bot, workdir  # noqa: E402

TOPIC = """date = "%s";
title = "Bench";
intro = "Welcome to #ICMIchat! Answer with A1, A2...";
questions = ("First?", "Second?", "Third?", "Fourth?", "Fifth?", "Sixth?");
wrapup = "Thanks for joining #ICMIchat!";
"""


class Relay:
    """A loopback TCP relay to port; stamps createRecord requests."""

    def __init__(self, port):
        self.up = port
        self.stamps = []
        self.srv = socket.socket()
        self.srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(64)
        self.port = self.srv.getsockname()[1]
        threading.Thread(target=self.accept, daemon=True).start()

    def accept(self):
        while True:
            c, _ = self.srv.accept()
            c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            u = socket.create_connection(("127.0.0.1", self.up))
            u.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            threading.Thread(target=self.pipe, args=(c, u, True), daemon=True).start()
            threading.Thread(target=self.pipe, args=(u, c, False), daemon=True).start()

    def pipe(self, a, b, stamp):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                if stamp and b"POST /xrpc/com.atproto.repo.createRecord" in data:
                    self.stamps.append(time.time())
                b.sendall(data)
        except OSError:
            pass
        for s in (a, b):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def chat(d, net, tm, service):
    """A 60-minute chat (questions 8 minutes apart) on X and Bluesky."""
    creds = bsky.creds_file(d, "benchbot.test", net.by_handle["benchbot.test"]["app_password"])
    return bsky.write_chat(d, tm, TOPIC, ["x", "bluesky"], creds, service=service,
                           name='"bench"', time='"12:00"', duration="60",
                           first_question="5", question_interval="8", capture_after="5")


def watch_log(path, ids, seen, stop):
    """Records when each id first appears in the log."""
    while not stop:
        try:
            with open(path) as f:
                for line in f:
                    try:
                        e = json.loads(line)
                    except ValueError:
                        continue
                    if e.get("id") in ids and e["id"] not in seen:
                        seen[e["id"]] = time.time()
        except OSError:
            pass
        time.sleep(0.01)


def one_chat(net, relay, args, n):
    d = workdir("bench_bsky_%d" % n)
    fake = Fake(d, "--speed", str(args.speed), "--auto-answer")
    try:
        tm = time.gmtime()
        sched, date = chat(d, net, tm, "http://127.0.0.1:%d" % relay.port)
        relay.stamps.clear()
        log = open(os.path.join(d, "bot.log"), "w")
        proc = start_bot(["run", "--once", "--rehearse=%g" % args.speed, "--date", date,
                          "--api-base", fake.base, sched], env=bot_env(), log=log)
        logpath = os.path.join(d, "logs", "bench", "rehearsal", date + ".jsonl")
        answers, seen, stop, asked = {}, {}, [], set()
        th = threading.Thread(target=watch_log, args=(logpath, answers, seen, stop), daemon=True)
        th.start()
        while proc.poll() is None:
            try:
                recs = net.records("benchbot.test")
            except OSError:
                recs = []
            for r in recs:
                t = r["value"]["text"]
                if t.startswith("Q") and r["uri"] not in asked:
                    asked.add(r["uri"])
                    for who in ("alice.test", "bob.test"):
                        a = net.post(who, "%s: yes #ICMIchat" % t.replace("Q", "A", 1)[:2])
                        answers[a["uri"]] = time.time()
            time.sleep(0.05)
        time.sleep(0.3)
        stop.append(1)
        th.join()
        log.close()
        st_x = json.load(open(os.path.join(d, "logs", "bench", "rehearsal", date + ".state.json")))
        st_b = json.load(open(os.path.join(d, "logs", "bench", "rehearsal",
                                           date + ".bluesky.state.json")))
        due_x = sorted(p["due"] for p in st_x["posts"].values() if "due" in p)
        due_b = sorted(p["due"] for p in st_b["posts"].values() if "due" in p)
        arr_x = sorted(p["arrival"] for p in fake.posts())
        arr_b = sorted(relay.stamps)
        late_x = [(a - b) * 1000 for a, b in zip(arr_x, due_x)]
        late_b = [(a - b) * 1000 for a, b in zip(arr_b, due_b)]
        delays = [(seen[i] - answers[i]) * 1000 for i in answers if i in seen]
        return late_x, late_b, delays, len(answers)
    finally:
        fake.stop()


def rest(net, d):
    tm_next = datetime.datetime.now(datetime.timezone.utc).date() - datetime.timedelta(days=1)
    nxt = tm_next + datetime.timedelta(days=7)
    fake = Fake(d, "--speed", "1")
    mf = masto.MastoFake(d)
    try:
        creds = bsky.creds_file(d, "benchbot.test",
                                net.by_handle["benchbot.test"]["app_password"])
        sched, _ = bsky.write_chat(
            d, nxt.timetuple(), TOPIC, ["x", "bluesky", "mastodon"], creds,
            service=net.pds, name='"bench"', time='"12:00"', duration="60",
            mastodon='{ instance = "%s"; credentials = "%s"; }' % (
                mf.base, masto.creds_file(d)))
        proc = start_bot(["run", "--api-base", fake.base, sched], env=bot_env(),
                         log=open(os.path.join(d, "rest.log"), "w"))
        end = time.time() + 60
        while time.time() < end:
            try:
                if os.readlink("/proc/%d/exe" % proc.pid).endswith("chathost-wait"):
                    break
            except OSError:
                pass
            time.sleep(0.1)
        time.sleep(2)
        s = B.proc_status(proc.pid)
        exe = os.readlink("/proc/%d/exe" % proc.pid)
        proc.terminate()
        proc.wait(10)
        kb = lambda k: int(s.get(k, "0 kB").split()[0])  # noqa: E731
        return {"exe": os.path.basename(exe), "VmRSS_kB": kb("VmRSS"), "VmHWM_kB": kb("VmHWM"),
                "networks": ["x", "bluesky", "mastodon"]}
    finally:
        fake.stop()
        mf.stop()


def summary(xs):
    if not xs:
        return None
    xs = sorted(xs)
    return {"n": len(xs), "median": statistics.median(xs), "p90": xs[int(0.9 * (len(xs) - 1))],
            "max": xs[-1], "min": xs[0]}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--speed", type=float, default=60)
    ap.add_argument("out")
    args = ap.parse_args()
    with BskyNet(["benchbot.test", "alice.test", "bob.test"], workdir("bench_bsky_net")) as net:
        relay = Relay(int(net.pds.rsplit(":", 1)[1]))
        lx, lb, dl, na = [], [], [], 0
        for n in range(args.runs):
            x, b, d, a = one_chat(net, relay, args, n)
            lx += x
            lb += b
            dl += d
            na += a
        r = rest(net, workdir("bench_bsky_rest"))
    out = {"runs": args.runs, "speed": args.speed,
           "x_late_ms": summary(lx), "bluesky_late_ms": summary(lb),
           "bluesky_capture_delay_ms": summary(dl), "bluesky_answers": na,
           "bluesky_answers_logged": len(dl), "rest_both_networks": r}
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
