#!/usr/bin/env python3
"""client_sign - an OAuth 1.0a (HMAC-SHA1) client signer, written apart from
fakex.py so the fake server's verifier is checked against an independent
implementation (RFC 5849). Standard library only.

    from client_sign import sign, authorization_header
    hdr = authorization_header("POST", "http://127.0.0.1:8080/2/tweets",
                               creds, query="a=b", form=None)
"""

import base64
import hashlib
import hmac
import os
import time

_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                        b"0123456789-._~")


def enc(value):
    """Percent-encode per RFC 5849 3.6, byte by byte, upper-case hex."""
    out = []
    for b in str(value).encode("utf-8"):
        if b in _UNRESERVED:
            out.append(chr(b))
        else:
            out.append("%%%02X" % b)
    return "".join(out)


def _unquote(s):
    """Decode %XX and '+' (form encoding) into a str."""
    raw = bytearray()
    i = 0
    s = s.encode("utf-8")
    while i < len(s):
        c = s[i]
        if c == 0x2B:
            raw.append(0x20)
            i += 1
        elif c == 0x25 and i + 2 < len(s) and \
                all(chr(x) in "0123456789abcdefABCDEF" for x in s[i + 1:i + 3]):
            raw.append(int(s[i + 1:i + 3], 16))
            i += 3
        else:
            raw.append(c)
            i += 1
    return raw.decode("utf-8", "replace")


def split_pairs(encoded):
    """'a=1&b=x%20y' -> [('a','1'), ('b','x y')]."""
    pairs = []
    for part in (encoded or "").split("&"):
        if not part:
            continue
        k, sep, v = part.partition("=")
        pairs.append((_unquote(k), _unquote(v)))
    return pairs


def normalized_url(url):
    """Scheme://host[:port]/path, scheme and host lower-case, default port
    dropped, query and fragment removed."""
    scheme, rest = url.split("://", 1)
    hostport, slash, path = rest.partition("/")
    path = slash + path
    path = path.split("#", 1)[0].split("?", 1)[0] or "/"
    scheme = scheme.lower()
    hostport = hostport.lower()
    if (scheme == "http" and hostport.endswith(":80")) or \
            (scheme == "https" and hostport.endswith(":443")):
        hostport = hostport.rsplit(":", 1)[0]
    return "%s://%s%s" % (scheme, hostport, path)


def base_string(method, url, params):
    pairs = sorted((enc(k), enc(v)) for k, v in params)
    joined = "&".join(k + "=" + v for k, v in pairs)
    return method.upper() + "&" + enc(normalized_url(url)) + "&" + enc(joined)


def sign(method, url, oauth_params, consumer_secret, token_secret,
         query=None, form=None):
    """The base64 HMAC-SHA1 signature. url may carry the query; `query` and
    `form` are raw encoded strings added to the parameters."""
    params = list(oauth_params.items())
    if "?" in url:
        params += split_pairs(url.split("?", 1)[1].split("#", 1)[0])
    if query:
        params += split_pairs(query)
    if form:
        params += split_pairs(form)
    params = [(k, v) for k, v in params if k != "oauth_signature"]
    key = enc(consumer_secret) + "&" + enc(token_secret)
    mac = hmac.new(key.encode(), base_string(method, url, params).encode(),
                   hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def authorization_header(method, url, creds, query=None, form=None,
                         nonce=None, timestamp=None, extra=None):
    """creds: dict with consumer_key, consumer_secret, token, token_secret."""
    oauth = {
        "oauth_consumer_key": creds["consumer_key"],
        "oauth_nonce": nonce or base64.b32encode(os.urandom(20)).decode().rstrip("="),
        "oauth_signature_method": "HMAC-SHA1",
        "oauth_timestamp": str(int(time.time()) if timestamp is None else timestamp),
        "oauth_token": creds["token"],
        "oauth_version": "1.0",
    }
    if extra:
        oauth.update(extra)
    oauth["oauth_signature"] = sign(method, url, oauth, creds["consumer_secret"],
                                    creds["token_secret"], query=query, form=form)
    return "OAuth " + ", ".join('%s="%s"' % (enc(k), enc(v))
                                for k, v in sorted(oauth.items()))
