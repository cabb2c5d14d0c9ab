#!/usr/bin/env python3
"""The live board (issue 18) in a real browser: headless Chromium (Debian's
chromium, over its DevTools protocol) opens the board of a rehearsed chat
on the fake X API, with a watch group (its first-timers are care cases):

- the countdown to the next post runs;
- each answer appears under its question within 2 s of being logged;
- a first-timer's case turns red when it passes its SLA, not before;
- a post with markup is shown as text (no element from it, no script run);
- a page opened after the chat shows the whole hour; a reconnect with
  Last-Event-ID resumes after it;
- screenshots at three moments are kept (tests/out/board-shots/).
Then the safety of a board on an address other than loopback: no token,
no board; a request without the token is refused (401), the Bearer header
and the token's link (a cookie, then a redirect) let in; only GET."""
import json
import os
import re
import shutil
import sys
import threading
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import (sigterm_exits_0, ROOT, SLOW, Fake, Tap, bot_env, run_bot, start_bot,  # noqa: E402
                   wait_until, workdir, write_schedule)
from chatcheck import DATE  # noqa: E402
from cdp import Browser  # noqa: E402

SPEED = 120 if SLOW else 240
t = Tap()
SHOTS = os.path.join(ROOT, "tests", "out", "board-shots")
shutil.rmtree(SHOTS, ignore_errors=True)
os.makedirs(SHOTS)

# records, in the page, when each answer and each case class appears
OBSERVER = r"""
window.__seen = {}; window.__cls = {};
new MutationObserver((ms) => {
  const now = Date.now();
  for (const a of document.querySelectorAll('.a')) {
    if (!window.__seen[a.dataset.id]) {
      const box = a.closest('.q');
      window.__seen[a.dataset.id] = {t: now, q: box ? Number(box.dataset.q) : -1};
    }
  }
  for (const c of document.querySelectorAll('.case')) {
    const k = c.dataset.id, s = c.classList.contains('red') ? 'red'
      : c.classList.contains('amber') ? 'amber' : 'none';
    const h = window.__cls[k] = window.__cls[k] || [];
    if (!h.length || h[h.length - 1][0] !== s) h.push([s, now]);
  }
}).observe(document.body, {subtree: true, childList: true, attributes: true,
                           attributeFilter: ['class']});
true
"""


def board_url(path):
    m = re.search(r"board: (http://\S+/)", open(path).read()) if os.path.exists(path) else None
    return m.group(1) if m else None


def tail_log(path, seen, stop):
    """When each line of the log is first seen (the test's own clock)."""
    off = 0
    while not stop.is_set():
        if os.path.exists(path):
            with open(path, "rb") as f:
                f.seek(off)
                data = f.read()
            while b"\n" in data:
                line, data = data.split(b"\n", 1)
                off += len(line) + 1
                try:
                    o = json.loads(line)
                except ValueError:
                    continue
                if o.get("kind") in ("answer", "reply", "other") and o["id"] not in seen:
                    seen[o["id"]] = (time.time() * 1000, o.get("question") or 0)
        time.sleep(0.02)


