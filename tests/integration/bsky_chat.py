#!/usr/bin/env python3
"""A chat hosted on Bluesky, against the reference servers (PLC, PDS and
AppView of npm @atproto/dev-env, on PostgreSQL): a rehearsed chat posted
in order, once each, threaded with strong refs, facets byte-exact for
ASCII, emoji and CJK hashtags; answers by seeded accounts (a label, a
reply to a question, an emoji tag, a post in the thread without the tag)
captured once each with the right question; SIGKILL at 25 or more points
(between a record's creation and its answer among them) with no record
created twice and no answer lost. These join run-all's shared network
(their slow createRecord is their account's only); bsky_faults.py runs
the same chat with a token that expires and the PDS down for a moment,
on a network of its own (main(["faults"]))."""
import json
import os
import random
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Tap, bot_env, read_log, run_bot, start_bot, workdir  # noqa: E402
from bsky import BskyNet, creds_file, write_chat  # noqa: E402

HOSTS = {"clean": "chatbot.test", "faults": "faultbot.test", "crash": "killbot.test"}
MIN_KILLS = 25
HOST = HOSTS["clean"]
PEOPLE = ["chatalice.test", "chatbob.test", "chatcarol.test"]
ALICE, BOB, CAROL = PEOPLE
SPEED = 60  # a 10-minute chat in 10 s
t = Tap()

TOPIC = """date = "%s";
title = "Pet peeves";
intro = "Welcome to #ICMIchat \U0001F98B! Today: pet peeves. Answer with A1, A2... #\u65e5\u672c";
questions = (
  "What is your biggest pet peeve?",
  "Which peeve do you see in your own team?",
  "What one change would fix it?"
);
wrapup = "Thanks for joining #ICMIchat! Transcript: https://example.com/t.";
"""


def schedule(d, net, tm, **keys):
    """A 10-minute chat on Bluesky only (the questions 2 minutes apart)."""
    creds = creds_file(d, HOST, net.by_handle[HOST]["app_password"])
    return write_chat(d, tm, TOPIC, ["bluesky"], creds, service=net.pds, **keys)


def host_posts(net):
    return sorted(net.records(HOST), key=lambda r: r["value"]["createdAt"])


def byte_range(text, sub):
    b = text.encode()
    i = b.index(sub.encode())
    return i, i + len(sub.encode())


def intent_of(state_path, key):
    try:
        with open(state_path) as f:
            return json.load(f).get("posts", {}).get(key, {}).get("intent_at")
    except (OSError, ValueError):
        return None


def answer_while_running(net, proc, answers, faults, old, state_path):
    """Posts the people's answers as the questions appear: a label, a
    reply to Q2, an emoji tag, a reply in the thread without tag or label.
    With faults: the access tokens expire after Q1; the PDS goes down for
    2 s once Q3's intent is on disk (a second before its instant, when the
    connection has just been warmed), so Q3 meets the restart."""
    seen = {}
    down = False
    deadline = time.time() + 60
    while time.time() < deadline and proc.poll() is None and (len(seen) < 3 or not down):
        if faults and not down and intent_of(state_path, "q3"):
            net.pds_down(2000)
            down = True
        if not faults:
            down = True
        try:
            recs = net.records(HOST)
        except OSError:  # the PDS is down (the restart)
            time.sleep(0.1)
            continue
        for r in recs:
            if r["uri"] in old:
                continue
            txt = r["value"]["text"]
            for n in (1, 2, 3):
                if txt.startswith("Q%d:" % n) and n not in seen:
                    seen[n] = {"uri": r["uri"], "cid": r["cid"]}
                    root = r["value"]["reply"]["root"]
                    if n == 1:
                        answers.append(net.post(ALICE, "A1: slow replies #ICMIchat"))
                        if faults:
                            net.expire_tokens()
                    elif n == 2:
                        answers.append(net.post(BOB, "the silent treatment",
                                                reply={"root": root, "parent": seen[2]}))
                        # a link shown shortened, whole in its facet
                        txt = "A2 \U0001F600 me too, see cx.example.org/bsky\u2026 #ICMIchat"
                        b0 = len(txt.encode()[:txt.encode().index(b"cx.example")])
                        b1 = b0 + len("cx.example.org/bsky\u2026".encode())
                        answers.append(net.post(CAROL, txt, facets=[{
                            "index": {"byteStart": b0, "byteEnd": b1},
                            "features": [{"$type": "app.bsky.richtext.facet#link",
                                          "uri": LINK}]}]))
                    elif n == 3:
                        answers.append(net.post(ALICE, "one owner per queue",
                                                reply={"root": root, "parent": seen[3]}))
        time.sleep(0.1)
    return seen


