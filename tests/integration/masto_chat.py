#!/usr/bin/env python3
"""A chat hosted on Mastodon, against the fake Mastodon server: a rehearsed
chat posted in order, once each, public, in English, threaded under the
intro, each post with an Idempotency-Key of its own; answers with the tag,
in the thread without it, and unlisted (never on the tag's timeline)
captured as a real server shows them; every request chathost sent valid
against Mastodon's OpenAPI description; the fake's answers shaped as the
recorded answers of a real Mastodon 4.6 server (fields, types, Link)."""
import json
import os
import re
import sys
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import Tap, bot_env, read_log, run_bot, workdir  # noqa: E402
from masto import HOST_TOKEN, TOPIC, MastoFake, creds_file, write_chat  # noqa: E402
import cassette  # noqa: E402
import masto_openapi  # noqa: E402

t = Tap()


def get(fake, path, method="GET", form=None):
    data = None
    if form is not None:
        data = "&".join("%s=%s" % (k, urllib.request.quote(v)) for k, v in form).encode()
    req = urllib.request.Request(fake.base + path, data=data, method=method,
                                 headers={"Authorization": "Bearer " + HOST_TOKEN})
    with urllib.request.urlopen(req, timeout=10) as r:
        return json.loads(r.read().decode()), dict(r.headers)


