#!/usr/bin/env python3
"""rest.py - at rest. N copies (default 5) of `chathost run`
in real mode (not a rehearsal) waiting for a chat about six days away, and
beside them N tweepy bots (bench/tweepy_bot.py rest) waiting the same way,
all at once against one fake X API server (so GET /2/users/me answers).
Once every bot has authenticated and a settling time has passed, each one's
/proc/PID/status is read (VmRSS, VmHWM, RssAnon, voluntary and involuntary
context switches), and again SECONDS later (default 60): the voluntary
context switches in between are the process's wake-ups. The N samples run
concurrently, not one after another, so the whole takes one minute.
Writes OUT (JSON) for results.py.

    bench/rest.py [--n 5] [--seconds 60] OUT.json
    bench/rest.py --unreachable [--n 5] [--seconds 60] OUT.json

--unreachable: the API cannot be reached at start (--api-base a closed
loopback port, no tweepy bots): chathost retries for a while, says so, and
waits in chathost-wait anyway; it is sampled once every process is
chathost-wait.
"""
import argparse
import datetime
import os
import subprocess
import sys
import time

import benchlib as B

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def schedule(d, i):
    """A schedule (UTC, 12:00) on yesterday's weekday, so its next chat is
    six days and some hours away, with that chat's topic file."""
    today = datetime.datetime.now(datetime.timezone.utc).date()
    day = today - datetime.timedelta(days=1)
    nxt = day + datetime.timedelta(days=7)
    tdir = os.path.join(d, "topics")
    os.makedirs(tdir, exist_ok=True)
    with open(os.path.join(tdir, nxt.isoformat() + ".conf"), "w") as f:
        f.write('date = "%s";\ntitle = "At rest";\n'
                'intro = "Welcome to #ICMIchat, a week from now.";\n'
                'questions = ("What do you do while you wait?");\n'
                'wrapup = "Thanks for joining #ICMIchat!";\n' % nxt.isoformat())
    path = os.path.join(d, "rest%d.conf" % i)
    with open(path, "w") as f:
        f.write('name = "rest%d";\nhashtag = "#ICMIchat";\nweekday = "%s";\n'
                'time = "12:00";\ntimezone = "UTC";\nduration = 60;\n'
                'first_question = 5;\nquestion_interval = 10;\nthread = true;\n'
                'topics = "%s";\nlogs = "%s";\n'
                % (i, WEEKDAYS[day.weekday()], tdir, os.path.join(d, "logs")))
    return path, nxt.isoformat()


def sample(pid):
    s = B.proc_status(pid)

    def kb(k):
        return int(s.get(k, "0 kB").split()[0])
    return {"VmRSS_kB": kb("VmRSS"), "VmHWM_kB": kb("VmHWM"), "RssAnon_kB": kb("RssAnon"),
            "RssFile_kB": kb("RssFile"), "voluntary": int(s.get("voluntary_ctxt_switches", 0)),
            "involuntary": int(s.get("nonvoluntary_ctxt_switches", 0)),
            "threads": int(s.get("Threads", 0))}


