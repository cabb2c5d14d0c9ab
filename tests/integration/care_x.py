#!/usr/bin/env python3
"""The care watch on the fake X API: a scripted event rehearsed at 60x (a
minute is a second). Attendees post questions and complaints; staff answer
one in 1 minute, one in 7, one never; a repost and a staff post that is no
reply open nothing; a follow-up joins its case; a post made before the
watch started (outside the staffed hours) waits from the opening; the
watch is killed (SIGKILL) and restarted mid-event. Every alert arrives
once, at its threshold (warn_after 3, sla 5); the care report's figures
agree with a computation made here from the fake's own posts."""
import datetime
import json
import os
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import SLOW, Fake, Tap, run_bot, start_bot, workdir  # noqa: E402

SPEED = 20 if SLOW else 60   # slower under valgrind and the sanitizers
MIN = 60.0 / SPEED          # a chat minute, in real seconds
t = Tap()
d = workdir("care_x")
fake = Fake(d, "--speed", str(SPEED))
alerts = os.path.join(d, "alerts.txt")
reg_alerts = os.path.join(d, "registration-alerts.txt")


def write_schedule():
    path = os.path.join(d, "event.conf")
    with open(path, "w") as f:
        f.write('name = "icmi27";\ntimezone = "UTC";\nlogs = "%s";\n'
                'search_budget = 600;\n'
                'notify = { command = "cat >> %s"; };\n'
                'watch = {\n'
                '  accounts = [ "@chathost_demo" ];\n'
                '  hashtags = [ "#ICMI27" ];\n'
                '  words = [ "ICMI 2027" ];\n'
                '  staff = [ "@care_ana", "@care_bo", "@chathost_demo" ];\n'
                '  hours = ( { days = "Mon-Fri"; from = "08:00"; to = "18:00"; } );\n'
                '  warn_after = 3;\n  sla = 5;\n'
                '  categories = ( { name = "wifi"; words = [ "wifi", "internet" ]; },\n'
                '                 { name = "room temperature"; words = [ "hot", "cold" ]; },\n'
                '                 { name = "registration"; words = [ "badge", "registration" ];\n'
                '                   notify = { command = "cat >> %s"; }; } );\n'
                '};\n' % (os.path.join(d, "logs"), alerts, reg_alerts))
    return path


def post(**kw):
    return fake.call("POST", "/_fake/tweets", kw)["data"][0]


def watch(sched, log):
    return start_bot(["watch", "--rehearse=%d" % SPEED, "--api-base", fake.base, sched],
                     log=log)


def alert_lines(path=alerts):
    return open(path).read().splitlines() if os.path.exists(path) else []


