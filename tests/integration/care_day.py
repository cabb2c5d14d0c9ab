#!/usr/bin/env python3
"""A scripted event day for the care watch (issue 35's done-when): 30
cases over X (the fake), Bluesky (the reference servers) and Mastodon
(the fake), rehearsed at 20x. On each network ten attendees' posts (a
mention, a hashtag or the event's name in words), four answered by staff
in a minute, three after seven minutes (past the SLA), three never. The
care report's figures (cases, answered, within the SLA, per network,
per category, how found) match the hand count of the script."""
import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import SLOW, sigterm_exits_0, Fake, Tap, run_bot, start_bot, workdir  # noqa: E402
from bsky import BskyNet, creds_file  # noqa: E402
import masto  # noqa: E402

SPEED = 10 if SLOW else 20
MIN = 60.0 / SPEED
BOT, STAFF = "daybot.test", "daystaff.test"
PEOPLE = ["dayana.test", "daybo.test", "daycy.test"]
TOPICS = [("the wifi keeps dropping", "wifi"), ("my badge has the wrong name", "registration"),
          ("this room is so hot", "room temperature"), ("where is the cloakroom", None)]
# per case on a network: how it is found, and when staff answer (minutes; None: never)
PLAN = [("mention", 1), ("hashtag", 1), ("words", 1), ("mention", 1),
        ("mention", 7), ("hashtag", 7), ("words", 7),
        ("mention", None), ("hashtag", None), ("words", None)]
t = Tap()
d = workdir("care_day")
alerts = os.path.join(d, "alerts.txt")


def text_of(i, how):
    """Case i's post, found by how ({bot}: the event account's handle)."""
    fmt = {"mention": "@{bot} %s (%d)", "hashtag": "%s #DayConf (%d)",
           "words": "at Day Expo %s (%d)"}[how]
    return fmt % (TOPICS[i % len(TOPICS)][0], i)


def schedule(net, fm):
    creds = creds_file(d, BOT, net.by_handle[BOT]["app_password"])
    path = os.path.join(d, "event.conf")
    with open(path, "w") as f:
        f.write('name = "dayconf";\ntimezone = "UTC";\nlogs = "%s";\n'
                'search_budget = 900;\n'
                'networks = [ "x", "bluesky", "mastodon" ];\n'
                'bluesky = { service = "%s"; credentials = "%s"; };\n'
                'mastodon = { instance = "%s"; credentials = "%s"; };\n'
                'notify = { command = "cat >> %s"; };\n'
                'watch = {\n'
                '  accounts = { x = [ "@chathost_demo" ]; bluesky = [ "%s" ];'
                ' mastodon = [ "chatbot" ]; };\n'
                '  hashtags = [ "DayConf" ];\n  words = [ "Day Expo" ];\n'
                '  staff = { x = [ "care_ana" ]; bluesky = [ "%s" ]; mastodon = [ "care" ]; };\n'
                '  hours = ( { days = "daily"; from = "00:00"; to = "24:00"; } );\n'
                '  warn_after = 3;\n  sla = 5;\n'
                '  categories = ( { name = "wifi"; words = [ "wifi" ]; },\n'
                '                 { name = "registration"; words = [ "badge" ]; },\n'
                '                 { name = "room temperature"; words = [ "hot" ]; } );\n'
                '};\n' % (os.path.join(d, "logs"), net.pds, creds, fm.base,
                          masto.creds_file(d), alerts, BOT, STAFF))
    return path


with BskyNet([BOT, STAFF] + PEOPLE, workdir("care_day_bsky"), shared=True) as net:
    fx = Fake(d, "--speed", str(SPEED))
    fm = masto.MastoFake(d)
    p = None
    try:
        sched = schedule(net, fm)
        st, out, err = run_bot(["check", sched])
        t.ok(st == 0, "check: the event's watch over three networks is valid", out + err)
        logf = open(os.path.join(d, "watch.log"), "w")
        p = start_bot(["watch", "--rehearse=%d" % SPEED, "--api-base", "x=" + fx.base,
                       "--api-base", "bluesky=" + net.pds, sched], log=logf)
        time.sleep(MIN / 2)
        posted = {"x": [], "bluesky": [], "mastodon": []}
        t0 = time.time()
        for i, (how, _) in enumerate(PLAN):
            txt = text_of(i, how)
            posted["x"].append(fx.call("POST", "/_fake/tweets", {
                "username": "day_att%d" % i,
                "text": txt.format(bot="chathost_demo")})["data"][0])
            posted["bluesky"].append(net.post(PEOPLE[i % 3], txt.format(bot=BOT)))
            posted["mastodon"].append(fm.post("att%d" % i, txt.format(bot="chatbot")))

        def answer(minute):
            for i, (how, when) in enumerate(PLAN):
                if when != minute:
                    continue
                x, b, m = posted["x"][i], posted["bluesky"][i], posted["mastodon"][i]
                fx.call("POST", "/_fake/tweets", {"username": "care_ana", "in_reply_to": x["id"],
                                                  "text": "@day_att%d on it" % i})
                ref = {"uri": b["uri"], "cid": b["cid"]}
                net.post(STAFF, "on it", reply={"root": ref, "parent": ref})
                fm.post("care", "@att%d on it" % i, reply_to=m["id"])
        time.sleep(max(0, t0 + 1 * MIN - time.time()))
        answer(1)
        time.sleep(max(0, t0 + 7 * MIN - time.time()))
        answer(7)
        time.sleep(max(0, t0 + 9 * MIN - time.time()))
        sigterm_exits_0(t, p, "SIGTERM: exit 0", limit=30)
        care = os.path.join(d, "logs", "dayconf", "rehearsal", "care")
        st, out, err = run_bot(["report", "--care", "--format", "json", care])
        rep = json.loads(out) if st == 0 else {}
        # the hand count of the script
        n = len(PLAN)
        ans = len([w for _, w in PLAN if w is not None])
        quick = len([w for _, w in PLAN if w == 1])
        s = rep.get("summary", {})
        t.eq((s.get("cases"), s.get("answered"), s.get("within_sla")),
             (3 * n, 3 * ans, 3 * quick),
             "30 cases, 21 answered, 12 within the SLA, as scripted")
        nets = {r["net"]: (r["cases"], r["answered"], r["within_sla"])
                for r in rep.get("per_network", [])}
        t.eq(nets, {k: (n, ans, quick) for k in ("x", "bluesky", "mastodon")},
             "per network: 10 cases, 7 answered, 4 within the SLA on each")
        want_cat = {}
        for i in range(n):
            c = TOPICS[i % len(TOPICS)][1] or "uncategorised"
            want_cat[c] = want_cat.get(c, 0) + 3
        t.eq({r["category"]: r["cases"] for r in rep.get("per_category", [])}, want_cat,
             "per category, as the words of the posts say")
        want_found = {}
        for how, _ in PLAN:
            want_found[how] = want_found.get(how, 0) + 3
        t.eq({r["found"]: r["cases"] for r in rep.get("found_by", [])}, want_found,
             "how each case was found: mention, hashtag, words")
        lines = open(alerts).read().splitlines() if os.path.exists(alerts) else []
        breaches = [ln for ln in lines if ln.startswith("SLA breached")]
        t.ok(len(breaches) == 3 * (n - quick), "one breach alert per case not answered "
             "within the SLA (%d)" % len(breaches), lines)
    finally:
        if p and p.poll() is None:
            p.kill()
        fx.stop()
        fm.stop()
t.done()
