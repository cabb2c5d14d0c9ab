#!/usr/bin/env python3
"""Chat day: nothing is posted that cannot be recorded. The log folder is
a small tmpfs (root: mount). It fills up after the intro: while the state
cannot be written no post is made (the notifier is told once), the bot is
killed, space is freed, and the restart looks up what it does not know:
every post the server made is in the state and in the log, none was made
twice, none of them is reported as skipped. A torn last log line is cut
away on restart and its post captured again."""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Fake, Tap, read_log, run_bot, start_bot, workdir  # noqa: E402
from chatcheck import created_counts, post_records, state_of  # noqa: E402
from chatday import host_ids_of, short_chat, wait_until  # noqa: E402

t = Tap()
SPEED = 60
d = workdir("chatday_disk")
logs = os.path.join(d, "logs")
os.makedirs(logs)
mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", logs],
                         capture_output=True, text=True)
if not t.ok(mounted.returncode == 0, "a 256 KiB tmpfs for the logs (needs root)",
            mounted.stderr):
    t.done()
fake = Fake(d, "--speed", str(SPEED), "--auto-answer")
p = None
try:
    notes = os.path.join(d, "notes.txt")
    sched, date, _ = short_chat(d, time.time() + 86400,
                                notify='{ command = "cat >> %s"; }' % notes)
    sdir = os.path.join(logs, "testchat", "rehearsal")
    spath, lpath = os.path.join(sdir, date + ".state.json"), os.path.join(sdir, date + ".jsonl")
    args = ["run", "--once", "--rehearse=%d" % SPEED, "--date", date,
            "--api-base", fake.base, sched]
    out = os.path.join(d, "bot1.log")
    p = start_bot(args, log=open(out, "w"))

    def made():
        return sum(1 for r in post_records(fake) if r.get("status") == 201)

    t.ok(wait_until(lambda: made() >= 1, 30), "the intro was posted")
    fill = os.path.join(logs, "filler")
    subprocess.run(["dd", "if=/dev/zero", "of=" + fill, "bs=4k"], capture_output=True)
    n_full = made()
    # Q1..Q3 fall due while the disk is full (1 chat minute = 1 s); Q1's
    # intent may have been written (1 s ahead) just before it filled
    time.sleep(3.5)
    t.ok(made() <= n_full + 1,
         "no post is made while the state cannot be written (%d, then %d)" % (n_full, made()))
    text = open(out).read()
    t.ok("cannot write state" in text and "not posted: its intent cannot be recorded" in text,
         "the output says why", text[-1200:])
    # (the notifier runs only for real chats; a rehearsal says it on stderr)
    p.send_signal(signal.SIGKILL)
    p.wait()
    os.unlink(fill)
    st, out2, err = run_bot(args, timeout=120)
    ok, dup = created_counts(fake)
    t.ok(not dup and all(v == 1 for v in ok.values()),
         "after freeing space and restarting, no post was made twice", (ok, dup))
    state = state_of(spath)
    ids = host_ids_of(fake)
    in_state = set(v.get("id") for v in state["posts"].values() if v.get("id"))
    t.eq(sorted(ids - in_state), [], "every post the server made is in the state")
    log = read_log(lpath)
    host_ids = set(l["id"] for l in log if l.get("kind") == "host")
    t.eq(sorted(ids - host_ids), [], "and in the log")
    skipped = {k: v.get("skipped") for k, v in state["posts"].items() if v.get("skipped")}
    t.ok(all(state["posts"][k].get("id") is None for k in skipped),
         "no post that was made is reported as skipped", skipped)

    # a torn last line: cut away on restart, its post captured again
    answers = [l for l in log if l.get("kind") != "host" and l.get("kind") != "event"]
    t.ok(answers, "answers were captured (%d)" % len(answers))
    raw = open(lpath, "rb").read()
    last_answer = answers[-1]
    lines = raw.split(b"\n")
    keep = [l for l in lines if l and json.loads(l).get("id") != last_answer["id"]]
    torn = json.dumps(last_answer).encode()[:40]
    with open(lpath, "wb") as f:
        f.write(b"\n".join(keep) + b"\n" + torn)
    st, out3, err3 = run_bot(["run", "--backfill", "--full", "--rehearse", "--date", date,
                              "--api-base", fake.base, sched], timeout=120)
    raw2 = open(lpath, "rb").read()
    t.eq(st, 0, "the backfill after a torn line: exit 0")
    t.ok(torn not in raw2 and raw2.endswith(b"\n"), "the torn fragment was cut away")
    again = [l for l in read_log(lpath) if l.get("id") == last_answer["id"]]
    t.eq(len(again), 1, "and its post is in the log again, once")

    # the disk stays full to the chat's end: the last lines say what was
    # not posted and how many bytes of the log could not be written
    sched3, _, topic3 = short_chat(d, time.time() + 86400, name="fullchat")
    with open(topic3) as f:  # other texts: X refuses duplicates
        other = f.read().replace("peeve", "win")
    with open(topic3, "w") as f:
        f.write(other)
    args3 = ["run", "--once", "--rehearse=%d" % SPEED, "--date", date,
             "--api-base", fake.base, sched3]
    out = os.path.join(d, "bot3.log")
    before = made()
    p = start_bot(args3, log=open(out, "w"))
    t.ok(wait_until(lambda: made() >= before + 2, 30), "a second chat got to Q1")
    subprocess.run(["dd", "if=/dev/zero", "of=" + fill, "bs=4k"], capture_output=True)
    # answers enough to need new pages of the full tmpfs (a line that fits
    # in the log's last page would still be written)
    fake.call("POST", "/_fake/tweets", {"tweets": [
        {"username": "late_%d" % i, "text": "A1: %s #ICMIchat" % ("word " * 50)}
        for i in range(40)]})
    st = p.wait(120)
    text = open(out).read()
    t.eq(st, 3, "a chat that ends with the disk full exits 3")
    t.ok("were not posted" in text and "state not writable" in text,
         "its last lines list the posts not made", text[-1500:])
    t.ok("bytes of the log" in text and "could not be written" in text,
         "and count the bytes of the log that could not be written", text[-1500:])
    os.unlink(fill)
finally:
    if p and p.poll() is None:
        p.kill()
    fake.stop()
    subprocess.run(["umount", "-l", logs])
t.done()
