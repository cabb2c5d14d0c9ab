#!/usr/bin/env python3
"""fakex - a local fake of the X API v2, for chathost's integration tests and demo.

Standard library only (Python 3.11+). Speaks the real wire format: OAuth 1.0a
(HMAC-SHA1) verified on every /2/ request, JSON bodies, problem JSON errors,
x-rate-limit-* headers, HTTP/1.1 keep-alive. See tests/fakex/README.md for
every flag and endpoint.

    fakex.py --port 0 --port-file PORT --record requests.jsonl [--auto-answer]
"""

import argparse
import base64
import bisect
import collections
import datetime
import fnmatch
import hashlib
import heapq
import hmac
import http.server
import itertools
import json
import logging
import os
import re
import signal
import socket
import struct
import sys
import threading
import time
import unicodedata
import urllib.parse

VERSION = "1.0"
TWEPOCH_MS = 1288834974657          # the snowflake epoch X uses
WINDOW = 15 * 60                    # rate-limit window, seconds
MAX_BODY = 1 << 20                  # request bodies above this get 413
PROBLEM_INVALID = "https://api.twitter.com/2/problems/invalid-request"
PROBLEM_NOT_FOUND = "https://api.twitter.com/2/problems/resource-not-found"
DUPLICATE_DETAIL = "You are not allowed to create a Tweet with duplicate content."
REPLY_RULE_DETAIL = ("Reply to this conversation is not allowed because you have not "
                     "been mentioned or otherwise engaged by the author of the post "
                     "you are replying to.")
FORBIDDEN_DETAIL = "You are not permitted to perform this action."
CREDITS_DETAIL = ("Your enrolled account does not have any credits to fulfill this "
                  "request.")
PROBLEM_USAGE_CAP = "https://api.twitter.com/2/problems/usage-capped"
LONG_POST = 280                        # longer posts: text cut, note_tweet whole

log = logging.getLogger("fakex")
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)   # Linux


def kernel_clock_offset():
    """This process's clock minus the kernel's real clock, in seconds: 0
    unless the process runs on a shifted clock (libfaketime, make
    check-dates), where the kernel's socket timestamps are still real
    time. Measured once on a loopback datagram: its kernel stamp against
    time.time() right after; under 0.5 s apart the two are one clock."""
    a = b = None
    try:
        a = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        a.bind(("127.0.0.1", 0))
        a.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        b = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        b.sendto(b"t", a.getsockname())
        _, anc, _, _ = a.recvmsg(1, socket.CMSG_SPACE(16))
        now = time.time()
        for level, kind, payload in anc:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS and len(payload) >= 16:
                sec, nsec = struct.unpack("qq", payload[:16])
                off = now - (sec + nsec / 1e9)
                return off if abs(off) > 0.5 else 0.0
    except OSError:
        pass
    finally:
        for x in (a, b):
            if x:
                x.close()
    return 0.0


KERNEL_OFFSET = kernel_clock_offset()


# --------------------------------------------------------------------------
# OAuth 1.0a (RFC 5849), HMAC-SHA1

def pct(s):
    """RFC 5849 section 3.6 percent-encoding (RFC 3986 unreserved kept)."""
    if isinstance(s, str):
        s = s.encode("utf-8")
    return urllib.parse.quote(s, safe="-._~")


def base_string_uri(scheme, host, path):
    """RFC 5849 3.4.1.2: lowercase scheme and host, default port dropped."""
    scheme = scheme.lower()
    host = host.strip().lower()
    m = re.fullmatch(r"(.*?)(?::(\d+))?", host)
    name, port = m.group(1), m.group(2)
    if port is not None and not (
            (scheme == "http" and port == "80") or
            (scheme == "https" and port == "443")):
        name = "%s:%s" % (name, port)
    return "%s://%s%s" % (scheme, name, path)


def signature_base_string(method, base_url, params):
    """params: (name, value) pairs, decoded; oauth_signature excluded."""
    enc = sorted((pct(k), pct(v)) for k, v in params)
    norm = "&".join("%s=%s" % kv for kv in enc)
    return "&".join((method.upper(), pct(base_url), pct(norm)))


