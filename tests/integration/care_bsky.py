#!/usr/bin/env python3
"""The care watch on the Bluesky reference servers (PLC, PDS, AppView on
PostgreSQL) and on the fake Mastodon server at once, rehearsed at 20x:
attendees mention the event's account or use its hashtag on both
networks; staff answer one in a minute, one never; a staff post that is
no reply opens nothing; a staff handle with no account leaves the others
watched; the watch is killed and restarted mid-event.
Every alert arrives once at its threshold, per network; one network
failing to start never stops the other's watch."""
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import SLOW, Tap, run_bot, start_bot, workdir  # noqa: E402
from bsky import BskyNet, creds_file  # noqa: E402
from masto import MastoFake, creds_file as masto_creds  # noqa: E402

SPEED = 10 if SLOW else 20  # warn_after 3 min = 9 s: room for the AppView to index
MIN = 60.0 / SPEED           # a chat minute, in real seconds
BOT, ANA, BO, STAFF = "eventbot.test", "anabel.test", "bobby.test", "carers.test"
t = Tap()
d = workdir("care_bsky")
alerts = os.path.join(d, "alerts.txt")


def schedule(net, masto):
    creds = creds_file(d, BOT, net.by_handle[BOT]["app_password"])
    mcreds = masto_creds(d)
    path = os.path.join(d, "event.conf")
    with open(path, "w") as f:
        f.write('name = "icmi27";\ntimezone = "UTC";\nlogs = "%s";\n'
                'search_budget = 600;\n'
                'networks = [ "bluesky", "mastodon" ];\n'
                'bluesky = { service = "%s"; credentials = "%s"; };\n'
                'mastodon = { instance = "%s"; credentials = "%s"; };\n'
                'notify = { command = "cat >> %s"; };\n'
                'watch = {\n'
                '  accounts = { bluesky = [ "%s" ]; mastodon = [ "chatbot" ]; };\n'
                '  hashtags = [ "ICMI27" ];\n'
                '  words = [ "Bar Expo" ];\n'
                '  staff = { bluesky = [ "%s", "nobody.test" ]; mastodon = [ "ann", "nobody" ]; };\n'
                '  hours = ( { days = "daily"; from = "00:00"; to = "24:00"; } );\n'
                '  warn_after = 3;\n  sla = 5;\n'
                '};\n' % (os.path.join(d, "logs"), net.pds, creds, masto.base, mcreds,
                          alerts, BOT, STAFF))
    return path


def alert_lines():
    return open(alerts).read().splitlines() if os.path.exists(alerts) else []


def strong(p):
    return {"uri": p["uri"], "cid": p["cid"]}


with BskyNet([BOT, ANA, BO, STAFF], d, shared=True) as net:
    masto = MastoFake(d)
    try:
        sched = schedule(net, masto)
        st, out, err = run_bot(["check", sched])
        t.ok(st == 0, "check: the watch over Bluesky and Mastodon is valid", out + err)
        logf = open(os.path.join(d, "watch1.log"), "w")
        p = start_bot(["watch", "--rehearse=%d" % SPEED, sched], log=logf)
        time.sleep(MIN / 2)
        q1 = net.post(ANA, "@%s where is the keynote room?" % BOT,
                      facets=None)
        q2 = net.post(BO, "the coffee ran out #ICMI27")
        net.post(STAFF, "Good morning #ICMI27!")                  # no reply
        # names the event in words only: a case (searchPosts, kept as
        # whole words); the look-alike is not one. (The reference AppView
        # searches a case-sensitive substring, bsky.app's search words in
        # any case: the post writes the phrase as the schedule does.)
        q3 = net.post(ANA, "the keynote room at Bar Expo is far too hot")
        net.post(BO, "who else collects Bar Expos stickers")
        m1 = masto.call("POST", "/_fake/statuses",
                        {"acct": "ben", "text": "@chatbot my badge is wrong #ICMI27"})
        time.sleep(MIN / 3)
        net.post(STAFF, "@%s room A, left of the stairs" % ANA,
                 reply={"root": strong(q1), "parent": strong(q1)})
        # a staff quote post (no reply) answers the case it quotes
        net.post(STAFF, "Opening the windows in the keynote room now", quote=strong(q3))
        time.sleep(3 * MIN)   # warned at 3 min; then the watch dies
        p.send_signal(signal.SIGKILL)
        p.wait()
        logf2 = open(os.path.join(d, "watch2.log"), "w")
        p = start_bot(["watch", "--rehearse=%d" % SPEED, sched], log=logf2)
        time.sleep(8 * MIN / 3)  # breached at 5 min
        p.send_signal(signal.SIGTERM)
        try:
            rc = p.wait(20)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = None
        t.eq(rc, 0, "SIGTERM: exit 0")
        lines = alert_lines()
        by = {}
        for ln in lines:
            who = ln.split("@", 1)[1].split(" ", 1)[0]
            by.setdefault(who, []).append("breach" if ln.startswith("SLA") else "warn")
        t.eq(by.get(ANA), None, "answered in a minute on Bluesky: no alert")
        t.ok(by.get(BO) == ["warn", "breach"], "never answered on Bluesky: warned and "
             "breached, once each across the kill", lines)
        t.ok(by.get("ben") == ["warn", "breach"], "never answered on Mastodon: warned and "
             "breached, once each", lines)
        t.ok(all(STAFF not in ln.split(":")[1][:40] for ln in lines),
             "a staff post that is no reply opens no case", lines)
        care = os.path.join(d, "logs", "icmi27", "rehearsal", "care")
        st, out, err = run_bot(["report", "--care", "--format", "json", care])
        rep = json.loads(out) if st == 0 else {}
        nets = {r["net"]: (r["cases"], r["answered"]) for r in rep.get("per_network", [])}
        t.eq(nets, {"bluesky": (3, 2), "mastodon": (1, 0)},
             "the report per network: cases and answers on each (a quote answers)")
        found = {r["found"]: r["cases"] for r in rep.get("found_by", [])}
        t.eq(found, {"mention": 2, "hashtag": 1, "words": 1},
             "a post naming the event in words only opened a case, found by words")
        t.ok(m1 and all("ben" not in x or "Mastodon" in x for x in lines),
             "the Mastodon alert names its network", lines)
    finally:
        masto.stop()
t.done()
