#!/usr/bin/env python3
"""Hostile neighbours (issue 30, item 2): a user sharing the machine plants
symbolic links where chathost writes. --out through a planted link is
refused and the file it names is untouched; a planted DATE.jsonl link in
the logs folder is never cut or appended to; check and run warn of a logs
folder other users may write into."""
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import ROOT, Fake, Tap, run_bot, workdir, write_schedule  # noqa: E402
from chatcheck import DATE  # noqa: E402

t = Tap()
d = workdir("hostile_files")
logs = os.path.join(d, "logs", "icmichat")
shutil.copytree(os.path.join(ROOT, "tests", "data", "logs", "icmichat"), logs)
victim = os.path.join(d, "victim.conf")
VICTIM = 'name = "victim"; // the other user\'s file, no newline at the end'
with open(victim, "w") as f:
    f.write(VICTIM)
shared = os.path.join(d, "shared")
os.makedirs(shared)
os.chmod(shared, 0o777)

# ---- --out through a planted link --------------------------------------------
for cmd in (["report", "--format", "html"], ["recap", "--format", "html"]):
    out = os.path.join(shared, "%s.html" % cmd[0])
    os.symlink(os.path.relpath(victim, shared), out)
    src = logs if cmd[0] == "report" else os.path.join(logs, "2026-12-01.jsonl")
    st, so, err = run_bot(cmd + ["--out", out, src])
    t.ok(st != 0 and "symbolic link" in err,
         "%s --out onto a planted link: refused (exit %d)" % (cmd[0], st), err)
    t.ok(open(victim).read() == VICTIM and os.path.islink(out),
         "%s: the file the link names is untouched, the link left as it was" % cmd[0])
# a device the user names is still written into
st, so, err = run_bot(["report", "--out", "/dev/stdout", logs])
t.ok(st == 0 and "Participants" in so, "--out /dev/stdout still writes to standard output", err)

# ---- a planted DATE.jsonl link in a shared logs folder -----------------------
d2 = workdir("hostile_files_run")
fake = Fake(d2, "--speed", "600")
try:
    sched = write_schedule(d2, capture_after="1")
    chat = os.path.join(d2, "logs", "testchat", "rehearsal")
    os.makedirs(chat)
    os.chmod(os.path.join(d2, "logs"), 0o777)
    os.symlink(victim, os.path.join(chat, DATE + ".jsonl"))
    st, so, err = run_bot(["check", "--now", DATE + "T00:00:00Z", sched])
    t.ok("writable by other users" in err and ("%s:" % sched) in err,
         "check warns of the logs folder others may write into, at its line", err)
    st, so, err = run_bot(["run", "--once", "--rehearse=600", "--date", DATE,
                           "--api-base", fake.base, sched], timeout=120)
    t.ok("writable by other users" in err, "run warns of it too", err[-1500:])
    t.ok(st != 0 and "symbolic link" in err,
         "run refuses the planted log link (exit %d)" % st, err[-1500:])
    t.eq(open(victim).read(), VICTIM, "the file the link names is neither cut nor appended to")
finally:
    fake.stop()
t.done()
