#!/usr/bin/env python3
"""Chat day: the report never destroys or misreports. --out refuses to
write over one of its inputs, a log or a state file; a chat whose posts
were not made says it was not hosted, with the reasons; rehearsal logs
given beside real chats are left out unless --rehearsals; a file that is
not a log is an error (exit 1), never "Chat of 0000-00-00"."""
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import ROOT, Tap, run_bot, workdir  # noqa: E402

t = Tap()
d = workdir("chatday_report")
logs = os.path.join(d, "logs", "icmichat")
shutil.copytree(os.path.join(ROOT, "tests", "data", "logs", "icmichat"), logs)
log = os.path.join(logs, "2026-12-01.jsonl")
orig = open(log, "rb").read()

# ---- --out never replaces an input, a log or a state file -------------------
state = os.path.join(logs, "2026-12-01.state.json")
with open(state, "w") as f:
    json.dump({"version": 1, "date": "2026-12-01"}, f)
notes = os.path.join(d, "notes.txt")
shutil.copy(log, notes)
for out, what in ((log, "the log itself"),
                  (os.path.join(logs, "2026-12-08.jsonl"), "any .jsonl file"),
                  (state, "a state file"),
                  (os.path.join(logs, ".lock"), "the chat's lock (a second run would start)"),
                  (os.path.join(logs, "2026-12-01.control.json"), "a control file"),
                  (notes, "an input with another name")):
    args = ["report", "--out", out, notes if out == notes else logs]
    st, so, err = run_bot(args)
    t.ok(st == 2 and "refusing to write over" in err,
         "--out %s: refused, exit 2 (%d)" % (what, st), err)
t.ok(open(log, "rb").read() == orig and open(notes, "rb").read() == orig,
     "the log and the input are untouched")
t.ok(json.load(open(state)) == {"version": 1, "date": "2026-12-01"}, "so is the state")
st, so, err = run_bot(["report", "--out", os.path.join(d, "r.html"), "--format", "html", logs])
t.ok(st == 0 and os.path.getsize(os.path.join(d, "r.html")) > 1000,
     "a new file is written as before", err)

# ---- a chat whose posts were not made ----------------------------------------
nh = os.path.join(d, "nothosted")
os.makedirs(nh)
with open(os.path.join(nh, "2026-12-08.jsonl"), "w") as f:
    for k in ("intro", "q1", "wrapup"):
        f.write(json.dumps({"kind": "event", "event": "skipped", "at": "2026-12-08T18:00:00.000Z",
                            "key": k, "reason": "duplicate"}) + "\n")
with open(os.path.join(nh, "2026-12-08.state.json"), "w") as f:
    json.dump({"version": 1, "date": "2026-12-08", "posts": {
        k: {"text": "x", "intent_at": 1.0, "skipped": "duplicate"} for k in ("intro", "q1", "wrapup")}}, f)
st, so, err = run_bot(["report", nh])
t.ok(st == 0 and "NOT HOSTED" in so and "intro (duplicate)" in so,
     "a chat none of whose posts was made says it was not hosted, and why", so[:800] + err)
st, so, err = run_bot(["report", "--format", "json", nh])
chat = json.loads(so)["chats"][-1] if st == 0 else {}
t.ok(chat.get("hosted") is False and "q1 (duplicate)" in (chat.get("not_posted") or ""),
     "the json says hosted: false with the posts not made", chat)
st, so, err = run_bot(["report", "--format", "html", nh])
t.ok("Not hosted:" in so, "the html says so too")
# the topic file was missing: the bot recorded the reason
with open(os.path.join(nh, "2026-12-08.state.json"), "w") as f:
    json.dump({"version": 1, "date": "2026-12-08",
               "not_hosted": "its topic file topics/2026-12-08.conf is missing"}, f)
with open(os.path.join(nh, "2026-12-08.jsonl"), "w") as f:
    f.write(json.dumps({"kind": "event", "event": "not_hosted", "at": "2026-12-08T18:00:00.000Z",
                        "reason": "its topic file topics/2026-12-08.conf is missing"}) + "\n")
st, so, err = run_bot(["report", nh])
t.ok(st == 0 and "NOT HOSTED: its topic file topics/2026-12-08.conf is missing" in so,
     "a chat not hosted for a missing topic file says so", so[:600])

# ---- rehearsal logs are not counted as real chats unless asked --------------
reh = os.path.join(logs, "rehearsal")
os.makedirs(reh)
shutil.copy(log, os.path.join(reh, "2026-12-08.jsonl"))
with open(os.path.join(reh, "2026-12-08.state.json"), "w") as f:
    json.dump({"version": 1, "date": "2026-12-08",
               "rehearsal": {"start": 1.0, "speed": 60, "base": 1.0}}, f)
st, so, err = run_bot(["report", "--format", "json", logs, os.path.join(reh, "2026-12-08.jsonl")])
dates = [c["date"] for c in json.loads(so)["chats"]] if st == 0 else []
t.ok(st == 0 and "2026-12-08" not in dates and "rehearsal log left out" in err,
     "a rehearsal beside real chats is left out, with a note (%s)" % dates, err)
st, so, err = run_bot(["report", "--rehearsals", "--format", "json", logs,
                       os.path.join(reh, "2026-12-08.jsonl")])
dates = [c["date"] for c in json.loads(so)["chats"]] if st == 0 else []
t.ok(st == 0 and "2026-12-08" in dates, "--rehearsals counts it", err)
st, so, err = run_bot(["report", reh])
t.ok(st == 0 and "rehearsal at 60x" in so, "a rehearsal alone is reported, marked as one", err)

# ---- a file that is not a log -------------------------------------------------
other = os.path.join(d, "readme.txt")
with open(other, "w") as f:
    f.write("This is not a log.\nJust some notes.\n")
st, so, err = run_bot(["report", other])
t.ok(st == 1 and "not a chathost log" in err and "0000-00-00" not in so,
     "a text file: exit 1, not a chat of 0000-00-00 (%d)" % st, err + so[:300])
bad = os.path.join(d, "bad", "2026-12-15.jsonl")
os.makedirs(os.path.dirname(bad))
with open(bad, "w") as f:
    f.write("hello\nworld\n")
st, so, err = run_bot(["report", bad])
t.ok(st == 1 and "not a chathost log" in err, "a dated file with no log line: exit 1 (%d)" % st, err)
t.done()
