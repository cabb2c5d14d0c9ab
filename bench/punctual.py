#!/usr/bin/env python3
"""punctual.py - punctuality. One fake X API server
(tests/fakex/fakex.py, scripted participants on) and, RUNS times in turn:

  * chathost: `chathost run --once --rehearse=SPEED` of bench/schedules/
    punctual.conf (20 posts one chat minute apart, a post a real second at
    60x). Each post's scheduled instant is its "due" in the bot's state
    (LOGS/NAME/rehearsal/DATE.state.json, posts.KEY.due); its arrival is
    the server's record ("arrival": the kernel's receive time of the
    request's first bytes, SO_TIMESTAMPNS; "arrival_parsed" is when Python
    had parsed it).
  * the tweepy bot (bench/tweepy_bot.py under Debian's python3): the same
    20 texts, threaded the same way, at the same rehearsed instants
    relative to the intro (the offsets of chathost's dues), its first post
    2 s after it starts (tweepy's import takes a while).

The server is reset (POST /_fake/reset) before each bot's run, so both see
an empty account. Lateness = arrival - scheduled instant, per post.
Then the server's own floor: 40 bare requests written to a kept-alive
socket at known instants (arrival - write), which every figure above
includes; and bench/out/post_path (bench/post_path.c, if built) for
chathost's own path from the call to the request leaving, and the
machine's wake-up latency. Writes OUT (JSON) for results.py.

    bench/punctual.py [--runs 5] [--speed 60] OUT.json
"""
import argparse
import json
import os
import re
import socket
import subprocess
import sys
import time

import benchlib as B

SCHED = os.path.join(B.BENCH, "schedules", "punctual.conf")


def posts_since(rec_path, off):
    """{text: arrival} of the successful POST /2/tweets since off."""
    out = {}
    for r in B.read_record(rec_path, off):
        if r.get("method") == "POST" and r.get("path") == "/2/tweets" and r.get("status") == 201:
            out[json.loads(r["body"])["text"]] = r["arrival"]
    return out


def run_chathost(fake, d, speed):
    sched = B.schedule_copy(SCHED, d)
    off = B.size(fake.record)
    t0 = time.time()
    p = subprocess.run([B.BIN, "run", "--once", "--rehearse=%g" % speed, "--date", B.DATE,
                        "--api-base", fake.base, sched], env=B.bot_env(),
                       capture_output=True, text=True, timeout=300)
    wall = time.time() - t0
    with open(os.path.join(d, "chathost.err"), "w") as f:
        f.write(p.stderr)
    if p.returncode != 0:
        raise RuntimeError("chathost run exited %d: %s" % (p.returncode, p.stderr[-2000:]))
    state = json.load(open(os.path.join(d, "logs", "benchpunct", "rehearsal",
                                        B.DATE + ".state.json")))
    arr = posts_since(fake.record, off)
    late, plan = {}, []
    for k, v in state["posts"].items():
        late[k] = (arr[v["text"]] - v["due"]) * 1000.0
        plan.append({"key": k, "text": v["text"], "due": v["due"]})
    plan.sort(key=lambda x: x["due"])
    # the bot's own account of each send (its log line), for the split
    sent = [float(x) for x in re.findall(r"sent ([-+][0-9.]+) ms after its instant", p.stderr)]
    return {"late_ms": late, "sent_ms": sent, "wall_s": wall}, plan


def run_tweepy(fake, d, plan):
    t_intro = plan[0]["due"]
    start = time.time() + 2.0
    posts = []
    for p in plan:
        posts.append({"key": p["key"], "text": p["text"],
                      "reply_to": None if p["key"] == "intro" else "intro",
                      "due": start + (p["due"] - t_intro)})
    plan_path = os.path.join(d, "tweepy-plan.json")
    out_path = os.path.join(d, "tweepy-out.json")
    B.save(plan_path, {"posts": posts})
    off = B.size(fake.record)
    t0 = time.time()
    p = subprocess.run([B.DEBIAN_PYTHON, B.TWEEPY_BOT, "post", fake.base, plan_path, out_path],
                       env=B.bot_env(), capture_output=True, text=True, timeout=300)
    wall = time.time() - t0
    if p.returncode != 0:
        raise RuntimeError("tweepy bot exited %d: %s" % (p.returncode, p.stderr[-2000:]))
    out = json.load(open(out_path))["posts"]
    arr = posts_since(fake.record, off)
    late = {q["key"]: (arr[q["text"]] - q["due"]) * 1000.0 for q in posts}
    called = [(out[q["key"]]["called"] - q["due"]) * 1000.0 for q in posts]
    return {"late_ms": late, "sent_ms": called, "wall_s": wall}


