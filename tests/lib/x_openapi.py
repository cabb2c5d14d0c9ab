"""x_openapi.py - checks the requests the bot sent to the fake X API (its
--record file) against X's OpenAPI description of API v2
(its facts in tests/facts/x-openapi-2.166.facts.json, written by
scripts/shared-facts from X's x-api-v2-openapi-2.166.json, the edition with
the long-standing field names): the path and the method exist; each query
parameter is one the operation declares, and its value (a comma-separated
list where the parameter is an array) holds to its schema: type, enum,
pattern, length, range, date-time; the JSON body holds to the request
body's schema (no property it does not declare, where it says so).

The fake answers unknown parameters with 200, as the real API does: the
strictness is here, so that a request X would not understand is caught."""
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = os.path.join(ROOT, "tests", "facts", "x-openapi-2.166.facts.json")
_spec = None


def load():
    global _spec
    if _spec is None:
        with open(SPEC) as f:
            _spec = json.load(f)
    return _spec


def _resolve(spec, sch):
    while isinstance(sch, dict) and "$ref" in sch:
        parts = sch["$ref"].lstrip("#/").split("/")
        node = spec
        for p in parts:
            node = node[p]
        sch = node
    return sch


_DATE_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _check_scalar(sch, v, where, probs):
    t = sch.get("type")
    if t == "integer":
        if isinstance(v, str):
            if not re.match(r"^-?\d+$", v):
                probs.append("%s: %r is not an integer" % (where, v))
                return
            v = int(v)
        elif not isinstance(v, int) or isinstance(v, bool):
            probs.append("%s: %r is not an integer" % (where, v))
            return
        if "minimum" in sch and v < sch["minimum"]:
            probs.append("%s: %d is below %s" % (where, v, sch["minimum"]))
        if "maximum" in sch and v > sch["maximum"]:
            probs.append("%s: %d is above %s" % (where, v, sch["maximum"]))
    elif t == "boolean":
        if v not in (True, False, "true", "false"):
            probs.append("%s: %r is not a boolean" % (where, v))
    elif t == "string":
        if not isinstance(v, str):
            probs.append("%s: %r is not a string" % (where, v))
            return
        if "enum" in sch and v not in sch["enum"]:
            probs.append("%s: %r is not one of %s" % (where, v, sch["enum"]))
        if "pattern" in sch and not re.search(sch["pattern"], v):
            probs.append("%s: %r does not match %s" % (where, v, sch["pattern"]))
        if "minLength" in sch and len(v) < sch["minLength"]:
            probs.append("%s: %r is shorter than %d" % (where, v, sch["minLength"]))
        if "maxLength" in sch and len(v) > sch["maxLength"]:
            probs.append("%s: longer than %d" % (where, sch["maxLength"]))
        if sch.get("format") == "date-time" and not _DATE_TIME.match(v):
            probs.append("%s: %r is not an RFC 3339 date-time" % (where, v))


def check_value(spec, sch, v, where, probs):
    """v (parsed JSON, or a query string) against the schema sch."""
    sch = _resolve(spec, sch)
    for sub in sch.get("allOf", []):
        check_value(spec, sub, v, where, probs)
    for key in ("oneOf", "anyOf"):
        if key in sch:
            tries = []
            for sub in sch[key]:
                p = []
                check_value(spec, sub, v, where, p)
                tries.append(p)
            if not any(not p for p in tries):
                probs.append("%s: matches none of its %s: %s" % (where, key, tries[0][:1]))
    t = sch.get("type")
    if t == "object" or (t is None and "properties" in sch):
        if not isinstance(v, dict):
            probs.append("%s: %r is not an object" % (where, v))
            return
        props = sch.get("properties", {})
        for name in sch.get("required", []):
            if name not in v:
                probs.append("%s: %s is required" % (where, name))
        for name, val in v.items():
            if name in props:
                check_value(spec, props[name], val, "%s.%s" % (where, name), probs)
            elif sch.get("additionalProperties") is False:
                probs.append("%s: %s is not a property it declares" % (where, name))
    elif t == "array":
        if not isinstance(v, list):
            probs.append("%s: %r is not an array" % (where, v))
            return
        if "minItems" in sch and len(v) < sch["minItems"]:
            probs.append("%s: fewer than %d items" % (where, sch["minItems"]))
        if "maxItems" in sch and len(v) > sch["maxItems"]:
            probs.append("%s: more than %d items" % (where, sch["maxItems"]))
        if sch.get("uniqueItems") and len(set(map(json.dumps, v))) != len(v):
            probs.append("%s: items repeat" % where)
        for i, item in enumerate(v):
            check_value(spec, sch.get("items", {}), item, "%s[%d]" % (where, i), probs)
    elif t is not None:
        _check_scalar(sch, v, where, probs)


