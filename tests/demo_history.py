#!/usr/bin/env python3
"""demo_history.py - eight earlier weeks of #ICMIchat for make demo, so its
report shows what the across-weeks view is for: a core group on all three
networks that comes every week, regulars who lapse (in every earlier week,
absent from the demo's chat), drop-ins, and the demo's first-timers (its
scripted people who were never there before). The accounts are the demo's
own (the fake X API's users, the Bluesky servers' DIDs, snac's account
ids), so the demo's chat joins its history.

    tests/demo_history.py LOGDIR DATE FAKEX_BASE BSKY_JSON SNAC_JSON
"""
import datetime
import json
import os
import random
import sys
import urllib.request

QUESTIONS = 6
# who was there in the earlier weeks (network, name): the core comes every
# week, the lapsing every week too but not to the demo's chat
CORE = [("x", "ana_cx"), ("x", "müller_cs"), ("x", "li_support"),
        ("bluesky", "alice.test"), ("bluesky", "bob.test"), ("mastodon", "fran")]
LAPSING = [("x", "carla_cx"), ("bluesky", "zoe.test"), ("mastodon", "ivy")]
DROP_INS = [("x", "dev_%02d" % i) for i in range(12)] + \
           [("bluesky", "guest%02d.test" % i) for i in range(6)]


def ids(fake_base, bsky_json, snac_json):
    """(network, name) -> author id, and the host's id per network."""
    with urllib.request.urlopen(fake_base + "/_fake/users", timeout=10) as r:
        xusers = {u["username"]: u["id"] for u in json.load(r)["data"]}
    b = {a["handle"]: a["did"] for a in json.load(open(bsky_json))["accounts"]}
    m = json.load(open(snac_json))["account"]
    out = {}
    for net, name in CORE + LAPSING + DROP_INS:
        if net == "x":
            out[(net, name)] = xusers.get(name, str(1900000000000000000 + abs(hash(name)) % 10**15))
        elif net == "bluesky":
            out[(net, name)] = b.get(name, "did:plc:hist%s" % name.split(".")[0])
        else:
            out[(net, name)] = m.get(name, "hist-%s" % name)
    hosts = {"x": xusers.get("chathost_demo", "1700000000000000001"),
             "bluesky": b.get("icmichat.test", "did:plc:host"),
             "mastodon": m.get("icmichat", "host")}
    return out, hosts


def week(path, day, people, who_ids, hosts, rnd):
    start = datetime.datetime(day.year, day.month, day.day, 18, 0,
                              tzinfo=datetime.timezone.utc)
    lines = []
    seq = [0]

    def line(net, author, name, minute, kind, q, text, reply=None):
        seq[0] += 1
        t = start + datetime.timedelta(minutes=minute, seconds=seq[0] % 50)
        pid = {"x": str(1990000000000000000 + int(t.timestamp()) * 1000 + seq[0]),
               "bluesky": "at://%s/app.bsky.feed.post/h%s%03d" % (author, day.strftime("%m%d"), seq[0]),
               "mastodon": str(110000000000000000 + int(t.timestamp()) * 100 + seq[0])}[net]
        e = {"id": pid, "created_at": t.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
             "author_id": author, "username": name, "kind": kind, "question": q,
             "attributed_by": "label" if kind == "answer" else None,
             "in_reply_to_id": reply, "text": text}
        if net != "x":
            e["net"] = net
        lines.append(e)
        return pid

    for net in ("x", "bluesky", "mastodon"):
        intro = line(net, hosts[net], "icmichat", 0, "host", None,
                     "Welcome to #ICMIchat! Week of %s." % day.isoformat())
        for n in range(1, QUESTIONS + 1):
            line(net, hosts[net], "icmichat", 5 + 10 * (n - 1), "host", n,
                 "Q%d: this week's question %d #ICMIchat" % (n, n), intro)
    for net, name in people:
        for n in range(1, QUESTIONS + 1):
            if n == 1 or rnd.random() < 0.6:
                line(net, who_ids[(net, name)], name, 6 + 10 * (n - 1), "answer", n,
                     "A%d: my answer for week %s #ICMIchat" % (n, day.isoformat()))
    lines.sort(key=lambda e: e["created_at"])
    with open(path, "w", encoding="utf-8") as f:
        for e in lines:
            f.write(json.dumps(e, ensure_ascii=False) + "\n")
    st = path[:-len(".jsonl")] + ".state.json"
    with open(st, "w") as f:
        json.dump({"date": day.isoformat(), "timezone": "America/New_York",
                   "title": "An earlier week", "hashtag": "#ICMIchat"}, f)


def main(argv):
    logdir, date, fake_base, bsky_json, snac_json = argv
    os.makedirs(logdir, exist_ok=True)
    who_ids, hosts = ids(fake_base, bsky_json, snac_json)
    rnd = random.Random(8)
    chat = datetime.date.fromisoformat(date)
    for k in range(8, 0, -1):
        day = chat - datetime.timedelta(days=7 * k)
        people = CORE + LAPSING + rnd.sample(DROP_INS, 5)
        week(os.path.join(logdir, "%s.jsonl" % day.isoformat()), day, people,
             who_ids, hosts, rnd)
    print("demo: 8 earlier weeks of #ICMIchat in %s" % logdir)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