def run_chat(net, name, faults):
    global HOST
    HOST = HOSTS[name]  # each scenario its own account: no copies of the other's posts
    d = workdir("bsky_chat_" + name)
    start = int(time.time()) + 5
    start -= start % 60  # the minute: a rehearsal needs only the day right
    # the clean chat captures 6 minutes after its wrap-up: time for a
    # post to be read, deleted by its author, and found deleted
    sched, date = schedule(d, net, time.gmtime(start),
                           **({} if faults else {"capture_after": "6"}))
    old = set(r["uri"] for r in net.records(HOST))
    before = len(old)
    log = open(os.path.join(d, "bot.log"), "w")
    env = bot_env(creds=False)
    proc = start_bot(["run", "--once", "--rehearse=%d" % SPEED, "--date", date, "-v", sched],
                     env=env, log=log)
    answers = []
    answer_while_running(net, proc, answers, faults, old,
                         os.path.join(d, "logs", "testchat", "rehearsal", date + ".state.json"))
    doomed = None
    logp = os.path.join(d, "logs", "testchat", "rehearsal", date + ".jsonl")
    if not faults:
        # an answer read, then deleted by its author: marked when the
        # capture ends (getPosts leaves it out) and left out of the report
        doomed = net.post(BOB, "A3: oops, wrong chat #ICMIchat")
        end = time.time() + 20
        while time.time() < end and not (os.path.exists(logp) and
                                         doomed["uri"] in open(logp).read()):
            time.sleep(0.1)
        s = net.session(BOB)
        net.call("com.atproto.repo.deleteRecord",
                 {"repo": s["did"], "collection": "app.bsky.feed.post",
                  "rkey": doomed["uri"].rsplit("/", 1)[1]}, token=s["accessJwt"])
    try:
        proc.wait(90)
    except Exception:
        proc.kill()
        proc.wait()
    log.close()
    out = open(log.name).read()
    t.eq(proc.returncode, 0, "%s: the rehearsed chat exits 0" % name)
    if doomed:
        lines = [json.loads(x) for x in open(logp)]
        t.ok(any(x.get("id") == doomed["uri"] and x.get("kind") != "event" for x in lines) and
             any(x.get("event") == "deleted" and x.get("id") == doomed["uri"] and
                 x.get("net") == "bluesky" for x in lines),
             "%s: an answer deleted by its author is logged, then marked deleted" % name,
             [x for x in lines if x.get("kind") == "event"])
    mine = host_posts(net)[before:]
    texts = [r["value"]["text"] for r in mine]
    t.eq(len(mine), 5, "%s: intro, Q1-Q3 and the wrap-up, each once in the repository" % name)
    if len(mine) != 5:
        print("#   " + out[-3000:].replace("\n", "\n#   "))
        return d, date, mine, answers
    t.ok(texts[0].startswith("Welcome") and [x[:2] for x in texts[1:4]] == ["Q1", "Q2", "Q3"]
         and texts[4].startswith("Thanks"), "%s: in the plan's order" % name, texts)
    intro = mine[0]
    t.ok(all(r["value"].get("reply", {}).get("root") == {"uri": intro["uri"], "cid": intro["cid"]}
             and r["value"]["reply"]["parent"] == {"uri": intro["uri"], "cid": intro["cid"]}
             for r in mine[1:]),
         "%s: questions and wrap-up reply to the intro with its uri and cid" % name)
    t.ok(all(len(r["uri"].rsplit("/", 1)[1]) == 13 for r in mine),
         "%s: every record key is a TID chosen by chathost" % name)
    t.ok(all(r["value"]["createdAt"].endswith("Z") and r["value"].get("langs") == ["en"]
             for r in mine), "%s: createdAt in RFC 3339 with a zone; langs" % name)
    return d, date, mine, answers


