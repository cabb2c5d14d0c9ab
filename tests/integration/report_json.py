#!/usr/bin/env python3
"""Compares every figure of `chathost report --format json` with an
independent computation (standard library only) over the hand-written logs
in tests/data/logs/ and over a generated random series. Prints TAP."""
import datetime
import json
import os
import random
import re
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHATHOST = os.environ.get("CHATHOST", os.path.join(ROOT, "bot", "chathost"))
LOGS = os.path.join(ROOT, "tests", "data", "logs", "icmichat")

n = 0
failed = 0


def ok(cond, desc, detail=""):
    global n, failed
    n += 1
    if cond:
        print(f"ok {n} - {desc}")
    else:
        failed += 1
        print(f"not ok {n} - {desc}")
        if detail:
            for line in str(detail).splitlines()[:20]:
                print(f"# {line}")


TIME_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|z|[+-]\d{2}:?\d{2})$")


def parse_ms(s):
    m = TIME_RE.match(s)
    if not m:
        return None
    y, mo, d, h, mi, sec = (int(x) for x in m.groups()[:6])
    frac = (m.group(7) or "")[:3].ljust(3, "0")
    try:
        dt = datetime.datetime(y, mo, d, h, mi, min(sec, 59), tzinfo=datetime.timezone.utc)
    except ValueError:
        return None
    ms = int(dt.timestamp()) * 1000 + int(frac) + (1000 if sec == 60 else 0)
    tz = m.group(8)
    if tz not in ("Z", "z"):
        sign = -1 if tz[0] == "-" else 1
        tz = tz[1:].replace(":", "")
        ms -= sign * (int(tz[:2]) * 3600 + int(tz[2:]) * 60) * 1000
    return ms


