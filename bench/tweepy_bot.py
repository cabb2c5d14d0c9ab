#!/usr/bin/python3
"""tweepy_bot.py - the rival in chathost's benchmarks: a small chat bot
written the usual Python way, with tweepy 4 (Debian python3-tweepy). It
must run under Debian's /usr/bin/python3 (tweepy is a Debian package, not
installed in other Pythons).

    /usr/bin/python3 bench/tweepy_bot.py post BASE PLAN.json OUT.json
        posts PLAN's posts at their instants: PLAN is
        {"posts": [{"key", "text", "reply_to" (a key or null), "due"}]},
        "due" in real epoch seconds; sleeps until each one (time.sleep),
        then client.create_tweet(); writes OUT with, per key, the id, the
        instant the call started ("called") and the instant it returned.
    /usr/bin/python3 bench/tweepy_bot.py rest BASE
        a bot at rest: authenticates (GET /2/users/me), prints "ready" and
        sleeps until a chat a week away (until killed).

BASE is the fake X API's base URL (http://127.0.0.1:PORT). Credentials from
the environment: X_API_KEY, X_API_SECRET, X_ACCESS_TOKEN,
X_ACCESS_TOKEN_SECRET (as for chathost).

How it reaches the fake server: tweepy 4.12 hard-codes its API host
("https://api.twitter.com" inside tweepy.Client.request) and sends every
call through its requests.Session, self.session. LocalSession below is a
requests.Session whose request() swaps that prefix for BASE before the
request is prepared, so the OAuth 1.0a signature (requests_oauthlib, as
tweepy sets it up) is computed over the URL actually sent and the fake
server verifies it as it verifies chathost's. Nothing else in tweepy is
changed; chathost needs no such shim (--api-base).
"""
import json
import os
import sys
import time

import requests
import tweepy

TWITTER = "https://api.twitter.com"


class LocalSession(requests.Session):
    """A requests.Session that sends tweepy's api.twitter.com calls to base."""

    def __init__(self, base):
        super().__init__()
        self.base = base.rstrip("/")

    def request(self, method, url, *args, **kwargs):
        if url.startswith(TWITTER):
            url = self.base + url[len(TWITTER):]
        return super().request(method, url, *args, **kwargs)


def client(base):
    c = tweepy.Client(consumer_key=os.environ["X_API_KEY"],
                      consumer_secret=os.environ["X_API_SECRET"],
                      access_token=os.environ["X_ACCESS_TOKEN"],
                      access_token_secret=os.environ["X_ACCESS_TOKEN_SECRET"])
    c.session = LocalSession(base)
    return c


def post(base, plan_path, out_path):
    with open(plan_path) as f:
        plan = json.load(f)
    c = client(base)
    me = c.get_me()            # authenticates and opens the connection
    ids = {}
    out = {"user": me.data.username, "posts": {}}
    for p in plan["posts"]:
        wait = p["due"] - time.time()
        if wait > 0:
            time.sleep(wait)
        called = time.time()
        reply = ids.get(p["reply_to"]) if p.get("reply_to") else None
        r = c.create_tweet(text=p["text"], in_reply_to_tweet_id=reply)
        ids[p["key"]] = r.data["id"]
        out["posts"][p["key"]] = {"id": r.data["id"], "due": p["due"],
                                  "called": called, "returned": time.time()}
    with open(out_path, "w") as f:
        json.dump(out, f)
    return 0


def rest(base):
    c = client(base)
    c.get_me()
    print("ready", flush=True)
    while True:                # a chat a week away
        time.sleep(7 * 86400)


def main(argv):
    if len(argv) == 4 and argv[0] == "post":
        return post(argv[1], argv[2], argv[3])
    if len(argv) == 2 and argv[0] == "rest":
        return rest(argv[1])
    print("usage: tweepy_bot.py post BASE PLAN OUT | rest BASE", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