def check_facets(intro, wrap):
    text = intro["value"]["text"]
    want = []
    for tag in ["#ICMIchat", "#\u65e5\u672c"]:
        s, e = byte_range(text, tag)
        want.append({"index": {"byteStart": s, "byteEnd": e},
                     "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag[1:]}]})
    t.eq(intro["value"].get("facets"), want,
         "facets byte-exact: an ASCII tag after an emoji, a CJK tag")
    wt = wrap["value"]["text"]
    s, e = byte_range(wt, "https://example.com/t")
    links = [f for f in wrap["value"].get("facets", [])
             if f["features"][0]["$type"].endswith("#link")]
    t.eq([(f["index"]["byteStart"], f["index"]["byteEnd"], f["features"][0]["uri"]) for f in links],
         [(s, e, "https://example.com/t")], "the wrap-up's link facet, its full stop left out")


LINK = "https://cx.example.org/bsky/links-2026?ref=chat"


def check_log(d, date, mine, answers, name):
    log = read_log(os.path.join(d, "logs", "testchat", "rehearsal", date + ".jsonl"))
    posts = [e for e in log if e.get("kind") != "event"]
    ids = [e["id"] for e in posts]
    t.eq(len(ids), len(set(ids)), "%s: every post logged once" % name)
    hosts = [e for e in posts if e["kind"] == "host"]
    t.eq(sorted(e["id"] for e in hosts), sorted(r["uri"] for r in mine),
         "%s: the host's 5 posts in the log, by their at:// URIs" % name)
    t.ok(all(e.get("net") == "bluesky" for e in posts), "%s: every line carries net bluesky" % name)
    by_id = {e["id"]: e for e in posts}
    want = [(answers[0]["uri"], 1, "label"), (answers[1]["uri"], 2, "reply"),
            (answers[2]["uri"], 2, "label"), (answers[3]["uri"], 3, "reply")] if len(answers) == 4 else []
    got = [(u, by_id.get(u, {}).get("question"), by_id.get(u, {}).get("attributed_by"))
           for u, _, _ in want]
    t.ok(len(answers) == 4 and got == want,
         "%s: the 4 answers captured with their questions (label, reply, emoji tag, thread)" % name,
         "got:  %r\nwant: %r" % (got, want))
    t.ok(all(by_id.get(a["uri"], {}).get("url", "").startswith("https://bsky.app/profile/")
             for a in answers), "%s: answers carry their web address" % name)
    t.eq([by_id.get(a["uri"], {}).get("links") for a in answers],
         [None, None, LINK, None],
         "%s: the shared link logged whole, from its facet (the text shows it cut)" % name)
    return by_id


def crash_chat(net):
    """Kills chathost at 25+ points of a rehearsed chat and restarts it
    each time: every post is killed once between its record's creation
    and the answer (createRecord answers 2 s late), the other kills come
    at random instants."""
    global HOST
    HOST = HOSTS["crash"]
    d = workdir("bsky_chat_crash")
    sched, date = schedule(d, net, time.gmtime())
    state = os.path.join(d, "logs", "testchat", "rehearsal", date + ".state.json")
    rng = random.Random()
    kills, runs, answers, asked, rc = 0, 0, [], set(), None
    net.slow_create(2000, HOST)
    deadline = time.time() + 120
    while time.time() < deadline:
        log = open(os.path.join(d, "bot%d.log" % runs), "w")
        proc = start_bot(["run", "--once", "--rehearse=30", "--date", date, sched],
                         env=bot_env(creds=False), log=log)
        runs += 1
        before = len(net.records(HOST))
        kill_at = time.time() + rng.uniform(0.15, 0.9)
        while proc.poll() is None:
            recs = net.records(HOST)
            for r in recs:
                txt = r["value"]["text"]
                if txt.startswith("Q") and r["uri"] not in asked:
                    asked.add(r["uri"])
                    answers.append(net.post(PEOPLE[len(asked) % 3],
                                            "A%s: answer %d #ICMIchat" % (txt[1], len(asked))))
            if len(recs) > before or (kills < 60 and time.time() >= kill_at):
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                kills += 1
                break
            time.sleep(0.03)
        log.close()
        if proc.returncode is not None and proc.returncode >= 0:
            rc = proc.returncode
            break
        # killed after the chat was done (in its last moments): a run now
        # would start a new rehearsal, so this one is over
        try:
            if json.load(open(state)).get("done"):
                rc = 0
                break
        except (OSError, ValueError):
            pass
    net.slow_create(0)
    if rc is None:  # the last run, to the end
        p = run_bot(["run", "--once", "--rehearse=30", "--date", date, sched],
                    env=bot_env(creds=False), timeout=120)
        rc = p[0]
    t.eq(rc, 0, "crash: the last run finishes the chat (exit 0)")
    t.ok(kills >= MIN_KILLS, "crash: killed %d times in %d runs" % (kills, runs))
    mine = [r["value"]["text"] for r in net.records(HOST)]
    t.ok(len(mine) == 5, "crash: 5 records, none created twice", mine)
    log = read_log(os.path.join(d, "logs", "testchat", "rehearsal", date + ".jsonl"))
    ids = [e["id"] for e in log if e.get("kind") != "event"]
    t.eq(len(ids), len(set(ids)), "crash: every line of the log is one post, once")
    missing = [a["uri"] for a in answers if a["uri"] not in ids]
    t.ok(answers and not missing, "crash: all %d answers in the log" % len(answers), missing)
    st = json.load(open(state))
    t.ok(all(p.get("id") for p in st["posts"].values()),
         "crash: every post recorded with its id, none skipped")


def main(parts):
    """Runs the parts ("clean", "crash", "faults"): the first two on the
    shared network when run-all has one, "faults" on a network of its
    own (it takes the PDS down and expires every token)."""
    faults = "faults" in parts
    hosts = [HOSTS[p] for p in parts]
    with BskyNet(hosts + PEOPLE, workdir("bsky_net"), shared=not faults) as net:
        # (how long they take is the machine's business: 30 s alone, over a
        # minute beside the rest of make check)
        t.ok(net.call("com.atproto.server.describeServer", get={}).get("did"),
             "the reference servers started and the PDS answers (%.1f s)" % net.start_seconds)
        if "clean" in parts:
            # 1. a clean rehearsed chat
            d, date, mine, answers = run_chat(net, "clean", faults=False)
            if len(mine) == 5:
                check_facets(mine[0], mine[4])
                check_log(d, date, mine, answers, "clean")
        if faults:
            # 2. the same with the access token expiring after Q1 and the
            #    PDS down for 2 s over Q3's instant
            d, date, mine, answers = run_chat(net, "faults", faults=True)
            if len(mine) == 5:
                check_log(d, date, mine, answers, "faults")
                out = open(os.path.join(d, "bot.log")).read()
                t.ok("access token expired; refreshing" in out,
                     "faults: the expired token was refreshed (ExpiredToken is a 400)")
                q3 = [l for l in out.splitlines() if " Q3" in l]
                t.ok(any("connect" in l.lower() for l in q3) and
                     sum("posted Q3" in l for l in q3) == 1,
                     "faults: Q3 met the PDS down, and was posted once when it came back",
                     [l for l in out.splitlines() if "Q3" in l][-5:])
        if "crash" in parts:
            # 3. SIGKILL at 25+ points
            crash_chat(net)
    t.done()


if __name__ == "__main__":
    main(["clean", "crash"])
