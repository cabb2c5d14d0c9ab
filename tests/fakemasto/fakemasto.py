#!/usr/bin/env python3
"""fakemasto.py - a fake Mastodon server (the client REST API chathost uses)
for the tests, standard library only.

It answers as a real Mastodon 4.6 server does (the field set and types of
the responses recorded in tests/facts/mastodon-4.6.4-recorded.facts.json,
Link headers of the
same form, X-RateLimit-* headers), checks the bearer token, keeps
Idempotency-Keys for an hour, lists only public statuses on a tag's
timeline, and records every request (method, path, query, form, headers
that matter) to --record as JSON lines, for a test that checks them against
Mastodon's OpenAPI description.

Control (no token): POST /_fake/faults {"faults":[{path, method, fault,
count, reset}]} where fault is an HTTP status ("429", "500", "422"),
"timeout" (no answer for 30 s), "cut" (the connection closed unanswered),
"cut-after" (the request applied, then the connection closed),
"slow-after" (the request applied, the answer `seconds` late),
"ignore-idempotency" (keys forgotten), "no-polls" (a poll dropped from the
status); POST /_fake/statuses {"acct","text","in_reply_to_id","visibility","quote_of"}
posts as a participant; POST /_fake/edit {"id","text"} edits a status as
Mastodon does (same id, edited_at set); POST /_fake/delete {"id"} deletes
one; POST /_fake/votes {"status_id","votes":[...],
"expire"} sets a poll's counts (and ends it); GET /_fake/statuses; GET /_fake/requests;
POST /_fake/reset.

--answer ACCT:KIND,...: when the host posts "Qn ...", each participant
answers 0.2 s later: KIND tag (a public "An ... #tag"), reply (a reply in
the thread, no tag), unlisted (an unlisted "An ... #tag": never on the
tag's timeline).
"""
import argparse
import json
import os
import re
import socket
import struct
import sys
import threading
import unicodedata
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST_TOKEN = "host-token"
DOMAIN = "127.0.0.1"  # the instance's domain: a local acct has none
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)  # Linux


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + ".%03dZ" % int((t % 1) * 1000)


def html_of(text, base):
    """Mastodon's content HTML: paragraphs, <br>, hashtag and link anchors."""
    def esc(s):
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;") \
                .replace('"', "&quot;").replace("'", "&#39;")

    def inline(line):
        out = []
        for word in re.split(r"(\s+)", line):
            m = re.match(r"^#(\w+)(.*)$", word)
            if re.match(r"^https?://", word):
                short = re.sub(r"^https?://", "", word)
                out.append('<a href="%s" target="_blank" rel="nofollow noopener" '
                           'translate="no"><span class="invisible">%s</span>'
                           '<span class="ellipsis">%s</span><span class="invisible">'
                           '%s</span></a>' % (esc(word), esc(word[:len(word) - len(short)]),
                                              esc(short[:30]), esc(short[30:])))
            elif m:
                out.append('<a href="%s/tags/%s" class="mention hashtag" rel="tag">'
                           '#<span>%s</span></a>%s' % (base, m.group(1).lower(),
                                                       esc(m.group(1)), esc(m.group(2))))
            else:
                out.append(esc(word))
        return "".join(out)
    paras = [p for p in text.split("\n\n")]
    return "".join("<p>%s</p>" % "<br />".join(inline(l) for l in p.split("\n"))
                   for p in paras)


