#!/usr/bin/env python3
"""board.py - the live board does not delay a post: the punctuality
chat of bench/punctual.py (20 posts a chat minute apart, 60x, the fake X
API with its scripted participants) run with `--board 127.0.0.1:0`,
RUNS times with no client and RUNS times with 200 clients on /events
from before the intro to the end: 190 reading every event as a browser
does, 10 that connect and never read (a stuck browser). Lateness = the
post's arrival at the server minus its scheduled instant (the state's
due), as in section 1. Also: the events the readers got, and the
resident size of the bot with and without the clients.

    bench/board.py [--runs 3] [--clients 200] OUT.json
"""
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time

import benchlib as B

SCHED = os.path.join(B.BENCH, "schedules", "punctual.conf")


def reader(port, stop, counts, i, read):
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=60)
        s.sendall(b"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
        if not read:
            stop.wait()
            s.close()
            return
        s.settimeout(1.0)
        n = 0
        while not stop.is_set():
            try:
                data = s.recv(65536)
            except socket.timeout:
                continue
            if not data:
                break
            n += data.count(b"\nid: ") + data.startswith(b"id: ")
        counts[i] = n
        s.close()
    except OSError:
        counts[i] = -1


def one_run(fake, d, clients, speed):
    sched = B.schedule_copy(SCHED, d)
    logf = os.path.join(d, "bot.log")
    off = B.size(fake.record)
    p = subprocess.Popen([B.BIN, "run", "--once", "--rehearse=%g" % speed, "--date", B.DATE,
                          "--board", "127.0.0.1:0", "--api-base", fake.base, sched],
                         env=B.bot_env(), stdout=subprocess.DEVNULL, stderr=open(logf, "w"))
    port = None
    deadline = time.time() + 20
    while port is None and time.time() < deadline:
        m = re.search(r"board: http://127\.0\.0\.1:(\d+)/", open(logf).read())
        port = int(m.group(1)) if m else None
        time.sleep(0.02)
    stop = threading.Event()
    counts = [0] * clients
    ths = [threading.Thread(target=reader, args=(port, stop, counts, i, i >= 10), daemon=True)
           for i in range(clients)]
    for th in ths:
        th.start()
    rss = []
    while p.poll() is None:
        st = B.proc_status(p.pid)
        if st.get("VmRSS"):
            rss.append(int(st["VmRSS"].split()[0]))
        time.sleep(0.5)
    stop.set()
    for th in ths:
        th.join(5)
    if p.returncode != 0:
        raise RuntimeError("chathost run exited %d: %s" % (p.returncode, open(logf).read()[-2000:]))
    state = json.load(open(os.path.join(d, "logs", "benchpunct", "rehearsal",
                                        B.DATE + ".state.json")))
    arr = {}
    for r in B.read_record(fake.record, off):
        if r.get("method") == "POST" and r.get("path") == "/2/tweets" and r.get("status") == 201:
            arr[json.loads(r["body"])["text"]] = r["arrival"]
    late = [(arr[v["text"]] - v["due"]) * 1000.0 for v in state["posts"].values()]
    return {"late_ms": late, "events": [c for c in counts[10:]], "rss_kib": max(rss or [0])}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--clients", type=int, default=200)
    ap.add_argument("--speed", type=float, default=60)
    ap.add_argument("out")
    a = ap.parse_args()
    d = B.workdir("board")
    fake = B.Fake(d, "--speed", "%g" % a.speed, "--auto-answer", "--search-limit", "100000")
    res = {"runs": a.runs, "clients": a.clients, "speed": a.speed, "none": [], "many": []}
    try:
        for k in range(a.runs):
            for key, n in (("none", 0), ("many", a.clients)):
                rd = os.path.join(d, "%s-%d" % (key, k))
                os.makedirs(rd)
                fake.call("POST", "/_fake/reset", {})
                r = one_run(fake, rd, n, a.speed)
                res[key].append(r)
                print("board.py: run %d, %d clients: lateness median %.3f ms, max %.3f ms"
                      % (k + 1, n, B.median(r["late_ms"]), max(r["late_ms"])), file=sys.stderr)
    finally:
        fake.stop()
    for key in ("none", "many"):
        late = [x for r in res[key] for x in r["late_ms"]]
        res[key + "_late"] = {"n": len(late), "median": B.median(late),
                              "p99": B.percentile(late, 99), "max": max(late)}
        res[key + "_rss_kib"] = max(r["rss_kib"] for r in res[key])
    ev = [c for r in res["many"] for c in r["events"]]
    res["events_min"] = min(ev) if ev else 0
    B.save(a.out, res)
    B.clean(d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
