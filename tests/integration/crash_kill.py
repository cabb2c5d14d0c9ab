#!/usr/bin/env python3
"""Crash safety: SIGKILL chathost run at 25 or more points spread over a
rehearsed chat, restart it each time, and check that the fake server
received every post exactly once and the log holds every answer exactly
once.

Every run has a "slow" fault queued on POST /2/tweets (the fake server
creates the post, records it, then holds the answer): the kill comes as soon
as the record shows the post, so it lands between the post's creation and
the bot's record of its id - each of the 8 posts is killed that way once.
Between posts the kills come at random instants (startup, waiting, intent
writes, capture cycles) or right after a search request goes out; a few come
after the wrap-up (capture window, backfill). The last run goes to the end.
"""
import json
import os
import random
import signal
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import SLOW, Fake, Tap, start_bot, run_bot, workdir, write_schedule  # noqa: E402
from chatcheck import (DATE, created_counts, log_problems, planned,  # noqa: E402
                       post_records, state_of, window_end)

SPEED = 30 if SLOW else 100          # the chat lasts 3600/SPEED real seconds
CAPTURE_AFTER = 30   # chat minutes: room for 25 kills on a loaded machine
MIN_KILLS = 25
MAX_KILLS = 80
rng = random.Random(int(os.environ.get("CH_CRASH_SEED", "0")) or None)
seed = rng.randrange(1 << 30)
rng.seed(seed)
t = Tap()
print("# seed %d (set CH_CRASH_SEED to repeat)" % seed)