def fmt_ms(ms):
    dt = datetime.datetime.fromtimestamp(ms // 1000, datetime.timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % (ms % 1000)


def read_log(path):
    """-> (posts, lines, bad)"""
    posts, bad = [], 0
    with open(path, "rb") as f:
        data = f.read()
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    for raw in lines:
        if raw.strip(b" \t\r") == b"":
            continue
        try:
            o = json.loads(raw.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            bad += 1
            continue
        if not isinstance(o, dict) or not isinstance(o.get("kind"), str):
            bad += 1
            continue
        if o["kind"] == "event":
            continue
        good = all(isinstance(o.get(k), str) for k in ("id", "created_at", "author_id", "text"))
        good = good and all(o.get(k) is None or isinstance(o.get(k), str)
                            for k in ("username", "name", "in_reply_to_id", "attributed_by"))
        q = o.get("question")
        good = good and (q is None or (isinstance(q, int) and not isinstance(q, bool) and q >= 0))
        if good:
            o["ms"] = parse_ms(o["created_at"])
            good = o["ms"] is not None and o["id"] != "" and o["author_id"] != ""
        if not good:
            bad += 1
            continue
        o["question"] = q or 0
        posts.append(o)
    return posts, len(lines), bad


def compute(paths, K=3, N=8):
    chats = []
    for path in paths:
        posts, nlines, bad = read_log(path)
        seen, uniq, dups = set(), [], 0
        for p in posts:
            if p["id"] in seen:
                dups += 1
                continue
            seen.add(p["id"])
            uniq.append(p)
        host_ids = {p["author_id"] for p in uniq if p["kind"] == "host"}
        host = [p for p in uniq if p["author_id"] in host_ids]
        part = [p for p in uniq if p["author_id"] not in host_ids]
        by_id = {p["id"]: p for p in uniq}
        qtext, qposted = {}, {}
        for p in host:
            q = p["question"]
            if p["kind"] == "host" and q > 0:
                if q not in qposted or p["ms"] < qposted[q]:
                    qposted[q], qtext[q] = p["ms"], p["text"]
        maxq = max([q for q in qposted] + [p["question"] for p in part] + [0])
        # a post made before its question was asked (a greeting with "A1"
        # in it) is no answer to it (more than a second before: X's times
        # are whole seconds)
        for p in part:
            q = p["question"]
            if q > 0 and q in qposted and p["ms"] < qposted[q] - 999:
                p["question"] = 0
        authors = {}
        for p in part:
            a = authors.setdefault(p["author_id"], {"author_id": p["author_id"], "posts": 0,
                                                    "answers": 0, "username": None, "name": None})
            a["posts"] += 1
            a["answers"] += p["question"] > 0
            if p.get("username") is not None:
                a["username"] = p["username"]
            if p.get("name") is not None:
                a["name"] = p["name"]
        questions = []
        for q in range(1, maxq + 1):
            ans = [p for p in part if p["question"] == q]
            first = min((p["ms"] for p in ans), default=None)
            posted = qposted.get(q)
            questions.append({
                "number": q, "text": qtext.get(q),
                "posted_at": fmt_ms(posted) if posted is not None else None,
                "answers": len(ans),
                "labelled": sum(1 for p in ans if p.get("attributed_by") == "label"),
                "first_answer_at": fmt_ms(first) if first is not None else None,
                "first_answer_delay_seconds": (first - posted) / 1000.0
                if first is not None and posted is not None else None,
            })
        minutes = {}
        for p in part:
            m = p["ms"] // 60000
            minutes[m] = minutes.get(m, 0) + 1
        busiest = None
        if minutes:
            best = max(minutes.values())
            m = min(k for k, v in minutes.items() if v == best)
            busiest = {"minute": fmt_ms(m * 60000), "posts": best}
        replied = {by_id[p["in_reply_to_id"]]["author_id"] for p in host
                   if p["kind"] == "host" and p.get("in_reply_to_id") in by_id}
        top = sorted(authors.values(),
                     key=lambda a: (-a["posts"], (a["username"] or a["author_id"]).encode(), a["author_id"].encode()))
        date = os.path.basename(path)[:10]
        chats.append({
            "date": date, "file": path, "participants": len(authors), "posts": len(part),
            "host_posts": len(host),
            "answers_per_question": [q["answers"] for q in questions],
            "questions": questions,
            "unlabelled_replies": sum(1 for p in part if p.get("attributed_by") in ("reply", "time")),
            "busiest_minute": busiest,
            "top_contributors": [{"net": "x", "author_id": a["author_id"], "username": a["username"],
                                  "name": a["name"],
                                  "posts": a["posts"], "answers": a["answers"]} for a in top[:10]],
            "_authors": authors, "_replied": replied, "_top": top,
            "lines": nlines, "bad_lines": bad, "duplicate_ids": dups,
            "_transcript": (uniq, host_ids, by_id, maxq, qtext, qposted),
        })
    # across weeks
    history, names = [], {}
    for i, c in enumerate(chats):
        now = set(c["_authors"])
        earlier = set().union(*history) if history else set()
        for aid, a in c["_authors"].items():
            prev = names.get(aid, {})
            names[aid] = {"net": "x", "author_id": aid,
                          "username": a["username"] if a["username"] is not None else prev.get("username"),
                          "name": a["name"] if a["name"] is not None else prev.get("name")}
        history.append(now)
        c["first_timers"] = len(now - earlier)
        c["returning"] = len(now & earlier)

        def core_at(j):
            if j < 0:
                return set()
            window = history[max(0, j - N + 1): j + 1]
            everyone = set().union(*window)
            return {a for a in everyone if sum(a in w for w in window) >= K}
        c["core"] = len(core_at(i))
        lapsed = core_at(i - 1) - now
        c["lapsed"] = len(lapsed)
        prev = history[i - 1] if i > 0 else None
        c["retention"] = len(now & prev) / len(prev) if prev else None
        c["lapsed_regulars"] = sorted(json.dumps(names[a], sort_keys=True) for a in lapsed)
        c["first_timers_not_replied"] = sorted(
            json.dumps({"net": "x", "author_id": a, "username": c["_authors"][a]["username"],
                        "name": c["_authors"][a]["name"]}, sort_keys=True)
            for a in now - earlier if a not in c["_replied"])
    return chats, names


def transcript(c):
    uniq, host_ids, by_id, maxq, qtext, qposted = c["_transcript"]
    secs = {q: [] for q in range(0, maxq + 1)}
    for p in sorted(uniq, key=lambda p: (p["ms"], p["id"].encode())):
        q = p["question"]
        is_host = p["author_id"] in host_ids
        if is_host and q == 0 and p.get("in_reply_to_id") in by_id:
            t = by_id[p["in_reply_to_id"]]
            if t["author_id"] not in host_ids:
                q = t["question"]
        secs[q].append({"net": p.get("net") or "x", "id": p["id"], "created_at": p["created_at"],
                        "author_id": p["author_id"],
                        "username": p.get("username"), "name": p.get("name"), "host": is_host,
                        "kind": p["kind"] if p["kind"] in ("host", "answer", "reply", "other") else "other",
                        "attributed_by": p.get("attributed_by")
                        if p.get("attributed_by") in (None, "label", "reply", "time") else "other",
                        "text": p["text"]})
    out = []
    for q in list(range(1, maxq + 1)) + [0]:
        out.append({"question": q or None, "text": qtext.get(q) if q else None, "posts": secs[q]})
    return out


def close(a, b):
    if a is None or b is None:
        return a is b
    return abs(a - b) < 1e-9


def compare(label, args, paths, K=3, N=8):
    res = subprocess.run([CHATHOST, "report", "--format", "json"] + args,
                         capture_output=True)
    ok(res.returncode == 0, f"{label}: exit 0", res.stderr.decode(errors="replace"))
    try:
        got = json.loads(res.stdout.decode("utf-8"))
    except ValueError as e:
        ok(False, f"{label}: output is JSON", str(e))
        return
    want, names = compute(paths, K, N)
    ok(len(got["chats"]) == len(want), f"{label}: number of chats",
       f"{len(got['chats'])} vs {len(want)}")
    ok(got["logs_read"] == len(want), f"{label}: logs_read")
    ok(got["lines"] == sum(c["lines"] for c in want), f"{label}: lines",
       f"{got['lines']} vs {sum(c['lines'] for c in want)}")
    ok(got["bad_lines"] == sum(c["bad_lines"] for c in want), f"{label}: bad_lines")
    ok(got["people"] == len(names), f"{label}: people", f"{got['people']} vs {len(names)}")
    ok(got["core_rule"] == {"min": K, "window": N}, f"{label}: core_rule")
    plain = ["date", "participants", "posts", "host_posts", "answers_per_question",
             "unlabelled_replies", "busiest_minute", "top_contributors", "first_timers",
             "returning", "core", "lapsed", "lines", "bad_lines", "duplicate_ids"]
    for g, w in zip(got["chats"], want):
        d = w["date"]
        for key in plain:
            ok(g.get(key) == w[key], f"{label} {d}: {key}", f"got  {g.get(key)!r}\nwant {w[key]!r}")
        ok(os.path.basename(g["file"]) == os.path.basename(w["file"]), f"{label} {d}: file")
        ok(close(g["retention"], w["retention"]), f"{label} {d}: retention",
           f"{g['retention']} vs {w['retention']}")
        qs_ok = len(g["questions"]) == len(w["questions"])
        for gq, wq in zip(g["questions"], w["questions"]):
            for k in wq:
                if k == "first_answer_delay_seconds":
                    qs_ok = qs_ok and close(gq[k], wq[k])
                else:
                    qs_ok = qs_ok and gq[k] == wq[k]
        ok(qs_ok, f"{label} {d}: questions", f"got  {g['questions']}\nwant {w['questions']}")
        for key in ("lapsed_regulars", "first_timers_not_replied"):
            gl = sorted(json.dumps(x, sort_keys=True) for x in g[key])
            ok(gl == w[key], f"{label} {d}: {key}", f"got  {gl}\nwant {w[key]}")
    weeks = [{"date": c["date"], "participants": c["participants"], "first_timers": c["first_timers"],
              "returning": c["returning"], "posts": c["posts"]} for c in want]
    gw = [{k: x[k] for k in ("date", "participants", "first_timers", "returning", "posts")}
          for x in got["participants_by_week"]]
    ok(gw == weeks, f"{label}: participants_by_week", f"got  {gw}\nwant {weeks}")
    ok(all(close(x["retention"], c["retention"]) for x, c in zip(got["participants_by_week"], want)),
       f"{label}: participants_by_week retention")
    tw = transcript(want[-1])
    tg = got["transcript"]
    ok(tg["date"] == want[-1]["date"] and tg["sections"] == tw, f"{label}: transcript",
       f"got  {json.dumps(tg['sections'], ensure_ascii=False)[:800]}\nwant {json.dumps(tw, ensure_ascii=False)[:800]}")


def gen_series(folder, weeks, seed):
    rnd = random.Random(seed)
    people = [(str(1000 + i), f"user{i}", rnd.choice(["Ana", "Bo", "Chloé", "李雷", "Dev \"Q\"", "O'Hara, J", "Zoë 🌸", "  spaced  "]) + f" {i}")
              for i in range(40)]
    regular = people[:8]
    day = datetime.date(2026, 1, 6)
    paths = []
    for w in range(weeks):
        date = (day + datetime.timedelta(days=7 * w)).isoformat()
        base = datetime.datetime.fromisoformat(date + "T18:00:00+00:00")
        lines, pid = [], 0

        def emit(t, a, kind, q, attr, text, reply=None):
            nonlocal pid
            pid += 1
            i = f"{w:03d}{pid:05d}"
            lines.append(json.dumps({"id": i, "created_at": t.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % rnd.randrange(1000),
                                     "author_id": a[0], "username": a[1], "name": a[2], "kind": kind,
                                     "question": q or None, "attributed_by": attr, "in_reply_to_id": reply,
                                     "text": text}, ensure_ascii=False, separators=(",", ":")))
            return i
        host = ("9", "chathost", "The Host")
        emit(base, host, "host", 0, None, "Welcome!")
        nq = rnd.randint(0, 4)
        qids = [emit(base + datetime.timedelta(minutes=5 + 10 * q), host, "host", q + 1, None, f"Q{q+1}: why?\nreally")
                for q in range(nq)]
        crowd = [p for p in regular if rnd.random() < 0.7] + rnd.sample(people[8:], rnd.randint(0, 10))
        posted = []
        for a in crowd:
            for _ in range(rnd.randint(1, 4)):
                q = rnd.randint(0, nq) if nq else 0
                t = base + datetime.timedelta(seconds=rnd.randint(0, 3600))
                kind, attr = ("answer", rnd.choice(["label", "label", "time"])) if q else ("other", None)
                posted.append(emit(t, a, kind, q, attr, f"A{q} \"quoted\" \\ text\nline"))
        for i in rnd.sample(posted, min(3, len(posted))):
            emit(base + datetime.timedelta(minutes=50), host, "host", 0, None, "thanks!", reply=i)
        if posted and rnd.random() < 0.5:
            lines.append(lines[-1])  # a duplicate id
        rnd.shuffle(lines)
        if rnd.random() < 0.3:
            lines.insert(rnd.randrange(len(lines) + 1), "{broken")
        path = os.path.join(folder, date + ".jsonl")
        with open(path, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        paths.append(path)
    return paths


def main():
    if not os.access(CHATHOST, os.X_OK):
        ok(False, f"chathost binary at {CHATHOST}")
        return
    paths = sorted(os.path.join(LOGS, f) for f in os.listdir(LOGS) if f.endswith(".jsonl"))
    compare("hand-written", [LOGS], paths)
    compare("hand-written 2/3", ["--core", "2/3", LOGS], paths, 2, 3)
    with tempfile.TemporaryDirectory() as tmp:
        gen = gen_series(tmp, 14, 20261201)
        compare("generated", [tmp], gen)
        compare("generated 2/4", ["--core-min", "2", "--core-window", "4", tmp], gen, 2, 4)


main()
print(f"1..{n}")
sys.exit(1 if failed else 0)