d = workdir("board")
fake = Fake(d, "--speed", str(SPEED), "--auto-answer")
p = None
stop = threading.Event()
try:
    sched = write_schedule(
        d, capture_after="1",
        watch='{ accounts = [ "@chathost_demo" ]; staff = [ "@chathost_demo" ]; '
              'hours = ( { days = "daily"; from = "00:00"; to = "24:00"; } ); '
              'warn_after = 8; sla = 16; }')
    logf = os.path.join(d, "bot.log")
    p = start_bot(["run", "--once", "--rehearse=%d" % SPEED, "--date", DATE,
                   "--board", "127.0.0.1:0", "--api-base", fake.base, sched],
                  log=open(logf, "w"))
    t.ok(wait_until(lambda: board_url(logf), 20), "run --board says where the board is",
         open(logf).read()[-600:])
    url = board_url(logf)
    log = os.path.join(d, "logs", "testchat", "rehearsal", DATE + ".jsonl")
    logged = {}
    th = threading.Thread(target=tail_log, args=(log, logged, stop), daemon=True)
    th.start()
    with Browser(d) as b:
        t.ok(b.open(url), "the page loads")
        b.eval(OBSERVER)
        # answers logged before this were there when the page opened:
        # shown, but not timed (under load Chromium starts after the
        # first ones)
        t_open = time.time() * 1000
        wait_until(lambda: re.match(r"^\d+:\d\d$", b.eval(
            "document.getElementById('countdown').textContent") or ""), 10)
        c1 = b.eval("document.getElementById('countdown').textContent")
        time.sleep(1.5)
        c2 = b.eval("document.getElementById('countdown').textContent")
        t.ok(re.match(r"^\d+:\d\d$", c1 or "") and c1 != c2,
             "the countdown to the next post runs (%s, then %s)" % (c1, c2))
        b.screenshot(os.path.join(SHOTS, "1-before-the-intro.png"))
        # a participant's post with markup, answering Q2
        t.ok(wait_until(lambda: b.eval("document.querySelector('#tl li[data-key=\"q2\"] .posted') !== null"),
                        60), "the timeline shows Q2 posted")
        fake.call("POST", "/_fake/tweets", {"tweets": [{
            "username": "obrien_team",
            "text": "A2: <img src=x onerror=\"window.pwned=1\"><script>window.pwned=2</script> #ICMIchat"}]})
        # an answer, then its edit (a new id on X, listing the first)
        first = fake.call("POST", "/_fake/tweets", {"tweets": [{
            "username": "edit_user", "text": "A2: first thought #ICMIchat"}]})["data"][0]["id"]
        wait_until(lambda: first in logged, 30)
        time.sleep(0.5)
        fake.call("POST", "/_fake/tweets", {"tweets": [{
            "username": "edit_user", "edit_of": first,
            "text": "A2: second thought #ICMIchat"}]})
        t.ok(wait_until(lambda: b.eval("document.querySelector('#tl li[data-key=\"q4\"] .posted') !== null"),
                        60), "the chat got to Q4")
        b.screenshot(os.path.join(SHOTS, "2-mid-chat.png"))
        # a page opened now shows the whole hour so far
        n_now = b.eval("document.querySelectorAll('.a').length")
        with b.page(url, width=390, height=844) as b2:   # a phone
            wait_until(lambda: b2.eval("document.querySelectorAll('.a').length") >= n_now, 5)
            n_late = b2.eval("document.querySelectorAll('.a').length")
            posted = b2.eval("document.querySelectorAll('#tl .posted').length")
            wide = b2.eval("document.documentElement.scrollWidth")
            b2.screenshot(os.path.join(SHOTS, "2b-mid-chat-on-a-phone.png"))
        t.ok(n_now > 0 and n_late >= n_now and posted >= 5,
             "a page opened mid-chat shows every answer so far (%d of %d) and the posts made"
             % (n_late, n_now))
        t.ok(wide <= 392, "on a phone's width (390 px) nothing runs off the side (%s px)" % wide)
        t.ok(wait_until(lambda: p.poll() is not None, 90), "the chat ended")
        time.sleep(1.0)
        b.screenshot(os.path.join(SHOTS, "3-after-the-wrap-up.png"), whole=True)
        seen = b.eval("window.__seen") or {}
        cls = b.eval("window.__cls") or {}
        timed = [i for i, (ms, q) in logged.items() if ms > t_open]
        late = [(i, round(seen[i]["t"] - logged[i][0])) for i in timed
                if i in seen and seen[i]["t"] - logged[i][0] > 2000]
        missing = [i for i in logged if i not in seen and i != first]
        wrong = [(i, q, seen[i]["q"]) for i, (ms, q) in logged.items()
                 if i in seen and seen[i]["q"] != q]
        t.ok(len(logged) >= 20 and len(timed) >= 15 and not missing and not late,
             "each of the %d answers on the page; the %d logged while it was open "
             "within 2 s of being logged" % (len(logged), len(timed)),
             {"missing": missing, "late": late})
        t.eq(wrong, [], "each under its question")
        versions = b.eval("Array.from(document.querySelectorAll('.a .text')).map(e => e.textContent)"
                          ".filter(s => s.includes(' thought '))")
        t.eq(versions, ["A2: second thought #ICMIchat"],
             "an edited answer is shown once, as its newest version")
        marked = b.eval("Array.from(document.querySelectorAll('.a .text')).map(e => e.textContent)"
                        ".filter(s => s.includes('<script>'))")
        t.ok(marked and "<img src=x" in marked[0], "a post with markup is shown as its text")
        t.ok(b.eval("document.querySelectorAll('.a img, .a script').length") == 0 and
             b.eval("typeof window.pwned") == "undefined",
             "and nothing of it became an element or ran")
        reds = {k: h for k, h in cls.items() if any(s == "red" for s, _ in h)}
        t.ok(reds, "a first-timer's case turned red (not welcomed within the SLA)", cls)
        # its case: opened at clock_at; red no earlier than sla (16 chat
        # minutes; a case seen late may be red from the start)
        care = [json.loads(line) for line in
                open(os.path.join(d, "logs", "testchat", "rehearsal", "care", DATE + ".jsonl"))]
        opened = {o["id"]: o for o in care if o.get("event") == "opened"}
        early = []
        for k, h in reds.items():
            o = opened.get(k)
            red_at = next(ts for s, ts in h if s == "red")
            if o is None:
                early.append((k, h))
                continue
            clock = time.mktime(time.strptime(o["clock_at"][:19], "%Y-%m-%dT%H:%M:%S")) \
                - time.timezone + float("0" + o["clock_at"][19:-1])
            if red_at < clock * 1000 + 16 * 60000 / SPEED - 300:
                early.append((k, red_at - clock * 1000))
        t.eq(early, [], "each turned red at its SLA, not before")
        t.ok(any(h[0][0] != "red" for h in reds.values()),
             "a case was seen before its SLA, then turned red", reds)
        t.eq(b.console_errors(), [], "no script error on the page")
    stop.set()
    t.eq(p.returncode, 0, "the chat with a board exits 0")
