#!/usr/bin/env python3
"""Secrets: a verbose rehearsed chat never shows a credential (consumer
key and secret, token and token secret) in its output, log or state, and
its request trace shows "Authorization: OAuth [redacted]"; nor does a
failing run; plain http:// to anything but loopback is refused before any
connection; TLS verification cannot be turned off (no option, and the
source never sets it to 0)."""
import glob
import os
import re
import socket
import sys
import threading

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import ROOT, Fake, Tap, bot_env, run_bot, workdir, write_schedule  # noqa: E402
from chatcheck import DATE, created_counts, planned  # noqa: E402

t = Tap()
KEY, SECRET = "ConsumerKeyZq81", "ConsumerS3cretXw42"
TOKEN, TSECRET = "AccessT0kenVb77", "AccessT0kenS3cretNm05"
CREDS = {"X_API_KEY": KEY, "X_API_SECRET": SECRET,
         "X_ACCESS_TOKEN": TOKEN, "X_ACCESS_TOKEN_SECRET": TSECRET}
VALUES = [KEY, SECRET, TOKEN, TSECRET]


def leaks(text):
    return [v for v in VALUES if v in text]


def files_text(d):
    out = ""
    for f in glob.glob(os.path.join(d, "logs", "**", "*"), recursive=True):
        if os.path.isfile(f):
            out += open(f, encoding="utf-8", errors="replace").read()
    return out


# 1. a verbose chat against the fake server with these credentials
d = workdir("secrets")
fake = Fake(d, "--speed", "600", "--auto-answer", "--consumer-key", KEY,
            "--consumer-secret", SECRET, "--token", TOKEN, "--token-secret", TSECRET)
try:
    sched = write_schedule(d, capture_after="1")
    env = bot_env(CREDS)
    st, out, err = run_bot(["run", "-v", "--once", "--rehearse=600", "--date", DATE,
                            "--api-base", fake.base, sched], env=env, timeout=120)
    t.eq(st, 0, "a verbose rehearsed chat exits 0")
    ok, _ = created_counts(fake)
    t.eq(sum(ok.values()), 8, "it posted (the credentials were used)")
    t.ok(err.count("Authorization: OAuth [redacted]") >= 10,
         "the trace shows every Authorization header redacted (%d)"
         % err.count("Authorization: OAuth [redacted]"))
    t.ok("> POST /2/tweets" in err or "POST /2/tweets" in err, "the trace shows the requests")
    t.eq(leaks(out + err), [], "no credential in stdout or stderr")
    t.ok("oauth_signature" not in err and "oauth_nonce" not in err,
         "no part of the OAuth header in the trace")
    t.eq(leaks(files_text(d)), [], "no credential in the log or the state")

    # a credentials file the same way, and a failing run (wrong secret)
    cred = os.path.join(d, "credentials.conf")
    with open(cred, "w") as f:
        f.write('api_key = "%s";\napi_secret = "%s-wrong";\naccess_token = "%s";\n'
                'access_token_secret = "%s";\n' % (KEY, SECRET, TOKEN, TSECRET))
    os.chmod(cred, 0o600)
    sched2 = write_schedule(d, name="second", api='{ credentials = "%s"; }' % cred)
    st, out, err = run_bot(["run", "-v", "--once", "--rehearse=600", "--date", DATE,
                            "--api-base", fake.base, sched2], env=bot_env(creds=False),
                           timeout=60)
    t.eq(st, 3, "a wrong secret in the credentials file: exit 3")
    t.ok("credentials" in err, "the message points at the credentials")
    t.eq(leaks(out + err), [], "no credential in the failing run's output")
    t.ok("[redacted]" in err, "its trace is redacted too")
finally:
    fake.stop()

# 2. http:// only to loopback: a listener on this machine's other address
#    sees no connection
ips = []
for probe in ("10.255.255.254", "192.0.2.1", "198.51.100.1"):
    try:
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect((probe, 1))      # no packet is sent (UDP connect)
        ips.append(s.getsockname()[0])
        s.close()
    except OSError:
        pass
ips = sorted({i for i in ips if not i.startswith("127.") and i != "0.0.0.0"})
lst = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
lst.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
lst.bind(("0.0.0.0", 0))
lst.listen(5)
port = lst.getsockname()[1]
accepted = []


def accept():
    lst.settimeout(0.2)
    while not stop:
        try:
            c, a = lst.accept()
            accepted.append(a)
            c.close()
        except OSError:
            pass


stop = False
th = threading.Thread(target=accept, daemon=True)
th.start()
d = workdir("secrets_http")
sched = write_schedule(d)
urls = ["http://example.com", "http://localhost.example.com:%d" % port,
        "http://127.0.0.1.nip.io:%d" % port, "ftp://127.0.0.1:%d" % port]
urls += ["http://%s:%d" % (ip, port) for ip in ips]
for url in urls:
    st, out, err = run_bot(["run", "--once", "--rehearse=600", "--date", DATE,
                            "--api-base", url, sched], env=bot_env(CREDS), timeout=30)
    t.ok(st in (1, 2), "--api-base %s refused (exit %d)" % (url, st))
    t.ok("refused" in err and ("https://" in err), "with a message naming the fix", err[-300:])
t.ok(len(ips) >= 1, "a non-loopback address of this machine was tried (%s)" % ips)
# the schedule's own base_url obeys the same rule
sched3 = write_schedule(d, name="plain", api='{ base_url = "http://example.com"; }')
st, out, err = run_bot(["run", "--once", "--rehearse=600", "--date", DATE, sched3],
                       env=bot_env(CREDS), timeout=30)
t.ok(st in (1, 2) and "refused" in err, "api.base_url http://example.com refused", err[-300:])
stop = True
th.join()
lst.close()
t.eq(accepted, [], "no connection was made to a refused address")
t.ok(not os.path.exists(os.path.join(d, "logs", "testchat", "rehearsal",
                                     DATE + ".state.json")),
     "a refused URL starts nothing (no state written)")

# 3. TLS verification cannot be turned off
src = {}
for f in glob.glob(os.path.join(ROOT, "bot", "*.[ch]")):
    src[os.path.basename(f)] = open(f, encoding="utf-8", errors="replace").read()
sets = [(n, m.group(0)) for n, s in src.items()
        for m in re.finditer(r"CURLOPT_(PROXY_)?SSL_VERIFY(PEER|HOST|STATUS)\s*,\s*[^)]*", s)]
t.ok(sets, "the source sets the TLS verification options", sets)
t.eq([x for x in sets if not re.search(r",\s*(1L|2L)$", x[1])], [],
     "TLS peer/host verification is only ever set on (1L / 2L)")
t.eq([n for n, s in src.items() if re.search(r"CURLOPT_SSL_VERIFY\w*\s*,\s*(0|0L|false)\b", s)],
     [], "no source file sets a verification option to 0")
t.eq([n for n, s in src.items() if re.search(r"insecure|no-verify|CURLOPT_CAINFO|CURLOPT_SSL_CTX", s,
                                             re.I)], [],
     "no insecure option, CA override or TLS context hook")
st, out, err = run_bot(["run", "--help"])
t.ok(st == 0 and "insecure" not in out and "verify" not in out.lower(),
     "chathost run offers no option to turn verification off")
st, out, err = run_bot(["run", "--insecure", "x.conf"])
t.eq(st, 2, "--insecure is not an option (exit 2)")
t.done()
