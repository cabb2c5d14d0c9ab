"""cassette.py - the recorded interactions of a real Mastodon 4.6.4 server.

At run time the suite reads tests/facts/mastodon-4.6.4-recorded.facts.json:
per interaction the method, path, status, the Link, X-RateLimit-* and
Content-Type headers, and the body's shape (texts, names and ids replaced).
scripts/shared-facts writes that file from the VCR cassettes of
Mastodon.py's test suite (the project's shared/peers/mastodon-py/*.yaml), read by
load() with the standard library only: the cassettes are YAML of one fixed
shape, and load() reads that shape (plain and single-quoted scalars, folded
over lines), not YAML in general.
"""
import json
import os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FACTS = os.path.join(ROOT, "tests", "facts", "mastodon-4.6.4-recorded.facts.json")


def _scalar(lines, i, first):
    """The scalar starting with text first (after 'key: ') at line i; returns
    (value, next line index)."""
    if not first.startswith("'"):
        return first, i + 1
    parts, s = [], first[1:]
    while True:
        # a closing quote is a single ' not doubled
        j, out = 0, []
        while j < len(s):
            if s[j] == "'":
                if j + 1 < len(s) and s[j + 1] == "'":
                    out.append("'")
                    j += 2
                    continue
                parts.append("".join(out))
                return _fold(parts), i + 1
            out.append(s[j])
            j += 1
        parts.append("".join(out))
        i += 1
        s = lines[i].strip()


def _fold(parts):
    """YAML folding: a line break is a space, an empty line a newline."""
    out = ""
    for k, p in enumerate(parts):
        if k == 0:
            out = p
        elif p == "":
            out += "\n"
        else:
            out += ("" if out.endswith("\n") else " ") + p
    return out


def load(path):
    """The interactions of one cassette, as dicts: method, uri, body
    (request), status, headers (lowercased name -> list of values), text
    (response body)."""
    with open(path, encoding="utf-8") as f:
        lines = f.read().split("\n")
    out, cur, section, hdr = [], None, None, None
    i = 0
    while i < len(lines):
        line = lines[i]
        st = line.strip()
        if line.startswith("- request:"):
            cur = {"headers": {}, "body": None}
            out.append(cur)
            section, i = "request", i + 1
            continue
        if cur is None:
            i += 1
            continue
        if st == "response:":
            section, i = "response", i + 1
            continue
        if st == "headers:" and section == "response":
            section, i = "rheaders", i + 1
            continue
        if section == "request" and st.startswith("body: "):
            v, i = _scalar(lines, i, st[6:])
            cur["body"] = None if v == "null" else v
            continue
        if section == "request" and st.startswith("method: "):
            cur["method"] = st[8:]
        elif section == "request" and st.startswith("uri: "):
            cur["uri"] = st[5:]
        elif section == "response" and st.startswith("string: "):
            cur["text"], i = _scalar(lines, i, st[8:])
            continue
        elif section in ("response", "rheaders") and st.startswith("code: "):
            cur["status"] = int(st[6:])
        elif section == "rheaders" and st.endswith(":") and line.startswith("      ") \
                and not line.startswith("        "):
            hdr = st[:-1].lower()
            cur["headers"][hdr] = []
        elif section == "rheaders" and st.startswith("- ") and hdr:
            ind = len(line) - len(line.lstrip())
            v, i = _scalar(lines, i, st[2:])
            # a plain scalar goes on over deeper-indented lines
            while not st[2:].startswith("'") and i < len(lines) and \
                    len(lines[i]) - len(lines[i].lstrip()) > ind + 1 and \
                    not lines[i].strip().startswith("- "):
                v += " " + lines[i].strip()
                i += 1
            cur["headers"][hdr].append(v)
            continue
        elif section == "rheaders" and line.startswith("    ") and not line.startswith("      "):
            section = "response"
            continue
        i += 1
    return out


def all_interactions():
    """The recorded interactions, as the facts file holds them."""
    with open(FACTS, encoding="utf-8") as f:
        return json.load(f)["interactions"]


def json_of(it):
    return it.get("json")


def _kind(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, (int, float)):
        return "number"
    return type(v).__name__


def shape_problems(recorded, got, where="$"):
    """Where got differs in shape from recorded: a field recorded and
    missing, or of another JSON type (null matches anything: the field is
    nullable). Lists compare their first elements."""
    probs = []
    if recorded is None or got is None:
        return probs
    if _kind(recorded) != _kind(got):
        return ["%s: %s recorded, %s served" % (where, _kind(recorded), _kind(got))]
    if isinstance(recorded, dict):
        for k, v in recorded.items():
            if k not in got:
                probs.append("%s.%s: missing" % (where, k))
            else:
                probs += shape_problems(v, got[k], "%s.%s" % (where, k))
    elif isinstance(recorded, list) and recorded and got:
        probs += shape_problems(recorded[0], got[0], where + "[0]")
    return probs


def recorded(method, path_re):
    """The JSON of the first recorded 2xx answer to method on a path
    matching path_re, and its headers."""
    import re
    for it in all_interactions():
        path = it.get("path", "")
        if it.get("method") == method and re.search(path_re, path) and \
                200 <= it.get("status", 0) < 300 and json_of(it) not in (None, [], {}):
            return json_of(it), it["headers"]
    return None, None
