#!/usr/bin/env python3
"""chat.py - a whole chat. `chathost run --once
--rehearse=SPEED` of bench/schedules/chat.conf (60 minutes, 18 questions
3 minutes apart, capture for 2 minutes after the wrap-up, the default
search budget: 60 requests per 15 chat minutes) against the fake X API
with a participants script that posts 2,000 answers (111 to each question,
spread over its 3 minutes, one in five a reply in the thread without the
hashtag, and 2 greetings after the intro).

Measured per chat:
  * CPU seconds of the chathost process (user + system, from wait4's
    rusage of the child);
  * posts read from the API per post logged (the state's capture.reads /
    capture.logged, and the bot's closing line "captured N posts (M read)");
  * the delay from each answer's creation (the instant in its snowflake id,
    milliseconds) to its line appearing in the log, seen by polling the log
    file every 10 ms (no inotify): median and p90, in real milliseconds and
    times SPEED (the same delay in chat time, i.e. at the default budget
    in a real chat; the polling interval scales with SPEED, so this is the
    real-time figure it stands for).

RUNS chats run at once (default 5), each with its own fake server, so the
whole takes about one chat's time (70 s at 60x); CPU seconds are per
process and barely depend on that, the delays do (they include waiting for
a CPU). Writes OUT (JSON) for results.py.

    bench/chat.py [--runs 5] [--speed 60] OUT.json
"""
import argparse
import json
import os
import re
import subprocess
import sys
import threading
import time

import benchlib as B

SCHED = os.path.join(B.BENCH, "schedules", "chat.conf")
PER_QUESTION = 111
QUESTIONS = 18


def participants(path):
    """2,000 answers: 111 per question over its 3 minutes, 2 after the intro."""
    users = [{"username": "bench_u%02d" % i, "name": "Bench User %d" % i} for i in range(50)]
    onq = []
    for k in range(PER_QUESTION):
        u = users[k % len(users)]["username"]
        after = round(0.05 + k * 2.85 / PER_QUESTION, 4)
        if k % 5 == 4:
            onq.append({"user": u, "after": after, "kind": "reply_question",
                        "text": "A{n} reply %d from {username}: we keep it short" % k})
        else:
            onq.append({"user": u, "after": after, "kind": "post",
                        "text": "A{n}: answer %d from {username}, fast and right {hashtag}" % k})
    script = {"hashtag": "#ICMIchat", "users": users,
              "on_intro": [{"user": users[0]["username"], "after": 0.5, "kind": "post",
                            "text": "Hi all, here for the chat {hashtag}"},
                           {"user": users[1]["username"], "after": 1.0, "kind": "reply_intro",
                            "text": "Hello from the support team!"}],
              "on_question": onq, "on_wrapup": []}
    with open(path, "w") as f:
        json.dump(script, f)
    return QUESTIONS * PER_QUESTION + 2


class Watcher(threading.Thread):
    """Polls a growing JSON Lines file every 10 ms; notes when each id's
    line first appears (wall clock)."""

    def __init__(self, path):
        super().__init__(daemon=True)
        self.path, self.seen, self.stop = path, {}, threading.Event()
        self.kinds = {}

    def run(self):
        off, part = 0, b""
        while True:
            last = self.stop.is_set()
            try:
                with open(self.path, "rb") as f:
                    f.seek(off)
                    data = f.read()
            except OSError:
                data = b""
            now = time.time()
            if data:
                off += len(data)
                lines = (part + data).split(b"\n")
                part = lines.pop()
                for line in lines:
                    m = re.search(rb'"id":"(\d+)"', line)
                    k = re.search(rb'"kind":"(\w+)"', line)
                    if m and m.group(1) not in self.seen:
                        self.seen[m.group(1).decode()] = now
                        self.kinds[m.group(1).decode()] = k.group(1).decode() if k else "?"
            if last:
                return
            time.sleep(0.01)


