#!/usr/bin/env python3
"""care.py - the care watch's figures, at real speed and the default search
budget (60 requests per 15 minutes: one every 15 s):

  delay   attendees' posts left unanswered on the fake X API and on the
          Bluesky reference servers; for each, the instant its alert was
          sent (the notify command stamps it) minus the instant it was
          due (the post's creation as the network gives it, + warn_after,
          1 minute here); and how long after it was made the watch first
          saw it;
  cost    the requests and the posts read during the run, per case, and
          what 10 staffed hours cost in requests at this budget.

    bench/care.py [--posts 6] OUT.json
"""
import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import bsky  # noqa: E402
from itest import Fake, bot_env, start_bot, workdir  # noqa: E402

WARN_S = 60


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, int(round(p / 100.0 * len(xs) + 0.5)) - 1))]


def stats(xs):
    return {"n": len(xs), "median": statistics.median(xs) if xs else None,
            "p99": pct(xs, 99) if xs else None, "max": max(xs) if xs else None}


def schedule(d, nets_conf, accounts, staff):
    path = os.path.join(d, "event.conf")
    alerts = os.path.join(d, "alerts.txt")
    with open(path, "w") as f:
        f.write('name = "bench";\ntimezone = "UTC";\nlogs = "%s";\n%s\n'
                'notify = { command = "{ date +%%s.%%N; cat; } >> %s"; };\n'
                'watch = { accounts = [ "%s" ]; hashtags = [ "BenchCare" ];\n'
                '  staff = [ "%s" ];\n'
                '  hours = ( { days = "daily"; from = "00:00"; to = "24:00"; } );\n'
                '  warn_after = 1; sla = 2; };\n' % (os.path.join(d, "logs"), nets_conf,
                                                    alerts, accounts, staff))
    return path, alerts


def alerts_of(path):
    """{author: first alert's stamp} of the warnings (not the breaches)."""
    out = {}
    if not os.path.exists(path):
        return out
    lines = open(path).read().splitlines()
    for stamp, msg in zip(lines[0::2], lines[1::2]):
        if msg.startswith("care:") and "@" in msg:
            who = msg.split("@", 1)[1].split(" ", 1)[0]
            out.setdefault(who, float(stamp))
    return out


def care_events(d):
    care = os.path.join(d, "logs", "bench", "care")
    ev = []
    for f in sorted(os.listdir(care)) if os.path.isdir(care) else []:
        if f.endswith(".jsonl"):
            ev += [json.loads(x) for x in open(os.path.join(care, f))]
    return ev


def capture_counts(d):
    care = os.path.join(d, "logs", "bench", "care")
    reads = requests = 0
    for f in os.listdir(care) if os.path.isdir(care) else []:
        if f.endswith(".state.json"):
            c = json.load(open(os.path.join(care, f))).get("capture", {})
            reads += c.get("reads", 0)
            requests += c.get("requests", 0)
    return reads, requests


def iso_s(s):
    import calendar
    return calendar.timegm(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")) + float("0" + s[19:-1])


def run_watch(d, sched, env, post_fn, n_posts, args):
    """Starts the watch, makes n_posts posts 5 s apart, waits past their
    warnings; returns [(author, made)]."""
    logf = open(os.path.join(d, "watch.log"), "w")
    p = start_bot(["watch", sched], env=env, log=logf)
    time.sleep(3)
    made = []
    for i in range(n_posts):
        made.append(post_fn(i))
        time.sleep(5)
    time.sleep(WARN_S + 20 - 5 * n_posts + 5)
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(30)
    except subprocess.TimeoutExpired:
        p.kill()
    return made


def measure(d, alerts, made):
    got = alerts_of(alerts)
    ev = {e["author"]: e for e in care_events(d) if e["event"] == "opened"}
    delay, seen = [], []
    for who, t0 in made:
        if who not in ev:
            continue
        # due: the creation as the network gives it (X: whole seconds)
        # plus warn_after, the instant the watch works from
        if who in got:
            delay.append(got[who] - (iso_s(ev[who]["created_at"]) + WARN_S))
        seen.append(iso_s(ev[who]["seen_at"]) - t0)
    reads, requests = capture_counts(d)
    return {"alert_delay_s": stats(delay), "seen_after_s": stats(seen),
            "cases": len(ev), "alerted": len(delay), "posts": len(made),
            "reads": reads, "requests": requests,
            "reads_per_case": reads / len(ev) if ev else None}


def on_x(args):
    d = workdir("bench_care_x")
    fake = Fake(d)
    try:
        sched, alerts = schedule(d, 'api = { base_url = "%s"; };' % fake.base,
                                 "@chathost_demo", "@bench_staff")

        def post(i):
            who = "attendee%d" % i
            t0 = time.time()
            fake.call("POST", "/_fake/tweets", {"username": who,
                                                "text": "#BenchCare question %d" % i})
            return who, t0
        made = run_watch(d, sched, bot_env(), post, args.posts, args)
        return measure(d, alerts, made)
    finally:
        fake.stop()


def on_bluesky(args):
    d = workdir("bench_care_bsky")
    people = ["benchbot.test"] + ["person%d.test" % i for i in range(args.posts)]
    with bsky.BskyNet(people, d) as net:
        creds = bsky.creds_file(d, people[0], net.by_handle[people[0]]["app_password"])
        sched, alerts = schedule(d, 'networks = [ "bluesky" ];\n'
                                 'bluesky = { service = "%s"; credentials = "%s"; };'
                                 % (net.pds, creds), people[0], "nobody.test")

        def post(i):
            who = people[i + 1]
            t0 = time.time()
            net.post(who, "a question #BenchCare %d" % i)
            return who, t0
        made = run_watch(d, sched, bot_env(creds=False), post, args.posts, args)
        return measure(d, alerts, made)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=6)
    ap.add_argument("out")
    args = ap.parse_args()
    res = {"warn_after_s": WARN_S, "budget": 60, "interval_s": 15.0,
           "x": on_x(args), "bluesky": on_bluesky(args)}
    # 10 staffed hours at the default budget: 60 requests per 15 minutes
    res["requests_10h"] = int(10 * 3600 / res["interval_s"])
    with open(args.out, "w") as f:
        json.dump(res, f, indent=1)
    print(json.dumps(res, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