finally:
    stop.set()
    if p and p.poll() is None:
        p.kill()
    fake.stop()


# ---- Last-Event-ID and the safety of a board beyond loopback ---------------
def get(url, headers=None, method="GET", limit=None):
    req = urllib.request.Request(url, headers=headers or {}, method=method)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *a, **k):
            return None
    opener = urllib.request.build_opener(NoRedirect)
    try:
        r = opener.open(req, timeout=5)
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()[:500]
    body = r.read(limit) if limit else r.read()
    return r.status, dict(r.headers), body


d = workdir("board_token")
fake = Fake(d, "--speed", "60", "--auto-answer")
p = None
try:
    sched = write_schedule(d, capture_after="1")
    args = ["run", "--once", "--rehearse=60", "--date", DATE, "--board", "0.0.0.0:0",
            "--api-base", fake.base, sched]
    st, out, err = run_bot(args, env=bot_env(), timeout=30)
    t.ok(st == 2 and "needs a token" in err, "beyond loopback, no token: no board (exit 2)", err)
    token = "s3cret-token-of-the-board-0123"
    tokfile = os.path.join(d, "token")
    with open(tokfile, "w") as f:
        f.write(token + "\n")
    os.chmod(tokfile, 0o644)
    st, out, err = run_bot(args[:-1] + ["--board-token", tokfile, sched], timeout=30)
    t.ok(st == 2 and "chmod 600" in err, "a token file others can read is refused", err)
    logf = os.path.join(d, "bot.log")
    p = start_bot(args, env=bot_env({"CHATHOST_BOARD_TOKEN": token}), log=open(logf, "w"))
    t.ok(wait_until(lambda: board_url(logf), 20), "with CHATHOST_BOARD_TOKEN it serves")
    port = re.search(r":(\d+)/$", board_url(logf) or ":0/").group(1)
    base = "http://127.0.0.1:%s/" % port
    st, h, body = get(base)
    t.eq(st, 401, "a request without the token: 401")
    t.ok(token.encode() not in body, "and the answer does not hold the token")
    st, h, body = get(base, {"Authorization": "Bearer " + token})
    t.ok(st == 200 and b"<!DOCTYPE html>" in body and token.encode() not in body,
         "the Bearer header lets in; the page holds no secret")
    st, h, body = get(base, {"Authorization": "Bearer wrong-" + token})
    t.eq(st, 401, "a wrong token: 401")
    st, h, body = get(base + "?token=" + token)
    cookie = h.get("Set-Cookie", "")
    t.ok(st == 303 and h.get("Location") == "/" and "HttpOnly" in cookie and
         "SameSite=Strict" in cookie, "the token's link sets a cookie and drops the token from the address", h)
    st, h, body = get(base + "events", {"Cookie": cookie.split(";")[0]}, limit=300)
    t.ok(st == 200 and body.startswith(b"id: 1\nevent: chat\n"), "the cookie lets the stream in", body)
    st, h, body = get(base + "events", {"Cookie": cookie.split(";")[0], "Last-Event-ID": "1"},
                      limit=120)
    t.ok(st == 200 and body.startswith(b"id: 2\n"), "Last-Event-ID: the stream resumes after it", body)
    st, h, body = get(base, {"Authorization": "Bearer " + token}, method="POST")
    t.eq(st, 405, "read-only: a POST is refused")
    csp = get(base, {"Authorization": "Bearer " + token})[1].get("Content-Security-Policy", "")
    t.ok("default-src 'none'" in csp and "script-src 'nonce-" in csp,
         "the page's policy allows only its own nonce-bearing script")
    sigterm_exits_0(t, p, "the run stops on SIGTERM, its board with it")
    p = None
finally:
    if p:
        p.kill()
    fake.stop()
t.done()