def start_chat(i, speed, script):
    d = B.workdir("chat%d" % i)
    fake = B.Fake(d, "--speed", "%g" % speed, "--participants", script,
                  "--search-limit", "100000")
    sched = B.schedule_copy(SCHED, d)
    logpath = os.path.join(d, "logs", "benchchat", "rehearsal", B.DATE + ".jsonl")
    w = Watcher(logpath)
    w.start()
    err = open(os.path.join(d, "chathost.err"), "w")
    p = subprocess.Popen([B.BIN, "run", "--once", "--rehearse=%g" % speed, "--date", B.DATE,
                          "--api-base", fake.base, sched], env=B.bot_env(),
                         stdout=subprocess.DEVNULL, stderr=err)
    return {"d": d, "fake": fake, "p": p, "w": w, "err": err, "t0": time.time(),
            "state": os.path.join(d, "logs", "benchchat", "rehearsal", B.DATE + ".state.json"),
            "log": logpath}


def finish_chat(c, speed, planned):
    _, status, ru = os.wait4(c["p"].pid, 0)
    c["p"].returncode = os.waitstatus_to_exitcode(status)
    wall = time.time() - c["t0"]
    c["w"].stop.set()
    c["w"].join()
    c["err"].close()
    stderr = open(os.path.join(c["d"], "chathost.err")).read()
    if c["p"].returncode != 0:
        raise RuntimeError("chathost exited %d: %s" % (c["p"].returncode, stderr[-2000:]))
    tweets = c["fake"].tweets()
    answers = {t["id"] for t in tweets if t.get("username", "").startswith("bench_u")}
    cap = json.load(open(c["state"])).get("capture", {})
    delays = [(c["w"].seen[i] - B.id_ms(i)) * 1000.0 for i in answers if i in c["w"].seen]
    m = re.search(r"captured (\d+) posts \((\d+) read\)", stderr)
    lines = sum(1 for _ in open(c["log"]))
    return {"cpu_s": ru.ru_utime + ru.ru_stime, "user_s": ru.ru_utime, "sys_s": ru.ru_stime,
            "maxrss_kB": ru.ru_maxrss, "wall_s": wall,
            "answers_posted": len(answers), "answers_planned": planned,
            "answers_logged": sum(1 for i in answers if i in c["w"].seen),
            "log_lines": lines, "reads": cap.get("reads"), "logged": cap.get("logged"),
            "requests": cap.get("requests"),
            "closing": m.group(0) if m else None,
            "reads_per_logged": (cap.get("reads", 0) / cap["logged"]) if cap.get("logged") else None,
            "delay_ms": {"median": B.median(delays), "p90": B.percentile(delays, 90),
                         "max": max(delays), "min": min(delays), "n": len(delays)} if delays else None}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--speed", type=float, default=60)
    ap.add_argument("out")
    a = ap.parse_args()
    os.makedirs(B.OUT, exist_ok=True)
    script = os.path.join(B.OUT, "participants-2000.json")
    planned = participants(script)
    res = {"speed": a.speed, "runs": [], "load_before": os.getloadavg(), "concurrent": a.runs}
    chats = []
    try:
        for i in range(a.runs):
            chats.append(start_chat(i, a.speed, script))
        for i, c in enumerate(chats):
            r = finish_chat(c, a.speed, planned)
            res["runs"].append(r)
            print("chat: run %d/%d: %.3f CPU s, %d/%d answers logged, %s read/logged, "
                  "delay median %.0f ms" % (i + 1, a.runs, r["cpu_s"], r["answers_logged"],
                                            r["answers_posted"], r["reads_per_logged"],
                                            r["delay_ms"]["median"] if r["delay_ms"] else -1),
                  file=sys.stderr)
    finally:
        for c in chats:
            if c["p"].poll() is None:
                c["p"].terminate()
                c["p"].wait()
            c["fake"].stop()
    res["load_after"] = os.getloadavg()
    B.save(a.out, res)
    if not os.environ.get("BENCH_KEEP"):
        for c in chats:
            B.clean(c["d"])
    return 0


if __name__ == "__main__":
    sys.exit(main())
