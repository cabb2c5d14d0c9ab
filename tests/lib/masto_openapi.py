"""masto_openapi.py - checks the requests a test recorded at the fake
Mastodon server against Mastodon's OpenAPI description
(its facts in tests/facts/mastodon-openapi-4.7.0.facts.json, written by
scripts/shared-facts from the project's shared/specs/mastodon-openapi-4.7.0.json):
the path and method exist,
each query parameter is one the operation declares (with a value of its
type), each form field of a status is a property of the status schemas
(poll[options][] is poll.options, an array of strings), enums hold."""
import json
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SPEC = os.path.join(ROOT, "tests", "facts", "mastodon-openapi-4.7.0.facts.json")


def load():
    with open(SPEC) as f:
        return json.load(f)


def _template(spec, path):
    """The template path matches; a literal segment wins over a parameter
    (/api/v1/accounts/lookup, not {id}), whatever the file's order."""
    best = None
    for tpl in spec["paths"]:
        rx = "^" + re.sub(r"\{[^}]+\}", "[^/]+", tpl) + "$"
        if re.match(rx, path) and (best is None or tpl.count("{") < best.count("{")):
            best = tpl
    return best


def _resolve(spec, sch):
    if "$ref" in sch:
        name = sch["$ref"].split("/")[-1]
        return _resolve(spec, spec["components"]["schemas"][name])
    return sch


def _props(spec, sch, out):
    """The properties of a schema through allOf/oneOf/anyOf."""
    sch = _resolve(spec, sch)
    for k in ("allOf", "oneOf", "anyOf"):
        for sub in sch.get(k, []):
            _props(spec, sub, out)
    for name, p in sch.get("properties", {}).items():
        out[name] = _resolve(spec, p)
    return out


def _value_ok(sch, v):
    t = sch.get("type")
    if "enum" in sch and v not in sch["enum"]:
        return False
    if t == "integer":
        return re.match(r"^-?\d+$", v) is not None
    if t == "boolean":
        return v in ("true", "false", "1", "0")
    return True


def check(spec, req):
    """The problems of one recorded request (a list of strings)."""
    probs = []
    tpl = _template(spec, req["path"])
    if not tpl:
        return ["%s %s: no such path" % (req["method"], req["path"])]
    op = spec["paths"][tpl].get(req["method"].lower())
    if op is None:
        return ["%s %s: no such method" % (req["method"], tpl)]
    params = {p["name"]: _resolve(spec, p.get("schema", {}))
              for p in op.get("parameters", []) if p.get("in") == "query"}
    for name, vals in req.get("query", {}).items():
        # Rails' array form: "id[]=1&id[]=2" for a parameter id whose
        # schema is an array (Mastodon reads no other form)
        if name.endswith("[]") and name not in params and \
                params.get(name[:-2], {}).get("type") == "array":
            name = name[:-2]
        if name not in params:
            probs.append("%s %s: query parameter %s is not declared" % (req["method"], tpl, name))
            continue
        for v in vals:
            if not _value_ok(params[name], v):
                probs.append("%s %s: %s=%s is not a %s" % (req["method"], tpl, name, v,
                                                           params[name].get("type")))
    body = op.get("requestBody", {}).get("content", {})
    sch = next(iter(body.values()), {}).get("schema") if body else None
    props = _props(spec, sch, {}) if sch else {}
    for name, vals in req.get("form", {}).items():
        m = re.match(r"^(\w+)\[(\w+)\](\[\])?$", name)
        if m:
            outer = props.get(m.group(1))
            inner = _props(spec, outer, {}).get(m.group(2)) if outer else None
            if inner is None:
                probs.append("%s %s: form field %s is not declared" % (req["method"], tpl, name))
            elif m.group(3) and inner.get("type") != "array":
                probs.append("%s %s: %s is sent as a list, declared %s" %
                             (req["method"], tpl, name, inner.get("type")))
            elif not m.group(3):
                for v in vals:
                    if not _value_ok(inner, v):
                        probs.append("%s %s: %s=%s is not a %s" % (req["method"], tpl, name,
                                                                   v, inner.get("type")))
            continue
        if name not in props:
            probs.append("%s %s: form field %s is not declared" % (req["method"], tpl, name))
            continue
        for v in vals:
            if not _value_ok(props[name], v):
                probs.append("%s %s: %s=%r not allowed (%s)" % (req["method"], tpl, name, v,
                                                               props[name].get("enum") or
                                                               props[name].get("type")))
    for h, p in [("idempotency_key", "Idempotency-Key")]:
        if req.get(h) and not any(x.get("name") == p and x.get("in") == "header"
                                  for x in op.get("parameters", [])):
            probs.append("%s %s: header %s is not declared" % (req["method"], tpl, p))
    return probs
