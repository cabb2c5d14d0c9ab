"""faultlib: helpers shared by the faults_* scripts, one scenario each.

A rehearsed chat through every fault the fake X API can inject: 429 with
reset headers (post, search, lookup), 500, 503, slow answers, a timeout
longer than the client's, cut connections (before and after the post is
made), malformed JSON, a duplicate-content 403. Every post goes out exactly
once, or is skipped with a logged reason; the run never crashes, and exits 3
when a post was skipped.
Then faults that outlast late_limit (skipped, logged, not posted late), and
a stand-alone responder for what the fake cannot do: a response above the
size cap and unexpected JSON."""
import http.server
import json
import os
import sys
import threading
import time

from itest import SLOW, Fake, Tap, run_bot, workdir, write_schedule  # noqa: E402
from chatcheck import (DATE, created_counts, log_problems, planned,  # noqa: E402
                       post_records, raw_lines, state_of, window_end)

KEYS = ["intro"] + ["q%d" % i for i in range(1, 7)] + ["wrapup"]
CRASH_MARKS = ("AddressSanitizer", "runtime error", "Segmentation", "Aborted",
               "core dumped", "LeakSanitizer")


def fault(path, kind, method=None, **kw):
    f = {"path": path, "fault": kind}
    if method:
        f["method"] = method
    f.update(kw)
    return f


POST = ("/2/tweets", "POST")


class Driver(threading.Thread):
    """Queues each post's faults once the previous post is settled in the
    bot's state (an id or a skip), so each fault hits the post it is for."""

    def __init__(self, fake, state_path, per_post):
        super().__init__(daemon=True)
        self.fake, self.path, self.per_post = fake, state_path, per_post
        self.stop = False
        self.queued = []

    def run(self):
        k = 1
        while not self.stop and k < len(KEYS):
            try:
                st = state_of(self.path) or {}
            except ValueError:
                st = {}
            prev = st.get("posts", {}).get(KEYS[k - 1], {})
            if prev.get("id") or prev.get("skipped"):
                if self.per_post.get(KEYS[k]):
                    self.fake.faults(self.per_post[KEYS[k]])
                self.queued.append(KEYS[k])
                k += 1
                continue
            time.sleep(0.01)


def no_crash(st, err):
    return st in (0, 1, 2, 3) and not any(m in err for m in CRASH_MARKS)
