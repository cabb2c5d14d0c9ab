#!/usr/bin/env python3
"""chathost recap (issue 19, part 5), of the demo's chat on X (the example
topic and the demo's scripted participants, one of whom shares a link in
each of their answers; X gives it in the text as a t.co link, whole only in
entities.urls):

1. the recap as text: the answers under each question in order with their
   authors, the links whole (never t.co), the top contributors, the
   first-timers (a regular of last week's log is none);
2. as Markdown and as one self-contained HTML page, where a post with
   markup is shown as text;
3. --post: a two-post thread (thanks and counts, then the link to the
   published recap as a reply) on X and Mastodon, once each, across a
   SIGKILL while X holds its answer and across a second run."""
import json
import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import wait_until, Fake, Tap, run_bot, start_bot, workdir, write_schedule  # noqa: E402
from chatcheck import DATE  # noqa: E402
from masto import MastoFake, creds_file  # noqa: E402

t = Tap()
URL = "https://icmi.example/recaps/2026-12-01"




d = workdir("recap")
fake = Fake(d, "--speed", "600", "--auto-answer")
masto = MastoFake(d)
p = None
try:
    sched = write_schedule(d, capture_after="1")
    st, o, e = run_bot(["run", "--once", "--rehearse=600", "--date", DATE,
                        "--api-base", fake.base, sched], timeout=120)
    t.eq(st, 0, "the demo's chat, rehearsed on the fake X API")
    rdir = os.path.join(d, "logs", "testchat", "rehearsal")
    log = os.path.join(rdir, DATE + ".jsonl")
    # last week: ana_cx took part (she is no first-timer this week)
    lines = [json.loads(l) for l in open(log)]
    ana = next(l for l in lines if l.get("username") == "ana_cx")
    with open(os.path.join(rdir, "2026-11-24.jsonl"), "w") as f:
        f.write(json.dumps(dict(ana, id="1", created_at="2026-11-24T18:10:00.000Z",
                                question=1, text="A1: last week")) + "\n")
    # a post with markup, logged as captured
    with open(log, "a") as f:
        f.write(json.dumps(dict(ana, id="99", username="mallory", author_id="666",
                                name="<b>Mal</b>", question=2, links=None,
                                text="A2: <script>alert(1)</script> [x](javascript:y)"))
                + "\n")

    # 1. text
    st, out, err = run_bot(["recap", log])
    t.eq(st, 0, "recap exits 0")
    qs = [m.start() for m in re.finditer(r"^Q\d \(\d+ answers?\)$", out, re.M)]
    t.eq(len(qs), 6, "a section per question, Q1 to Q6")
    q2 = out[qs[1]:qs[2]] if len(qs) > 2 else ""
    times = re.findall(r"^  (\d\d:\d\d)  ", q2, re.M)
    t.ok(times and times == sorted(times) and "(@obrien_team)" in q2 and
         "(@ana_cx)" in q2, "Q2's answers in time order, each with its author", q2)
    t.ok("https://cx.example.org/playbooks/find-out-2" in q2 and "t.co" not in out,
         "the shared link whole in the answer, never X's t.co form")
    links = out[out.find("Links shared"):out.find("Top contributors")]
    t.eq(re.findall(r"https://\S+", links),
         ["https://cx.example.org/playbooks/find-out-%d" % n for n in (2, 4, 6)],
         "the links shared, each once, in order")
    t.ok("shared by Siobh\u00e1n O'Brien \"the CX nerd\" (@obrien_team) (Q2)" in links,
         "with who shared it and under which question", links)
    top = out[out.find("Top contributors"):out.find("First-timers")]
    t.ok(re.search(r"1\. Ana Souza \(@ana_cx\): \d+ posts", top) is not None,
         "the top contributors, the most posts first", top)
    first = out[out.find("First-timers"):]
    t.ok("@obrien_team" in first and "@ana_cx" not in first,
         "the first-timers, without last week's regular", first)

    # 2. Markdown and HTML
    st, md, err = run_bot(["recap", "--format", "md", log])
    t.ok(st == 0 and md.startswith("# \\#ICMIchat recap") and "## Q1" in md and
         "- <https://cx.example.org/playbooks/find-out-4>" in md and
         "\\[x\\]\\(javascript:y\\)" in md,
         "Markdown: headings, the links, markup in a post escaped", md[:600])
    html_path = os.path.join(d, "recap.html")
    st, o, err = run_bot(["recap", "--format", "html", "--out", html_path, log])
    html = open(html_path).read() if st == 0 else ""
    t.ok(st == 0 and html.startswith("<!DOCTYPE html>") and
         '<a href="https://cx.example.org/playbooks/find-out-6" rel="nofollow noopener">' in html,
         "HTML: one page, the links clickable")
    t.ok("<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html and
         "&lt;b&gt;Mal&lt;/b&gt;" in html, "HTML: a post's markup shown as text")
    t.ok(not re.search(r'(src|href)="(?!https://cx\.example\.org)', html) and
         "<link" not in html, "HTML: self-contained (no external resources)")
    st, o, err = run_bot(["recap", "--out", log, log])
    t.eq(st, 2, "recap never writes over its log")

    # 3. --post on X and Mastodon, once each across a kill and a rerun
    two = os.path.join(d, "two.conf")
    with open(two, "w") as f:
        f.write(open(sched).read() +
                'networks = [ "x", "mastodon" ];\nmastodon = { instance = "%s"; '
                'credentials = "%s"; };\n' % (masto.base, creds_file(d)))
    fake.faults([{"path": "/2/tweets", "method": "POST", "fault": "slow",
                  "delay": 3.0, "apply": True, "count": 1}])
    n0 = len(fake.posts())
    args = ["recap", "--post", two, "--url", URL, "--api-base", fake.base, log]
    p = start_bot(args, log=open(os.path.join(d, "post1.log"), "w"))
    t.ok(wait_until(lambda: len(fake.posts()) > n0, 20),
         "--post: X made the first post (its answer held)")
    p.send_signal(signal.SIGKILL)
    p.wait()
    p = None
    for k in (2, 3):
        st, o, err = run_bot(args)
        t.eq(st, 0, "--post run %d exits 0" % k)
    xs = [json.loads(r["body"]) for r in fake.posts()[n0:]]
    ms = masto.host_statuses()
    t.eq(len(xs), 2, "X: two posts, each once across the kill and the reruns")
    t.ok(len(xs) == 2 and xs[0]["text"].startswith("Thanks to the ") and
         "answers to 6 questions" in xs[0]["text"] and
         xs[1]["text"] == "Every answer and every link you shared, in one place: %s #ICMIchat" % URL,
         "X: the thanks with the counts, then the link", xs)
    t.ok(len(xs) == 2 and "reply" in xs[1], "X: the second replies to the first (a thread)")
    t.eq([m["text"] for m in ms], [x["text"] for x in xs],
         "Mastodon: the same thread, once")
    t.ok(len(ms) == 2 and ms[1].get("in_reply_to_id") == ms[0]["id"],
         "Mastodon: threaded")
    t.ok("was posted already" in err, "a rerun says what was posted already", err)
finally:
    if p:
        p.kill()
    masto.stop()
    fake.stop()
t.done()