d = workdir("crash_kill")
fake = Fake(d, "--speed", str(SPEED), "--auto-answer")
try:
    sched = write_schedule(d, capture_after=str(CAPTURE_AFTER),
                           late_limit="30", search_budget="300")
    plan = planned(sched)
    texts = [x[1] for x in plan]
    t.eq(len(texts), 8, "the plan has 8 posts")
    rdir = os.path.join(d, "logs", "testchat", "rehearsal")
    state_path = os.path.join(rdir, DATE + ".state.json")
    log_path = os.path.join(rdir, DATE + ".jsonl")
    args = ["run", "--once", "--rehearse=%d" % SPEED, "--date", DATE,
            "--api-base", fake.base, sched]

    kills = []          # (kind, seconds after the start of its run)
    bad_state = []      # state unreadable after a kill
    starts = set()      # rehearsal start as seen after each kill
    post_kills = 0
    after_wrapup = 0
    ended = None        # exit status of a run that ended before its kill
    last_seq = 0
    runlog = open(os.path.join(d, "runs.log"), "w")
    while len(kills) < MAX_KILLS:
        done_posts = {r["text"] for r in post_records(fake) if r.get("status") == 201}
        all_posted = all(x in done_posts for x in texts)
        if len(kills) >= MIN_KILLS and all_posted and after_wrapup >= 2:
            break
        fake.call("DELETE", "/_fake/faults")
        # held 3 s: on a loaded machine (make check runs scripts four per
        # core) this loop can take over a second to see the record
        fake.faults([{"path": "/2/tweets", "method": "POST", "fault": "slow",
                      "delay": 3.0, "apply": True, "count": 1}])
        seen = fake.requests()
        last_seq = seen[-1]["seq"] if seen else last_seq
        mode = rng.choice(["timer", "timer", "search"])
        limit = rng.uniform(0.02, 1.5) * (4 if SLOW else 1)
        runlog.write("=== run %d (%s, %.2f s)\n" % (len(kills) + 1, mode, limit))
        runlog.flush()
        p = start_bot(args, log=runlog)
        t0 = time.time()
        kind = None
        while kind is None:
            if p.poll() is not None:
                break
            new = fake.call("GET", "/_fake/requests?since=%d" % last_seq)["requests"]
            for r in new:
                last_seq = max(last_seq, r["seq"])
                if r["path"] == "/2/tweets" and r["method"] == "POST" and \
                        r.get("status") == 201:
                    kind = "post"
                elif mode == "search" and r["path"] == "/2/tweets/search/recent" \
                        and time.time() - t0 > 0.05:
                    kind = "search"
            if kind is None and time.time() - t0 >= limit and mode == "timer":
                kind = "timer"
            if kind is None and time.time() - t0 >= 8 * limit + 3:
                kind = "timer"   # a search that did not come
            if kind is None:
                time.sleep(0.003)
        if kind is None:
            ended = p.returncode
            runlog.write("=== run ended by itself: %s\n" % p.returncode)
            break
        if kind == "search":
            time.sleep(rng.uniform(0, 0.02))
        p.send_signal(signal.SIGKILL)
        p.wait()
        elapsed = time.time() - t0
        if kind != "post" and elapsed < 3.0:
            # the post may have been created after the loop's last look:
            # its answer is held 3 s from then, so a kill within 3 s of the
            # run's start landed between its creation and its answer too
            for r in fake.call("GET", "/_fake/requests?since=%d" % last_seq)["requests"]:
                last_seq = max(last_seq, r["seq"])
                if r["path"] == "/2/tweets" and r["method"] == "POST" and \
                        r.get("status") == 201 and str(r.get("reason", "")).startswith("slow"):
                    kind = "post"
        kills.append((kind, round(elapsed, 3)))
        post_kills += kind == "post"
        if all_posted:
            after_wrapup += 1
        try:
            st = state_of(state_path)
            if st is not None and "rehearsal" in st:
                starts.add(st["rehearsal"]["start"])
            if st is not None and st.get("done"):
                break   # killed after its last write: nothing to restart
        except ValueError as e:
            bad_state.append("after kill %d: %s" % (len(kills), e))
            break
    runlog.close()
    fake.call("DELETE", "/_fake/faults")
    print("# kills: " + " ".join("%s@%.2f" % k for k in kills))

    t.ok(len(kills) >= MIN_KILLS, "killed with SIGKILL %d times (>= %d)" % (len(kills), MIN_KILLS))
    t.ok(post_kills >= 8, "%d kills landed between a post's creation and its answer "
         "(each of the 8 posts)" % post_kills, kills)
    t.ok(after_wrapup >= 2, "%d kills after the last post (capture window, backfill)" % after_wrapup)
    t.ok(sum(1 for k in kills if k[0] != "post") >= 15,
         "kills at other instants (startup, waits, capture)")
    t.eq(bad_state, [], "the state file is a JSON object after every kill")
    t.eq(len(starts), 1, "every restart continued the same rehearsed timeline")

    state = state_of(state_path)
    if ended is not None:
        t.eq(ended, 0, "the last run (it ended before its kill) exits 0")
    elif state and state.get("done"):
        # the last kill came after the chat was done: done means every
        # post is recorded with its id
        posted = sorted(k for k, v in state.get("posts", {}).items() if v.get("id"))
        t.eq(len(posted), 8, "the chat was done before the last kill, every post recorded")
    else:
        st, out, err = run_bot(args, timeout=240)
        t.eq(st, 0, "the last run exits 0")
    ok, dup = created_counts(fake)
    t.eq([ok.get(x, 0) for x in texts], [1] * 8, "every post was created exactly once")
    t.eq(sum(ok.values()), 8, "nothing else was posted")
    t.eq(dict(dup), {}, "no post was sent a second time (no duplicate 403)")
    state = state_of(state_path)
    t.ok(state and state.get("done"), "the state says the chat is done")
    keys = ["intro"] + ["q%d" % i for i in range(1, 7)] + ["wrapup"]
    t.ok(all(state["posts"].get(k, {}).get("id") for k in keys),
         "the state holds the id of every post", state.get("posts"))
    ids_by_text = {tw["text"]: tw["id"] for tw in fake.tweets()}
    t.eq([state["posts"][k].get("id") for k in keys],
         [ids_by_text.get(x) for x in texts], "the ids are those the server gave")
    skipped = [k for k in keys if state["posts"].get(k, {}).get("skipped")]
    t.eq(skipped, [], "no post was skipped")
    probs, n_answers, n_lines = log_problems(
        log_path, fake, set(texts),
        window_end(state, capture_after=CAPTURE_AFTER))
    t.eq(probs, [], "the log holds every post exactly once (%d answers of the window, "
         "%d post lines)" % (n_answers, n_lines))
    t.ok(n_answers >= 20, "the participants answered (%d)" % n_answers)
    replies = [json.loads(r["body"]).get("reply", {}).get("in_reply_to_tweet_id")
               for r in post_records(fake) if r.get("status") == 201][1:]
    t.ok(all(r == ids_by_text.get(texts[0]) for r in replies),
         "the questions and wrap-up still reply to the intro", replies)
finally:
    fake.stop()
t.done()
