"""chatcheck - what the crash, fault and signal tests check after a chat
(standard library only).

    from chatcheck import planned, created_counts, log_problems, state_of

planned() asks the bot itself (a dry run) for the exact texts it will
post; created_counts() counts the fake server's successful creations and
duplicate refusals per text; log_problems() checks the participation log
against the fake server's posts (one line per id, every host post and every
participant post of the capture window present).
"""
import calendar
import collections
import json
import os
import time

from itest import BIN, bot_env, read_log  # noqa: F401
import subprocess

DATE = "2026-12-01"


def planned(sched, date=DATE):
    """[(label, text)] of the chat on date, from chathost run --dry-run."""
    p = subprocess.run([BIN, "run", "--dry-run", "--once", "--rehearse=100000",
                        "--date", date, sched], env=bot_env(creds=False),
                       capture_output=True, text=True, timeout=60)
    out = []
    for line in p.stdout.splitlines():
        if not line.strip():
            continue
        parts = line.split(None, 2)
        text = parts[2]
        if text.endswith("  [reply to intro]"):
            text = text[:-len("  [reply to intro]")]
        out.append((parts[1], text))
    return out


def post_records(fake):
    """Every POST /2/tweets the fake server saw (recorded), with its text."""
    out = []
    for r in fake.requests("/2/tweets", "POST"):
        try:
            r["text"] = json.loads(r.get("body") or "{}").get("text")
        except ValueError:
            r["text"] = None
        out.append(r)
    return out


def created_counts(fake):
    """(Counter text -> successful creations, Counter text -> 403s)."""
    ok, dup = collections.Counter(), collections.Counter()
    for r in post_records(fake):
        if r.get("status") == 201:
            ok[r["text"]] += 1
        elif r.get("status") == 403:
            dup[r["text"]] += 1
    return ok, dup


def iso_epoch(s):
    """'2026-12-01T18:07:12.345Z' -> epoch seconds (float)."""
    base, _, frac = s.rstrip("Z").partition(".")
    t = calendar.timegm(time.strptime(base, "%Y-%m-%dT%H:%M:%S"))
    return t + (float("0." + frac) if frac else 0.0)


def state_of(path):
    """The state file as a dict; None if it does not exist; raises if it
    is not a JSON object."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        st = json.load(f)
    if not isinstance(st, dict):
        raise ValueError("not a JSON object")
    return st


def raw_lines(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8", errors="replace") as f:
        return [l for l in f.read().split("\n") if l.strip()]


def window_end(state, duration=60, capture_after=30):
    """Real instant the capture window of a rehearsal closes."""
    r = state["rehearsal"]
    return r["start"] + (duration + capture_after) * 60.0 / r["speed"]


def log_problems(log_path, fake, host_texts, wend, margin=0.5):
    """Problems of the log at log_path (a list of strings, empty if fine):
    a line that is not JSON, two lines for one id, a host post missing or
    logged twice, a participant post made before wend - margin missing."""
    probs = []
    lines = raw_lines(log_path)
    entries = []
    for i, l in enumerate(lines):
        try:
            entries.append(json.loads(l))
        except ValueError:
            probs.append("line %d is not JSON: %r" % (i + 1, l[:80]))
    posts = [e for e in entries if e.get("kind") != "event"]
    ids = collections.Counter(e.get("id") for e in posts)
    for i, n in ids.items():
        if n != 1:
            probs.append("id %s has %d lines" % (i, n))
    logged = set(ids)
    tweets = fake.tweets()
    host = [t for t in tweets if t.get("text") in host_texts]
    for t in host:
        if t["id"] not in logged:
            probs.append("host post %s missing: %s" % (t["id"], t["text"][:40]))
    host_ids = {t["id"] for t in host}
    host_author = {t["author_id"] for t in host}
    want = [t for t in tweets
            if t["author_id"] not in host_author and t["id"] not in host_ids
            and not any(r.get("type") == "retweeted"
                        for r in t.get("referenced_tweets", []))
            and iso_epoch(t["created_at"]) < wend - margin]
    missing = [t for t in want if t["id"] not in logged]
    for t in missing[:10]:
        probs.append("answer %s by @%s missing: %r" % (t["id"], t.get("username"),
                                                        t["text"][:50]))
    if len(missing) > 10:
        probs.append("... %d answers missing in all" % len(missing))
    return probs, len(want), len(posts)
