#!/usr/bin/env python3
"""Self-test of the fake X API server (tests/fakex/fakex.py), TAP output.

Starts real fakex processes on loopback ports and talks to them with
http.client, signing with tests/fakex/client_sign.py (an OAuth 1.0a signer
written apart from the server's verifier)."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FAKEX_DIR = os.path.join(ROOT, "tests", "fakex")
FAKEX = os.path.join(FAKEX_DIR, "fakex.py")
sys.path.insert(0, FAKEX_DIR)

import client_sign  # noqa: E402
import fakex  # noqa: E402

CREDS = {"consumer_key": "ck", "consumer_secret": "cs",
         "token": "at", "token_secret": "ats"}
DUP = "You are not allowed to create a Tweet with duplicate content."


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def ok(self, cond, desc, diag=None):
        self.n += 1
        if cond:
            print("ok %d - %s" % (self.n, desc))
        else:
            self.failed += 1
            print("not ok %d - %s" % (self.n, desc))
            if diag is not None:
                for line in str(diag).splitlines()[:20]:
                    print("#   " + line)
        sys.stdout.flush()
        return cond


T = Tap()


class Resp:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body
        try:
            self.json = json.loads(body.decode("utf-8")) if body else None
        except ValueError:
            self.json = None

    def __repr__(self):
        return "<%d %r>" % (self.status, self.body[:300])


def qs(params):
    if params is None:
        return ""
    if isinstance(params, str):
        return params
    items = params.items() if isinstance(params, dict) else params
    return "&".join(client_sign.enc(k) + "=" + client_sign.enc(v) for k, v in items)


class Fake:
    def __init__(self, *extra, env=None):
        self.dir = tempfile.mkdtemp(prefix="fakex-test-")
        self.port_file = os.path.join(self.dir, "port")
        self.record = os.path.join(self.dir, "requests.jsonl")
        self.log = open(os.path.join(self.dir, "fakex.log"), "w")
        cmd = [sys.executable, FAKEX, "--port", "0", "--port-file", self.port_file,
               "--record", self.record, "--log-level", "info"] + list(extra)
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=env)
        deadline = time.time() + 15
        self.port = None
        while time.time() < deadline:
            if os.path.exists(self.port_file):
                with open(self.port_file) as f:
                    self.port = int(f.read().strip())
                break
            if self.proc.poll() is not None:
                break
            time.sleep(0.02)
        if self.port is None:
            raise RuntimeError("fakex did not start: " + self.logtext())
        self.base = "http://127.0.0.1:%d" % self.port

    def logtext(self):
        self.log.flush()
        with open(os.path.join(self.dir, "fakex.log")) as f:
            return f.read()

    def conn(self, timeout=10):
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def req(self, method, path, query=None, body=None, form=None, headers=None,
            sign=True, creds=CREDS, conn=None, timeout=10, auth=None,
            sign_query=None, sign_form=None, nonce=None, timestamp=None):
        q = qs(query)
        target = path + ("?" + q if q else "")
        hdrs = {}
        data = None
        if body is not None:
            data = body if isinstance(body, bytes) else json.dumps(body).encode()
            hdrs["Content-Type"] = "application/json"
        if form is not None:
            data = form.encode()
            hdrs["Content-Type"] = "application/x-www-form-urlencoded"
        if sign:
            hdrs["Authorization"] = client_sign.authorization_header(
                method, self.base + path, creds,
                query=q if sign_query is None else sign_query,
                form=form if sign_form is None else sign_form,
                nonce=nonce, timestamp=timestamp)
        if auth is not None:
            hdrs["Authorization"] = auth
        hdrs.update(headers or {})
        own = conn is None
        c = conn or self.conn(timeout)
        try:
            c.request(method, target, body=data, headers=hdrs)
            r = c.getresponse()
            b = r.read()
            return Resp(r.status, {k.lower(): v for k, v in r.getheaders()}, b)
        finally:
            if own:
                c.close()

    def ctl(self, method, path, obj=None, query=None):
        return self.req(method, path, query=query, body=obj, sign=False)

    def post(self, text, reply_to=None, poll=None, conn=None):
        b = {"text": text}
        if reply_to:
            b["reply"] = {"in_reply_to_tweet_id": reply_to}
        if poll:
            b["poll"] = poll
        return self.req("POST", "/2/tweets", body=b, conn=conn)

    def search(self, query, **params):
        p = {"query": query}
        p.update({k.replace("__", "."): str(v) for k, v in params.items()})
        return self.req("GET", "/2/tweets/search/recent", query=p)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        return self.proc.returncode


def group(name):
    """Runs a test group; an exception becomes one failing test."""
    def deco(fn):
        def run(*a):
            try:
                fn(*a)
            except Exception:
                T.ok(False, "%s: ran without an exception" % name,
                     traceback.format_exc())
        run.__name__ = fn.__name__
        return run
    return deco


# --------------------------------------------------------------------------

EX = {
    "oauth_consumer_key": "xvz1evFS4wEEPTGEFPHBog",
    "oauth_nonce": "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
    "oauth_signature_method": "HMAC-SHA1",
    "oauth_timestamp": "1318622958",
    "oauth_token": "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
    "oauth_version": "1.0",
}
EX_CS = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw"
EX_TS = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE"
EX_FORM = "status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20signed%20OAuth%20request%21"
EX_SIG = "Ls93hJiZbQ3akF3HF3x1Bz8/zU4="


@group("published signature example")
def test_published_example():
    sig = client_sign.sign("POST", "https://api.x.com/1.1/statuses/update.json"
                           "?include_entities=true", EX, EX_CS, EX_TS, form=EX_FORM)
    T.ok(sig == EX_SIG, "client signer reproduces the docs.x.com example", sig)
    sig2, base = fakex.request_signature(
        "POST", fakex.base_string_uri("https", "api.x.com", "/1.1/statuses/update.json"),
        [("include_entities", "true")], fakex.parse_form(EX_FORM), list(EX.items()),
        EX_CS, EX_TS)
    T.ok(sig2 == EX_SIG, "server signature function reproduces the example", sig2)
    T.ok(base.startswith("POST&https%3A%2F%2Fapi.x.com%2F1.1%2Fstatuses%2Fupdate.json&"
                         "include_entities%3Dtrue%26oauth_consumer_key"),
         "server base string has the documented shape", base)
    # The whole verifier, as a server sees the request (header, query, form).
    v = fakex.OAuthVerifier(EX["oauth_consumer_key"], EX_CS, EX["oauth_token"],
                            EX_TS, max_skew=0, scheme="https")
    hdr = "OAuth " + ", ".join('%s="%s"' % (client_sign.enc(k), client_sign.enc(x))
                               for k, x in list(EX.items()) +
                               [("oauth_signature", EX_SIG)])
    ok, why = v.verify("POST", "api.x.com", "/1.1/statuses/update.json",
                       "include_entities=true", hdr,
                       "application/x-www-form-urlencoded", EX_FORM.encode())
    T.ok(ok, "server verifier accepts the published example request", why)
    ok2, why2 = v.verify("POST", "api.x.com", "/1.1/statuses/update.json",
                         "include_entities=true", hdr,
                         "application/x-www-form-urlencoded", EX_FORM.encode())
    T.ok(not ok2 and "nonce" in why2, "verifier rejects the same nonce twice", why2)
    v2 = fakex.OAuthVerifier(EX["oauth_consumer_key"], EX_CS, EX["oauth_token"],
                             EX_TS, max_skew=0, scheme="https")
    ok3, why3 = v2.verify("POST", "api.x.com", "/1.1/statuses/update.json",
                          "include_entities=true", hdr,
                          "application/x-www-form-urlencoded",
                          EX_FORM.replace("Ladies", "Lads").encode())
    T.ok(not ok3 and "signature" in why3, "verifier rejects a changed form body", why3)
    v3 = fakex.OAuthVerifier(EX["oauth_consumer_key"], EX_CS, EX["oauth_token"],
                             EX_TS, max_skew=300, scheme="https")
    ok4, why4 = v3.verify("POST", "api.x.com", "/1.1/statuses/update.json",
                          "include_entities=true", hdr,
                          "application/x-www-form-urlencoded", EX_FORM.encode())
    T.ok(not ok4 and "stale" in why4, "verifier rejects a 2011 timestamp", why4)


@group("auth")
def test_auth(f):
    r = f.req("GET", "/", sign=False)
    T.ok(r.status == 200 and r.headers.get("content-length") == str(len(r.body)),
         "GET / unsigned answers 200 with Content-Length", r)
    r = f.req("HEAD", "/", sign=False)
    T.ok(r.status == 200 and int(r.headers.get("content-length", "-1")) > 0 and
         r.body == b"", "HEAD / answers 200 with Content-Length, no body", r)
    r = f.req("GET", "/2/users/me")
    T.ok(r.status == 200 and r.json["data"]["username"] == "chathost_demo" and
         r.json["data"]["id"].isdigit(), "signed GET /2/users/me works", r)
    T.ok(all(h in r.headers for h in ("x-rate-limit-limit", "x-rate-limit-remaining",
                                      "x-rate-limit-reset")),
         "API responses carry x-rate-limit headers", r.headers)
    r = f.req("GET", "/2/users/me", sign=False)
    T.ok(r.status == 401 and r.json["title"] == "Unauthorized" and
         r.json["status"] == 401 and "type" in r.json and "detail" in r.json,
         "unsigned API request -> 401 problem JSON", r)
    bad = dict(CREDS, consumer_secret="wrong")
    r = f.req("GET", "/2/users/me", creds=bad)
    T.ok(r.status == 401, "wrong consumer secret -> 401", r)
    bad = dict(CREDS, token_secret="wrong")
    r = f.req("GET", "/2/users/me", creds=bad)
    T.ok(r.status == 401, "wrong token secret -> 401", r)
    bad = dict(CREDS, consumer_key="other")
    r = f.req("GET", "/2/users/me", creds=bad)
    T.ok(r.status == 401 and "consumer" in r.json.get("reason", ""),
         "unknown consumer key -> 401", r)
    hdr = client_sign.authorization_header("GET", f.base + "/2/users/me", CREDS)
    r = f.req("GET", "/2/users/me", sign=False,
              auth=hdr.replace('oauth_signature="', 'oauth_signature="A'))
    T.ok(r.status == 401 and r.json.get("reason") == "bad signature",
         "altered signature -> 401", r)
    r = f.req("GET", "/2/tweets/search/recent", query={"query": "#x", "max_results": "10"},
              sign_query=qs({"query": "#y", "max_results": "10"}))
    T.ok(r.status == 401, "query tampered after signing -> 401", r)
    r = f.req("GET", "/2/tweets/search/recent",
              query={"query": "#chat -is:retweet", "max_results": "10"})
    T.ok(r.status == 200, "signed query with spaces, '#' and ':' accepted", r)
    # A JSON body is not signed: the signature covers no body.
    r = f.req("POST", "/2/tweets", body={"text": "JSON bodies are not signed ✓"})
    T.ok(r.status == 201, "JSON body outside the signature -> accepted", r)
    # A form body is signed: change it after signing and the request fails.
    r = f.req("POST", "/2/tweets", form="text=hello%20there", sign_form="text=hello")
    T.ok(r.status == 401, "form body tampered after signing -> 401", r)
    r = f.req("POST", "/2/tweets", form="text=hello%20there")
    T.ok(r.status == 415, "correctly signed form body passes auth (then 415, not JSON)", r)
    r = f.req("GET", "/2/users/me", timestamp=int(time.time()) - 1000)
    T.ok(r.status == 401 and "stale" in r.json.get("reason", ""),
         "timestamp 1000 s old -> 401", r)
    r1 = f.req("GET", "/2/users/me", nonce="samenonce123")
    r2 = f.req("GET", "/2/users/me", nonce="samenonce123")
    T.ok(r1.status == 200 and r2.status == 401 and "nonce" in r2.json.get("reason", ""),
         "reused nonce -> 401", (r1, r2))
    hdr = client_sign.authorization_header("GET", f.base.replace("127.0.0.1", "localhost")
                                           + "/2/users/me", CREDS)
    r = f.req("GET", "/2/users/me", sign=False, auth=hdr)
    T.ok(r.status == 401, "signature for another host (localhost vs Host header) -> 401", r)
    r = f.req("GET", "/2/users/me", sign=False, auth=hdr,
              headers={"Host": "localhost:%d" % f.port})
    T.ok(r.status == 200, "base URL taken from the Host header as sent", r)


@group("keep-alive")
def test_keepalive(f):
    c = f.conn()
    r1 = f.req("GET", "/2/users/me", conn=c)
    sock1 = c.sock
    r2 = f.req("GET", "/2/users/me", conn=c)
    sock2 = c.sock
    local = sock2.getsockname() if sock2 else None
    c.close()
    T.ok(r1.status == 200 and r2.status == 200 and sock1 is sock2 and sock1 is not None,
         "two requests on one http.client connection", (r1, r2))
    reqs = f.ctl("GET", "/_fake/requests", query={"path": "/2/users/me"}).json["requests"]
    clients = [x["client"] for x in reqs[-2:]]
    T.ok(local is not None and clients == ["127.0.0.1:%d" % local[1]] * 2,
         "the server saw both requests from the same client port", clients)
    c = f.conn()
    r1 = f.req("HEAD", "/", sign=False, conn=c)
    r2 = f.post("warm connection then post", conn=c)
    c.close()
    T.ok(r1.status == 200 and r2.status == 201, "HEAD warm-up then POST on one connection",
         (r1, r2))


@group("posting")
def test_posting(f):
    r1 = f.post("Welcome to #SelfTest! Today: testing.")
    r2 = f.post("Q1: Does it work? #SelfTest", reply_to=r1.json["data"]["id"])
    T.ok(r1.status == 201 and r2.status == 201, "POST /2/tweets -> 201", (r1, r2))
    d1, d2 = r1.json["data"], r2.json["data"]
    T.ok(isinstance(d1["id"], str) and d1["id"].isdigit() and len(d1["id"]) >= 18 and
         int(d2["id"]) > int(d1["id"]), "ids are increasing snowflake-like strings",
         (d1, d2))
    T.ok(d1["text"] == "Welcome to #SelfTest! Today: testing.", "response echoes the text")
    r3 = f.post("Welcome to #SelfTest! Today: testing.")
    T.ok(r3.status == 403 and r3.json["detail"] == DUP and r3.json["status"] == 403 and
         r3.json["title"] and r3.json["type"], "duplicate text -> 403 problem JSON", r3)
    r = f.req("GET", "/2/tweets", query={"ids": d2["id"], "tweet.fields":
                                         "conversation_id,referenced_tweets,created_at,"
                                         "author_id,in_reply_to_user_id"})
    t = r.json["data"][0]
    T.ok(t["conversation_id"] == d1["id"] and
         t["referenced_tweets"] == [{"type": "replied_to", "id": d1["id"]}] and
         t["created_at"].endswith(".000Z") and len(t["created_at"]) == 24,
         "a reply joins the conversation; created_at as X gives it", t)
    r = f.post("x" * 281)
    T.ok(r.status == 403 and "too long" in r.json["detail"], "281 characters -> 403", r)
    r = f.post("y" * 280)
    T.ok(r.status == 201, "280 characters -> 201", r)
    r = f.post("reply to nothing", reply_to="12345")
    T.ok(r.status == 403, "reply to an unknown post -> 403", r)
    r = f.req("POST", "/2/tweets", body=b"{not json")
    T.ok(r.status == 400 and r.json["title"] == "Invalid Request", "bad JSON body -> 400", r)
    r = f.req("POST", "/2/tweets", body={"text": "p", "poll": {"options": ["only one"],
                                                               "duration_minutes": 60}})
    T.ok(r.status == 400, "poll with one option -> 400", r)
    r = f.req("POST", "/2/tweets", body={"text": "p", "poll": {"options": ["a", "b"],
                                                               "duration_minutes": 4}})
    T.ok(r.status == 400, "poll of 4 minutes -> 400", r)
    r = f.req("GET", "/2/nothing/here")
    T.ok(r.status == 404 and r.json["status"] == 404 and "title" in r.json,
         "unknown path -> 404 problem JSON", r)
    r = f.ctl("GET", "/_fake/nothing")
    T.ok(r.status == 404, "unknown control path -> 404", r)
    f.post("one more post, so the timeline has more than five")
    r = f.req("GET", "/2/users/me")
    uid = r.json["data"]["id"]
    r = f.req("GET", "/2/users/%s/tweets" % uid, query={"max_results": "5"})
    ids = [int(x["id"]) for x in r.json.get("data", [])]
    T.ok(r.status == 200 and len(ids) == 5 and ids == sorted(ids, reverse=True) and
         "next_token" in r.json["meta"], "GET /2/users/:id/tweets newest first, paged", r)
    r = f.req("GET", "/2/users/%s/tweets" % uid, query={"max_results": "4"})
    T.ok(r.status == 400, "users/:id/tweets max_results 4 -> 400", r)
    r = f.req("DELETE", "/2/tweets/%s" % d2["id"])
    r2 = f.req("GET", "/2/tweets", query={"ids": d2["id"]})
    T.ok(r.status == 200 and r.json["data"]["deleted"] is True and
         "data" not in r2.json and r2.json["errors"][0]["resource_id"] == d2["id"],
         "DELETE removes a post; lookup reports it not found", (r, r2))


@group("search")
def test_search(f):
    f.ctl("POST", "/_fake/reset")
    base = int(time.time()) - 3600
    tweets = []
    for i in range(25):
        tweets.append({"username": "user%d" % (i % 4), "name": "Ünïcode “%d”" % i,
                       "text": "A%d: answer number %d #SearchChat" % (i % 5, i),
                       "created_at": base + 60 * i})
    tweets.append({"username": "other", "text": "no tag here", "created_at": base + 5})
    r = f.ctl("POST", "/_fake/tweets", {"tweets": tweets})
    T.ok(r.status == 201 and len(r.json["data"]) == 26, "inject 26 posts", r)
    injected = [int(x["id"]) for x in r.json["data"][:25]]
    seen, token, pages = [], None, 0
    first_page_token = None
    while pages < 10:
        p = {"max_results": "10", "expansions": "author_id",
             "tweet.fields": "created_at,author_id", "user.fields": "username,name"}
        if token:
            p["next_token"] = token
        r = f.search("#SearchChat", **{k.replace(".", "__"): v for k, v in p.items()})
        if r.status != 200:
            break
        pages += 1
        seen += [int(t["id"]) for t in r.json.get("data", [])]
        m = r.json["meta"]
        if pages == 1:
            users = {u["id"]: u for u in r.json["includes"]["users"]}
            T.ok(all(t["author_id"] in users for t in r.json["data"]) and
                 all("username" in u and "name" in u for u in users.values()),
                 "expansions=author_id -> includes.users with username, name", r.json)
            T.ok(m["newest_id"] == r.json["data"][0]["id"] and
                 m["oldest_id"] == r.json["data"][-1]["id"] and m["result_count"] == 10,
                 "meta newest_id, oldest_id, result_count", m)
            first_page_token = m.get("next_token")
        token = m.get("next_token")
        if not token:
            break
    T.ok(pages == 3 and len(seen) == 25 and len(set(seen)) == 25,
         "pagination: 10 + 10 + 5 results, no repeats", (pages, len(seen)))
    T.ok(seen == sorted(injected, reverse=True), "newest first across pages", seen[:5])
    f.post("Brand new #SearchChat post after page one")
    r = f.search("#SearchChat", max_results="10", next_token=first_page_token)
    ids2 = [int(t["id"]) for t in r.json["data"]]
    T.ok(ids2 == seen[10:20], "next_token stable after a new post arrives", ids2)
    since = seen[4]
    r = f.search("#SearchChat", max_results="100", since_id=str(since))
    ids = [int(t["id"]) for t in r.json["data"]]
    T.ok(all(i > since for i in ids) and len(ids) == 5,
         "since_id excludes ids <= since_id (4 older injected + 1 new)", ids)
    r = f.search("#SearchChat", max_results="100",
                 start_time=fakex.iso(base + 60 * 3)[:19] + "Z",
                 end_time=fakex.iso(base + 60 * 6)[:19] + "Z")
    texts = [t["text"] for t in r.json.get("data", [])]
    T.ok(len(texts) == 3 and "answer number 3 " in texts[-1] and
         "answer number 5 " in texts[0],
         "start_time inclusive, end_time exclusive", texts)
    r = f.search("#searchchat", max_results="100")
    T.ok(r.json["meta"]["result_count"] == 26, "hashtags match case-insensitively",
         r.json["meta"])
    r = f.search("#SearchChat", max_results="9")
    T.ok(r.status == 400 and r.json["title"] == "Invalid Request",
         "max_results 9 -> 400", r)
    r = f.search("#SearchChat", max_results="101")
    T.ok(r.status == 400, "max_results 101 -> 400", r)
    r = f.search("#SearchChat", next_token="garbage")
    T.ok(r.status == 400, "bad next_token -> 400", r)
    r = f.search("(from:user1 OR from:user2) #SearchChat", max_results="100",
                 tweet__fields="author_id")
    us = {t["author_id"] for t in r.json["data"]}
    T.ok(r.json["meta"]["result_count"] == 12 and len(us) == 2,
         "from: with OR and parentheses", r.json["meta"])
    r = f.search("from:user1 OR from:other", max_results="100")
    T.ok(r.json["meta"]["result_count"] == 7, "OR between terms", r.json["meta"])
    r = f.search("no tag", max_results="10")
    T.ok(r.json["meta"]["result_count"] == 1, "bare keywords are ANDed", r.json["meta"])
    r = f.search("#SearchChat lol(", max_results="10")
    T.ok(r.status == 400, "unbalanced parenthesis -> 400", r)
    r = f.search("-is:retweet", max_results="10")
    T.ok(r.status == 400, "only negated terms -> 400", r)
    r = f.search("#Nothing", max_results="10")
    T.ok(r.status == 200 and r.json == {"meta": {"result_count": 0}},
         "no match -> only meta.result_count 0", r)


@group("conversation and retweets")
def test_conversation(f):
    f.ctl("POST", "/_fake/reset")
    intro = f.post("Intro of #ConvChat").json["data"]["id"]
    q1 = f.post("Q1: first? #ConvChat", reply_to=intro).json["data"]["id"]
    r = f.ctl("POST", "/_fake/tweets", {"tweets": [
        {"username": "bob", "text": "plain reply, no tag", "in_reply_to": q1},
        {"username": "carol", "retweet_of": q1},
        {"username": "dave", "text": "A1: yes\n\"quoted\" #ConvChat"}]})
    rt = r.json["data"][1]
    T.ok(rt["text"].startswith("RT @chathost_demo: Q1"), "retweet text as X shows it", rt)
    r = f.search("#ConvChat -is:retweet", max_results="10",
                 tweet__fields="referenced_tweets")
    texts = [t["text"] for t in r.json["data"]]
    T.ok(len(texts) == 3 and not any(t.startswith("RT @") for t in texts) and
         'A1: yes\n"quoted" #ConvChat' in texts,
         "-is:retweet drops retweets; newlines and quotes intact", texts)
    r = f.search("#ConvChat", max_results="10", tweet__fields="referenced_tweets")
    rts = [t for t in r.json["data"] if t["text"].startswith("RT @")]
    T.ok(len(r.json["data"]) == 4 and len(rts) == 1 and
         rts[0]["referenced_tweets"][0]["type"] == "retweeted",
         "without -is:retweet the retweet is returned", r.json)
    r = f.search("conversation_id:%s" % intro, max_results="10",
                 tweet__fields="conversation_id,in_reply_to_user_id")
    texts = [t["text"] for t in r.json["data"]]
    T.ok("plain reply, no tag" in texts and len(texts) == 3,
         "conversation_id: finds the untagged thread reply", texts)
    r = f.search("conversation_id:%s OR #ConvChat -is:retweet" % intro, max_results="10")
    T.ok(r.json["meta"]["result_count"] == 4,
         "conversation_id OR hashtag (AND binds tighter)", r.json["meta"])


@group("X in 2026: its rules and answers")
def test_x2026(f):
    f.ctl("POST", "/_fake/reset")
    # unknown parameters are ignored with 200, as the real API does
    r = f.search("#x26", bogus="1")
    T.ok(r.status == 200, "an unknown query parameter is ignored (200)", r)
    # HTML-escaped text, the long post's whole text in note_tweet
    long = "A1: " + "word " * 70 + "& the end #x26"
    r = f.ctl("POST", "/_fake/tweets", {"tweets": [
        {"username": "amp_user", "text": "A1: fish & chips <3 #x26"},
        {"username": "long_user", "text": long}]})
    ids = [t["id"] for t in r.json["data"]]
    r = f.search("#x26", tweet__fields="created_at,note_tweet", max_results=10)
    by = {t["id"]: t for t in r.json["data"]}
    T.ok(by[ids[0]]["text"] == "A1: fish &amp; chips &lt;3 #x26",
         "&, < and > are escaped in text", by[ids[0]])
    T.ok(by[ids[1]]["text"].endswith("\u2026") and len(by[ids[1]]["text"]) <= 280 and
         by[ids[1]]["note_tweet"]["text"] == long.replace("&", "&amp;"),
         "a long post: text cut, note_tweet whole", by[ids[1]])
    # an edit: a new id, both versions list the chain
    r = f.ctl("POST", "/_fake/tweets", {"username": "amp_user", "edit_of": ids[0],
                                        "text": "A1: fish and chips #x26"})
    new = r.json["data"][0]["id"]
    r = f.search("#x26", max_results=10)
    by = {t["id"]: t for t in r.json["data"]}
    T.ok(by[new]["edit_history_tweet_ids"] == [ids[0], new] and
         by[ids[0]]["edit_history_tweet_ids"] == [ids[0], new],
         "an edit: both versions list the chain, oldest first", by)
    # a post without text or created_at; an author left out of includes
    r = f.ctl("POST", "/_fake/tweets", {"tweets": [
        {"username": "sparse_user", "text": "A2 no text #x26", "omit": ["text"]},
        {"username": "hidden_user", "text": "A2 hidden #x26", "hide_author": True,
         "omit": ["created_at"]}]})
    sp, hid = [t["id"] for t in r.json["data"]]
    r = f.search("#x26", tweet__fields="created_at,author_id", expansions="author_id",
                 max_results=10)
    by = {t["id"]: t for t in r.json["data"]}
    names = {u["username"] for u in r.json["includes"]["users"]}
    T.ok("text" not in by[sp] and "created_at" not in by[hid] and
         "hidden_user" not in names and "amp_user" in names,
         "omit drops a field; hide_author leaves the author out of includes",
         (by[sp], by[hid], names))
    # the reply rule
    intro = f.post("x26 intro").json["data"]["id"]
    r = f.ctl("POST", "/_fake/rules", {"reply_rule": True})
    T.ok(r.status == 200 and r.json["reply_rule"] is True, "the reply rule on", r)
    r = f.post("x26 reply", reply_to=intro)
    T.ok(r.status == 403 and r.json["detail"].startswith(
        "Reply to this conversation is not allowed"), "a reply refused by the rule", r)
    r = f.ctl("POST", "/_fake/tweets", {"username": "fan", "text": "hi @chathost_demo"})
    r = f.post("x26 reply to a mention", reply_to=r.json["data"][0]["id"])
    T.ok(r.status == 201, "a reply to a post that mentions the account is allowed", r)
    f.ctl("POST", "/_fake/rules", {"reply_rule": False})
    # the usage cap, credits, a refusal, errors beside data
    f.ctl("POST", "/_fake/faults", [
        {"path": "/2/tweets/search/recent", "fault": "usage-cap", "reset_in": 300},
        {"path": "/2/tweets", "method": "POST", "fault": "credits"},
        {"path": "/2/tweets", "method": "POST", "fault": "forbidden"},
        {"path": "/2/tweets/search/recent", "fault": "partial"}])
    now = time.time()
    r = f.search("#x26")
    T.ok(r.status == 429 and r.json["type"].endswith("/usage-capped") and
         r.json["title"] == "UsageCapExceeded" and
         abs(int(r.headers["x-rate-limit-reset"]) - (now + 300)) <= 2,
         "usage-cap: 429 usage-capped with its reset", (r, r.headers))
    r = f.post("x26 no credits")
    T.ok(r.status == 402 and "credits" in r.json["detail"], "credits: 402", r)
    r = f.post("x26 forbidden")
    T.ok(r.status == 403 and r.json["detail"] == "You are not permitted to perform "
         "this action.", "forbidden: 403 for this one request", r)
    r = f.search("#x26", max_results=10)
    T.ok(r.status == 200 and r.json.get("data") and r.json.get("errors"),
         "partial: errors beside data", r)


@group("faults")
def test_faults(f):
    f.ctl("POST", "/_fake/reset")
    r = f.ctl("POST", "/_fake/faults", [
        {"path": "/2/tweets", "method": "POST", "fault": "429", "reset_in": 120}])
    T.ok(r.status == 200 and len(r.json["faults"]) == 1, "queue a fault", r)
    r = f.post("rate limited?")
    now = time.time()
    T.ok(r.status == 429 and r.headers["x-rate-limit-remaining"] == "0" and
         abs(int(r.headers["x-rate-limit-reset"]) - (now + 120)) <= 2 and
         r.json["title"] == "Too Many Requests",
         "429: remaining 0, reset = now + reset_in", (r, r.headers))
    r = f.post("rate limited?")
    T.ok(r.status == 201, "fault consumed after count 1; the retry posts", r)
    f.ctl("POST", "/_fake/faults", {"faults": [
        {"path": "/2/tweets/search/recent", "fault": "500", "count": 2},
        {"path": "/2/tweets/search/recent", "fault": "503"}]})
    codes = [f.search("#x").status for _ in range(4)]
    T.ok(codes == [500, 500, 503, 200], "500 x2 then 503 then normal", codes)
    f.ctl("POST", "/_fake/faults", {"path": "/2/users/me", "fault": "slow", "delay": 0.6})
    t0 = time.time()
    r = f.req("GET", "/2/users/me")
    dt = time.time() - t0
    T.ok(r.status == 200 and dt >= 0.55, "slow: answered after the delay", dt)
    f.ctl("POST", "/_fake/faults", {"path": "/2/tweets", "fault": "cut"})
    c = f.conn()
    err = None
    try:
        f.req("POST", "/2/tweets", body={"text": "cut me"}, conn=c)
    except (http.client.RemoteDisconnected, ConnectionError, http.client.IncompleteRead) as e:
        err = e
    c.close()
    T.ok(err is not None, "cut: connection closed without an answer", repr(err))
    r = f.ctl("GET", "/_fake/tweets")
    T.ok(not any(t["text"] == "cut me" for t in r.json["data"]),
         "cut without apply stores nothing")
    f.ctl("POST", "/_fake/faults", {"path": "/2/tweets", "fault": "cut", "apply": True})
    try:
        f.post("cut after storing")
    except (http.client.RemoteDisconnected, ConnectionError):
        pass
    r = f.post("cut after storing")
    T.ok(r.status == 403 and r.json["detail"] == DUP,
         "cut with apply: stored, so the retry is a duplicate", r)
    f.ctl("POST", "/_fake/faults", {"path": "/2/users/me", "fault": "malformed"})
    r = f.req("GET", "/2/users/me")
    T.ok(r.status == 200 and r.json is None and
         int(r.headers["content-length"]) == len(r.body) and len(r.body) > 0,
         "malformed: 200 with broken JSON and a right Content-Length", r)
    f.ctl("POST", "/_fake/faults", {"path": "/2/tweets", "method": "POST",
                                    "fault": "duplicate"})
    r = f.post("never posted before")
    T.ok(r.status == 403 and r.json["detail"] == DUP, "duplicate fault -> 403", r)
    f.ctl("POST", "/_fake/faults", {"path": "/2/users/me", "fault": "timeout", "delay": 3})
    c = f.conn(timeout=1)
    t0 = time.time()
    err = None
    try:
        f.req("GET", "/2/users/me", conn=c)
    except (socket.timeout, TimeoutError) as e:
        err = e
    c.close()
    T.ok(err is not None and time.time() - t0 < 2.5, "timeout: the client times out",
         repr(err))
    f.ctl("POST", "/_fake/faults", {"path": "/2/users/me", "method": "POST",
                                    "fault": "500"})
    r = f.req("GET", "/2/users/me")
    T.ok(r.status == 200, "method filter: a GET passes a POST-only fault", r)
    r = f.ctl("DELETE", "/_fake/faults")
    T.ok(r.json["faults"] == [] and f.ctl("GET", "/_fake/faults").json["faults"] == [],
         "DELETE /_fake/faults clears the queue", r)
    r = f.ctl("POST", "/_fake/faults", {"fault": "explode"})
    T.ok(r.status == 400, "unknown fault kind -> 400", r)


@group("recording")
def test_recording(f):
    t0 = time.time()
    r = f.req("GET", "/2/users/me", sign=False, headers={"X-Probe": "rec"})
    t1 = time.time()
    r = f.req("POST", "/2/tweets", body={"text": "recorded body ✓"})
    with open(f.record, encoding="utf-8") as fh:
        lines = [json.loads(line) for line in fh]
    probe = [x for x in lines if x["headers"].get("X-Probe") == "rec"]
    T.ok(len(probe) == 1 and probe[0]["verdict"] == "rejected" and
         probe[0]["status"] == 401, "rejected request recorded as rejected", probe)
    T.ok(probe and t0 - 0.01 <= probe[0]["arrival"] <= t1 + 0.01,
         "arrival time within the client's send window", (t0, probe and probe[0]["arrival"], t1))
    def text_of(body):
        try:
            return json.loads(body).get("text")
        except (ValueError, AttributeError):
            return None
    posts = [x for x in lines if text_of(x["body"]) == "recorded body ✓"]
    T.ok(len(posts) == 1 and posts[0]["verdict"] == "ok" and
         posts[0]["headers"].get("Authorization", "").startswith("OAuth ") and
         posts[0]["method"] == "POST" and posts[0]["path"] == "/2/tweets" and
         posts[0]["status"] == 201, "request body, Authorization and verdict recorded",
         posts)
    arrivals = [x["arrival"] for x in lines]
    T.ok(all(isinstance(a, float) for a in arrivals) and
         any(round(a * 1e6) % 1000 != 0 for a in arrivals) and
         arrivals == sorted(arrivals) or
         all(isinstance(a, float) for a in arrivals) and
         any(round(a * 1e6) % 1000 != 0 for a in arrivals),
         "arrival is a float epoch with microseconds", arrivals[:5])
    seqs = [x["seq"] for x in lines]
    T.ok(seqs == sorted(seqs) and len(set(seqs)) == len(seqs),
         "record lines are numbered in order", seqs[:10])
    srch = [x for x in lines if x["path"] == "/2/tweets/search/recent"]
    T.ok(srch and isinstance(srch[-1]["query"].get("query"), list),
         "query parameters recorded decoded", srch[-1:])


@group("rate limits")
def test_rate_limits():
    f = Fake("--search-limit", "3")
    try:
        rem = []
        for _ in range(4):
            r = f.search("#x")
            rem.append((r.status, r.headers.get("x-rate-limit-limit"),
                        r.headers.get("x-rate-limit-remaining")))
        T.ok(rem == [(200, "3", "2"), (200, "3", "1"), (200, "3", "0"),
                     (429, "3", "0")], "search limit 3 per window, 4th -> 429", rem)
        r = f.req("GET", "/2/users/me")
        T.ok(r.status == 200 and r.headers["x-rate-limit-limit"] == "75",
             "limits are per endpoint", r.headers)
        r = f.ctl("POST", "/_fake/time", {"advance": 901})
        r = f.search("#x")
        T.ok(r.status == 200 and r.headers["x-rate-limit-remaining"] == "2",
             "a new window after 15 minutes (fake clock advanced)", r.headers)
    finally:
        f.stop()


@group("faults file and polls")
def test_polls():
    d = tempfile.mkdtemp(prefix="fakex-test-")
    faults = os.path.join(d, "faults.json")
    votes = os.path.join(d, "votes.json")
    with open(faults, "w") as fh:
        json.dump([{"path": "/2/users/me", "fault": "503"}], fh)
    with open(votes, "w") as fh:
        json.dump({"steps": [{"fraction": 0, "votes": [0, 0, 0]},
                             {"fraction": 1, "votes": [5, 9, 2]}]}, fh)
    # speed 600: 5 chat minutes last 0.5 s
    f = Fake("--faults", faults, "--poll-votes", votes, "--speed", "600")
    try:
        r = f.req("GET", "/2/users/me")
        r2 = f.req("GET", "/2/users/me")
        T.ok(r.status == 503 and r2.status == 200, "--faults FILE queues faults at start",
             (r, r2))
        r = f.post("What next? #PollChat", poll={"options": ["Pet peeves", "AI", "Hiring"],
                                                "duration_minutes": 5})
        tid = r.json["data"]["id"]
        q = {"ids": tid, "expansions": "attachments.poll_ids",
             "poll.fields": "options,voting_status,end_datetime"}
        r = f.req("GET", "/2/tweets", query=q)
        poll = r.json["includes"]["polls"][0]
        T.ok(r.json["data"][0]["attachments"]["poll_ids"] == [poll["id"]] and
             poll["voting_status"] == "open" and
             [o["label"] for o in poll["options"]] == ["Pet peeves", "AI", "Hiring"] and
             [o["position"] for o in poll["options"]] == [1, 2, 3] and
             all(o["votes"] == 0 for o in poll["options"]) and
             poll["end_datetime"].endswith(".000Z"),
             "poll lookup: open, options with position/label/votes", r.json)
        time.sleep(0.8)
        r = f.req("GET", "/2/tweets", query=q)
        poll = r.json["includes"]["polls"][0]
        T.ok(poll["voting_status"] == "closed" and
             [o["votes"] for o in poll["options"]] == [5, 9, 2],
             "poll closes after duration/speed; votes from the script", poll)
        r = f.ctl("POST", "/_fake/votes", {"tweet_id": tid, "votes": [4, 4, 1]})
        r = f.req("GET", "/2/tweets", query=q)
        T.ok([o["votes"] for o in r.json["includes"]["polls"][0]["options"]] == [4, 4, 1],
             "POST /_fake/votes pins votes (a tie)", r.json)
    finally:
        f.stop()


@group("participants")
def test_participants():
    # speed 600: one chat minute = 0.1 s
    f = Fake("--auto-answer", "--speed", "600")
    try:
        intro = f.post("Welcome to #DemoChat! Answer with A1, A2...").json["data"]["id"]
        q1 = f.post("Q1: What is your biggest pet peeve? #DemoChat",
                    reply_to=intro).json["data"]["id"]
        time.sleep(1.0)
        r = f.search("#DemoChat -is:retweet", max_results="100", expansions="author_id",
                     tweet__fields="author_id,conversation_id,referenced_tweets,created_at",
                     user__fields="username,name")
        data = r.json.get("data", [])
        labelled = [t for t in data if t["text"].lstrip().upper().startswith("A1")]
        T.ok(len(labelled) >= 2, "scripted users answer Q1 with A1 and the hashtag",
             [t["text"] for t in data])
        T.ok(not any(t["text"].startswith("RT @") for t in data),
             "no retweet under -is:retweet", [t["text"] for t in data])
        names = [u["name"] for u in r.json["includes"]["users"]]
        unames = [u["username"] for u in r.json["includes"]["users"]]
        T.ok(any(ord(ch) > 127 for n in names for ch in n) and
             any(ord(ch) > 127 for n in unames for ch in n),
             "Unicode display names and usernames", (names, unames))
        T.ok(any("\n" in t["text"] for t in labelled), "an answer with newlines",
             [t["text"] for t in labelled])
        r = f.search("#DemoChat", max_results="100")
        T.ok(any(t["text"].startswith("RT @chathost_demo: Q1") for t in r.json["data"]),
             "a retweet of Q1 without -is:retweet", [t["text"] for t in r.json["data"]])
        r = f.search("conversation_id:%s -#DemoChat" % intro, max_results="100",
                     tweet__fields="referenced_tweets")
        untagged = r.json.get("data", [])
        T.ok(any(t["referenced_tweets"][0]["id"] == q1 for t in untagged),
             "an unlabelled reply in the thread, without the hashtag", untagged)
        created = [t["created_at"] for t in data]
        T.ok(all(len(c) == 24 and c.endswith(".000Z") for c in created),
             "participants' created_at as X gives it", created[:3])
        q2 = f.post("Q2: How do you fix it? #DemoChat", reply_to=q1).json["data"]["id"]
        time.sleep(0.9)
        r = f.search("conversation_id:%s" % intro, max_results="100",
                     tweet__fields="referenced_tweets")
        to_intro = [t for t in r.json.get("data", []) if "#DemoChat" not in t["text"] and
                    t["referenced_tweets"][0]["id"] == intro]
        T.ok(len(to_intro) >= 1, "an answer without hashtag as a reply to the intro",
             [t["text"] for t in r.json.get("data", [])])
        r = f.search("#DemoChat -is:retweet", max_results="100", since_id=q2)
        T.ok(any(t["text"].startswith("A2") for t in r.json.get("data", [])) and
             not any(t["text"].startswith("A1:") for t in r.json.get("data", [])),
             "A2 answers arrive after Q2 (since_id)", r.json)
    finally:
        f.stop()


@group("load and shutdown")
def test_load():
    f = Fake()
    try:
        pid = f.proc.pid

        def threads():
            with open("/proc/%d/status" % pid) as fh:
                for line in fh:
                    if line.startswith("Threads:"):
                        return int(line.split()[1])
            return -1

        def rss():
            with open("/proc/%d/status" % pid) as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1])
            return -1
        c = f.conn()
        for i in range(200):
            f.req("GET", "/2/users/me", conn=c)
        c.close()
        base_threads, base_rss = threads(), rss()
        t0 = time.time()
        ok = 0
        c = f.conn()
        for i in range(1500):
            if f.req("GET", "/2/tweets/search/recent", query={"query": "#load"},
                     conn=c).status in (200, 429):
                ok += 1
        c.close()
        for i in range(300):
            if f.req("GET", "/", sign=False).status == 200:
                ok += 1
        dt = time.time() - t0
        T.ok(ok == 1800, "1800 requests answered (%.1f s)" % dt, ok)
        time.sleep(0.5)
        T.ok(threads() <= base_threads + 2, "no thread leak after 300 connections",
             (base_threads, threads()))
        T.ok(rss() < base_rss + 20000, "memory stays bounded",
             (base_rss, rss()))
        idle = f.conn()
        idle.connect()
        t0 = time.time()
        rc = f.stop()
        T.ok(rc == 0 and time.time() - t0 < 5, "SIGTERM: clean exit 0 with an idle "
             "keep-alive connection open", rc)
        T.ok(not os.path.exists(f.port_file), "port file removed on exit")
        idle.close()
    finally:
        f.stop()


@group("bad command lines")
def test_bad_cli():
    def run(*args):
        p = subprocess.run([sys.executable, FAKEX] + list(args), capture_output=True,
                           text=True, timeout=20)
        return p.returncode, p.stderr
    rc, err = run("--faults", "/nonexistent/faults.json")
    T.ok(rc != 0 and "faults" in err and "Traceback" not in err,
         "missing --faults file: message, non-zero exit", err)
    d = tempfile.mkdtemp(prefix="fakex-test-")
    bad = os.path.join(d, "p.json")
    with open(bad, "w") as fh:
        fh.write('{"users": [{"username": "a"}], "on_question": [{"user": "zz", "text": "x"}]}')
    rc, err = run("--participants", bad)
    T.ok(rc == 2 and "on_question[0]" in err and "Traceback" not in err,
         "bad participants script: names the entry, exit 2", err)
    with open(bad, "w") as fh:
        fh.write("{nope")
    rc, err = run("--poll-votes", bad)
    T.ok(rc != 0 and "not valid JSON" in err, "bad JSON file: clear message", err)
    rc, err = run("--rate-limit", "bogus=3")
    T.ok(rc == 2 and "--rate-limit" in err, "bad --rate-limit: usage error", err)
    rc, err = run("--speed", "0")
    T.ok(rc == 2, "--speed 0 refused", err)


def main():
    test_published_example()
    f = Fake()
    try:
        test_auth(f)
        test_keepalive(f)
        test_posting(f)
        test_search(f)
        test_conversation(f)
        test_faults(f)
        test_x2026(f)
        test_recording(f)
    finally:
        rc = f.stop()
    T.ok(rc == 0, "fakex exits 0 on SIGTERM", rc)
    test_rate_limits()
    test_polls()
    test_participants()
    test_load()
    test_bad_cli()
    print("1..%d" % T.n)
    print("# %d passed, %d failed" % (T.n - T.failed, T.failed))
    return 1 if T.failed else 0


if __name__ == "__main__":
    sys.exit(main())
