#!/usr/bin/env python3
"""Generates a folder of weekly participation logs (YYYY-MM-DD.jsonl, the
contract format) for the report benchmark. Deterministic for a seed.

    bench/gen_logs.py [--weeks 52] [--lines 1000000] [--seed 1] OUTDIR

Each chat: the host's intro, 10 questions, replies and wrap-up, and
participant posts (labelled answers, replies in the thread, posts attributed
by time, unattributed posts) from a population of regulars and drop-ins
with Unicode display names; a few texts carry quotes, newlines and emoji.
"""
import argparse
import datetime
import json
import os
import random


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--weeks", type=int, default=52)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("outdir")
    a = ap.parse_args()
    rnd = random.Random(a.seed)
    os.makedirs(a.outdir, exist_ok=True)

    first = ["Ana", "Björn", "Chloé", "Dmitri", "Eun-ji", "Fatima", "Guo", "Hannah",
             "Ίρις", "José", "Kwame", "Léa", "Mei", "Nadia", "Oluwaseun", "Priya",
             "李", "佐藤", "Zoë", "Ørjan", "Małgorzata", "Şule", "Thảo", "Ava"]
    last = ["Smith", "García", "Müller", "Nguyễn", "王", "O'Brien", "Kowalski",
            "Søren", "Silva", "Kim", "Ivanova", "Dubois", "🌸", "Support Team", "CX"]
    people = []
    for i in range(60_000):
        name = f"{rnd.choice(first)} {rnd.choice(last)}"
        if i % 50 == 0:
            name += ' "the pro"'
        people.append((str(10_000_000 + i), f"user_{i}", json.dumps(name, ensure_ascii=False)))
    regulars = people[:400]
    texts = [
        "great point about self-service, we see the same thing",
        "our team tracks first contact resolution every week",
        "customers want answers fast and a human when it matters",
        "agree! empathy first, then the fix 💯",
        "we use surveys after every chat, response rate is low though",
        "knowledge base articles cut our tickets by a third",
        "¿alguien usa chatbots en español? funciona bien para nosotros",
        "智能客服很有帮助",
    ]
    esc_texts = ["line one\nline two", 'they said "press 1" again', "back\\slash and\ttab"]

    per_week = a.lines // a.weeks
    extra = a.lines - per_week * a.weeks
    day = datetime.date(2025, 1, 7)
    total = 0
    for w in range(a.weeks):
        date = day + datetime.timedelta(days=7 * w)
        start = datetime.datetime(date.year, date.month, date.day, 18, 0, tzinfo=datetime.timezone.utc)
        t0 = int(start.timestamp())
        n_lines = per_week + (1 if w < extra else 0)
        lines = []
        pid = 0

        def ts(sec):
            dt = datetime.datetime.fromtimestamp(t0 + sec, datetime.timezone.utc)
            return dt.strftime("%Y-%m-%dT%H:%M:%S") + ".%03dZ" % rnd.randrange(1000)

        def line(author, kind, q, attr, reply, text, sec):
            nonlocal pid
            pid += 1
            i = f"18{w:03d}{pid:09d}"
            lines.append(
                '{"id":"%s","created_at":"%s","author_id":"%s","username":"%s","name":%s,'
                '"kind":"%s","question":%s,"attributed_by":%s,"in_reply_to_id":%s,"text":%s}'
                % (i, ts(sec), author[0], author[1], author[2], kind,
                   q if q else "null", '"%s"' % attr if attr else "null",
                   '"%s"' % reply if reply else "null", text))
            return i

        host = ("1", "chathost", '"Chat Host"')
        intro = line(host, "host", 0, None, None, '"Welcome to #BenchChat! Answer with A1, A2..."', 0)
        qids = []
        for q in range(1, 11):
            qids.append(line(host, "host", q, None, intro,
                             json.dumps(f"Q{q}: question number {q}? #BenchChat"), 5 * 60 + (q - 1) * 5 * 60))
        line(host, "host", 0, None, None, '"Thanks for joining #BenchChat!"', 60 * 60)
        crowd = [p for p in regulars if rnd.random() < 0.6]
        crowd += rnd.sample(people, 4000 + rnd.randrange(2000))
        want = n_lines - len(lines)
        posts = []
        while len(lines) < n_lines:
            author = crowd[rnd.randrange(len(crowd))]
            r = rnd.random()
            q = rnd.randint(1, 10)
            sec = 5 * 60 + (q - 1) * 5 * 60 + rnd.randrange(330)
            if r < 0.05 and posts:
                t = posts[rnd.randrange(len(posts))]
                line(host, "host", 0, None, t, '"@you thanks for sharing!"', sec)
                continue
            txt = rnd.choice(esc_texts) if rnd.random() < 0.05 else rnd.choice(texts)
            if r < 0.70:
                kind, attr, reply, txt = "answer", "label", None, f"A{q}: {txt}"
            elif r < 0.85:
                kind, attr, reply = "reply", "reply", qids[q - 1]
            elif r < 0.95:
                kind, attr, reply = "answer", "time", None
            else:
                kind, attr, reply, q = "other", None, None, 0
            posts.append(line(author, kind, q, attr, reply, json.dumps(txt, ensure_ascii=False), sec))
        del want
        lines.sort(key=lambda s: s[s.index('"created_at"'):s.index('"author_id"')])
        with open(os.path.join(a.outdir, f"{date.isoformat()}.jsonl"), "w", encoding="utf-8") as f:
            f.write("\n".join(lines))
            f.write("\n")
        total += len(lines)
    print(f"{a.weeks} logs, {total} lines in {a.outdir}")


main()