def floor_probe(fake, n=40):
    """Bare GET / requests written at known instants on one kept-alive
    connection: arrival - write (ms), the server's own share of a lateness."""
    s = socket.create_connection(("127.0.0.1", fake.port))
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    req = ("GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUser-Agent: bench\r\n"
           "Accept: */*\r\nContent-Type: application/json\r\n"
           "X-Bench: %%d\r\n\r\n" % fake.port)
    off = B.size(fake.record)
    sent = []
    f = s.makefile("rb")
    for i in range(n):
        time.sleep(0.05)
        t = time.time()
        s.sendall((req % i).encode())
        sent.append(t)
        line = f.readline()            # status line, then headers and body
        length = 0
        while True:
            h = f.readline()
            if h in (b"\r\n", b""):
                break
            if h.lower().startswith(b"content-length:"):
                length = int(h.split(b":")[1])
        f.read(length)
        assert line.startswith(b"HTTP/1.1 200"), line
    s.close()
    recs = [r for r in B.read_record(fake.record, off) if r.get("path") == "/"]
    return [(r["arrival"] - t) * 1000.0 for r, t in zip(recs, sent)]


def summary(lates):
    v = list(lates)
    return {"p50": B.percentile(v, 50), "p99": B.percentile(v, 99), "max": max(v), "n": len(v)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--speed", type=float, default=60)
    ap.add_argument("out")
    a = ap.parse_args()
    d = B.workdir("punctual")
    fake = B.Fake(d, "--speed", "%g" % a.speed, "--auto-answer", "--search-limit", "100000")
    res = {"speed": a.speed, "runs": [], "load_before": os.getloadavg()}
    try:
        for i in range(a.runs):
            rd = os.path.join(d, "run%d" % (i + 1))
            os.makedirs(rd)
            fake.call("POST", "/_fake/reset", {})
            ch, plan = run_chathost(fake, rd, a.speed)
            fake.call("POST", "/_fake/reset", {})
            tw = run_tweepy(fake, rd, plan)
            run = {"chathost": ch, "tweepy": tw,
                   "chathost_summary": summary(ch["late_ms"].values()),
                   "tweepy_summary": summary(tw["late_ms"].values()),
                   "posts": len(plan)}
            res["runs"].append(run)
            print("punctual: run %d/%d: chathost p50 %.3f p99 %.3f max %.3f ms; "
                  "tweepy p50 %.3f p99 %.3f max %.3f ms" % (
                      i + 1, a.runs, run["chathost_summary"]["p50"],
                      run["chathost_summary"]["p99"], run["chathost_summary"]["max"],
                      run["tweepy_summary"]["p50"], run["tweepy_summary"]["p99"],
                      run["tweepy_summary"]["max"]), file=sys.stderr)
        res["floor_ms"] = floor_probe(fake)
        pp = os.path.join(B.OUT, "post_path")
        if os.path.exists(pp):      # built by bench/run from bench/post_path.c
            fake.call("POST", "/_fake/reset", {})
            r = subprocess.run([pp, fake.base, "50"], env=B.bot_env(),
                               capture_output=True, text=True, timeout=120)
            res["post_path"] = r.stdout if r.returncode == 0 else "failed: " + r.stderr
    finally:
        fake.stop()
    res["load_after"] = os.getloadavg()
    B.save(a.out, res)
    if not os.environ.get("BENCH_KEEP"):
        B.clean(d)
    return 0


if __name__ == "__main__":
    sys.exit(main())
