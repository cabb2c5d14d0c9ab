"""benchlib - shared helpers of chathost's benchmark scripts (bench/*.py,
standard library only): statistics, the fake X API (tests/lib/itest.py),
scratch folders under bench/out, /proc readings."""
import json
import math
import os
import shutil
import sys
import tempfile

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
OUT = os.path.join(BENCH, "out")
sys.path.insert(0, os.path.join(ROOT, "tests", "lib"))
from itest import Fake, bot_env  # noqa: E402,F401

BIN = os.environ.get("CHATHOST", os.path.join(ROOT, "bot", "chathost"))
# tweepy is a Debian package: Debian's own python3, not the one on PATH
DEBIAN_PYTHON = os.environ.get("DEBIAN_PYTHON", "/usr/bin/python3")
TWEEPY_BOT = os.path.join(BENCH, "tweepy_bot.py")
TOPICS = os.path.join(BENCH, "topics")
DATE = "2026-12-01"   # the bench topic's date (a Tuesday)
X_EPOCH_MS = 1288834974657


def percentile(xs, p):
    """Nearest-rank percentile (p in 0..100) of a non-empty list."""
    v = sorted(xs)
    k = max(1, math.ceil(p / 100.0 * len(v)))
    return v[k - 1]


def median(xs):
    v = sorted(xs)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2.0


def mmm(xs):
    """{"min", "median", "max", "n"} of a non-empty list."""
    return {"min": min(xs), "median": median(xs), "max": max(xs), "n": len(xs)}


def workdir(name):
    os.makedirs(OUT, exist_ok=True)
    return tempfile.mkdtemp(prefix=name + ".", dir=OUT)


def clean(d):
    shutil.rmtree(d, ignore_errors=True)


def schedule_copy(src, d, **over):
    """A copy of the bench schedule src in folder d, with topics pointing
    at bench/topics and logs at d/logs (and any key=value of over)."""
    keys = {"topics": json.dumps(TOPICS), "logs": json.dumps(os.path.join(d, "logs"))}
    keys.update(over)
    out = []
    seen = set()
    with open(src) as f:
        for line in f:
            k = line.split("=", 1)[0].strip()
            if "=" in line and k in keys:
                out.append("%s = %s;\n" % (k, keys[k]))
                seen.add(k)
            else:
                out.append(line)
    for k, v in keys.items():
        if k not in seen:
            out.append("%s = %s;\n" % (k, v))
    path = os.path.join(d, os.path.basename(src))
    with open(path, "w") as f:
        f.writelines(out)
    return path


def proc_status(pid):
    """/proc/PID/status as a dict of strings (empty if gone)."""
    out = {}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                k, _, v = line.partition(":")
                out[k] = v.strip()
    except OSError:
        pass
    return out


def proc_cpu(pid):
    """utime + stime of a live process, in seconds."""
    with open("/proc/%d/stat" % pid) as f:
        s = f.read()
    fields = s[s.rindex(")") + 2:].split()
    tck = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / tck


def id_ms(tweet_id):
    """A snowflake id's creation instant, epoch seconds (ms resolution)."""
    return ((int(tweet_id) >> 22) + X_EPOCH_MS) / 1000.0


def read_record(path, offset=0):
    """The fake server's request record from byte offset on."""
    out = []
    with open(path, "rb") as f:
        f.seek(offset)
        for line in f:
            try:
                out.append(json.loads(line))
            except ValueError:
                pass
    return out


def size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def save(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1, sort_keys=True)
    os.replace(tmp, path)
