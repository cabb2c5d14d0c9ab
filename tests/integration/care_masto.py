#!/usr/bin/env python3
"""The care watch on the fake Mastodon server, rehearsed at 20x: staff
handles match the way Mastodon writes accounts. The schedule names one
staff member bare ("mstaff") and one in full ("@care@127.0.0.1"); the
server gives the first's replies as "mstaff@127.0.0.1" (the full local
form, as snac does) and the second's as "care" (local). Both replies
answer their cases; a reply from "mstaff@evil.example" (the same name on
another instance) answers nothing, and its case is warned. A post that
names the event (watch.words, "Bar Expo": accents and case aside) without
a mention or a hashtag opens a case too (found by the instance's search);
one that only contains the letters ("BarExpos") does not."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import SLOW, sigterm_exits_0, Tap, run_bot, start_bot, workdir  # noqa: E402
from masto import MastoFake, creds_file  # noqa: E402

SPEED = 10 if SLOW else 20
MIN = 60.0 / SPEED           # a chat minute, in real seconds
t = Tap()
d = workdir("care_masto")
alerts = os.path.join(d, "alerts.txt")


def schedule(masto):
    path = os.path.join(d, "event.conf")
    with open(path, "w") as f:
        f.write('name = "icmi27";\ntimezone = "UTC";\nlogs = "%s";\n'
                'search_budget = 600;\n'
                'networks = [ "mastodon" ];\n'
                'mastodon = { instance = "%s"; credentials = "%s"; };\n'
                'notify = { command = "cat >> %s"; };\n'
                'watch = {\n'
                '  accounts = [ "@chatbot@127.0.0.1" ];\n'
                '  hashtags = [ "ICMI27" ];\n'
                '  words = [ "Bar Expo" ];\n'
                '  staff = { mastodon = [ "mstaff", "@care@127.0.0.1" ]; };\n'
                '  hours = ( { days = "daily"; from = "00:00"; to = "24:00"; } );\n'
                '  warn_after = 3;\n  sla = 5;\n'
                '};\n' % (os.path.join(d, "logs"), masto.base, creds_file(d), alerts))
    return path


def alert_lines():
    return open(alerts).read().splitlines() if os.path.exists(alerts) else []


masto = MastoFake(d)
try:
    sched = schedule(masto)
    st, out, err = run_bot(["check", sched])
    t.ok(st == 0, "check: staff handles in both forms are valid", out + err)
    logf = open(os.path.join(d, "watch.log"), "w")
    p = start_bot(["watch", "--rehearse=%d" % SPEED, sched], log=logf)
    time.sleep(MIN / 2)
    ann = masto.post("ann", "@chatbot my badge is wrong")
    ben = masto.post("ben", "@chatbot the wifi is down #ICMI27")
    cat = masto.post("cat", "@chatbot where is room B?")
    dee = masto.post("dee", "The keynote room at BAR EXPÓ is far too hot")
    masto.post("eve", "who else collects BarExpos stickers")
    fay = masto.post("fay", "@chatbot I lost my scarf in hall C")
    # a direct message: a private case, its words kept nowhere
    masto.post("gus", "@chatbot my card number is 4111-SECRET", visibility="direct")
    time.sleep(MIN / 2)
    masto.post("mstaff@127.0.0.1", "@ann at the desk by the door", reply_to=ann["id"])
    masto.post("care", "@ben fixed, sorry #ICMI27", reply_to=ben["id"])
    masto.post("mstaff@evil.example", "@cat it is in the basement", reply_to=cat["id"])
    # a staff quote post (not a reply) answers the case it quotes
    masto.post("care", "Found a scarf in hall C: come to the desk", quote_of=fay["id"])
    time.sleep(4 * MIN)     # warned at 3 min
    sigterm_exits_0(t, p, "SIGTERM: exit 0", limit=20)
    lines = alert_lines()
    who = [ln.split("@", 1)[1].split(" ", 1)[0] for ln in lines if "@" in ln]
    t.ok("ann" not in who, "a reply from mstaff@127.0.0.1 (staff \"mstaff\") answers: "
         "no alert", lines)
    t.ok("ben" not in who, "a reply from care (staff \"@care@127.0.0.1\") answers: "
         "no alert", lines)
    t.ok("cat" in who, "a reply from mstaff@evil.example answers nothing: warned", lines)
    t.ok("fay" not in who, "a staff quote post answers the case it quotes: no alert", lines)
    t.ok("gus" in who and not any("SECRET" in ln for ln in lines),
         "a direct message opens a case, alerted without its words", lines)
    t.ok("dee" in who and "eve" not in who,
         "a post naming the event (watch.words) opens a case; a look-alike word does not",
         lines)
    care = os.path.join(d, "logs", "icmi27", "rehearsal", "care")
    st, out, err = run_bot(["report", "--care", "--format", "json", care])
    rep = json.loads(out) if st == 0 else {}
    nets = {r["net"]: (r["cases"], r["answered"]) for r in rep.get("per_network", [])}
    t.eq(nets, {"mastodon": (6, 3)}, "the report: six cases, three answered by staff")
    found = {r["found"]: r["cases"] for r in rep.get("found_by", [])}
    t.eq(found, {"mention": 4, "words": 1, "direct": 1},
         "the report says how each case was found")
    secret = [f for f in os.listdir(care) if "SECRET" in open(os.path.join(care, f)).read()]
    outs = [run_bot(["report", "--care", "--format", fm, care])[1] for fm in
            ("text", "csv", "json", "html")]
    t.ok(not secret and not any("SECRET" in o for o in outs) and
         not any("SECRET" in open(os.path.join(d, f), errors="replace").read()
                 for f in os.listdir(d) if f.endswith(".log")),
         "the direct message's words are in no log, report or alert", secret)
    log = open(logf.name).read()
    t.ok("staff" in log and "mstaff@evil.example" not in
         [ln.split("answered by ")[-1].split()[0] for ln in log.splitlines()
          if "answered by " in ln], "the impostor is never named as the one who answered",
         log[-2000:])
finally:
    masto.stop()
t.done()
