#!/usr/bin/env python3
"""results.py - writes bench/results.md from the figures the benchmark
scripts left in bench/out (punctual.json, rest.json, chat.json,
capture.md, report.md, meta.json) and the profiling notes in
bench/profile.md.

    bench/results.py OUT.md
"""
import datetime
import json
import os
import platform
import re
import sys

import benchlib as B


def load(name):
    p = os.path.join(B.OUT, name)
    if not os.path.exists(p):
        return None
    with open(p) as f:
        return json.load(f) if name.endswith(".json") else f.read()


def f3(x):
    return "%.3f" % x


def mmm(xs, fmt=f3):
    m = B.mmm(xs)
    return "%s / %s / %s" % (fmt(m["min"]), fmt(m["median"]), fmt(m["max"]))


def met(ok):
    return "**met**" if ok else "**NOT met**"


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "?"


def machine(meta):
    out = ["## Machine", ""]
    out.append("- CPU: %s, %d cores (`nproc`)" % (cpu_model(), os.cpu_count()))
    out.append("- Kernel: %s %s" % (platform.system(), platform.release()))
    with open("/proc/meminfo") as f:
        mem = f.readline().split()[1]
    out.append("- Memory: %d MiB" % (int(mem) // 1024))
    out.append("- Date: %s" % datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))
    if meta:
        out.append("- Load average (1/5/15 min) at the start: %s; at the end: %s "
                   "(a shared machine: other engineers' tests ran beside it)"
                   % (meta.get("load_start", "?"), " ".join("%.2f" % x for x in os.getloadavg())))
        out.append("- `make bench` wall time: %s s (of which the report benchmark's log "
                   "generation %s)" % (meta.get("elapsed", "?"), meta.get("gen", "?")))
        out.append("- Versions: %s; tweepy %s under %s" % (meta.get("chathost_version", "?"),
                                                          meta.get("tweepy_version", "?"),
                                                          meta.get("debian_python", "?")))
    out.append("")
    return out


def punctual(p, targets):
    out = ["## 1. Punctuality", ""]
    if not p:
        out += ["Not measured (bench/out/punctual.json missing).", ""]
        targets.append(("Punctuality p99 under 1 ms", False, "not measured"))
        return out
    runs = p["runs"]
    n = runs[0]["posts"]
    out.append("A rehearsed chat at %gx with %d posts (bench/schedules/punctual.conf: the intro, "
               "Q1..Q18 one chat minute apart, the wrap-up at 20 minutes; a post every real "
               "second), %d runs, against one fake X API server (tests/fakex/fakex.py). Beside "
               "each chathost run, in turn against the same server (reset in between), the "
               "tweepy bot (bench/tweepy_bot.py, tweepy's Client through a requests.Session "
               "that sends its api.twitter.com calls to the fake server) posts the same texts, "
               "threaded the same way, at the same instants relative to the intro. Lateness = "
               "the post's arrival at the server (its record's `arrival`: the kernel's receive "
               "time of the request's first bytes, SO_TIMESTAMPNS) minus its scheduled instant (chathost: "
               "`posts.KEY.due` in its state file; tweepy: the same offsets from its start)."
               % (p["speed"], n, len(runs)))
    out.append("")
    out.append("Load average (1/5/15 min) before these runs: %s; after: %s." % (
        " ".join("%.2f" % x for x in p["load_before"]),
        " ".join("%.2f" % x for x in p["load_after"])))
    out.append("")
    out.append("Per run: p50, p99 and max of the %d posts' lateness; the table gives min / median "
               "/ max of those over the %d runs, then all %d posts pooled. Milliseconds." %
               (n, len(runs), n * len(runs)))
    out.append("")
    out.append("| bot | p50 ms | p99 ms | max ms | pooled p50 / p99 / max ms |")
    out.append("|---|---|---|---|---|")
    pooled = {}
    for bot in ("chathost", "tweepy"):
        s = [r[bot + "_summary"] for r in runs]
        allv = [x for r in runs for x in r[bot]["late_ms"].values()]
        pooled[bot] = allv
        out.append("| %s | %s | %s | %s | %s / %s / %s |" % (
            bot, mmm([x["p50"] for x in s]), mmm([x["p99"] for x in s]),
            mmm([x["max"] for x in s]), f3(B.percentile(allv, 50)),
            f3(B.percentile(allv, 99)), f3(max(allv))))
    out.append("")
    sent = [x for r in runs for x in r["chathost"]["sent_ms"]]
    called = [x for r in runs for x in r["tweepy"]["sent_ms"]]
    floor = p.get("floor_ms") or []
    out.append("Where the time goes (pooled over the runs, ms, p50 / p99 / max):")
    out.append("")
    out.append("- chathost, its instant to the request starting to go out (its log's "
               "\"sent +X ms after its instant\": the wake-up from an absolute-deadline sleep, "
               "then signing and libcurl's setup, about 50 us of it): %s / %s / %s" % (
                   f3(B.percentile(sent, 50)), f3(B.percentile(sent, 99)), f3(max(sent))))
    out.append("- tweepy, its instant to the `create_tweet` call (time.sleep's wake-up): "
               "%s / %s / %s; the rest, up to the arrival, is tweepy and requests building, "
               "signing and sending the request" % (
                   f3(B.percentile(called, 50)), f3(B.percentile(called, 99)), f3(max(called))))
    if floor:
        out.append("- the measuring floor: a bare request written to a kept-alive socket "
                   "at a known instant until its `arrival` stamp (the kernel's receive "
                   "time: loopback delivery only), %d "
                   "requests: %s / %s / %s" % (len(floor), f3(B.percentile(floor, 50)),
                                               f3(B.percentile(floor, 99)), f3(max(floor))))
    out.append("")
    if p.get("post_path"):
        out.append("chathost's own steps and the machine's wake-up latency (bench/post_path.c "
                   "against the same server after the runs: 50 posts on a warm connection, 50 "
                   "signatures, 50 absolute-deadline sleeps):")
        out.append("")
        out += p["post_path"].strip().splitlines()
        out.append("")
    cp99, tp99 = B.percentile(pooled["chathost"], 99), B.percentile(pooled["tweepy"], 99)
    cp50, tp50 = B.percentile(pooled["chathost"], 50), B.percentile(pooled["tweepy"], 50)
    targets.append(("Punctuality: chathost p99 under 1 ms (pooled, %d posts)" % len(pooled["chathost"]),
                    cp99 < 1.0, "p99 %.3f ms (per-run p99 median %.3f ms)" % (
                        cp99, B.median([r["chathost_summary"]["p99"] for r in runs]))))
    targets.append(("Punctuality: ahead of the tweepy bot", cp50 < tp50 and cp99 < tp99,
                    "p50 %.3f vs %.3f ms, p99 %.3f vs %.3f ms" % (cp50, tp50, cp99, tp99)))
    return out


def rest(r, targets):
    out = ["## 2. At rest", ""]
    if not r:
        out += ["Not measured (bench/out/rest.json missing).", ""]
        targets.append(("At rest: resident memory under 4 MiB", False, "not measured"))
        return out
    out.append("`chathost run` in real mode (no rehearsal) with a schedule whose next chat "
               "(%s 12:00 UTC) is six days and some hours away, credentials in the environment, "
               "`--api-base` the fake server (so GET /2/users/me answers); beside it the tweepy "
               "bot authenticated (get_me) and sleeping until its chat. %d of each ran at once "
               "(the %d samples are concurrent, not one after another); after a settling time "
               "each one's /proc/PID/status was read, and again %.0f s later. Wake-ups = "
               "voluntary context switches in between." % (
                   r.get("next_chat", "?"), r["n"], r["n"], r["elapsed_s"]))
    out.append("")
    out.append("| process | VmRSS KiB | of it RssAnon KiB | RssFile KiB (shared libraries) | "
               "wake-ups per minute | CPU s so far |")
    out.append("|---|---|---|---|---|---|")
    for k in ("chathost", "tweepy"):
        s = r[k]
        out.append("| %s | %s | %s | %s | %s | %s |" % (
            k, mmm([x["VmRSS_kB"] for x in s], str), mmm([x["RssAnon_kB"] for x in s], str),
            mmm([x["RssFile_kB"] for x in s], str),
            mmm([x["wakeups_per_min"] for x in s], lambda v: "%.1f" % v),
            mmm([x["cpu_s"] for x in s], lambda v: "%.2f" % v)))
    out.append("")
    rss = [x["VmRSS_kB"] for x in r["chathost"]]
    wk = [x["wakeups_per_min"] for x in r["chathost"]]
    targets.append(("At rest: resident memory under 4 MiB", max(rss) < 4096,
                    "VmRSS %s KiB (min / median / max; tweepy %s KiB)" % (
                        mmm(rss, str), mmm([x["VmRSS_kB"] for x in r["tweepy"]], str))))
    targets.append(("At rest: at most 1 wake-up per minute", max(wk) <= 1.0,
                    "%s per minute (min / median / max)" % mmm(wk, lambda v: "%.1f" % v)))
    u = load("rest_unreachable.json")
    if u:
        rss = [x["VmRSS_kB"] for x in u["chathost"]]
        wk = [x["wakeups_per_min"] for x in u["chathost"]]
        out.append("With the API unreachable at start (`--api-base http://127.0.0.1:9`, "
                   "nothing listening): each of %d bots retried for %.0f s, told the notifiers, "
                   "and waited in chathost-wait; then VmRSS %s KiB, %s wake-ups per minute "
                   "(min / median / max) over %.0f s." % (
                       u["n"], u["to_waiter_s"], mmm(rss, str),
                       mmm(wk, lambda v: "%.1f" % v), u["elapsed_s"]))
        out.append("")
        targets.append(("At rest, API unreachable at start: under 4 MiB",
                        max(rss) < 4096, "VmRSS %s KiB" % mmm(rss, str)))
        targets.append(("At rest, API unreachable at start: at most 1 wake-up per minute "
                        "after the first minute", max(wk) <= 1.0,
                        "%s per minute" % mmm(wk, lambda v: "%.1f" % v)))
    return out


def chat(c, targets):
    out = ["## 3. A whole chat", ""]
    if not c:
        out += ["Not measured (bench/out/chat.json missing).", ""]
        return out, None
    runs = c["runs"]
    out.append("`chathost run --once --rehearse=%g` of bench/schedules/chat.conf: a 60-minute "
               "chat (intro, 18 questions 3 minutes apart, wrap-up; capture until 2 minutes "
               "after the wrap-up) with the default search budget (60 requests per 15 chat "
               "minutes), against the fake server whose participants script "
               "(bench/out/participants-2000.json, made by bench/chat.py) posts %d answers "
               "(111 per question over its 3 minutes, one in five a reply in the thread "
               "without the hashtag). %d chats ran at once, each with its own fake server. "
               "CPU = user + system seconds of the chathost process (wait4's rusage)." % (
                   c["speed"], runs[0]["answers_planned"], c["concurrent"]))
    out.append("")
    out.append("Load average before: %s; after: %s." % (
        " ".join("%.2f" % x for x in c["load_before"]),
        " ".join("%.2f" % x for x in c["load_after"])))
    out.append("")
    out.append("| measure | min / median / max over %d runs |" % len(runs))
    out.append("|---|---|")
    out.append("| CPU seconds (user + system) | %s |" % mmm([x["cpu_s"] for x in runs]))
    out.append("| of which user | %s |" % mmm([x["user_s"] for x in runs]))
    out.append("| wall seconds | %s |" % mmm([x["wall_s"] for x in runs], lambda v: "%.1f" % v))
    out.append("| peak RSS KiB | %s |" % mmm([x["maxrss_kB"] for x in runs], str))
    out.append("| answers posted by the fake participants | %s |" % mmm(
        [x["answers_posted"] for x in runs], str))
    out.append("| of them in the log | %s |" % mmm([x["answers_logged"] for x in runs], str))
    out.append("| search requests | %s |" % mmm([x["requests"] or 0 for x in runs], str))
    out.append("")
    return out, runs


def capture(cap_md, runs, targets):
    out = ["## 4. Capture", ""]
    if cap_md:
        rates = [int(x) for x in re.findall(r"posts/s, page to log[^|]*\|\s*\*\*(\d+)\*\*", cap_md)]
        ratio = re.findall(r"reads per post logged\*\*\s*\|\s*\*\*([0-9.]+)\*\*", cap_md)
        out.append("From bench/out/capture.md (bench/bench_capture.sh, by the capture's "
                   "author), included whole below.")
        out.append("")
        if rates:
            targets.append(("Capture: over 100,000 posts/s from search pages into the log",
                            max(rates) > 100000,
                            "%s posts/s (%s)" % (" and ".join(str(x) for x in rates),
                                                 "flushed per cycle, and once at the end"
                                                 if len(rates) == 2 else "see capture.md")))
        else:
            targets.append(("Capture: over 100,000 posts/s", False,
                            "no figure found in capture.md"))
        if ratio:
            out.append("Its rehearsed chat with the fake server's built-in participants read "
                       "%s posts per post logged." % ratio[0])
            out.append("")
    else:
        out.append("bench/out/capture.md is missing: bench/bench_capture.sh did not run "
                   "or failed (see the make bench output).")
        out.append("")
        targets.append(("Capture: over 100,000 posts/s", False, "not measured"))
    if runs:
        rpl = [x["reads_per_logged"] for x in runs if x["reads_per_logged"] is not None]
        dl = [x["delay_ms"]["median"] for x in runs if x["delay_ms"]]
        d90 = [x["delay_ms"]["p90"] for x in runs if x["delay_ms"]]
        speed = runs and 60
        out.append("In the whole chats of section 3 (2,000 answers, no faults):")
        out.append("")
        out.append("| measure | min / median / max over %d runs |" % len(runs))
        out.append("|---|---|")
        out.append("| posts read from the API (billed) per post logged (state: capture.reads / "
                   "capture.logged) | %s |" % mmm(rpl))
        out.append("| the bot's own closing line | %s |" % "; ".join(
            sorted(set(x["closing"] or "-" for x in runs))))
        out.append("| delay, an answer's creation (its id's instant) to its line in the log, "
                   "median, real ms in the %gx rehearsal | %s |" % (speed, mmm(dl, lambda v: "%.0f" % v)))
        out.append("| the same, p90, real ms | %s |" % mmm(d90, lambda v: "%.0f" % v))
        out.append("| the median delay in chat time (x%g): what a real chat at the default "
                   "budget sees, s | %s |" % (speed, mmm([x * speed / 1000.0 for x in dl],
                                                          lambda v: "%.1f" % v)))
        out.append("")
        out.append("The delay is made of the wait for the next search (the default budget, 60 "
                   "per 15 minutes, is a search every 15 s: 7.5 s on average) and the time to "
                   "fetch, attribute and append; in a rehearsal both shrink with the speed, and "
                   "the chat-time figure scales the processing part up too, so it is an upper "
                   "bound. It is also inflated by the rehearsal itself: the host warms the "
                   "connection and searches no more for min(10 s, 60 s / speed) before each "
                   "post (bot/host.c), 1 real second at 60x, i.e. a chat minute out of every "
                   "3, where a real chat pauses 10 s out of every 3 minutes. The log is polled every 10 ms, so each delay is late by up to 10 ms "
                   "(0.6 s in chat time).")
        out.append("")
        targets.append(("Capture: at most 1.05 posts read per post logged",
                        bool(rpl) and max(rpl) <= 1.05, "%s (min / median / max)" % mmm(rpl)))
        if dl:
            targets.append(("Capture: delay from creation to the log (no target; figure)", True,
                            "median %.0f ms real at %gx = %.1f s of chat time" % (
                                B.median(dl), speed, B.median(dl) * speed / 1000.0)))
    if cap_md:
        out.append("<details><summary>bench/out/capture.md</summary>")
        out.append("")
        out += [re.sub(r"^#+ ", "#### ", x) for x in cap_md.strip().splitlines()]
        out.append("")
        out.append("</details>")
        out.append("")
    return out


def report(rep_md, targets):
    out = ["## 5. Report over a year of logs", ""]
    if not rep_md:
        out.append("bench/out/report.md is missing: bench/bench_report.sh did not run or failed.")
        out.append("")
        targets.append(("Report: under 2 s", False, "not measured"))
        return out
    out.append("From bench/out/report.md (bench/bench_report.sh and bench/gen_logs.py, by the "
               "report's author):")
    out.append("")
    lines = rep_md.strip().splitlines()
    out += [x for x in lines[1:]]
    out.append("")
    m = re.search(r"\| `chathost report` \(text\) \| ([0-9.]+) / ([0-9.]+) / ([0-9.]+)", rep_md)
    r = re.search(r"wall ratio ([0-9.]+)x; CPU ratio ([0-9.]+)x", rep_md)
    if m:
        targets.append(("Report: under 2 s", float(m.group(2)) < 2.0,
                        "median %s s (min %s, max %s)" % (m.group(2), m.group(1), m.group(3))))
    if r:
        targets.append(("Report: at least 2.5x faster than jq", float(r.group(1)) >= 2.5,
                        "%sx wall, %sx CPU (medians)" % (r.group(1), r.group(2))))
    return out


def bsky(b, targets):
    """Section 6 and its targets, from bench/bsky.py's bsky.json."""
    out = ["## 6. Bluesky beside X", ""]
    if not b:
        out += ["bench/out/bsky.json is missing: bench/bsky.py did not run or failed.", ""]
        targets.append(("Bluesky: posts within 1 ms of their instant at the server", False,
                        "not measured"))
        return out
    lx, lb, cd, r = (b["x_late_ms"], b["bluesky_late_ms"], b["bluesky_capture_delay_ms"],
                     b["rest_both_networks"])
    out.append("bench/bsky.py: %d rehearsed chats at %gx on X (the fake) and Bluesky (the "
               "reference servers, tests/lib/bsky.py) at once, 8 posts each per network. "
               "When each post's request reached the server, minus its instant: X's from the "
               "fake's arrival stamps, Bluesky's from a loopback relay in front of the PDS "
               "that stamps each createRecord request. Capture delay: an answer's createdAt "
               "to its line in the log (polled every 10 ms). At rest: `chathost run` with "
               "X, Bluesky and Mastodon configured, the chat six days away, once it waits in "
               "chathost-wait." % (b["runs"], b["speed"]))
    out.append("")
    out += ["| measure | n | median | p90 | max |", "|---|---|---|---|---|"]
    out.append("| X: arrival at the server minus the instant, ms | %d | %.3f | %.3f | %.3f |"
               % (lx["n"], lx["median"], lx["p90"], lx["max"]))
    out.append("| Bluesky: arrival at the PDS minus the instant, ms | %d | %.3f | %.3f | %.3f |"
               % (lb["n"], lb["median"], lb["p90"], lb["max"]))
    out.append("| Bluesky: answer created to its line in the log, ms | %d | %.0f | %.0f | %.0f |"
               % (cd["n"], cd["median"], cd["p90"], cd["max"]))
    out.append("")
    nets = " and ".join(", ".join(n.title() if n != "x" else "X"
                                  for n in r.get("networks", ["x", "bluesky"])).rsplit(", ", 1))
    out.append("At rest with %s configured: %s, VmRSS %d KiB (VmHWM %d KiB); "
               "%d of %d Bluesky answers in the log."
               % (nets, r["exe"], r["VmRSS_kB"], r["VmHWM_kB"], b["bluesky_answers_logged"],
                  b["bluesky_answers"]))
    out.append("")
    targets.append(("Bluesky: posts within 1 ms of their instant at the server (p90)",
                    lb["p90"] < 1.0, "median %.3f, p90 %.3f, max %.3f ms (X beside it: %.3f, "
                    "%.3f, %.3f ms)" % (lb["median"], lb["p90"], lb["max"], lx["median"],
                                        lx["p90"], lx["max"])))
    targets.append(("Bluesky: capture delay median under 3 s (local servers)",
                    cd["median"] < 3000, "median %.0f ms, max %.0f ms" % (cd["median"], cd["max"])))
    targets.append(("At rest with %s configured: under 4 MiB" % nets, r["VmRSS_kB"] < 4096,
                    "VmRSS %d KiB" % r["VmRSS_kB"]))
    return out


def masto(m, targets):
    """Section 7 and its targets, from bench/masto.py's masto.json."""
    out = ["## 7. Mastodon beside X", ""]
    if not m:
        out += ["bench/out/masto.json is missing: bench/masto.py did not run or failed.", ""]
        targets.append(("Mastodon: posts within 1 ms of their instant at the server", False,
                        "not measured"))
        return out
    lx, lm, cd = m["x_late_ms"], m["mastodon_late_ms"], m["mastodon_capture_delay_ms"]
    out.append("bench/masto.py: %d rehearsed chats at %gx on X (the fake) and Mastodon (the "
               "fake Mastodon server, tests/fakemasto) at once, 8 posts each per network. "
               "When each post's request reached the server, minus its instant, from each "
               "fake's arrival stamps (the kernel's receive time of the request's first bytes, SO_TIMESTAMPNS). Capture delay: an answer's "
               "created_at (with the tag, or in the thread) to its line in the log (polled "
               "every 10 ms). Punctuality is measured on the fake: snac, the real server of "
               "the tests, delivers to its own inboxes on the threads that answer the API, "
               "so its answers are late by seconds whatever the client does." %
               (m["runs"], m["speed"]))
    out.append("")
    out += ["| measure | n | median | p90 | max |", "|---|---|---|---|---|"]
    out.append("| X: arrival at the server minus the instant, ms | %d | %.3f | %.3f | %.3f |"
               % (lx["n"], lx["median"], lx["p90"], lx["max"]))
    out.append("| Mastodon: arrival at the server minus the instant, ms | %d | %.3f | %.3f | "
               "%.3f |" % (lm["n"], lm["median"], lm["p90"], lm["max"]))
    out.append("| Mastodon: answer created to its line in the log, ms | %d | %.0f | %.0f | %.0f |"
               % (cd["n"], cd["median"], cd["p90"], cd["max"]))
    out.append("")
    out.append("%d of %d Mastodon answers in the log." % (m["mastodon_answers_logged"],
                                                         m["mastodon_answers"]))
    out.append("")
    targets.append(("Mastodon: posts within 1 ms of their instant at the server (p90)",
                    lm["p90"] < 1.0, "median %.3f, p90 %.3f, max %.3f ms (X beside it: %.3f, "
                    "%.3f, %.3f ms)" % (lm["median"], lm["p90"], lm["max"], lx["median"],
                                        lx["p90"], lx["max"])))
    return out


def care_section(m, targets):
    """Section 8 and its targets, from bench/care.py's care.json."""
    out = ["## 8. The care watch", ""]
    if not m:
        out += ["bench/out/care.json is missing: bench/care.py did not run or failed.", ""]
        targets.append(("Care watch on X: alert within the search interval + 2 s of its "
                        "threshold", False, "not measured"))
        return out
    x, b = m["x"], m["bluesky"]
    out.append("bench/care.py: `chathost watch` at real speed and the default search budget "
               "(%d requests per 15 minutes: one every %.0f s), warn_after 1 minute; %d "
               "attendees' posts 5 s apart left unanswered on the fake X API and on the "
               "Bluesky reference servers. Alert delay: when the notify command stamped the "
               "alert, minus the post's creation + warn_after. Seen: the care log's seen_at "
               "minus the post's creation." % (m["budget"], m["interval_s"], x["posts"]))
    out.append("")
    out += ["| measure | n | median | p99 | max |", "|---|---|---|---|---|"]
    for name, r in (("X", x), ("Bluesky", b)):
        for key, what in (("alert_delay_s", "alert after its threshold, s"),
                          ("seen_after_s", "seen after its creation, s")):
            s = r[key]
            if s["n"]:
                out.append("| %s: %s | %d | %.3f | %.3f | %.3f |" %
                           (name, what, s["n"], s["median"], s["p99"], s["max"]))
    out.append("")
    out.append("Cost: on X %d requests and %d posts read for %d cases in the run (%.1f posts "
               "read per case); 10 staffed hours at this budget are %d search requests, "
               "whatever the traffic (on Bluesky a read is one search per hashtag and "
               "mention and one feed per staff member)." %
               (x["requests"], x["reads"], x["cases"], x["reads_per_case"] or 0,
                m["requests_10h"]))
    out.append("")
    xd, bd = x["alert_delay_s"], b["alert_delay_s"]
    targets.append(("Care watch on X: alert within the search interval + 2 s of its "
                    "threshold", xd["n"] > 0 and xd["max"] <= m["interval_s"] + 2,
                    "max %.3f s (median %.3f s)" % (xd["max"] or 0, xd["median"] or 0)))
    targets.append(("Care watch on Bluesky: alert within 5 s of its threshold (p99)",
                    bd["n"] > 0 and bd["p99"] < 5,
                    "p99 %.3f s (median %.3f s)" % (bd["p99"] or 0, bd["median"] or 0)))
    return out


def board_section(m, targets):
    """Section 9 and its target, from bench/board.py's board.json."""
    out = ["## 9. The live board", ""]
    if not m:
        out += ["bench/out/board.json is missing: bench/board.py did not run or failed.", ""]
        targets.append(("Board: 200 browsers do not delay a post beyond the usual", False,
                        "not measured"))
        return out
    out.append("bench/board.py: the punctuality chat of section 1 (20 posts a chat minute "
               "apart, %gx, the fake X API) run with `--board 127.0.0.1:0`, %d times with no "
               "client and %d times with %d clients on /events from before the intro to the "
               "end (%d reading every event as a browser does, 10 connected and never "
               "reading). Lateness: arrival at the server minus the scheduled instant." %
               (m["speed"], m["runs"], m["runs"], m["clients"], m["clients"] - 10))
    out.append("")
    out += ["| clients | posts | median ms | p99 ms | max ms | bot resident, max |",
            "|---|---|---|---|---|---|"]
    for key, n in (("none", 0), ("many", m["clients"])):
        lt = m[key + "_late"]
        out.append("| %d | %d | %.3f | %.3f | %.3f | %.1f MiB |" %
                   (n, lt["n"], lt["median"], lt["p99"], lt["max"],
                    m[key + "_rss_kib"] / 1024.0))
    out.append("")
    out.append("Each reading client got at least %d events. The board's threads "
               "that serve the clients run at nice 10 (Linux): they take the CPU the posting and the capture leave; "
               "a first version without that let one post of 40 arrive 111 ms late with 200 "
               "clients on this 2-core machine." % m["events_min"])
    out.append("")
    none, many = m["none_late"], m["many_late"]
    targets.append(("Board: 200 browsers do not delay a post beyond the usual (max within "
                    "1 ms of the run without)", many["max"] <= none["max"] + 1.0,
                    "max %.3f ms with, %.3f ms without" % (many["max"], none["max"])))
    return out


def main():
    if len(sys.argv) != 2:
        print("usage: results.py OUT.md", file=sys.stderr)
        return 2
    meta = load("meta.json")
    targets = []
    body = []
    body += punctual(load("punctual.json"), targets)
    body += rest(load("rest.json"), targets)
    c_out, runs = chat(load("chat.json"), targets)
    body += c_out
    body += capture(load("capture.md"), runs, targets)
    body += report(load("report.md"), targets)
    body += bsky(load("bsky.json"), targets)
    body += masto(load("masto.json"), targets)
    body += care_section(load("care.json"), targets)
    body += board_section(load("board.json"), targets)
    out = ["# chathost benchmarks", "",
           "Written by `make bench` (bench/run); figures as min / median / max over at least "
           "5 runs unless said otherwise. Issue 9.", ""]
    out += machine(meta)
    out += ["## Targets", "", "| target | | measured |", "|---|---|---|"]
    for name, ok, fig in targets:
        if "no target" in name:
            out.append("| %s | - | %s |" % (name, fig))
        else:
            out.append("| %s | %s | %s |" % (name, met(ok), fig))
    out.append("")
    out += body
    prof = os.path.join(B.BENCH, "profile.md")
    if os.path.exists(prof):
        with open(prof) as f:
            out += f.read().strip().splitlines()
        out.append("")
    with open(sys.argv[1] + ".tmp", "w") as f:
        f.write("\n".join(out) + "\n")
    os.replace(sys.argv[1] + ".tmp", sys.argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main())