def hmac_sha1(base, consumer_secret, token_secret):
    key = "%s&%s" % (pct(consumer_secret), pct(token_secret or ""))
    digest = hmac.new(key.encode("utf-8"), base.encode("utf-8"),
                      hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def parse_form(text):
    """application/x-www-form-urlencoded -> decoded pairs ('+' is a space)."""
    if not text:
        return []
    return urllib.parse.parse_qsl(text, keep_blank_values=True,
                                  encoding="utf-8", errors="replace")


_AUTH_PARAM = re.compile(r'\s*([A-Za-z0-9_.~%-]+)\s*=\s*"([^"]*)"\s*(?:,|$)')


def parse_authorization(value):
    """'OAuth k="v", ...' -> decoded pairs; ValueError when not OAuth."""
    value = value.strip()
    scheme, _, rest = value.partition(" ")
    if scheme.lower() != "oauth":
        raise ValueError("Authorization scheme is not OAuth")
    pairs = []
    pos = 0
    rest = rest.strip()
    while pos < len(rest):
        m = _AUTH_PARAM.match(rest, pos)
        if not m:
            raise ValueError("malformed OAuth Authorization header")
        pairs.append((urllib.parse.unquote(m.group(1)),
                      urllib.parse.unquote(m.group(2))))
        pos = m.end()
    return pairs


def request_signature(method, base_url, query_pairs, body_pairs, oauth_pairs,
                      consumer_secret, token_secret):
    """The signature a correct client computes for this request."""
    params = [(k, v) for k, v in
              list(oauth_pairs) + list(query_pairs) + list(body_pairs)
              if k not in ("oauth_signature", "realm")]
    base = signature_base_string(method, base_url, params)
    return hmac_sha1(base, consumer_secret, token_secret), base


class OAuthVerifier:
    """Checks OAuth 1.0a HMAC-SHA1 signatures, timestamps and nonces."""

    def __init__(self, consumer_key, consumer_secret, token, token_secret,
                 max_skew=300, scheme="http", nonce_cap=200000):
        self.consumer_key = consumer_key
        self.consumer_secret = consumer_secret
        self.token = token
        self.token_secret = token_secret
        self.max_skew = max_skew
        self.scheme = scheme
        self.nonce_cap = nonce_cap
        self.nonces = collections.OrderedDict()   # nonce key -> seen (epoch)
        self.lock = threading.Lock()

    def reset(self):
        with self.lock:
            self.nonces.clear()

    def _remember_nonce(self, key, now):
        with self.lock:
            # Nonces older than the skew window cannot be replayed anyway
            # (their timestamps are stale), so they can be forgotten.
            if self.max_skew:
                while self.nonces:
                    k, seen = next(iter(self.nonces.items()))
                    if seen >= now - 2 * self.max_skew - 60:
                        break
                    self.nonces.popitem(last=False)
            while len(self.nonces) >= self.nonce_cap:
                self.nonces.popitem(last=False)
            if key in self.nonces:
                return False
            self.nonces[key] = now
            return True

    def verify(self, method, host, path, raw_query, authorization,
               content_type, body, now=None):
        """Returns (True, "ok") or (False, reason)."""
        if now is None:
            now = time.time()
        query_pairs = parse_form(raw_query)
        if authorization:
            try:
                oauth_pairs = parse_authorization(authorization)
            except ValueError as e:
                return False, str(e)
        else:
            oauth_pairs = [(k, v) for k, v in query_pairs
                           if k.startswith("oauth_")]
            query_pairs = [(k, v) for k, v in query_pairs
                           if not k.startswith("oauth_")]
            if not oauth_pairs:
                return False, "no OAuth credentials (Authorization header)"
        oauth = {}
        for k, v in oauth_pairs:
            if k in oauth:
                return False, "duplicate OAuth parameter %s" % k
            oauth[k] = v
        for need in ("oauth_consumer_key", "oauth_signature",
                     "oauth_signature_method", "oauth_timestamp",
                     "oauth_nonce", "oauth_token"):
            if need not in oauth:
                return False, "missing %s" % need
        if oauth["oauth_signature_method"] != "HMAC-SHA1":
            return False, "unsupported oauth_signature_method %r" % \
                oauth["oauth_signature_method"]
        if oauth.get("oauth_version", "1.0") != "1.0":
            return False, "oauth_version must be 1.0"
        if oauth["oauth_consumer_key"] != self.consumer_key:
            return False, "unknown oauth_consumer_key"
        if oauth["oauth_token"] != self.token:
            return False, "unknown oauth_token"
        body_pairs = []
        ctype = (content_type or "").split(";")[0].strip().lower()
        if ctype == "application/x-www-form-urlencoded" and body:
            body_pairs = parse_form(body.decode("utf-8", "replace"))
        base_url = base_string_uri(self.scheme, host, path)
        expect, base = request_signature(method, base_url, query_pairs,
                                         body_pairs, oauth_pairs,
                                         self.consumer_secret,
                                         self.token_secret)
        if not hmac.compare_digest(expect.encode(),
                                   oauth["oauth_signature"].encode()):
            log.debug("bad signature; base string was %s", base)
            return False, "bad signature"
        try:
            ts = int(oauth["oauth_timestamp"])
        except ValueError:
            return False, "oauth_timestamp is not an integer"
        if self.max_skew and abs(ts - now) > self.max_skew:
            return False, "stale oauth_timestamp (%+d s off)" % (ts - int(now))
        key = (oauth["oauth_consumer_key"], oauth["oauth_token"],
               oauth["oauth_nonce"])
        if not self._remember_nonce(key, now):
            return False, "reused oauth_nonce"
        return True, "ok"


# --------------------------------------------------------------------------
# Time and text helpers

def x_escape(text):
    """A post's text as X's v2 API gives it: &, < and > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def iso(t):
    """Epoch seconds -> '2026-12-01T18:07:12.000Z' (what X sends)."""
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(int(t))) + ".000Z"


def parse_iso(s):
    """RFC 3339 time with a zone designator -> epoch seconds, or ValueError."""
    if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?"
                        r"(Z|[+-]\d\d:\d\d)", s or ""):
        raise ValueError("not an RFC 3339 time: %r" % s)
    d = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return d.timestamp()


def parse_time_value(v):
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return float(v)
    if isinstance(v, str):
        return parse_iso(v)
    raise ValueError("time must be epoch seconds or an RFC 3339 string")


_HASHTAG = re.compile(r"(?<![\w&])[#＃](\w+)")
_MENTION = re.compile(r"(?<![\w@])@(\w{1,15})")
_URL = re.compile(r"https?://\S+")


def hashtags(text):
    return [m.group(1) for m in _HASHTAG.finditer(text)]


def weighted_length(text):
    """twitter-text v3 weighting, simplified: URLs 23, light ranges 1,
    everything else 2; emoji modifiers, variation selectors and ZWJ free."""
    text = unicodedata.normalize("NFC", text)
    n = 0
    pos = 0
    for m in _URL.finditer(text):
        n += _weigh(text[pos:m.start()]) + 23
        pos = m.end()
    return n + _weigh(text[pos:])


def _weigh(s):
    n = 0
    in_emoji = False
    joined = False
    for ch in s:
        cp = ord(ch)
        emoji = cp >= 0x1F000 or 0x2600 <= cp <= 0x27BF
        if in_emoji and (0xFE00 <= cp <= 0xFE0F or 0x1F3FB <= cp <= 0x1F3FF or
                         0xE0020 <= cp <= 0xE007F):
            continue
        if in_emoji and cp == 0x200D:
            joined = True
            continue
        if joined and emoji:
            joined = False
            continue
        joined = False
        if (cp <= 4351 or 8192 <= cp <= 8205 or 8208 <= cp <= 8223 or
                8242 <= cp <= 8247):
            n += 1
        else:
            n += 2
        in_emoji = emoji
    return n


def problem(status, title, detail, ptype="about:blank", **extra):
    body = {"title": title, "detail": detail, "type": ptype, "status": status}
    body.update(extra)
    return body


def invalid_request(message, parameters=None):
    err = {"message": message}
    if parameters:
        err["parameters"] = parameters
    return problem(400, "Invalid Request",
                   "One or more parameters to your request was invalid.",
                   PROBLEM_INVALID, errors=[err])


class ApiError(Exception):
    def __init__(self, status, body):
        super().__init__(body.get("detail"))
        self.status = status
        self.body = body


def bad_param(message, name=None, value=None):
    params = {name: [value]} if name is not None else None
    return ApiError(400, invalid_request(message, params))


# --------------------------------------------------------------------------
# Search query language (the subset chathost and its tests use)

class QueryError(Exception):
    pass


KNOWN_IS = {"retweet", "reply", "quote", "verified"}
KNOWN_HAS = {"mentions", "hashtags", "links", "media"}


def _tokenize(q):
    toks = []
    i = 0
    n = len(q)
    while i < n:
        c = q[i]
        if c.isspace():
            i += 1
            continue
        if c in "()":
            toks.append(c)
            i += 1
            continue
        neg = False
        if c == "-" and i + 1 < n and not q[i + 1].isspace():
            neg = True
            i += 1
            c = q[i]
            if c == "(":
                toks.append("-(")
                i += 1
                continue
        if c == '"':
            j = q.find('"', i + 1)
            if j < 0:
                raise QueryError("unterminated quoted phrase")
            toks.append(("phrase", q[i + 1:j], neg))
            i = j + 1
            continue
        j = i
        while j < n and not q[j].isspace() and q[j] not in "()":
            j += 1
        word = q[i:j]
        i = j
        if word == "OR" and not neg:
            toks.append("OR")
        else:
            toks.append(("term", word, neg))
    return toks


def compile_query(q):
    """query string -> predicate(tweet, store) ; QueryError when invalid."""
    toks = _tokenize(q)
    pos = [0]
    positives = [0]

    def peek():
        return toks[pos[0]] if pos[0] < len(toks) else None

    def take():
        t = peek()
        pos[0] += 1
        return t

    def parse_or():
        left = parse_and()
        while peek() == "OR":
            take()
            right = parse_and()
            left = (lambda a, b: lambda tw, st: a(tw, st) or b(tw, st))(left, right)
        return left

    def parse_and():
        items = []
        while peek() not in (None, ")", "OR"):
            items.append(parse_unary())
        if not items:
            raise QueryError("empty expression (check OR and parentheses)")
        if len(items) == 1:
            return items[0]
        return lambda tw, st: all(f(tw, st) for f in items)

    def parse_unary():
        t = take()
        if t in ("(", "-("):
            inner = parse_or()
            if take() != ")":
                raise QueryError("missing ')'")
            if t == "-(":
                return lambda tw, st: not inner(tw, st)
            return inner
        if t == ")" or t == "OR" or t is None:
            raise QueryError("unexpected %r" % (t,))
        kind, word, neg = t
        pred = _term(kind, word)
        if neg:
            return lambda tw, st: not pred(tw, st)
        positives[0] += 1
        return pred

    pred = parse_or()
    if pos[0] != len(toks):
        raise QueryError("unbalanced ')'")
    if positives[0] == 0:
        raise QueryError("a query needs at least one term that is not negated")
    return pred


def _term(kind, word):
    if kind == "phrase":
        # X matches a quoted phrase as its words in a row, not as a
        # substring ("ICMI 2027" is not in "ICMI 20270")
        needle = re.findall(r"\w+", word.casefold())

        def has(tw, st):
            toks = re.findall(r"\w+", tw["text"].casefold())
            k = len(needle)
            return k > 0 and any(toks[i:i + k] == needle for i in range(len(toks) - k + 1))
        return has
    if word.startswith(("#", "＃")) and len(word) > 1:
        tag = word[1:].casefold()
        return lambda tw, st: tag in (h.casefold() for h in hashtags(tw["text"]))
    if word.startswith("@") and len(word) > 1:
        who = word[1:].casefold()
        return lambda tw, st: who in (m.casefold() for m in
                                      _MENTION.findall(tw["text"]))
    if ":" in word and not word.startswith(("http:", "https:")):
        op, _, arg = word.partition(":")
        if not arg:
            raise QueryError("operator %s: needs a value" % op)
        if op == "is":
            if arg not in KNOWN_IS:
                raise QueryError("Reference to invalid operator 'is:%s'" % arg)
            if arg == "retweet":
                return lambda tw, st: tw["retweet_of"] is not None
            if arg == "reply":
                return lambda tw, st: tw["in_reply_to_id"] is not None
            if arg == "quote":
                return lambda tw, st: tw.get("quote_of") is not None
            return lambda tw, st: False
        if op == "has":
            if arg not in KNOWN_HAS:
                raise QueryError("Reference to invalid operator 'has:%s'" % arg)
            if arg == "mentions":
                return lambda tw, st: bool(_MENTION.search(tw["text"]))
            if arg == "hashtags":
                return lambda tw, st: bool(hashtags(tw["text"]))
            if arg == "links":
                return lambda tw, st: bool(_URL.search(tw["text"]))
            return lambda tw, st: False
        if op == "from":
            return lambda tw, st: st.user_matches(tw["author_id"], arg)
        if op == "to":
            return lambda tw, st: (tw["in_reply_to_user_id"] is not None and
                                   st.user_matches(tw["in_reply_to_user_id"], arg))
        if op == "retweets_of":
            return lambda tw, st: (tw["retweet_of"] is not None and
                                   st.user_matches(st.author_of(tw["retweet_of"]), arg))
        if op in ("conversation_id", "in_reply_to_tweet_id", "quotes_of_tweet_id",
                  "retweets_of_tweet_id"):
            if not arg.isdigit():
                raise QueryError("%s: needs a numeric id" % op)
            want = int(arg)
            field = {"conversation_id": "conversation_id",
                     "in_reply_to_tweet_id": "in_reply_to_id",
                     "quotes_of_tweet_id": "quote_of",
                     "retweets_of_tweet_id": "retweet_of"}[op]
            return lambda tw, st: tw.get(field) == want
        if op == "lang":
            return lambda tw, st: arg.lower() == "en"
        if op == "url":
            return lambda tw, st: arg.casefold() in tw["text"].casefold()
        raise QueryError("Reference to invalid operator '%s'" % op)
    needle = word.casefold()
    return lambda tw, st: needle in _words(tw["text"])


def _words(text):
    return set(w.casefold() for w in re.findall(r"[\w'’]+|[^\w\s]", text))


# --------------------------------------------------------------------------
# The default scripts

DEFAULT_PARTICIPANTS = {
    "users": [
        {"username": "ana_cx", "name": "Ana Souza"},
        {"username": "müller_cs", "name": "Jürgen Müller"},
        {"username": "li_support", "name": "李小龙 (Li)"},
        {"username": "priya_helps", "name": "Priya 🌸 Patel"},
        {"username": "obrien_team", "name": "Siobhán O'Brien \"the CX nerd\""},
        {"username": "sam_ops", "name": "Sam"},
    ],
    # Fired when the host posts its intro (a post that is no question, no
    # reply and no poll, before the first question).
    "on_intro": [
        {"user": "ana_cx", "after": 0.5, "kind": "post",
         "text": "Hi all, Ana from Lisbon here 👋 ready for today's chat {hashtag}"},
        {"user": "sam_ops", "after": 1.0, "kind": "retweet"},
    ],
    # Fired when the host posts "Qn: ..."; "questions" limits a rule to
    # some question numbers.
    "on_question": [
        {"user": "ana_cx", "after": 1.0, "kind": "post",
         "text": "A{n}: Being asked for my account number three times, then "
                 "again by the next agent. {hashtag}"},
        {"user": "müller_cs", "after": 1.5, "kind": "post",
         "text": "A{n} Ganz klar: one owner per case, not a script. {hashtag}"},
        {"user": "li_support", "after": 2.0, "kind": "reply_question",
         "questions": [1, 3, 5, 7, 9],
         "text": "A{n}: Two things:\n1) listen first\n2) follow up the "
                 "next day {hashtag}"},
        {"user": "obrien_team", "after": 2.5, "kind": "post",
         "questions": [2, 4, 6, 8, 10],
         "text": "A{n}: \"It's not my department\" - never say it. "
                 "Say \"let me find out\". Our script: "
                 "https://cx.example.org/playbooks/find-out-{n} {hashtag}"},
        {"user": "priya_helps", "after": 3.0, "kind": "reply_question",
         "text": "Totally agree with this one, closing the loop matters most."},
        {"user": "sam_ops", "after": 0.5, "kind": "retweet", "questions": [1]},
        {"user": "sam_ops", "after": 4.0, "kind": "reply_intro",
         "questions": [2],
         "text": "Late to the party, but for Q{n}: empathy first, process second."},
        {"user": "ana_cx", "after": 5.0, "kind": "post", "questions": [3],
         "text": "a{n} (follow-up): and always give a ticket number! {hashtag}"},
    ],
    "on_wrapup": [
        {"user": "priya_helps", "after": 0.5, "kind": "reply_intro",
         "text": "Thanks for hosting, see you next week!"},
    ],
}

# Poll votes: the counts reported once `fraction` of the poll's duration has
# passed (the last step reached wins); cut to the poll's number of options.
DEFAULT_POLL_VOTES = {
    "steps": [
        {"fraction": 0.0, "votes": [0, 0, 0, 0]},
        {"fraction": 0.25, "votes": [3, 2, 1, 0]},
        {"fraction": 0.5, "votes": [6, 4, 2, 1]},
        {"fraction": 0.75, "votes": [9, 6, 3, 1]},
        {"fraction": 1.0, "votes": [12, 7, 3, 1]},
    ]
}

PARTICIPANT_KINDS = ("post", "reply_question", "reply_intro", "retweet")


def validate_participants(script):
    """Raises ValueError with a message naming the bad entry."""
    if not isinstance(script, dict):
        raise ValueError("the participants script must be a JSON object")
    users = script.get("users", [])
    if not isinstance(users, list):
        raise ValueError("users must be a list")
    names = set()
    for i, u in enumerate(users):
        if not isinstance(u, dict) or not isinstance(u.get("username"), str) \
                or not u["username"]:
            raise ValueError("users[%d]: needs a non-empty \"username\"" % i)
        names.add(u["username"].casefold())
    for section in ("on_intro", "on_question", "on_wrapup"):
        rules = script.get(section, [])
        if not isinstance(rules, list):
            raise ValueError("%s must be a list" % section)
        for i, r in enumerate(rules):
            where = "%s[%d]" % (section, i)
            if not isinstance(r, dict):
                raise ValueError("%s: must be an object" % where)
            if not isinstance(r.get("user"), str) or \
                    r["user"].casefold() not in names:
                raise ValueError("%s: \"user\" must name one of users[]" % where)
            after = r.get("after", 0)
            if isinstance(after, bool) or not isinstance(after, (int, float)) \
                    or after < 0:
                raise ValueError("%s: \"after\" must be minutes >= 0" % where)
            kind = r.get("kind", "post")
            if kind not in PARTICIPANT_KINDS:
                raise ValueError("%s: \"kind\" must be one of %s" %
                                 (where, ", ".join(PARTICIPANT_KINDS)))
            if kind != "retweet" and not isinstance(r.get("text"), str):
                raise ValueError("%s: needs \"text\"" % where)
            qs = r.get("questions")
            if qs is not None and (not isinstance(qs, list) or not all(
                    isinstance(q, int) and not isinstance(q, bool) for q in qs)):
                raise ValueError("%s: \"questions\" must be a list of numbers" % where)
    return script


def validate_poll_votes(script):
    if not isinstance(script, dict) or not isinstance(script.get("steps"), list) \
            or not script["steps"]:
        raise ValueError("the poll-votes script must be {\"steps\": [...]}")
    for i, s in enumerate(script["steps"]):
        if not isinstance(s, dict):
            raise ValueError("steps[%d]: must be an object" % i)
        f = s.get("fraction")
        if isinstance(f, bool) or not isinstance(f, (int, float)) or not 0 <= f <= 1:
            raise ValueError("steps[%d]: \"fraction\" must be 0..1" % i)
        v = s.get("votes")
        if not isinstance(v, list) or not all(
                isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in v):
            raise ValueError("steps[%d]: \"votes\" must be a list of counts" % i)
    return script


# --------------------------------------------------------------------------
# Faults

FAULT_KINDS = ("429", "500", "503", "slow", "cut", "malformed", "duplicate",
               "timeout", "usage-cap", "credits", "forbidden", "partial")


def validate_fault(f):
    if not isinstance(f, dict):
        raise ValueError("a fault must be a JSON object")
    kind = str(f.get("fault", ""))
    if kind not in FAULT_KINDS and not re.fullmatch(r"[1-5]\d\d", kind):
        raise ValueError("fault %r: must be one of %s or an HTTP status" %
                         (kind, ", ".join(FAULT_KINDS)))
    out = {"fault": kind,
           "path": f.get("path"),
           "method": f.get("method"),
           "count": f.get("count", 1),
           "delay": f.get("delay"),
           "reset_in": f.get("reset_in", 60),
           "apply": bool(f.get("apply", kind in ("slow", "partial")))}
    if out["path"] is not None and not isinstance(out["path"], str):
        raise ValueError("fault path must be a string")
    if out["method"] is not None:
        if not isinstance(out["method"], str):
            raise ValueError("fault method must be a string")
        out["method"] = out["method"].upper()
    c = out["count"]
    if isinstance(c, bool) or not isinstance(c, int) or c < 1:
        raise ValueError("fault count must be an integer >= 1")
    for k in ("delay", "reset_in"):
        v = out[k]
        if v is not None and (isinstance(v, bool) or
                              not isinstance(v, (int, float)) or v < 0):
            raise ValueError("fault %s must be seconds >= 0" % k)
    if out["delay"] is None:
        out["delay"] = {"slow": 2.0, "timeout": 60.0}.get(kind, 0.0)
    return out


def load_faults(obj):
    if isinstance(obj, dict) and "faults" in obj:
        obj = obj["faults"]
    if isinstance(obj, dict):
        obj = [obj]
    if not isinstance(obj, list):
        raise ValueError("faults must be a list, an object, or {\"faults\": [...]}")
    return [validate_fault(f) for f in obj]


# --------------------------------------------------------------------------
# The state: users, posts, polls, rate limits, faults, participants

RATE_KEYS = {"post": 100, "delete": 50, "search": 300, "lookup": 900,
             "me": 75, "timeline": 900, "dm": 300}


class Store:
    def __init__(self, args):
        self.args = args
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.stop = threading.Event()
        self.offset = 0.0                 # fake clock = time.time() + offset
        self.speed = args.speed
        self.limits = dict(RATE_KEYS)
        self.limits.update(args.rate_limits)
        self.host = {"id": args.host_id, "username": args.host_username,
                     "name": args.host_name}
        self.participants = args.participants_script
        self.poll_votes = args.poll_votes_script
        self.record_file = None
        if args.record:
            self.record_file = open(args.record, "a", encoding="utf-8")
        self.keep_requests = args.keep_requests
        self.initial_faults = args.initial_faults
        self.timers = []
        self.timer_seq = itertools.count()
        self.reset(initial=True)

    # -- clock
    def now(self):
        return time.time() + self.offset

    def reset(self, initial=False):
        with self.lock:
            self.users = {}
            self.by_username = {}
            self.add_user(self.host["username"], self.host["name"], self.host["id"])
            self.tweets = {}
            self.ids = []                 # sorted tweet ids
            self.last_id = 0
            self.low_seq = itertools.count(1)
            self.requests = collections.deque(maxlen=self.keep_requests)
            if initial:                   # numbers stay unique across resets
                self.req_seq = itertools.count(1)
            self.rates = {}               # key -> [reset_epoch, used]
            self.faults = [dict(f) for f in self.initial_faults] if initial else []
            self.polls = {}               # poll id -> tweet id
            self.pinned_votes = {}        # tweet id -> votes list
            self.timers = []
            self.phase = "idle"
            self.intro_id = None
            self.reply_rule = bool(self.args.reply_rule)
            self.hidden_authors = set()
            self.dms = []                 # direct message events, oldest first
            self.users_seq = itertools.count(1)
            for u in (self.participants or {}).get("users", []):
                self.add_user(u["username"], u.get("name", u["username"]),
                              u.get("id"))
            self.cond.notify_all()

    # -- users
    def add_user(self, username, name=None, uid=None):
        with self.lock:
            known = self.by_username.get(username.casefold())
            if known:
                return self.users[known]
            if uid is None:
                uid = str(1800000000000000000 + next(self.users_seq) * 1000 +
                          len(self.users))
            uid = str(uid)
            u = {"id": uid, "username": username, "name": name or username}
            self.users[uid] = u
            self.by_username[username.casefold()] = uid
            return u

    def user_matches(self, uid, arg):
        if uid is None:
            return False
        if arg.isdigit() and arg == uid:
            return True
        u = self.users.get(uid)
        return u is not None and u["username"].casefold() == arg.lstrip("@").casefold()

    def author_of(self, tid):
        tw = self.tweets.get(tid)
        return tw["author_id"] if tw else None

    # -- ids
    def _new_id(self, t, live):
        ms = max(0, int(t * 1000) - TWEPOCH_MS)
        cand = (ms << 22) | ((next(self.low_seq) * 4099) & 0x3FFFFF)
        if live:
            cand = max(cand, self.last_id + 1)
        while cand in self.tweets or cand in self.polls:
            cand += 1
        self.last_id = max(self.last_id, cand)
        return cand

    # -- posts
    def add_tweet(self, author_id, text, created=None, reply_to=None,
                  retweet_of=None, poll=None, conversation_id=None, live=True,
                  shorten=False):
        """Stores a post; returns its dict. Caller validates. shorten: a
        participant's post, whose links X keeps as t.co links in its text
        and gives whole only in entities.urls (the host's own posts keep
        their text as sent here)."""
        urls = []
        if shorten:
            text, urls = tco_shorten(text)
        with self.lock:
            now = self.now()
            t = float(int(created if created is not None else now))
            tid = self._new_id(created if created is not None else now,
                               live and created is None)
            parent = self.tweets.get(reply_to) if reply_to else None
            tw = {"id": tid, "text": text, "author_id": author_id,
                  "created": t, "in_reply_to_id": reply_to if reply_to else None,
                  "in_reply_to_user_id": parent["author_id"] if parent else None,
                  "conversation_id": conversation_id or (
                      parent["conversation_id"] if parent else tid),
                  "retweet_of": retweet_of, "quote_of": None, "poll": None,
                  "posted_real": time.time(), "urls": urls}
            if poll:
                pid = self._new_id(now, True)
                tw["poll"] = {"id": pid, "options": list(poll["options"]),
                              "duration_minutes": poll["duration_minutes"],
                              "start": now,
                              "end": now + poll["duration_minutes"] * 60.0 / self.speed}
                self.polls[pid] = tid
            self.tweets[tid] = tw
            bisect.insort(self.ids, tid)
            return tw

    def engaged(self, tid, uid):
        """X's reply rule (2026): a reply to tid is allowed when its author
        mentioned or quoted the account uid."""
        tw = self.tweets.get(tid)
        if tw is None:
            return False
        name = self.users[uid]["username"].casefold()
        if any(m.group(1).casefold() == name for m in _MENTION.finditer(tw["text"])):
            return True
        q = self.tweets.get(tw.get("quote_of")) if tw.get("quote_of") else None
        return q is not None and q["author_id"] == uid

    def find_duplicate(self, author_id, text, window):
        now = self.now()
        for tid in reversed(self.ids):
            tw = self.tweets[tid]
            if tw["created"] < now - window:
                break
            if tw["author_id"] == author_id and tw["retweet_of"] is None and \
                    tw["text"].strip() == text.strip():
                return tw
        return None

    def poll_view(self, tw):
        p = tw["poll"]
        now = self.now()
        n = len(p["options"])
        if tw["id"] in self.pinned_votes:
            votes = list(self.pinned_votes[tw["id"]])
        else:
            span = max(p["end"] - p["start"], 1e-9)
            frac = min(1.0, max(0.0, (now - p["start"]) / span))
            votes = []
            for step in self.poll_votes["steps"]:
                if step["fraction"] <= frac + 1e-12:
                    votes = step["votes"]
        votes = (list(votes) + [0] * n)[:n]
        return {"id": str(p["id"]),
                "options": [{"position": i + 1, "label": lab, "votes": votes[i]}
                            for i, lab in enumerate(p["options"])],
                "voting_status": "open" if now < p["end"] else "closed",
                "duration_minutes": p["duration_minutes"],
                "end_datetime": iso(p["end"])}

    # -- rate limits
    def rate(self, key, consume=True):
        """Returns (limit, remaining, reset, allowed)."""
        limit = self.limits.get(key, 900)
        with self.lock:
            now = self.now()
            ent = self.rates.get(key)
            if ent is None or now >= ent[0]:
                ent = [int(now) + WINDOW, 0]
                self.rates[key] = ent
            allowed = ent[1] < limit
            if consume and allowed:
                ent[1] += 1
            return limit, max(0, limit - ent[1]), ent[0], allowed

    # -- faults
    def take_fault(self, method, path):
        with self.lock:
            for i, f in enumerate(self.faults):
                if f["method"] and f["method"] != method:
                    continue
                if f["path"] and not (f["path"] == path or
                                      fnmatch.fnmatchcase(path, f["path"])):
                    continue
                f["count"] -= 1
                if f["count"] <= 0:
                    del self.faults[i]
                return dict(f)
        return None

    # -- request record
    def record(self, entry):
        with self.lock:
            entry["seq"] = next(self.req_seq)
            self.requests.append(entry)
            if self.record_file:
                self.record_file.write(json.dumps(entry, ensure_ascii=False) + "\n")
                self.record_file.flush()

    # -- scheduled participant actions
    def schedule(self, delay_real, action):
        with self.lock:
            heapq.heappush(self.timers, (self.now() + delay_real,
                                         next(self.timer_seq), action))
            self.cond.notify_all()

    def timer_loop(self):
        while not self.stop.is_set():
            with self.lock:
                due = None
                if self.timers and self.timers[0][0] <= self.now():
                    due = heapq.heappop(self.timers)[2]
                else:
                    wait = (self.timers[0][0] - self.now()) if self.timers else 0.5
                    self.cond.wait(min(max(wait, 0.001), 0.5))
                    continue
            try:
                due()
            except Exception:                       # keep the loop alive
                log.exception("participant action failed")

    def on_host_post(self, tw):
        """Called with the lock held after the host account posted tw."""
        script = self.participants
        if not script or tw["poll"]:
            return
        m = re.match(r"\s*Q(\d+)\s*[:.)-]", tw["text"])
        reply = tw["in_reply_to_id"] is not None
        if m:
            n = int(m.group(1))
            if reply:                     # a thread: the root is the intro
                self.intro_id = tw["conversation_id"]
            elif self.phase == "idle":    # questions with no intro seen
                self.intro_id = None
            self.phase = "questions"
            rules = [r for r in script.get("on_question", [])
                     if r.get("questions") is None or n in r["questions"]]
        elif self.phase == "idle" and not reply:
            self.phase = "intro"
            self.intro_id = tw["id"]
            n = None
            rules = script.get("on_intro", [])
        elif self.phase == "questions":
            self.phase = "idle"
            n = None
            rules = script.get("on_wrapup", [])
        else:
            return
        tags = hashtags(tw["text"])
        hashtag = script.get("hashtag") or self.args.hashtag or \
            ("#" + tags[0] if tags else "")
        ctx = {"n": "" if n is None else str(n), "hashtag": hashtag,
               "tag": hashtag.lstrip("#"), "host": self.host["username"],
               "question": tw["text"]}
        for r in rules:
            delay = float(r.get("after", 0)) * 60.0 / self.speed
            self.schedule(delay, self._participant_action(r, tw["id"],
                                                          self.intro_id, ctx))

    def _participant_action(self, rule, target_id, intro_id, ctx):
        def act():
            with self.lock:
                uid = self.by_username.get(rule["user"].casefold())
                target = self.tweets.get(target_id)
                if uid is None or target is None:
                    return
                kind = rule.get("kind", "post")
                c = dict(ctx, username=rule["user"])
                text = _fill(rule.get("text", ""), c)
                if kind == "retweet":
                    host = self.users[target["author_id"]]["username"]
                    self.add_tweet(uid, "RT @%s: %s" % (host, target["text"]),
                                   retweet_of=target_id)
                elif kind == "reply_question":
                    self.add_tweet(uid, text, reply_to=target_id, shorten=True)
                elif kind == "reply_intro":
                    self.add_tweet(uid, text, reply_to=intro_id or target_id,
                                   shorten=True)
                else:
                    self.add_tweet(uid, text, shorten=True)
        return act


def _fill(template, ctx):
    return re.sub(r"\{(\w+)\}", lambda m: ctx.get(m.group(1), m.group(0)), template)


# --------------------------------------------------------------------------
# Rendering

TWEET_FIELDS = {"attachments", "author_id", "context_annotations",
                "conversation_id", "created_at", "edit_controls",
                "edit_history_tweet_ids", "entities", "geo", "id",
                "in_reply_to_user_id", "lang", "non_public_metrics",
                "note_tweet", "organic_metrics", "possibly_sensitive",
                "promoted_metrics", "public_metrics", "referenced_tweets",
                "reply_settings", "source", "text", "withheld"}
USER_FIELDS = {"created_at", "description", "entities", "id", "location",
               "name", "pinned_tweet_id", "profile_image_url", "protected",
               "public_metrics", "url", "username", "verified", "withheld"}
POLL_FIELDS = {"duration_minutes", "end_datetime", "id", "options",
               "voting_status"}
EXPANSIONS = {"author_id", "attachments.poll_ids", "referenced_tweets.id",
              "in_reply_to_user_id", "referenced_tweets.id.author_id",
              "attachments.media_keys", "entities.mentions.username",
              "geo.place_id", "edit_history_tweet_ids"}


def _list_param(q, name, allowed):
    raw = q.get(name)
    if raw is None:
        return set()
    items = [x for x in raw.split(",")]
    for x in items:
        if x not in allowed:
            raise bad_param("The `%s` query parameter value [%s] is not one of [%s]"
                            % (name, x, ",".join(sorted(allowed))), name, raw)
    return set(items)


class Render:
    def __init__(self, store, q, raw=False):
        self.store = store
        self.raw = raw                    # /_fake/tweets: texts unescaped
        self.tf = _list_param(q, "tweet.fields", TWEET_FIELDS)
        self.uf = _list_param(q, "user.fields", USER_FIELDS)
        self.pf = _list_param(q, "poll.fields", POLL_FIELDS)
        self.ex = _list_param(q, "expansions", EXPANSIONS)
        _list_param(q, "media.fields", {"media_key", "type", "url",
                                        "duration_ms", "height", "width",
                                        "preview_image_url", "public_metrics",
                                        "alt_text", "variants"})
        _list_param(q, "place.fields", {"contained_within", "country",
                                        "country_code", "full_name", "geo",
                                        "id", "name", "place_type"})
        self.users = collections.OrderedDict()
        self.polls = collections.OrderedDict()
        self.ref_tweets = collections.OrderedDict()

    def tweet(self, tw, nested=False):
        st = self.store
        text = tw["text"] if self.raw else x_escape(tw["text"])
        out = {"id": str(tw["id"]), "text": text,
               "edit_history_tweet_ids": [str(i) for i in
                                          tw.get("edit_history") or [tw["id"]]]}
        tf = self.tf
        if not self.raw and weighted_length(tw["text"]) > LONG_POST:
            # a long post: text is cut; its whole text only in note_tweet
            out["text"] = x_escape(tw["text"][:LONG_POST - 5]) + "\u2026"
            if "note_tweet" in tf:
                out["note_tweet"] = {"text": text}
        if "created_at" in tf:
            out["created_at"] = iso(tw["created"])
        if "author_id" in tf or "author_id" in self.ex:
            out["author_id"] = tw["author_id"]
        for k in tw.get("omit") or ():    # a post X gives without a field
            out.pop(k, None)
        if "conversation_id" in tf:
            out["conversation_id"] = str(tw["conversation_id"])
        if "in_reply_to_user_id" in tf and tw["in_reply_to_user_id"]:
            out["in_reply_to_user_id"] = tw["in_reply_to_user_id"]
        refs = []
        if tw["retweet_of"] is not None:
            refs.append({"type": "retweeted", "id": str(tw["retweet_of"])})
        if tw.get("quote_of") is not None:
            refs.append({"type": "quoted", "id": str(tw["quote_of"])})
        if tw["in_reply_to_id"] is not None:
            refs.append({"type": "replied_to", "id": str(tw["in_reply_to_id"])})
        if refs and ("referenced_tweets" in tf or "referenced_tweets.id" in self.ex):
            out["referenced_tweets"] = refs
        if tw["poll"] and ("attachments" in tf or "attachments.poll_ids" in self.ex):
            out["attachments"] = {"poll_ids": [str(tw["poll"]["id"])]}
        if "lang" in tf:
            out["lang"] = "en"
        if "possibly_sensitive" in tf:
            out["possibly_sensitive"] = False
        if "reply_settings" in tf:
            out["reply_settings"] = "everyone"
        if "public_metrics" in tf:
            out["public_metrics"] = {"retweet_count": 0, "reply_count": 0,
                                     "like_count": 0, "quote_count": 0,
                                     "bookmark_count": 0, "impression_count": 0}
        if "entities" in tf:
            ents = {}
            tags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)}
                    for m in _HASHTAG.finditer(tw["text"])]
            if tags:
                ents["hashtags"] = tags
            ments = []
            for m in _MENTION.finditer(tw["text"]):
                e = {"start": m.start(), "end": m.end(), "username": m.group(1)}
                uid = st.by_username.get(m.group(1).casefold())
                if uid:
                    e["id"] = uid
                ments.append(e)
            if ments:
                ents["mentions"] = ments
            if tw.get("urls"):
                ents["urls"] = [dict(u) for u in tw["urls"]]
            if ents:
                out["entities"] = ents
        if not nested:
            if "author_id" in self.ex:
                self._user(tw["author_id"])
            if "in_reply_to_user_id" in self.ex and tw["in_reply_to_user_id"]:
                self._user(tw["in_reply_to_user_id"])
            if "attachments.poll_ids" in self.ex and tw["poll"]:
                self.polls[tw["poll"]["id"]] = tw
            if "referenced_tweets.id" in self.ex:
                for r in refs:
                    ref = st.tweets.get(int(r["id"]))
                    if ref is not None:
                        self.ref_tweets[ref["id"]] = ref
                        if "referenced_tweets.id.author_id" in self.ex:
                            self._user(ref["author_id"])
        return out

    def _user(self, uid):
        hidden = self.store.hidden_authors
        if uid and uid not in self.users and uid in self.store.users and \
                (self.raw or uid not in hidden):
            self.users[uid] = self.store.users[uid]

    def user(self, u):
        out = {"id": u["id"], "name": u["name"], "username": u["username"]}
        if "created_at" in self.uf:
            out["created_at"] = "2020-01-01T00:00:00.000Z"
        if "protected" in self.uf:
            out["protected"] = False
        if "verified" in self.uf:
            out["verified"] = False
        if "description" in self.uf:
            out["description"] = ""
        if "public_metrics" in self.uf:
            out["public_metrics"] = {"followers_count": 0, "following_count": 0,
                                     "tweet_count": 0, "listed_count": 0}
        return out

    def poll(self, tw):
        full = self.store.poll_view(tw)
        keep = (self.pf or set()) | {"id", "options"}
        return {k: v for k, v in full.items() if k in keep}

    def includes(self):
        inc = {}
        if self.users:
            inc["users"] = [self.user(u) for u in self.users.values()]
        if self.polls:
            inc["polls"] = [self.poll(tw) for tw in self.polls.values()]
        if self.ref_tweets:
            inc["tweets"] = [self.tweet(t, nested=True)
                             for t in self.ref_tweets.values()]
        return inc


# --------------------------------------------------------------------------
# The API handlers (called with a parsed request; return (status, body))

def _single(qs, allowed):
    q = {}
    for k, vals in qs.items():
        if k not in allowed:
            # as the real API: an unknown parameter is ignored (the tests
            # check every request against X's OpenAPI: x_openapi.py)
            continue
        if len(vals) > 1:
            raise bad_param("Duplicate parameter [%s]" % k, k, vals[0])
        q[k] = vals[0]
    return q


def _int_param(q, name, lo, hi, default):
    raw = q.get(name)
    if raw is None:
        return default
    if not re.fullmatch(r"\d{1,6}", raw) or not lo <= int(raw) <= hi:
        raise bad_param("The `%s` query parameter value [%s] is not between "
                        "%d and %d" % (name, raw, lo, hi), name, raw)
    return int(raw)


def _id_param(q, name):
    raw = q.get(name)
    if raw is None:
        return None
    if not re.fullmatch(r"\d{1,19}", raw):
        raise bad_param("The `%s` query parameter value [%s] does not match "
                        "^[0-9]{1,19}$" % (name, raw), name, raw)
    return int(raw)


def _time_param(q, name):
    raw = q.get(name)
    if raw is None:
        return None
    try:
        return parse_iso(raw)
    except ValueError:
        raise bad_param("Invalid '%s':'%s'. '%s' must be a valid RFC 3339 "
                        "date-time (YYYY-MM-DDTHH:mm:ssZ)." % (name, raw, name),
                        name, raw)


def _token_encode(tid):
    n = tid
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    s = ""
    while n:
        n, r = divmod(n, 36)
        s = digits[r] + s
    return "b26v89c19zqg8o3f" + (s or "0")


def _token_decode(tok, name):
    m = re.fullmatch(r"b26v89c19zqg8o3f([0-9a-z]{1,14})", tok or "")
    if not m:
        raise bad_param("The `%s` query parameter value [%s] is not valid"
                        % (name, tok), name, tok)
    return int(m.group(1), 36)


def _page(store, render, pred, q, max_results, token_name, now):
    """Newest first; since_id/until_id/start_time/end_time; returns body."""
    since = _id_param(q, "since_id")
    until = _id_param(q, "until_id")
    start = _time_param(q, "start_time")
    end = _time_param(q, "end_time")
    if start is not None and end is not None and start >= end:
        raise bad_param("Invalid 'start_time':'%s'. 'start_time' must be before "
                        "'end_time':'%s'" % (q["start_time"], q["end_time"]),
                        "start_time", q["start_time"])
    below = None
    if q.get(token_name) is not None:
        below = _token_decode(q[token_name], token_name)
    if until is not None:
        below = until if below is None else min(below, until)
    found = []
    more = False
    for tid in reversed(store.ids):
        if below is not None and tid >= below:
            continue
        if since is not None and tid <= since:
            break
        tw = store.tweets[tid]
        if start is not None and tw["created"] < start:
            continue
        if end is not None and tw["created"] >= end:
            continue
        if token_name == "next_token" and tw["created"] < now - 7 * 86400:
            continue
        if not pred(tw, store):
            continue
        if len(found) == max_results:
            more = True
            break
        found.append(tw)
    body = {}
    if found:
        body["data"] = [render.tweet(tw) for tw in found]
        inc = render.includes()
        if inc:
            body["includes"] = inc
    meta = {}
    if found:
        meta["newest_id"] = str(found[0]["id"])
        meta["oldest_id"] = str(found[-1]["id"])
    meta["result_count"] = len(found)
    if more:
        meta["next_token"] = _token_encode(found[-1]["id"])
    body["meta"] = meta
    return body


SEARCH_PARAMS = {"query", "start_time", "end_time", "since_id", "until_id",
                 "max_results", "next_token", "pagination_token", "sort_order",
                 "expansions", "tweet.fields", "user.fields", "poll.fields",
                 "media.fields", "place.fields"}
TIMELINE_PARAMS = {"since_id", "until_id", "max_results", "pagination_token",
                   "exclude", "start_time", "end_time", "expansions",
                   "tweet.fields", "user.fields", "poll.fields",
                   "media.fields", "place.fields"}
LOOKUP_PARAMS = {"ids", "expansions", "tweet.fields", "user.fields",
                 "poll.fields", "media.fields", "place.fields"}


def api_search(store, req):
    q = _single(req.qs, SEARCH_PARAMS)
    query = q.get("query")
    if not query:
        raise bad_param("The `query` query parameter can not be empty",
                        "query", query or "")
    if len(query) > 512:
        raise bad_param("The `query` query parameter value is too long (%d "
                        "characters, at most 512)" % len(query), "query", query)
    if q.get("sort_order", "recency") not in ("recency", "relevancy"):
        raise bad_param("The `sort_order` query parameter value [%s] is not one "
                        "of [recency,relevancy]" % q["sort_order"],
                        "sort_order", q["sort_order"])
    max_results = _int_param(q, "max_results", 10, 100, 10)
    try:
        pred = compile_query(query)
    except QueryError as e:
        raise bad_param("There were errors processing your request: %s" % e,
                        "query", query)
    if "next_token" in q and "pagination_token" in q:
        raise bad_param("Use either next_token or pagination_token",
                        "next_token", q["next_token"])
    if "pagination_token" in q:
        q["next_token"] = q.pop("pagination_token")
    with store.lock:
        render = Render(store, q)
        return 200, _page(store, render, pred, q, max_results, "next_token",
                          store.now())


def api_timeline(store, req, uid):
    q = _single(req.qs, TIMELINE_PARAMS)
    max_results = _int_param(q, "max_results", 5, 100, 10)
    exclude = _list_param(q, "exclude", {"retweets", "replies"})
    with store.lock:
        if uid not in store.users:
            return 200, {"errors": [{
                "value": uid, "detail": "Could not find user with id: [%s]." % uid,
                "title": "Not Found Error", "resource_type": "user",
                "parameter": "id", "resource_id": uid, "type": PROBLEM_NOT_FOUND}]}
        render = Render(store, q)

        def pred(tw, st):
            if tw["author_id"] != uid:
                return False
            if "retweets" in exclude and tw["retweet_of"] is not None:
                return False
            if "replies" in exclude and tw["in_reply_to_id"] is not None:
                return False
            return True
        return 200, _page(store, render, pred, q, max_results,
                          "pagination_token", store.now())


def _lookup(store, q, ids):
    with store.lock:
        render = Render(store, q)
        data, errors = [], []
        for raw in ids:
            tw = store.tweets.get(int(raw))
            if tw is None:
                errors.append({"value": raw,
                               "detail": "Could not find tweet with ids: [%s]." % raw,
                               "title": "Not Found Error", "resource_type": "tweet",
                               "parameter": "ids", "resource_id": raw,
                               "type": PROBLEM_NOT_FOUND})
            else:
                data.append(render.tweet(tw))
        body = {}
        if data:
            body["data"] = data
            inc = render.includes()
            if inc:
                body["includes"] = inc
        if errors:
            body["errors"] = errors
        return 200, body


def api_lookup(store, req):
    q = _single(req.qs, LOOKUP_PARAMS)
    raw = q.get("ids")
    if not raw:
        raise bad_param("The `ids` query parameter can not be empty", "ids", "")
    ids = raw.split(",")
    if len(ids) > 100:
        raise bad_param("The `ids` query parameter has more than 100 ids", "ids", raw)
    for i in ids:
        if not re.fullmatch(r"\d{1,19}", i):
            raise bad_param("The `ids` query parameter value [%s] does not match "
                            "^[0-9]{1,19}$" % i, "ids", i)
    return _lookup(store, q, ids)


def api_lookup_one(store, req, tid):
    q = _single(req.qs, LOOKUP_PARAMS - {"ids"})
    status, body = _lookup(store, q, [tid])
    if "data" in body:
        body["data"] = body["data"][0]
    return status, body


DM_FIELDS = {"id", "text", "event_type", "created_at", "dm_conversation_id",
             "sender_id", "participant_ids", "referenced_tweets", "attachments"}


def api_dm_events(store, req):
    """GET /2/dm_events: the account's direct message events, newest
    first (MessageCreate only in this fake), with the senders expanded."""
    q = _single(req.qs, {"max_results", "pagination_token", "event_types",
                         "dm_event.fields", "expansions", "user.fields",
                         "media.fields", "tweet.fields"})
    n = _int_param(q, "max_results", 1, 100, 100)
    fields = _list_param(q, "dm_event.fields", DM_FIELDS)
    types = _list_param(q, "event_types", {"MessageCreate", "ParticipantsJoin",
                                           "ParticipantsLeave"})
    exp = _list_param(q, "expansions", {"sender_id", "participant_ids",
                                        "referenced_tweets.id", "attachments.media_keys"})
    uf = _list_param(q, "user.fields", USER_FIELDS)
    with store.lock:
        evs = [e for e in reversed(store.dms) if not types or e["event_type"] in types][:n]
        data = []
        for e in evs:
            d = {"id": str(e["id"]), "event_type": e["event_type"]}
            for f in ("text", "dm_conversation_id", "sender_id"):
                if f in fields or f == "text":
                    d[f] = str(e[f])
            if "created_at" in fields:
                d["created_at"] = iso(e["created"])
            data.append(d)
        body = {"data": data, "meta": {"result_count": len(data)}}
        if "sender_id" in exp and evs:
            r = Render(store, {})
            r.uf = uf
            seen = []
            for e in evs:
                if e["sender_id"] not in seen:
                    seen.append(e["sender_id"])
            body["includes"] = {"users": [r.user(store.users[u]) for u in seen]}
        if not data:
            del body["data"]
        return 200, body


def api_me(store, req):
    q = _single(req.qs, {"expansions", "tweet.fields", "user.fields"})
    uf = _list_param(q, "user.fields", USER_FIELDS)
    with store.lock:
        r = Render(store, {})
        r.uf = uf
        return 200, {"data": r.user(store.users[store.host["id"]])}


def api_post(store, req):
    if req.qs:
        raise bad_param("POST /2/tweets takes no query parameters",
                        next(iter(req.qs)), "")
    ctype = req.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if ctype != "application/json":
        raise ApiError(415, problem(415, "Unsupported Media Type",
                                    "Content-Type must be application/json, "
                                    "not %r" % ctype))
    try:
        body = json.loads(req.body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise ApiError(400, invalid_request("Request body is not valid JSON: %s" % e))
    if not isinstance(body, dict):
        raise ApiError(400, invalid_request("Request body must be a JSON object"))
    allowed = {"text", "reply", "poll", "quote_tweet_id", "reply_settings",
               "for_super_followers_only", "media", "direct_message_deep_link",
               "geo", "nullcast"}
    for k in body:
        if k not in allowed:
            raise ApiError(400, invalid_request(
                "$.%s: is not defined in the schema and the schema does not "
                "allow additional properties" % k))
    text = body.get("text")
    if text is not None and not isinstance(text, str):
        raise ApiError(400, invalid_request("$.text: string expected"))
    reply_to = None
    if "reply" in body:
        r = body["reply"]
        if not isinstance(r, dict) or not isinstance(r.get("in_reply_to_tweet_id"), str) \
                or not re.fullmatch(r"\d{1,19}", r["in_reply_to_tweet_id"]):
            raise ApiError(400, invalid_request(
                "$.reply.in_reply_to_tweet_id: string of digits expected"))
        reply_to = int(r["in_reply_to_tweet_id"])
    poll = None
    if "poll" in body:
        p = body["poll"]
        if not isinstance(p, dict):
            raise ApiError(400, invalid_request("$.poll: object expected"))
        opts = p.get("options")
        dur = p.get("duration_minutes")
        if not isinstance(opts, list) or not 2 <= len(opts) <= 4 or not all(
                isinstance(o, str) and 1 <= len(o) <= 25 for o in opts):
            raise ApiError(400, invalid_request(
                "$.poll.options: 2 to 4 options of 1 to 25 characters expected"))
        if isinstance(dur, bool) or not isinstance(dur, int) or \
                not 5 <= dur <= 10080:
            raise ApiError(400, invalid_request(
                "$.poll.duration_minutes: integer between 5 and 10080 expected"))
        poll = {"options": opts, "duration_minutes": dur}
    if not text and not poll and "media" not in body:
        raise ApiError(400, invalid_request(
            "$.text: text is required when no media or poll is attached"))
    text = text or ""
    if weighted_length(text) > store.args.max_weight:
        raise ApiError(403, problem(403, "Forbidden",
                                    "Your Tweet text is too long. For more "
                                    "information on how X determines text length, "
                                    "see https://github.com/twitter/twitter-text."))
    with store.lock:
        if reply_to is not None and reply_to not in store.tweets:
            raise ApiError(403, problem(403, "Forbidden",
                                        "You attempted to reply to a Tweet that is "
                                        "deleted or not visible to you."))
        host_id = store.host["id"]
        if reply_to is not None and store.reply_rule and \
                not store.engaged(reply_to, host_id):
            raise ApiError(403, problem(403, "Forbidden", REPLY_RULE_DETAIL))
        if text and store.find_duplicate(host_id, text, store.args.dup_window):
            raise ApiError(403, problem(403, "Forbidden", DUPLICATE_DETAIL))
        tw = store.add_tweet(host_id, text, reply_to=reply_to, poll=poll)
        store.on_host_post(tw)
        return 201, {"data": {"id": str(tw["id"]), "text": tw["text"],
                              "edit_history_tweet_ids": [str(tw["id"])]}}


def api_delete(store, req, tid):
    with store.lock:
        tw = store.tweets.get(int(tid))
        deleted = tw is not None and tw["author_id"] == store.host["id"]
        if deleted:
            del store.tweets[tw["id"]]
            store.ids.remove(tw["id"])
        return 200, {"data": {"deleted": deleted}}


# route table: (method, regex, rate key, handler)
ROUTES = [
    ("POST", re.compile(r"/2/tweets"), "post", api_post),
    ("GET", re.compile(r"/2/tweets/search/recent"), "search", api_search),
    ("GET", re.compile(r"/2/tweets"), "lookup", api_lookup),
    ("GET", re.compile(r"/2/tweets/(\d{1,19})"), "lookup", api_lookup_one),
    ("DELETE", re.compile(r"/2/tweets/(\d{1,19})"), "delete", api_delete),
    ("GET", re.compile(r"/2/users/me"), "me", api_me),
    ("GET", re.compile(r"/2/users/(\d{1,19})/tweets"), "timeline", api_timeline),
    ("GET", re.compile(r"/2/dm_events"), "dm", api_dm_events),
]


def route(method, path):
    """-> (handler, rate key, args) or (None, None, allowed methods)."""
    allowed = []
    for m, rx, key, fn in ROUTES:
        mm = rx.fullmatch(path)
        if mm:
            if m == method:
                return fn, key, mm.groups()
            allowed.append(m)
    return None, None, allowed


# --------------------------------------------------------------------------
# HTTP

class Request:
    def __init__(self, method, path, raw_query, headers, body):
        self.method = method
        self.path = path
        self.raw_query = raw_query
        self.qs = {}
        for k, v in parse_form(raw_query):
            self.qs.setdefault(k, []).append(v)
        self.headers = headers
        self.body = body


def _json_bytes(obj):
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fakex/" + VERSION
    sys_version = ""
    store = None          # set by make_server
    verifier = None

    def version_string(self):
        return self.server_version

    def setup(self):
        super().setup()
        try:
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self.kernel_stamps = False
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
            self.kernel_stamps = True
        except (OSError, AttributeError):
            pass

    # Arrival time: when the kernel received the request's first bytes
    # (SO_TIMESTAMPNS, read with a MSG_PEEK before the request is parsed),
    # so that Python's own wake-up and parsing time is not counted against
    # the client. Where the kernel gives no stamp: as soon as the request
    # line and headers are parsed. (Clients are assumed not to pipeline
    # requests, as curl, requests and http.client do not.)
    def handle_one_request(self):
        self.kernel_arrival = None
        if self.kernel_stamps:
            try:
                data, anc, _, _ = self.connection.recvmsg(
                    1, socket.CMSG_SPACE(16), socket.MSG_PEEK)
                if not data:
                    self.close_connection = True
                    return
                for level, kind, payload in anc:
                    if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS \
                            and len(payload) >= 16:
                        sec, nsec = struct.unpack("qq", payload[:16])
                        # the kernel's real clock, on this process's
                        self.kernel_arrival = sec + nsec / 1e9 + KERNEL_OFFSET
            except (OSError, ValueError):
                pass
        super().handle_one_request()

    def parse_request(self):
        ok = super().parse_request()
        self.arrival_parsed = time.time()
        self.arrival = self.kernel_arrival or self.arrival_parsed
        self.kernel_arrival = None
        return ok

    def log_message(self, fmt, *a):
        log.debug("%s %s", self.address_string(), fmt % a)

    def do_GET(self):
        self.dispatch()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = do_GET

    # -- plumbing
    def _read_body(self):
        te = self.headers.get("Transfer-Encoding", "").lower()
        if "chunked" in te:
            chunks = []
            total = 0
            while True:
                line = self.rfile.readline(1024)
                size = int(line.split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass
                    break
                total += size
                if total > MAX_BODY:
                    raise ValueError("body too large")
                chunks.append(self.rfile.read(size))
                self.rfile.readline(1024)
            return b"".join(chunks)
        n = self.headers.get("Content-Length")
        if not n:
            return b""
        n = int(n)
        if n < 0 or n > MAX_BODY:
            raise ValueError("body too large")
        return self.rfile.read(n)

    def send(self, status, body=None, headers=None, raw=None,
             ctype="application/json; charset=utf-8"):
        data = raw if raw is not None else (b"" if body is None else _json_bytes(body))
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        if self.close_connection:
            self.send_header("Connection", "close")
        # Headers and body leave in one write (no Nagle/delayed-ACK stall).
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(data)
        self.flush_headers()

    def cut(self):
        self.close_connection = True
        try:
            self.wfile.flush()
        except OSError:
            pass
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _entry(self, body):
        hdrs = {}
        for k, v in self.headers.items():
            hdrs[k] = v if k not in hdrs else hdrs[k] + ", " + v
        path, _, query = self.path.partition("?")
        qd = {}
        for k, v in parse_form(query):
            qd.setdefault(k, []).append(v)
        return {"arrival": round(self.arrival, 6),
                "arrival_parsed": round(getattr(self, "arrival_parsed", self.arrival), 6),
                "client": "%s:%d" % self.client_address[:2],
                "method": self.command, "target": self.path, "path": path,
                "query": qd, "headers": hdrs,
                "body": body.decode("utf-8", "replace"),
                "verdict": None, "reason": None, "status": None, "fault": None}

    # -- the one entry point
    def dispatch(self):
        store = self.store
        try:
            try:
                body = self._read_body()
            except (ValueError, OSError):
                self.close_connection = True
                entry = self._entry(b"")
                entry.update(verdict="bad-request", status=413,
                             reason="unreadable or too large body")
                store.record(entry)
                self.send(413, problem(413, "Payload Too Large",
                                       "The request body is too large or unreadable."))
                return
            entry = self._entry(body)
            path = entry["path"]
            if path.startswith("/_fake/") or path == "/_fake":
                self.control(entry, body)
                return
            if path in ("/", "") or self.command == "HEAD":
                self.warm(entry, body)
                return
            self.api(entry, body)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:
            log.exception("internal error")
            self.close_connection = True
            try:
                self.send(500, problem(500, "Internal Server Error",
                                       "fakex failed; see its log."))
            except OSError:
                pass

    def warm(self, entry, body):
        auth = self.headers.get("Authorization")
        status = 200 if entry["path"] in ("/", "") else 404
        verdict = "unsigned"
        if auth:
            ok, reason = self._verify(entry, body)
            verdict = "ok" if ok else "rejected"
            entry["reason"] = None if ok else reason
            if not ok:
                status = 401
        payload = (problem(401, "Unauthorized", "Unauthorized") if status == 401
                   else {"fakex": "ok"} if status == 200
                   else problem(404, "Not Found", "Sorry, that page does not exist."))
        entry.update(verdict=verdict, status=status)
        self.store.record(entry)
        self.send(status, payload)

    def _verify(self, entry, body):
        path, _, query = self.path.partition("?")
        return self.verifier.verify(
            self.command, self.headers.get("Host") or
            "%s:%d" % self.server.server_address[:2],
            path, query, self.headers.get("Authorization"),
            self.headers.get("Content-Type"), body)

    def api(self, entry, body):
        store = self.store
        path = entry["path"]
        ok, reason = self._verify(entry, body)
        fn, key, args = route(self.command, path)
        rl_headers = {}
        if fn is None:
            if not ok:
                status, payload = 401, problem(401, "Unauthorized", "Unauthorized",
                                               reason=reason)
            elif args:
                status, payload = 405, problem(405, "Method Not Allowed",
                                               "Use %s for %s." % (" or ".join(args), path))
            else:
                status, payload = 404, problem(404, "Not Found",
                                               "Sorry, that page does not exist.")
            entry.update(verdict="ok" if ok else "rejected", status=status,
                         reason=None if ok else reason)
            store.record(entry)
            self.send(status, payload)
            return
        if not ok:
            entry.update(verdict="rejected", reason=reason, status=401)
            store.record(entry)
            log.info("401 %s %s: %s", self.command, path, reason)
            self.send(401, problem(401, "Unauthorized", "Unauthorized", reason=reason))
            return
        entry["verdict"] = "ok"
        fault = store.take_fault(self.command, path)
        req = Request(self.command, path, self.path.partition("?")[2],
                      self.headers, body)
        limit, remaining, reset, allowed = store.rate(key)
        rl_headers = {"x-rate-limit-limit": limit,
                      "x-rate-limit-remaining": remaining,
                      "x-rate-limit-reset": reset}
        if fault:
            entry["fault"] = fault["fault"]
            self.apply_fault(entry, fault, fn, req, args, rl_headers)
            return
        if not allowed:
            status, payload = 429, problem(429, "Too Many Requests",
                                           "Too Many Requests")
        else:
            status, payload = self.call(fn, req, args)
        entry["status"] = status
        store.record(entry)
        self.send(status, payload, rl_headers)

    def call(self, fn, req, args):
        try:
            return fn(self.store, req, *args)
        except ApiError as e:
            return e.status, e.body

    def apply_fault(self, entry, fault, fn, req, args, rl):
        store = self.store
        kind = fault["fault"]
        delay = float(fault["delay"] or 0)
        status = payload = None
        if fault["apply"] or kind == "slow":
            status, payload = self.call(fn, req, args)
        if kind == "slow":
            entry.update(status=status, reason="slow %.3fs" % delay)
            store.record(entry)
            store.stop.wait(delay)
            self.send(status, payload, rl)
            return
        if kind == "cut":
            entry.update(status=None, reason="connection cut")
            store.record(entry)
            if delay:
                store.stop.wait(delay)
            self.cut()
            return
        if kind == "timeout":
            entry.update(status=None, reason="held %.3fs then cut" % delay)
            store.record(entry)
            store.stop.wait(delay)
            self.cut()
            return
        if kind == "malformed":
            entry.update(status=200, reason="malformed JSON")
            store.record(entry)
            if delay:
                store.stop.wait(delay)
            self.send(200, raw=b'{"data":{"id":"1234567890123456789","text":"hal',
                      headers=rl)
            return
        if kind == "partial":
            # the answer, and errors[] beside its data
            if isinstance(payload, dict):
                payload = dict(payload)
                payload["errors"] = [{
                    "value": "1", "detail": "Could not find tweet with ids: [1].",
                    "title": "Not Found Error", "resource_type": "tweet",
                    "parameter": "ids", "resource_id": "1",
                    "type": PROBLEM_NOT_FOUND}]
            entry.update(status=status, reason="errors beside data")
            store.record(entry)
            self.send(status, payload, rl)
            return
        if kind == "duplicate":
            st, payload = 403, problem(403, "Forbidden", DUPLICATE_DETAIL)
        elif kind == "forbidden":
            st, payload = 403, problem(403, "Forbidden", FORBIDDEN_DETAIL)
        elif kind == "credits":
            st, payload = 402, problem(402, "Payment Required", CREDITS_DETAIL)
        elif kind == "usage-cap":
            rl = dict(rl)
            if fault["reset_in"]:
                rl["x-rate-limit-reset"] = int(store.now() + float(fault["reset_in"]))
            st, payload = 429, problem(429, "UsageCapExceeded",
                                       "Usage cap exceeded: Monthly product cap",
                                       PROBLEM_USAGE_CAP, period="Monthly",
                                       scope="Product")
        elif kind == "429":
            rl = dict(rl)
            rl["x-rate-limit-remaining"] = 0
            rl["x-rate-limit-reset"] = int(store.now() + float(fault["reset_in"]))
            st, payload = 429, problem(429, "Too Many Requests", "Too Many Requests")
        else:
            st = int(kind)
            reason = http.HTTPStatus(st).phrase if st in http.HTTPStatus._value2member_map_ \
                else "Error"
            payload = problem(st, reason, "%s (injected by fakex)" % reason)
            if st == 503:
                rl = dict(rl)
                rl["Retry-After"] = int(fault["reset_in"] or 1)
        entry.update(status=st)
        store.record(entry)
        if delay:
            store.stop.wait(delay)
        self.send(st, payload, rl)

    # -- control endpoints (unsigned)
    def control(self, entry, body):
        store = self.store
        path = entry["path"]
        m = self.command
        entry["verdict"] = "control"
        status, payload = 200, None
        try:
            data = json.loads(body.decode("utf-8")) if body.strip() else None
        except (UnicodeDecodeError, ValueError) as e:
            data = None
            status, payload = 400, problem(400, "Bad Request", "body is not JSON: %s" % e)
        if payload is None:
            try:
                status, payload = self._control(m, path, data, entry)
            except ValueError as e:
                status, payload = 400, problem(400, "Bad Request", str(e))
        entry["status"] = status
        store.record(entry)
        self.send(status, payload)

    def _control(self, m, path, data, entry):
        store = self.store
        q = {k: v[-1] for k, v in entry["query"].items()}
        if path == "/_fake/requests" and m == "GET":
            since = int(q.get("since", "0") or 0)
            with store.lock:
                reqs = [r for r in store.requests if r["seq"] > since and
                        (not q.get("path") or r["path"] == q["path"]) and
                        (not q.get("method") or r["method"] == q["method"].upper())]
            return 200, {"requests": reqs}
        if path == "/_fake/tweets" and m == "GET":
            with store.lock:
                r = Render(store, {"tweet.fields": "created_at,author_id,"
                                   "conversation_id,in_reply_to_user_id,"
                                   "referenced_tweets,attachments",
                                   "expansions": "author_id"}, raw=True)
                data_out = []
                for tid in store.ids:
                    tw = store.tweets[tid]
                    t = r.tweet(tw)
                    t["username"] = store.users[tw["author_id"]]["username"]
                    if tw["poll"]:
                        t["poll"] = store.poll_view(tw)
                    data_out.append(t)
                return 200, {"data": data_out,
                             "includes": {"users": [r.user(u) for u in store.users.values()]}}
        if path == "/_fake/tweets" and m == "POST":
            return 201, {"data": self._inject(data)}
        if path == "/_fake/dm" and m == "POST":
            # a direct message to the host account (or from it, "from_host")
            if not isinstance(data, dict) or not isinstance(data.get("text"), str):
                raise ValueError('give {"username": ..., "text": ...}')
            with store.lock:
                host = str(store.host["id"])
                other = store.add_user(data.get("username") or "dm_user")["id"]
                sender = host if data.get("from_host") else other
                now = store.now()
                ev = {"id": store._new_id(now, True), "event_type": "MessageCreate",
                      "text": data["text"], "sender_id": sender, "created": now,
                      "dm_conversation_id": "%s-%s" % tuple(sorted([str(host), str(other)]))}
                store.dms.append(ev)
            return 201, {"data": {"id": str(ev["id"]), "dm_conversation_id":
                                  ev["dm_conversation_id"]}}
        if path == "/_fake/rules" and m == "POST":
            if not isinstance(data, dict) or not isinstance(data.get("reply_rule"), bool):
                raise ValueError('give {"reply_rule": true|false}')
            with store.lock:
                store.reply_rule = data["reply_rule"]
            return 200, {"reply_rule": store.reply_rule}
        if path == "/_fake/faults":
            if m == "GET":
                with store.lock:
                    return 200, {"faults": list(store.faults)}
            if m == "DELETE":
                with store.lock:
                    store.faults = []
                return 200, {"faults": []}
            if m == "POST":
                replace = isinstance(data, dict) and data.get("replace")
                faults = load_faults(data)
                with store.lock:
                    if replace:
                        store.faults = []
                    store.faults.extend(faults)
                    return 200, {"faults": list(store.faults)}
        if path == "/_fake/reset" and m == "POST":
            store.reset()
            self.verifier.reset()
            return 200, {"reset": True}
        if path == "/_fake/time":
            if m == "POST":
                data = data or {}
                with store.lock:
                    if "now" in data:
                        store.offset = parse_time_value(data["now"]) - time.time()
                    elif "advance" in data:
                        a = data["advance"]
                        if isinstance(a, bool) or not isinstance(a, (int, float)):
                            raise ValueError("advance must be seconds")
                        store.offset += a
                    elif data.get("real"):
                        store.offset = 0.0
                    else:
                        raise ValueError('give {"now": T}, {"advance": S} or {"real": true}')
                    store.cond.notify_all()
            if m in ("GET", "POST"):
                now = store.now()
                return 200, {"now": now, "iso": iso(now), "offset": store.offset}
        if path == "/_fake/votes" and m == "POST":
            if not isinstance(data, dict):
                raise ValueError('give {"tweet_id": ID, "votes": [..]}')
            with store.lock:
                tid = int(str(data.get("tweet_id", "0")) or 0)
                tw = store.tweets.get(tid)
                if tw is None or not tw["poll"]:
                    raise ValueError("no post with a poll has id %s" % tid)
                v = data.get("votes")
                if v is None:
                    store.pinned_votes.pop(tid, None)
                else:
                    if not isinstance(v, list) or not all(isinstance(x, int) for x in v):
                        raise ValueError("votes must be a list of counts")
                    store.pinned_votes[tid] = v
                return 200, {"poll": store.poll_view(tw)}
        if path == "/_fake/participants" and m == "POST":
            if not isinstance(data, dict):
                raise ValueError("give a participants script object or {\"enabled\": false}")
            with store.lock:
                if data.get("enabled") is False:
                    store.participants = None
                else:
                    script = data.get("script", data)
                    if set(script) <= {"enabled", "default"}:
                        script = DEFAULT_PARTICIPANTS
                    store.participants = validate_participants(script)
                    for u in script.get("users", []):
                        store.add_user(u["username"], u.get("name"), u.get("id"))
                store.phase = "idle"
                return 200, {"enabled": store.participants is not None}
        if path == "/_fake/config" and m == "GET":
            return 200, {"host": store.host, "speed": store.speed,
                         "limits": store.limits,
                         "consumer_key": self.verifier.consumer_key,
                         "token": self.verifier.token,
                         "max_skew": self.verifier.max_skew,
                         "participants": store.participants is not None,
                         "port": self.server.server_address[1]}
        if path == "/_fake/users" and m == "GET":
            with store.lock:
                return 200, {"data": list(store.users.values())}
        return 404, problem(404, "Not Found", "no control endpoint %s %s" % (m, path))

    def _inject(self, data):
        store = self.store
        if isinstance(data, dict) and "tweets" in data:
            data = data["tweets"]
        if isinstance(data, dict):
            data = [data]
        if not isinstance(data, list) or not data:
            raise ValueError('give {"tweets": [{"username", "text", ...}]}')
        out = []
        with store.lock:
            for i, t in enumerate(data):
                where = "tweets[%d]" % i
                if not isinstance(t, dict):
                    raise ValueError("%s: must be an object" % where)
                if t.get("author_id") is not None:
                    uid = str(t["author_id"])
                    if uid not in store.users:
                        raise ValueError("%s: unknown author_id %s" % (where, uid))
                elif isinstance(t.get("username"), str) and t["username"]:
                    uid = store.add_user(t["username"], t.get("name"))["id"]
                else:
                    raise ValueError("%s: needs \"username\" or \"author_id\"" % where)
                text = t.get("text")
                rt = t.get("retweet_of")
                if rt is not None:
                    rt = int(rt)
                    orig = store.tweets.get(rt)
                    if orig is None:
                        raise ValueError("%s: retweet_of %s does not exist" % (where, rt))
                    text = text or "RT @%s: %s" % (
                        store.users[orig["author_id"]]["username"], orig["text"])
                if not isinstance(text, str):
                    raise ValueError("%s: needs \"text\"" % where)
                created = None
                if t.get("created_at") is not None:
                    created = parse_time_value(t["created_at"])
                reply = t.get("in_reply_to")
                if reply is not None:
                    reply = int(reply)
                    if reply not in store.tweets:
                        raise ValueError("%s: in_reply_to %s does not exist" % (where, reply))
                conv = t.get("conversation_id")
                conv = int(conv) if conv is not None else None
                poll = t.get("poll")
                if poll is not None:
                    if not isinstance(poll, dict) or not isinstance(poll.get("options"), list):
                        raise ValueError("%s: poll needs options" % where)
                    poll = {"options": poll["options"],
                            "duration_minutes": int(poll.get("duration_minutes", 60))}
                edit_of = t.get("edit_of")
                if edit_of is not None:
                    orig = store.tweets.get(int(edit_of))
                    if orig is None or orig["author_id"] != uid:
                        raise ValueError("%s: edit_of %s is not a post of this author"
                                         % (where, edit_of))
                    reply = orig["in_reply_to_id"]
                    conv = orig["conversation_id"]
                quote = t.get("quote_of")
                if quote is not None and int(quote) not in store.tweets:
                    raise ValueError("%s: quote_of %s does not exist" % (where, quote))
                tw = store.add_tweet(uid, text, created=created, reply_to=reply,
                                     retweet_of=rt, poll=poll, conversation_id=conv,
                                     live=created is None, shorten=True)
                if quote is not None:
                    tw["quote_of"] = int(quote)   # a quote post
                if edit_of is not None:
                    # X: every version lists the chain, oldest first
                    chain = orig.get("edit_history") or [orig["id"]]
                    chain.append(tw["id"])
                    for v in chain:
                        store.tweets[v]["edit_history"] = chain
                omit = t.get("omit") or []
                if not isinstance(omit, list) or not set(omit) <= {"text", "created_at"}:
                    raise ValueError('%s: omit is a list of "text", "created_at"' % where)
                tw["omit"] = list(omit)
                if t.get("hide_author"):
                    store.hidden_authors.add(uid)
                if uid == store.host["id"] and t.get("trigger", False):
                    store.on_host_post(tw)
                out.append({"id": str(tw["id"]), "text": tw["text"],
                            "author_id": uid, "created_at": iso(tw["created"]),
                            "conversation_id": str(tw["conversation_id"])})
        return out


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True
    request_queue_size = 64


# --------------------------------------------------------------------------
# Command line

def _read_json(path, what):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except OSError as e:
        raise ValueError("cannot read %s file %s: %s" % (what, path, e.strerror))
    except ValueError as e:
        raise ValueError("%s file %s is not valid JSON: %s" % (what, path, e))


def parse_args(argv):
    env = os.environ.get
    p = argparse.ArgumentParser(
        prog="fakex.py",
        description="A local fake X API v2 server for chathost's tests and demo.")
    p.add_argument("--port", type=int, default=int(env("FAKEX_PORT", "0")),
                   help="TCP port on 127.0.0.1 (0: pick a free one; default 0)")
    p.add_argument("--port-file", help="write the bound port here (atomically)")
    p.add_argument("--record", help="append every request as JSON Lines to FILE")
    p.add_argument("--keep-requests", type=int, default=100000,
                   help="requests kept in memory for GET /_fake/requests")
    p.add_argument("--consumer-key", default=env("FAKEX_CONSUMER_KEY", "ck"))
    p.add_argument("--consumer-secret", default=env("FAKEX_CONSUMER_SECRET", "cs"))
    p.add_argument("--token", default=env("FAKEX_TOKEN", "at"))
    p.add_argument("--token-secret", default=env("FAKEX_TOKEN_SECRET", "ats"))
    p.add_argument("--max-skew", type=int, default=300,
                   help="reject oauth_timestamp further off than this many "
                        "seconds (0: no check; default 300)")
    p.add_argument("--sign-scheme", default="http", choices=("http", "https"),
                   help="scheme used in the signature base string (default http)")
    p.add_argument("--host-username", default="chathost_demo")
    p.add_argument("--host-name", default="Chathost Demo")
    p.add_argument("--host-id", default="1700000000000000001")
    p.add_argument("--hashtag", default=None,
                   help="hashtag participants use (default: the first one in "
                        "the host's post)")
    p.add_argument("--participants", metavar="FILE",
                   help="scripted participants (JSON); see README")
    p.add_argument("--auto-answer", action="store_true",
                   help="use the built-in participants script")
    p.add_argument("--speed", type=float, default=60.0,
                   help="time compression: 1 chat minute = 60/SPEED seconds "
                        "(default 60, like chathost run --rehearse)")
    p.add_argument("--poll-votes", metavar="FILE", help="poll vote script (JSON)")
    p.add_argument("--faults", metavar="FILE", help="faults queued at start (JSON)")
    p.add_argument("--rate-limit", action="append", default=[], metavar="KEY=N",
                   help="per-15-minute limit for post, delete, search, lookup, "
                        "me, timeline (repeatable)")
    p.add_argument("--post-limit", type=int, help="same as --rate-limit post=N")
    p.add_argument("--search-limit", type=int,
                   help="same as --rate-limit search=N")
    p.add_argument("--reply-rule", action="store_true",
                   help="X's reply rule: a reply only where the author of the "
                        "post replied to mentioned or quoted the account")
    p.add_argument("--dup-window", type=float, default=86400.0,
                   help="seconds within which the same text is a duplicate")
    p.add_argument("--max-weight", type=int, default=280,
                   help="longest post (twitter-text weighted length)")
    p.add_argument("--idle-timeout", type=float, default=300.0,
                   help="close a keep-alive connection idle this long (s)")
    p.add_argument("--log-level", default="warning",
                   choices=("debug", "info", "warning", "error"))
    p.add_argument("--version", action="version", version="fakex " + VERSION)
    a = p.parse_args(argv)
    if not 0 <= a.port <= 65535:
        p.error("--port must be 0..65535")
    if a.speed <= 0:
        p.error("--speed must be > 0")
    if a.max_skew < 0:
        p.error("--max-skew must be >= 0")
    limits = {}
    for item in a.rate_limit:
        k, _, v = item.partition("=")
        if k not in RATE_KEYS or not v.isdigit():
            p.error("--rate-limit %r: expected KEY=N with KEY one of %s" %
                    (item, ", ".join(RATE_KEYS)))
        limits[k] = int(v)
    if a.post_limit is not None:
        limits["post"] = a.post_limit
    if a.search_limit is not None:
        limits["search"] = a.search_limit
    a.rate_limits = limits
    a.participants_script = None
    try:
        if a.participants:
            script = _read_json(a.participants, "participants")
            try:
                a.participants_script = validate_participants(script)
            except ValueError as e:
                raise ValueError("participants file %s: %s" % (a.participants, e))
        elif a.auto_answer:
            a.participants_script = DEFAULT_PARTICIPANTS
        a.poll_votes_script = validate_poll_votes(
            _read_json(a.poll_votes, "poll-votes")) if a.poll_votes \
            else DEFAULT_POLL_VOTES
        a.initial_faults = load_faults(_read_json(a.faults, "faults")) \
            if a.faults else []
    except ValueError as e:
        p.error(str(e))
    return a


_URL = re.compile(r"https?://[^\s]+")


def tco_shorten(text):
    """X's link wrapping: each URL in text becomes a t.co link (23
    characters); returns (text, entities.urls), the positions in code
    points of the new text."""
    out, urls, pos = [], [], 0
    for m in _URL.finditer(text):
        out.append(text[pos:m.start()])
        url = m.group(0)
        tco = "https://t.co/" + hashlib.sha256(url.encode()).hexdigest()[:10]
        start = len("".join(out))
        out.append(tco)
        disp = re.sub(r"^https?://(www\.)?", "", url)
        urls.append({"start": start, "end": start + len(tco), "url": tco,
                     "expanded_url": url,
                     "display_url": disp[:25] + ("\u2026" if len(disp) > 25 else "")})
        pos = m.end()
    out.append(text[pos:])
    return "".join(out), urls


def write_port_file(path, port):
    tmp = "%s.tmp.%d" % (path, os.getpid())
    with open(tmp, "w") as f:
        f.write("%d\n" % port)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def make_server(args):
    store = Store(args)
    verifier = OAuthVerifier(args.consumer_key, args.consumer_secret,
                             args.token, args.token_secret,
                             max_skew=args.max_skew, scheme=args.sign_scheme)
    handler = type("BoundHandler", (Handler,),
                   {"store": store, "verifier": verifier,
                    "timeout": args.idle_timeout})
    server = Server(("127.0.0.1", args.port), handler)
    return server, store


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=getattr(logging, args.log_level.upper()),
                        format="fakex %(levelname)s: %(message)s")
    try:
        server, store = make_server(args)
    except OSError as e:
        print("fakex: cannot listen on 127.0.0.1:%d: %s" % (args.port, e.strerror),
              file=sys.stderr)
        return 1
    port = server.server_address[1]
    done = threading.Event()

    def on_signal(signum, frame):
        done.set()
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    timers = threading.Thread(target=store.timer_loop, name="timers", daemon=True)
    timers.start()
    serving = threading.Thread(target=server.serve_forever,
                               kwargs={"poll_interval": 0.2}, daemon=True)
    serving.start()
    if args.port_file:
        write_port_file(args.port_file, port)
    log.warning("listening on http://127.0.0.1:%d", port)
    while not done.wait(1.0):
        pass
    log.info("shutting down")
    store.stop.set()
    with store.lock:
        store.cond.notify_all()
    server.shutdown()
    server.server_close()
    timers.join(2)
    if store.record_file:
        with store.lock:
            store.record_file.close()
            store.record_file = None
    if args.port_file:
        try:
            os.unlink(args.port_file)
        except OSError:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