def unreachable(a):
    d = B.workdir("rest_unreachable")
    procs = []
    res = {"n": a.n, "seconds": a.seconds, "chathost": [], "unreachable": True}
    try:
        t_start = time.time()
        for i in range(a.n):
            sched, date = schedule(d, i)
            res["next_chat"] = date
            log = open(os.path.join(d, "chathost%d.log" % i), "w")
            p = subprocess.Popen([B.BIN, "run", "--api-base", "http://127.0.0.1:9", sched],
                                 env=B.bot_env(), stdout=log, stderr=subprocess.STDOUT)
            procs.append(p)
        deadline = time.time() + 120
        while not all(open("/proc/%d/comm" % p.pid).read().strip() == "chathost-wait"
                      for p in procs):
            dead = [p.returncode for p in procs if p.poll() is not None]
            if dead or time.time() > deadline:
                raise RuntimeError("not waiting (exited: %r); see %s" % (dead, d))
            time.sleep(0.2)
        res["to_waiter_s"] = time.time() - t_start
        time.sleep(a.settle)
        first = {p.pid: sample(p.pid) for p in procs}
        t0 = time.time()
        time.sleep(a.seconds)
        el = time.time() - t0
        for p in procs:
            s0, s1 = first[p.pid], sample(p.pid)
            s1["wakeups"] = s1["voluntary"] - s0["voluntary"]
            s1["wakeups_per_min"] = s1["wakeups"] * 60.0 / el
            res["chathost"].append(s1)
        res["elapsed_s"] = el
        with open(os.path.join(d, "chathost0.log")) as f:
            res["chathost_says"] = f.read()[-600:]
    finally:
        for p in procs:
            if p.poll() is None:
                p.terminate()
                p.wait(10)
    B.save(a.out, res)
    print("rest (unreachable): VmRSS %s kB, wake-ups in %.0f s: %s, %.0f s to chathost-wait" % (
        [s["VmRSS_kB"] for s in res["chathost"]], el, [s["wakeups"] for s in res["chathost"]],
        res["to_waiter_s"]), file=sys.stderr)
    return 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=60)
    ap.add_argument("--settle", type=float, default=3)
    ap.add_argument("--unreachable", action="store_true")
    ap.add_argument("out")
    a = ap.parse_args()
    if a.unreachable:
        return unreachable(a)
    d = B.workdir("rest")
    fake = B.Fake(d)
    procs = []
    res = {"n": a.n, "seconds": a.seconds, "chathost": [], "tweepy": []}
    try:
        for i in range(a.n):
            sched, date = schedule(d, i)
            res["next_chat"] = date
            log = open(os.path.join(d, "chathost%d.log" % i), "w")
            p = subprocess.Popen([B.BIN, "run", "--api-base", fake.base, sched],
                                 env=B.bot_env(), stdout=log, stderr=subprocess.STDOUT)
            procs.append(("chathost", p, log))
            log = open(os.path.join(d, "tweepy%d.log" % i), "w")
            p = subprocess.Popen([B.DEBIAN_PYTHON, B.TWEEPY_BOT, "rest", fake.base],
                                 env=B.bot_env(), stdout=log, stderr=subprocess.STDOUT)
            procs.append(("tweepy", p, log))
        # every bot has authenticated: 2 GET /2/users/me per pair
        deadline = time.time() + 60
        while len(fake.requests("/2/users/me")) < 2 * a.n:
            dead = [(k, p.returncode) for k, p, _ in procs if p.poll() is not None]
            if dead or time.time() > deadline:
                raise RuntimeError("bots not ready (exited: %r); see %s" % (dead, d))
            time.sleep(0.1)
        time.sleep(a.settle)
        first = {p.pid: sample(p.pid) for _, p, _ in procs}
        t0 = time.time()
        time.sleep(a.seconds)
        el = time.time() - t0
        for kind, p, _ in procs:
            if p.poll() is not None:
                raise RuntimeError("%s exited (%d) while at rest; see %s" % (kind, p.returncode, d))
            s0, s1 = first[p.pid], sample(p.pid)
            s1["wakeups"] = s1["voluntary"] - s0["voluntary"]
            s1["preempted"] = s1["involuntary"] - s0["involuntary"]
            s1["wakeups_per_min"] = s1["wakeups"] * 60.0 / el
            s1["cpu_s"] = B.proc_cpu(p.pid)
            res[kind].append(s1)
        res["elapsed_s"] = el
        with open(os.path.join(d, "chathost0.log")) as f:
            res["chathost_says"] = f.read()[-600:]
    finally:
        for _, p, log in procs:
            if p.poll() is None:
                p.terminate()
        for _, p, log in procs:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
            log.close()
        fake.stop()
    B.save(a.out, res)
    if not os.environ.get("BENCH_KEEP"):
        B.clean(d)
    for k in ("chathost", "tweepy"):
        print("rest: %s: VmRSS %s kB, wake-ups in %.0f s: %s" % (
            k, [s["VmRSS_kB"] for s in res[k]], el, [s["wakeups"] for s in res[k]]),
            file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