class Store:
    def __init__(self, args):
        self.lock = threading.RLock()
        self.args = args
        self.max_chars = args.max_chars
        self.answers = []
        for a in (args.answer or "").split(","):
            if ":" in a:
                acct, kind = a.split(":", 1)
                self.answers.append((acct, kind))
        self.reset()

    def reset(self):
        with self.lock:
            self.statuses = []          # oldest first
            self.by_id = {}
            self.polls = {}
            self.idem = {}              # (account, key) -> (time, status id)
            self.faults = []
            self.requests = []
            self.seq = 0
            self.accounts = {}
            for acct in ["chatbot"] + [a for a, _ in self.answers] + ["ann", "ben"]:
                self.account(acct)
            self.rate_used = 0
            self.rate_window = time.time() + 300

    def account(self, acct):
        if acct not in self.accounts:
            aid = str(117020565966271181 + len(self.accounts))
            self.accounts[acct] = {
                "id": aid, "username": acct.split("@")[0], "acct": acct,
                "display_name": acct.split("@")[0].title(), "locked": False,
                "bot": acct == "chatbot", "discoverable": True, "indexable": True,
                "group": False, "created_at": "2026-08-01T00:00:00.000Z",
                "note": "", "url": "%s/@%s" % (self.base, acct),
                "uri": "%s/users/%s" % (self.base, acct),
                "avatar": "%s/avatars/original/missing.png" % self.base,
                "avatar_static": "%s/avatars/original/missing.png" % self.base,
                "avatar_description": "",
                "header": "%s/headers/original/missing.png" % self.base,
                "header_static": "%s/headers/original/missing.png" % self.base,
                "header_description": "", "followers_count": 0,
                "following_count": 0, "statuses_count": 0,
                "last_status_at": None, "hide_collections": None,
                "show_media": True, "show_media_replies": True,
                "show_featured": True, "noindex": False,
                "feature_approval": {"automatic": ["public"], "manual": [],
                                     "current_user": "automatic"},
                "emojis": [], "roles": [], "fields": []}
        return self.accounts[acct]

    @property
    def base(self):
        return self.args.base

    def new_id(self, t):
        # Mastodon's ids: milliseconds << 16 and a sequence
        self.seq = (self.seq + 1) & 0xffff
        return str((int(t * 1000) << 16) | self.seq)

    def add_status(self, acct, text, reply_to=None, visibility="public",
                   language="en", poll=None, created=None):
        with self.lock:
            t = created or time.time()
            a = self.account(acct)
            a["statuses_count"] += 1
            a["last_status_at"] = time.strftime("%Y-%m-%d", time.gmtime(t))
            sid = self.new_id(t)
            parent = self.by_id.get(reply_to) if reply_to else None
            st = {
                "id": sid, "created_at": iso(t),
                "in_reply_to_id": reply_to if parent else None,
                "in_reply_to_account_id": parent["account"]["id"] if parent else None,
                "sensitive": False, "spoiler_text": "", "visibility": visibility,
                "language": language,
                "uri": "%s/users/%s/statuses/%s" % (self.base, acct, sid),
                "url": "%s/@%s/%s" % (self.base, acct, sid),
                "replies_count": 0, "reblogs_count": 0, "favourites_count": 0,
                "quotes_count": 0, "edited_at": None, "favourited": False,
                "reblogged": False, "muted": False, "bookmarked": False,
                "pinned": False, "content": html_of(text, self.base),
                "filtered": [], "reblog": None,
                "application": {"name": "chathost", "website": None},
                "account": a, "media_attachments": [], "mentions": [],
                "tags": [{"name": t.lower(), "url": "%s/tags/%s" % (self.base, t.lower())}
                         for t in re.findall(r"(?:^|\s)#(\w+)", text)],
                "emojis": [], "tagged_collections": [], "quote": None,
                "card": None, "poll": None,
                "quote_approval": {"automatic": ["public"], "manual": [],
                                   "current_user": "automatic"},
                "_text": text}
            for u in re.findall(r"(?:^|\s)@([\w.]+(?:@[\w.-]+)?)", text):
                if u.split("@")[0] in [x.split("@")[0] for x in self.accounts]:
                    ma = self.account(u)
                    st["mentions"].append({"id": ma["id"], "username": ma["username"],
                                           "acct": ma["acct"], "url": ma["url"]})
            if parent:
                parent["replies_count"] += 1
            if poll:
                pid = str(len(self.polls) + 1)
                self.polls[pid] = {
                    "id": pid, "expires_at": iso(t + poll["expires_in"]),
                    "expired": False, "multiple": False, "votes_count": 0,
                    "voters_count": 0, "voted": False, "own_votes": [],
                    "options": [{"title": o, "votes_count": 0} for o in poll["options"]],
                    "emojis": [], "_ends": t + poll["expires_in"]}
                st["poll"] = self.poll_view(pid)
            self.statuses.append(st)
            self.by_id[sid] = st
            return st

    def poll_view(self, pid):
        p = self.polls[pid]
        v = {k: val for k, val in p.items() if not k.startswith("_")}
        v["expired"] = time.time() >= p["_ends"]
        return v

    def view(self, st):
        v = {k: val for k, val in st.items() if not k.startswith("_")}
        v["account"] = dict(st["account"])
        if st.get("poll"):
            v["poll"] = self.poll_view(st["poll"]["id"])
        return v

    def take_fault(self, method, path):
        with self.lock:
            for i, f in enumerate(self.faults):
                # states, not events: fault_active reads them
                if f.get("fault") in ("ignore-idempotency", "no-polls"):
                    continue
                if f.get("method", method) != method:
                    continue
                if not re.search(f.get("path", ""), path):
                    continue
                f["count"] = f.get("count", 1) - 1
                if f["count"] <= 0:
                    del self.faults[i]
                return f
        return None

    def fault_active(self, kind, path):
        with self.lock:
            return any(f.get("fault") == kind and re.search(f.get("path", ""), path)
                       for f in self.faults)

    def rate_headers(self):
        with self.lock:
            now = time.time()
            if now >= self.rate_window:
                self.rate_window, self.rate_used = now + 300, 0
            self.rate_used += 1
            reset = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(self.rate_window)) + \
                ".%06dZ" % int((self.rate_window % 1) * 1e6)
            return {"X-RateLimit-Limit": "300",
                    "X-RateLimit-Remaining": str(max(0, 300 - self.rate_used)),
                    "X-RateLimit-Reset": reset}

    def on_host_post(self, st):
        m = re.match(r"^Q(\d+)\b", st["_text"])
        if not m or not self.answers:
            return
        n = m.group(1)

        def act():
            time.sleep(0.2)
            for acct, kind in self.answers:
                if kind == "tag":
                    self.add_status(acct, "A%s from %s #%s" % (n, acct, self.args.tag))
                elif kind == "reply":
                    self.add_status(acct, "A%s in the thread from %s" % (n, acct),
                                    reply_to=st["id"])
                elif kind == "unlisted":
                    self.add_status(acct, "A%s unlisted from %s #%s" % (n, acct, self.args.tag),
                                    visibility="unlisted")
        threading.Thread(target=act, daemon=True).start()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        except OSError:
            pass

    def handle_one_request(self):
        # the arrival stamp: when the kernel received the request's first
        # bytes (read with MSG_PEEK), so that this server's own wake-up is
        # not counted against the client
        self.stamp = None
        try:
            data, anc, _, _ = self.connection.recvmsg(1, socket.CMSG_SPACE(16),
                                                      socket.MSG_PEEK)
            if not data:
                self.close_connection = True
                return
            for level, kind, payload in anc:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and \
                        len(payload) >= 16:
                    sec, nsec = struct.unpack("qq", payload[:16])
                    self.stamp = sec + nsec / 1e9
        except (OSError, ValueError):
            pass
        super().handle_one_request()

    def parse_request(self):
        self.arrival = self.stamp or time.time()
        return super().parse_request()

    def log_message(self, fmt, *args):
        sys.stderr.write("fakemasto: " + fmt % args + "\n")

    @property
    def store(self):
        return self.server.store

    def send_json(self, status, obj, headers=None):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def error(self, status, msg, headers=None):
        self.send_json(status, {"error": msg}, headers)

    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode() if n else ""
        ctype = self.headers.get("Content-Type", "")
        if ctype.startswith("application/json"):
            return raw, json.loads(raw or "{}")
        form = urllib.parse.parse_qs(raw, keep_blank_values=True)
        return raw, form

    def do_HEAD(self):
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self.route("GET")

    def do_POST(self):
        self.route("POST")

    def route(self, method):
        u = urllib.parse.urlsplit(self.path)
        q = urllib.parse.parse_qs(u.query, keep_blank_values=True)
        raw, form = self.read_body() if method == "POST" else ("", {})
        if u.path.startswith("/_fake/"):
            return self.control(method, u.path, form)
        entry = {"t": self.arrival, "method": method, "path": u.path, "query": q,
                 "form": form if isinstance(form, dict) else {},
                 "content_type": self.headers.get("Content-Type"),
                 "idempotency_key": self.headers.get("Idempotency-Key")}
        auth = self.headers.get("Authorization", "")
        f = self.store.take_fault(method, u.path)
        status = self.serve(method, u.path, q, form, auth, f)
        entry["status"] = status
        with self.store.lock:
            self.store.requests.append(entry)
            if self.server.record:
                with open(self.server.record, "a") as out:
                    out.write(json.dumps(entry) + "\n")

    def apply_fault(self, f):
        """Before the request: a fault that answers instead. Returns the
        status it answered with, or None to go on."""
        kind = f["fault"]
        if kind == "timeout":
            time.sleep(float(f.get("seconds", 30)))
            self.close_connection = True
            return 0
        if kind == "cut":
            self.close_connection = True
            self.connection.shutdown(2)
            return 0
        if kind.isdigit():
            st = int(kind)
            hdr = {}
            if st == 429:
                reset = time.time() + float(f.get("reset", 2))
                hdr = {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": "0",
                       "X-RateLimit-Reset": time.strftime("%Y-%m-%dT%H:%M:%S",
                                                          time.gmtime(reset)) +
                       ".%06dZ" % int((reset % 1) * 1e6)}
            msg = {429: "Too many requests", 422: "Validation failed: Text can't be blank",
                   500: "We're sorry, but something went wrong on our end.",
                   503: "Service Unavailable"}.get(st, "error")
            self.error(st, msg, hdr)
            return st
        return None

    def serve(self, method, path, q, form, auth, f):
        s = self.store
        if f and f["fault"] not in ("cut-after", "slow-after"):
            return self.apply_fault(f)
        if auth != "Bearer " + HOST_TOKEN:
            self.error(401, "The access token is invalid")
            return 401
        hdr = s.rate_headers()
        me = s.account("chatbot")
        m = re.match(r"^/api/v1/(.*)$", path)
        rest = m.group(1) if m else ""
        if method == "GET" and path in ("/api/v1/instance", "/api/v2/instance"):
            self.send_json(200, {"domain": DOMAIN, "title": "fakemasto",
                                 "version": "4.6.4", "configuration": {"statuses": {
                                     "max_characters": s.max_chars,
                                     "max_media_attachments": 4,
                                     "characters_reserved_per_url": 23}}}, hdr)
            return 200
        if method == "GET" and path == "/api/v2/search":
            # full-text search of statuses (an instance with a search
            # engine): the public statuses holding every word of q
            def fold(t):   # an analyser's folding: case and accents aside
                t = unicodedata.normalize("NFKD", t.lower())
                return re.findall(r"\w+", "".join(c for c in t if not unicodedata.combining(c)))
            words = fold((q.get("q") or [""])[0])
            with s.lock:
                sts = [s.view(x) for x in s.statuses if x["visibility"] == "public" and
                       words and all(w in fold(x["_text"]) for w in words)]
            self.send_json(200, {"accounts": [], "hashtags": [],
                                 "statuses": sts[::-1][:40]}, hdr)
            return 200
        if method == "GET" and rest == "accounts/verify_credentials":
            v = dict(me)
            v["source"] = {"privacy": "public", "sensitive": False, "language": "en",
                           "note": "", "fields": [], "follow_requests_count": 0,
                           "hide_collections": None, "discoverable": True,
                           "indexable": True, "attribution_domains": [],
                           "quote_policy": "public"}
            v["role"] = {"id": "-99", "name": "", "permissions": "0", "color": "",
                         "highlighted": False, "collection_limit": 10}
            self.send_json(200, v, hdr)
            return 200
        if method == "POST" and rest == "statuses":
            return self.post_status(form, hdr, f)
        if method == "GET" and rest.startswith("timelines/tag/"):
            tag = urllib.parse.unquote(rest[len("timelines/tag/"):]).lower()
            with s.lock:
                sts = [x for x in s.statuses if x["visibility"] == "public" and
                       any(t["name"] == tag for t in x["tags"])]
            return self.page(sts, q, path, hdr)
        if method == "GET" and rest == "accounts/lookup":
            acct = (q.get("acct") or [""])[0].lstrip("@")
            if acct.lower().endswith("@" + DOMAIN):   # local, in its full form
                acct = acct[:-len(DOMAIN) - 1]
            with s.lock:
                # an account kept in its full local form (as snac gives it)
                a = s.accounts.get(acct) or s.accounts.get(acct + "@" + DOMAIN)
            if not a:
                self.error(404, "Record not found", hdr)
                return 404
            self.send_json(200, a, hdr)
            return 200
        if method == "GET" and rest == "notifications":
            types = q.get("types[]") or []
            with s.lock:
                sts = [x for x in s.statuses if any(
                    mm["id"] == me["id"] for mm in x["mentions"])]
            if types and "mention" not in types:
                sts = []
            return self.page(sts, q, path, hdr, notify=True)
        m2 = re.match(r"^accounts/(\w+)/statuses$", rest)
        if method == "GET" and m2:
            with s.lock:
                sts = [x for x in s.statuses if x["account"]["id"] == m2.group(1)]
            return self.page(sts, q, path, hdr)
        m2 = re.match(r"^statuses/(\w+)/context$", rest)
        if method == "GET" and m2:
            with s.lock:
                if m2.group(1) not in s.by_id:
                    self.error(404, "Record not found", hdr)
                    return 404
                desc, todo = [], [m2.group(1)]
                while todo:
                    pid = todo.pop(0)
                    kids = [x for x in s.statuses if x["in_reply_to_id"] == pid and
                            x["visibility"] in ("public", "unlisted")]
                    desc += kids
                    todo += [k["id"] for k in kids]
                desc.sort(key=lambda x: x["id"])
                body = {"ancestors": [], "descendants": [s.view(x) for x in desc]}
            self.send_json(200, body, hdr)
            return 200
        if method == "GET" and rest == "statuses":
            # several statuses by id (Mastodon 4.3): those that exist
            with s.lock:
                body = [s.view(s.by_id[i]) for i in q.get("id[]") or [] if i in s.by_id]
            self.send_json(200, body, hdr)
            return 200
        m2 = re.match(r"^statuses/(\w+)$", rest)
        if method == "GET" and m2:
            with s.lock:
                st = s.by_id.get(m2.group(1))
                body = s.view(st) if st else None
            if not body:
                self.error(404, "Record not found", hdr)
                return 404
            self.send_json(200, body, hdr)
            return 200
        m2 = re.match(r"^polls/(\w+)$", rest)
        if method == "GET" and m2 and m2.group(1) in s.polls:
            self.send_json(200, s.poll_view(m2.group(1)), hdr)
            return 200
        self.error(404, "Record not found", hdr)
        return 404

    def post_status(self, form, hdr, f):
        s = self.store

        def one(k):
            v = form.get(k)
            return v[0] if isinstance(v, list) else v
        text = one("status") or ""
        if not text.strip():
            self.error(422, "Validation failed: Text can't be blank", hdr)
            return 422
        if len(text) > s.max_chars:
            self.error(422, "Validation failed: Text character limit of %d exceeded"
                       % s.max_chars, hdr)
            return 422
        vis = one("visibility") or "public"
        if vis not in ("public", "unlisted", "private", "direct"):
            self.error(422, "Validation failed: Visibility is not included in the list", hdr)
            return 422
        poll = None
        opts = form.get("poll[options][]")
        if opts:
            try:
                poll = {"options": opts, "expires_in": int(one("poll[expires_in]"))}
            except (TypeError, ValueError):
                self.error(422, "Validation failed: Poll expires in is invalid", hdr)
                return 422
            if s.fault_active("no-polls", self.path):
                poll = None
        key = self.headers.get("Idempotency-Key")
        ignore = s.fault_active("ignore-idempotency", self.path)
        with s.lock:
            if key and not ignore and key in s.idem and s.idem[key][0] > time.time() - 3600:
                st = s.by_id[s.idem[key][1]]
            else:
                reply = one("in_reply_to_id")
                if reply and reply not in s.by_id:
                    self.error(404, "Record not found", hdr)
                    return 404
                st = s.add_status("chatbot", text, reply_to=reply, visibility=vis,
                                  language=one("language") or "en", poll=poll)
                if key:
                    s.idem[key] = (time.time(), st["id"])
                s.on_host_post(st)
            body = s.view(st)
        if f and f["fault"] == "cut-after":
            self.close_connection = True
            self.connection.shutdown(2)
            return 0
        if f and f["fault"] == "slow-after":
            time.sleep(float(f.get("seconds", 2)))
        self.send_json(200, body, hdr)
        return 200

    def page(self, sts, q, path, hdr, notify=False):
        """A page newest first with max_id/since_id/min_id/limit and a Link
        header of Mastodon's form."""
        def one(k):
            v = q.get(k)
            return v[0] if v else None
        try:
            limit = max(1, min(40, int(one("limit") or 20)))
        except ValueError:
            limit = 20
        key = lambda x: int(x["id"])
        sts = sorted(sts, key=key)
        if one("max_id"):
            sts = [x for x in sts if key(x) < int(one("max_id"))]
        if one("since_id"):
            sts = [x for x in sts if key(x) > int(one("since_id"))]
        if one("min_id"):
            sts = [x for x in sts if key(x) > int(one("min_id"))][:limit]
        else:
            sts = sts[-limit:]
        sts.reverse()
        with self.store.lock:
            body = [self.store.view(x) for x in sts]
        if notify:     # a mention notification wraps its status
            body = [{"id": v["id"], "type": "mention", "created_at": v["created_at"],
                     "account": v["account"], "status": v} for v in body]
        if sts:
            extra = "limit=%s&" % one("limit") if one("limit") else ""
            hdr = dict(hdr)
            hdr["Link"] = '<%s%s?%smax_id=%s>; rel="next", <%s%s?%smin_id=%s>; rel="prev"' % (
                self.store.base, path, extra, sts[-1]["id"],
                self.store.base, path, extra, sts[0]["id"])
        self.send_json(200, body, hdr)
        return 200

    def control(self, method, path, form):
        s = self.store
        if path == "/_fake/faults" and method == "POST":
            with s.lock:
                s.faults += list(form.get("faults", []))
            return self.send_json(200, {"faults": s.faults})
        if path == "/_fake/faults" and method == "GET":
            return self.send_json(200, {"faults": s.faults})
        if path == "/_fake/statuses" and method == "POST":
            st = s.add_status(form["acct"], form["text"], form.get("in_reply_to_id"),
                              form.get("visibility", "public"))
            if form.get("quote_of"):
                # a quote post as Mastodon 4.5 shows it
                with s.lock:
                    st["quote"] = {"state": "accepted",
                                   "quoted_status": s.view(s.by_id[form["quote_of"]])}
            return self.send_json(200, s.view(st))
        if path == "/_fake/statuses":
            with s.lock:
                return self.send_json(200, {"statuses": [dict(s.view(x), text=x["_text"])
                                                         for x in s.statuses]})
        if path == "/_fake/delete" and method == "POST":
            # its author deletes it: gone from every list, 404 by its id
            with s.lock:
                st = s.by_id.pop(form.get("id"), None)
                if st:
                    s.statuses.remove(st)
            return self.send_json(200 if st else 404, {})
        if path == "/_fake/edit" and method == "POST":
            # an edit as Mastodon makes it: the same id, the new text,
            # edited_at set (the tag list follows the new text)
            with s.lock:
                st = s.by_id.get(form.get("id"))
                if st:
                    st["_text"] = form["text"]
                    st["content"] = html_of(form["text"], s.base)
                    st["edited_at"] = iso(time.time())
                    st["tags"] = [{"name": x.lower(), "url": "%s/tags/%s" % (s.base, x.lower())}
                                  for x in re.findall(r"(?:^|\s)#(\w+)", form["text"])]
                body = s.view(st) if st else None
            if not body:
                return self.send_json(404, {"error": "Record not found"})
            return self.send_json(200, body)
        if path == "/_fake/votes" and method == "POST":
            with s.lock:
                st = s.by_id[form["status_id"]]
                p = s.polls[st["poll"]["id"]]
                for o, v in zip(p["options"], form.get("votes", [])):
                    o["votes_count"] = v
                p["votes_count"] = sum(o["votes_count"] for o in p["options"])
                if form.get("expire"):
                    p["_ends"] = time.time() - 1
                return self.send_json(200, s.poll_view(p["id"]))
        if path == "/_fake/requests":
            with s.lock:
                return self.send_json(200, {"requests": s.requests})
        if path == "/_fake/reset" and method == "POST":
            s.reset()
            return self.send_json(200, {})
        self.send_json(404, {"error": "no such control"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--port-file")
    ap.add_argument("--record")
    ap.add_argument("--max-chars", type=int, default=500)
    ap.add_argument("--tag", default="ICMIchat")
    ap.add_argument("--answer", default="")
    args = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    args.base = "http://127.0.0.1:%d" % srv.server_address[1]
    srv.store = Store(args)
    srv.record = args.record
    if args.port_file:
        tmp = args.port_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(str(srv.server_address[1]))
        os.rename(tmp, args.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