def _template(spec, path):
    """The path template of path, and its path parameters' values."""
    best = None
    for tpl in spec["paths"]:
        names = re.findall(r"\{([^}]+)\}", tpl)
        rx = "^" + re.sub(r"\{[^}]+\}", "([^/]+)", tpl) + "$"
        m = re.match(rx, path)
        # a literal segment wins over a parameter (/2/users/me, not {id})
        if m and (best is None or len(names) < len(best[1])):
            best = (tpl, dict(zip(names, m.groups())))
    return best


def _params(spec, path_item, op):
    out = {}
    for p in path_item.get("parameters", []) + op.get("parameters", []):
        p = _resolve(spec, p)
        out[(p["in"], p["name"])] = p
    return out


def check(req, spec=None):
    """The problems of one recorded request (a list of strings)."""
    spec = spec or load()
    method, path = req["method"], req["path"]
    found = _template(spec, path)
    if not found:
        return ["%s %s: no such path in X's OpenAPI" % (method, path)]
    tpl, pvals = found
    item = spec["paths"][tpl]
    op = item.get(method.lower())
    if op is None:
        return ["%s %s: no such method" % (method, tpl)]
    where = "%s %s" % (method, tpl)
    probs = []
    params = _params(spec, item, op)
    for name, val in pvals.items():
        p = params.get(("path", name))
        if p:
            check_value(spec, p.get("schema", {}), val, "%s path %s" % (where, name), probs)
    query = req.get("query") or {}
    for name, vals in query.items():
        p = params.get(("query", name))
        if not p:
            probs.append("%s: query parameter %s is not declared" % (where, name))
            continue
        if len(vals) > 1:
            probs.append("%s: query parameter %s is repeated" % (where, name))
        sch = _resolve(spec, p.get("schema", {}))
        for v in vals:
            if sch.get("type") == "array" and p.get("explode", True) is False:
                v = v.split(",")
            check_value(spec, sch, v, "%s %s" % (where, name), probs)
    for (loc, name), p in params.items():
        if loc == "query" and p.get("required") and name not in query:
            probs.append("%s: query parameter %s is required" % (where, name))
    body = op.get("requestBody")
    if body:
        raw = req.get("body") or ""
        sch = (body.get("content", {}).get("application/json") or {}).get("schema")
        try:
            doc = json.loads(raw) if raw else None
        except ValueError:
            probs.append("%s: the body is not JSON" % where)
            doc = None
        if doc is None and body.get("required"):
            probs.append("%s: a JSON body is required" % where)
        elif doc is not None and sch:
            check_value(spec, sch, doc, "%s body" % where, probs)
    return probs


def check_record(path, spec=None):
    """The problems of every API request the record file holds (the
    unsigned warm-ups and the fake's own /_fake/ requests left out).
    Returns (requests checked, problems)."""
    spec = spec or load()
    n, probs = 0, []
    if not os.path.exists(path):
        return 0, []
    with open(path) as f:
        for line in f:
            try:
                r = json.loads(line)
            except ValueError:
                continue
            if not r.get("path", "").startswith("/2/") or r.get("verdict") == "unsigned":
                continue
            n += 1
            for p in check(r, spec):
                probs.append("seq %s: %s" % (r.get("seq"), p))
    return n, probs
