#!/usr/bin/env python3
"""masto.py - Mastodon's figures beside X's, on the fake Mastodon server
(tests/fakemasto) and the fake X API:

  punctuality  RUNS rehearsed chats (8 posts each) on X and Mastodon at
               once; for each post, when its request reached the server
               minus its instant (each fake's arrival stamps);
  capture      answers posted on Mastodon during those chats (with the
               tag, and in the thread): from the status's created_at to
               its line in the log (the log polled every 10 ms).

    bench/masto.py [--runs 3] [--speed 60] OUT.json
"""
import argparse
import json
import os
import statistics
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
import masto  # noqa: E402
from itest import Fake, bot_env, start_bot, workdir  # noqa: E402

TOPIC = """date = "%s";
title = "Bench";
intro = "Welcome to #ICMIchat! Answer with A1, A2...";
questions = ("First?", "Second?", "Third?", "Fourth?", "Fifth?", "Sixth?");
wrapup = "Thanks for joining #ICMIchat!";
"""


def watch_log(path, ids, seen, stop):
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


def iso_s(s):
    import calendar
    return calendar.timegm(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")) + float("0" + s[19:-1])


def one_chat(args, n):
    d = workdir("bench_masto_%d" % n)
    fake = Fake(d, "--speed", str(args.speed), "--auto-answer")
    mf = masto.MastoFake(d, "--answer", "ann:tag,ben:reply")
    try:
        creds = masto.creds_file(d)
        sched, date = masto.write_chat(
            d, time.gmtime(), TOPIC, ["x", "mastodon"],
            {"mastodon": '{ instance = "%s"; credentials = "%s"; }' % (mf.base, creds)},
            name='"bench"', time='"12:00"', duration="60", first_question="5",
            question_interval="8", capture_after="5")
        log = open(os.path.join(d, "bot.log"), "w")
        proc = start_bot(["run", "--once", "--rehearse=%g" % args.speed, "--date", date,
                          "--api-base", fake.base, sched], env=bot_env(), log=log)
        logpath = os.path.join(d, "logs", "bench", "rehearsal", date + ".jsonl")
        answers, seen, stop = {}, {}, []
        th = threading.Thread(target=watch_log, args=(logpath, answers, seen, stop), daemon=True)
        th.start()
        while proc.poll() is None:
            for s in mf.statuses():
                if s["account"]["acct"] != "chatbot" and s["id"] not in answers:
                    answers[s["id"]] = iso_s(s["created_at"])
            time.sleep(0.02)
        time.sleep(0.3)
        stop.append(1)
        th.join()
        log.close()
        rdir = os.path.join(d, "logs", "bench", "rehearsal")
        st_x = json.load(open(os.path.join(rdir, date + ".state.json")))
        st_m = json.load(open(os.path.join(rdir, date + ".mastodon.state.json")))
        due_x = sorted(p["due"] for p in st_x["posts"].values() if "due" in p)
        due_m = sorted(p["due"] for p in st_m["posts"].values() if "due" in p)
        arr_x = sorted(p["arrival"] for p in fake.posts())
        arr_m = sorted(r["t"] for r in mf.requests()
                       if r["method"] == "POST" and r["status"] == 200)
        late_x = [(a - b) * 1000 for a, b in zip(arr_x, due_x)]
        late_m = [(a - b) * 1000 for a, b in zip(arr_m, due_m)]
        delays = [(seen[i] - answers[i]) * 1000 for i in answers if i in seen]
        return late_x, late_m, delays, len(answers)
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
    lx, lm, dl, na = [], [], [], 0
    for n in range(args.runs):
        x, m, d, a = one_chat(args, n)
        lx += x
        lm += m
        dl += d
        na += a
    out = {"runs": args.runs, "speed": args.speed,
           "x_late_ms": summary(lx), "mastodon_late_ms": summary(lm),
           "mastodon_capture_delay_ms": summary(dl), "mastodon_answers": na,
           "mastodon_answers_logged": len(dl)}
    with open(args.out, "w") as f:
        json.dump(out, f, indent=1)
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