try:
    sched = write_schedule()
    st, out, err = run_bot(["check", sched])
    t.ok(st == 0 and "a care watch only" in out, "check: the event's schedule is valid",
         out + err)
    # made before the watch (outside the staffed hours): waits from the opening
    early = post(username="early_eve", text="#ICMI27 is the badge pickup open yet?",
                 created_at=time.time() - 600)
    logf = open(os.path.join(d, "watch1.log"), "w")
    started = time.time()
    p = watch(sched, logf)
    time.sleep(MIN)
    # one watch per schedule: a second would send every alert twice
    st2, o2, e2 = run_bot(["watch", "--rehearse=%d" % SPEED, "--api-base", fake.base, sched],
                          timeout=60)
    t.ok(st2 != 0 and ("already running (pid %d)" % p.pid) in e2,
         "a second watch on the same schedule is refused, naming the first (exit %d)" % st2,
         e2[-600:])
    wifi = post(username="att_ana", text="@chathost_demo the wifi in hall B is down")
    hot = post(username="att_bo", text="#ICMI27 room 204 is so hot")
    lost = post(username="att_cy", text="@chathost_demo where do I get my badge?")
    # no mention, no hashtag: it names the event (watch.words)
    post(username="att_hana", text="the keynote room at ICMI 2027 is far too hot")
    post(username="att_ivy", text="ICMI 20270 would be a long way off")  # not the phrase
    coat = post(username="att_jo", text="@chathost_demo the coat check is closed")
    # direct messages to the event account: private cases, words kept nowhere
    fake.call("POST", "/_fake/dm", {"username": "att_kim",
                                    "text": "my card 4111-SECRET was charged twice"})
    fake.call("POST", "/_fake/dm", {"username": "att_lou", "text": "my SECRET-code fails"})
    post(username="att_dee", retweet_of=wifi["id"])                 # a repost
    post(username="care_ana", text="Welcome to #ICMI27 everyone!")   # staff, no reply
    time.sleep(MIN)
    post(username="care_ana", text="@att_ana fixing it now", in_reply_to=wifi["id"])
    # a staff quote post (not a reply) answers the case it quotes
    post(username="care_ana", text="Opening the coat check now, sorry!", quote_of=coat["id"])
    fake.call("POST", "/_fake/dm", {"username": "att_kim", "text": "hello? SECRET"})
    fake.call("POST", "/_fake/dm", {"username": "att_kim", "from_host": True,
                                    "text": "Sorry! Refunded, check your card"})
    post(username="att_cy", text="anyone? @chathost_demo", in_reply_to=lost["id"])
    time.sleep(2.6 * MIN)  # bo's case: warned at 3 min; then the watch dies
    p.send_signal(signal.SIGKILL)
    p.wait()
    logf2 = open(os.path.join(d, "watch2.log"), "w")
    p = watch(sched, logf2)
    time.sleep(3.4 * MIN)  # 7 min after bo's post
    post(username="care_bo", text="@att_bo opening the windows", in_reply_to=hot["id"])
    time.sleep(4 * MIN)
    p.send_signal(signal.SIGTERM)
    try:
        rc = p.wait(20)
    except subprocess.TimeoutExpired:
        p.kill()
        rc = None
    t.eq(rc, 0, "SIGTERM: the watch exits 0")
    logtext = open(logf.name).read() + open(logf2.name).read()
    t.ok("going on with the rehearsal" in logtext, "the restart goes on with the same "
         "rehearsal", logtext[-1500:])

    main, reg = alert_lines(), alert_lines(reg_alerts)
    t.ok(reg and all("registration" in x for x in reg) and
         not any("registration" in x for x in main),
         "the registration team's alerts go to its own command only, the rest to the "
         "schedule's", {"main": main, "registration": reg})
    lines = main + reg
    kinds = {}
    for ln in lines:
        who = ln.split("@", 1)[1].split(" ", 1)[0] if "@" in ln else "?"
        kinds.setdefault(who, []).append("breach" if ln.startswith("SLA breached") else "warn")
    t.eq(kinds.get("att_ana"), None, "answered in 1 minute: no alert")
    t.eq(kinds.get("att_bo"), ["warn", "breach"], "answered in 7: one warning, one breach, "
         "once each across the kill")
    t.eq(kinds.get("att_cy"), ["warn", "breach"], "never answered: one warning, one breach")
    t.eq(kinds.get("early_eve"), ["warn", "breach"], "the post from before the opening: "
         "alerted once each")
    t.eq(kinds.get("att_hana"), ["warn", "breach"], "a post that names the event without "
         "a mention or a hashtag: a case, alerted")
    t.eq(kinds.get("att_ivy"), None, "a post that does not name it (ICMI 20270): none")
    t.eq(kinds.get("att_jo"), None, "answered by a staff quote post in a minute: no alert")
    t.eq(kinds.get("att_kim"), None, "a direct message answered by the event account's "
         "direct message in a minute: no alert")
    t.eq(kinds.get("att_lou"), ["warn", "breach"], "a direct message never answered: "
         "warned and breached")
    t.ok(not any("SECRET" in x for x in lines), "alerts never carry a direct message's "
         "words", lines)
    t.ok(all("@att_dee" not in x and "@care_ana" not in x for x in lines),
         "a repost and a staff post open no case", lines)
    t.ok(any("room 204 is so hot" in x and "room temperature" in x and
             "https://x.com/att_bo/status/" + hot["id"] in x for x in lines),
         "an alert says who, what, its category and its link", lines)

    care = os.path.join(d, "logs", "icmi27", "rehearsal", "care")
    events = []
    for f in sorted(os.listdir(care)):
        if f.endswith(".jsonl"):
            events += [json.loads(x) for x in open(os.path.join(care, f))]
    opened = [e for e in events if e["event"] == "opened"]
    t.eq(sorted(e["author"] for e in opened),
         ["att_ana", "att_bo", "att_cy", "att_hana", "att_jo", "att_kim", "att_lou",
          "early_eve"],
         "eight cases opened, each once (the follow-up joined, the repost and staff "
         "post did not open one)")
    t.eq(len([e for e in events if e["event"] == "joined"]), 2,
         "the follow-ups joined their cases (a reply; a direct message)")
    t.ok(not any("SECRET" in json.dumps(e) for e in events),
         "the care log holds no direct message's words")
    ee = [e for e in opened if e["author"] == "early_eve"][0]
    t.ok(ee["clock_at"] > ee["created_at"], "the early post's clock starts at the opening",
         ee)

    # the report against a computation made here
    def ts(s):
        return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
    tweets = {tw["id"]: tw for tw in fake.tweets()}
    want = {}
    for e in opened:
        want[e["id"]] = None
    for tw in tweets.values():
        if tw["username"] in ("care_ana", "care_bo") and tw.get("referenced_tweets"):
            to = [r["id"] for r in tw["referenced_tweets"]
                  if r["type"] in ("replied_to", "quoted")][0]
            if to in want and want[to] is None:
                clock = [ts(e["clock_at"]) for e in opened if e["id"] == to][0]
                want[to] = (ts(tw["created_at"]) - clock) * SPEED
    answered = [v for v in want.values() if v is not None]
    st, out, err = run_bot(["report", "--care", "--format", "json", care])
    rep = json.loads(out) if st == 0 else {}
    s = rep.get("summary", {})
    t.eq((s.get("cases"), s.get("answered"), s.get("within_sla")),
         (8, len(answered) + 1, len([v for v in answered if v <= 300]) + 1),
         "the report's cases, answered and within the SLA agree")
    got = sorted(c["response_s"] for c in rep.get("cases", [])
                 if c.get("answered") and not c.get("direct"))
    t.ok(len(got) == len(answered) and
         all(abs(a - b) < 0.5 for a, b in zip(got, sorted(answered))),
         "each response time agrees (%s)" % got, (got, sorted(answered)))
    cats = {r["category"]: r["cases"] for r in rep.get("per_category", [])}
    t.eq(cats, {"wifi": 1, "room temperature": 2, "registration": 2, "uncategorised": 3},
         "per category")
    found = {r["found"]: r["cases"] for r in rep.get("found_by", [])}
    t.eq(found, {"mention": 3, "hashtag": 2, "words": 1, "direct": 2},
         "how each case was found")
    staff = {r["staff"]: r["answered"] for r in rep.get("per_staff", [])}
    t.eq(staff, {"care_ana": 2, "care_bo": 1, "chathost_demo": 1}, "per staff member")
    outs = [run_bot(["report", "--care", "--format", f, care])[1]
            for f in ("text", "csv", "json", "html")]
    t.ok(not any("SECRET" in o for o in outs), "no report carries a direct message's words")
    st, out, err = run_bot(["report", "--care", care])
    t.ok(st == 0 and "NEVER ANSWERED" in out and "att_cy" in out and
         any("answered after %dm" % m in out for m in (6, 7, 8)),
         "the text report lists the late and the never "
         "answered with their links", out + err)
    st, html, err = run_bot(["report", "--care", "--format", "html", care])
    t.ok(st == 0 and html.startswith("<!doctype html>") and "Per staff member" in html,
         "an html report")
    print("# started %.1f s" % (time.time() - started))
finally:
    fake.stop()
t.done()