d = workdir("masto_chat")
fake = MastoFake(d, "--answer", "ann:tag,ben:reply,cat:unlisted")
try:
    creds = creds_file(d)
    tm = time.gmtime(time.time() + 60)
    sched, date = write_chat(d, tm, TOPIC, ["mastodon"], {
        "mastodon": '{ instance = "%s"; credentials = "%s"; }' % (fake.base, creds)},
        language='"en"')
    st, out, err = run_bot(["check", "--online", sched], env=bot_env(creds=False))
    t.ok(st == 0 and "Mastodon: the account is @chatbot" in out,
         "check --online names the Mastodon account", out + err)

    st, out, err = run_bot(["run", "--once", "--rehearse=60", "--date", date, sched],
                           env=bot_env(creds=False), timeout=120)
    t.eq(st, 0, "the rehearsed chat on Mastodon ends with exit 0")
    t.ok(all(("%s on Mastodon: %s" % (date, w)) in err
             for w in ("5 posts planned", "captured", "chat done")),
         "the summary lines name their network", err[-1200:])
    host = fake.host_statuses()
    texts = [s["text"] for s in host]
    t.eq(len(texts), 5, "5 statuses posted (intro, Q1-Q3, wrap-up)")
    t.eq(len(set(texts)), len(texts), "each once")
    t.ok(texts and texts[0].startswith("Welcome") and texts[1].startswith("Q1") and
         texts[-1].startswith("Thanks"), "in the order of the plan", texts)
    intro = host[0]["id"] if host else None
    t.ok(all(s["in_reply_to_id"] == intro for s in host[1:]),
         "the questions and the wrap-up reply to the intro (one thread)")
    t.ok(all(s["visibility"] == "public" and s["language"] == "en" for s in host),
         "public, language en")
    posts = [r for r in fake.requests() if r["method"] == "POST"]
    keys = [r["idempotency_key"] for r in posts]
    t.ok(len(keys) == 5 and all(keys) and len(set(keys)) == 5,
         "each post carries an Idempotency-Key of its own", keys)
    state = json.load(open(os.path.join(d, "logs", "testchat", "rehearsal",
                                        date + ".state.json")))
    t.ok(sorted(p.get("key") for p in state["posts"].values()) == sorted(keys),
         "the keys were chosen with the intents (in the state)")

    log = read_log(os.path.join(d, "logs", "testchat", "rehearsal", date + ".jsonl"))
    answers = [e for e in log if e.get("kind") == "answer"]
    ids = [e["id"] for e in log if e.get("kind") != "event"]
    t.eq(len(ids), len(set(ids)), "every line of the log is one status, once")
    t.ok(all(e.get("net") == "mastodon" for e in log if e.get("kind") != "event"),
         "every line carries net mastodon")
    want = {(a, q) for a in ("ann", "ben") for q in (1, 2, 3)}
    got = {(e["username"], e["question"]) for e in answers}
    t.eq(got, want, "the tagged and the threaded answers, each with its question")
    t.ok(not any(e["username"] == "cat" for e in log),
         "unlisted answers never reach the tag's timeline, so are not logged")
    ben = [e for e in answers if e["username"] == "ben"]
    t.ok(ben and all(e["attributed_by"] in ("reply", "label") for e in ben),
         "answers in the thread without the tag are found through the context", ben)
    t.ok(all(e.get("url", "").startswith(fake.base + "/@") for e in answers),
         "each answer's web address is logged", [e.get("url") for e in answers])
    t.ok(all(e["text"] == "A%d from ann #ICMIchat" % e["question"]
             for e in answers if e["username"] == "ann"),
         "the HTML content is logged as its plain text")

    st, out, err = run_bot(["report", "--format", "json", os.path.join(
        d, "logs", "testchat", "rehearsal", date + ".jsonl")], env=bot_env(creds=False))
    t.ok(st == 0 and '"mastodon"' in out, "the report counts the chat on Mastodon",
         out[-2000:] + err)

    # every request against the OpenAPI description
    spec = masto_openapi.load()
    reqs = fake.requests()
    probs = [p for r in reqs for p in masto_openapi.check(spec, r)]
    paths = {re.sub(r"/\d+", "/ID", r["path"]) for r in reqs}
    t.ok(len(reqs) > 10 and not probs,
         "all %d requests valid against mastodon-openapi-4.7.0.json (%s)" %
         (len(reqs), ", ".join(sorted(paths))), "\n".join(probs))

    # the fake's answers against a real server's, recorded
    shapes = []
    for method, rx, path in [
            ("GET", "verify_credentials$", "/api/v1/accounts/verify_credentials"),
            ("GET", r"/statuses/\d+$", "/api/v1/statuses/%s" % intro),
            ("GET", "/context$", "/api/v1/statuses/%s/context" % intro),
            ("GET", "/timelines/tag/", "/api/v1/timelines/tag/ICMIchat"),
            ("GET", r"/accounts/\d+/statuses$", "/api/v1/accounts/%s/statuses?limit=2"
             % host[0]["account"]["id"])]:
        rec, rh = cassette.recorded(method, rx)
        mine, mh = get(fake, path)
        p = cassette.shape_problems(rec, mine, path)
        shapes += p
        if isinstance(rec, list) and "link" in rh:
            if not re.match(r'^<[^>]+max_id=\d+>; rel="next", <[^>]+min_id=\d+>; rel="prev"$',
                            mh.get("Link", "")):
                shapes.append("%s: Link %r not of the recorded form %r" %
                              (path, mh.get("Link"), rh["link"][0]))
        rl = [k for k in ("x-ratelimit-limit", "x-ratelimit-remaining",
                          "x-ratelimit-reset") if k in rh]
        if any(k.title().replace("Ratelimit", "RateLimit") not in mh for k in rl):
            shapes.append("%s: X-RateLimit-* headers missing" % path)
    rec, _ = cassette.recorded("POST", "/api/v1/statuses$")
    mine, _ = get(fake, "/api/v1/statuses", "POST",
                  [("status", "a poll #ICMIchat"), ("poll[options][]", "yes"),
                   ("poll[options][]", "no"), ("poll[expires_in]", "600")])
    shapes += cassette.shape_problems(rec, mine, "POST /api/v1/statuses")
    rec, _ = cassette.recorded("GET", "/polls/")
    poll, _ = get(fake, "/api/v1/polls/%s" % mine["poll"]["id"])
    shapes += cassette.shape_problems(rec, poll, "/api/v1/polls/ID")
    rec, _ = cassette.recorded("GET", "/v2/instance")
    inst, _ = get(fake, "/api/v2/instance")
    shapes += cassette.shape_problems(rec["configuration"]["statuses"],
                                      inst["configuration"]["statuses"],
                                      "instance.configuration.statuses")
    t.ok(not shapes, "the fake answers with the fields, types, Link and rate-limit "
         "headers a real Mastodon 4.6 server recorded", "\n".join(shapes))
finally:
    fake.stop()
t.done()
