"""chatday - a short chat at a real instant, for the tests of chat-day
mishaps (tests/integration/chatday_*.py).

short_chat(d, start) writes a schedule and a topic file for a 10-minute chat
(intro, Q1..Q3 a minute apart, wrap-up at 10) that starts at the real epoch
instant `start`, in UTC, with the date and weekday that instant has. A start
in the past makes a "real" chat (not a rehearsal) whose posts are all due at
once, within late_limit: a real chat that a test can run in seconds.
"""
import os
import time

from itest import WEEKDAYS, wait_until, write_schedule  # noqa: F401 (wait_until: for the chatday scripts)
QUESTIONS = ["What is your biggest pet peeve?",
             "Which peeve do you see in your own team?",
             "What one change would fix it?"]


def topic_text(date, questions=QUESTIONS, tag="#ICMIchat"):
    qs = ",\n".join('  "%s"' % q for q in questions)
    return ('date = "%s";\ntitle = "Pet peeves";\n'
            'intro = "Welcome to %s! Today: pet peeves. Answer with A1, A2...";\n'
            'questions = (\n%s\n);\n'
            'wrapup = "Thanks for joining %s!";\n' % (date, tag, qs, tag))


def short_chat(d, start, name="testchat", write_topic=True, **extra):
    """(schedule path, date, topic path) of a 10-minute chat at `start`."""
    tm = time.gmtime(start)
    date = time.strftime("%Y-%m-%d", tm)
    tdir = os.path.join(d, "topics")
    os.makedirs(tdir, exist_ok=True)
    topic = os.path.join(tdir, date + ".conf")
    if write_topic:
        with open(topic, "w") as f:
            f.write(topic_text(date))
    keys = dict(weekday='"%s"' % WEEKDAYS[tm.tm_wday],
                time='"%02d:%02d"' % (tm.tm_hour, tm.tm_min),
                timezone='"UTC"', duration="10", first_question="1",
                question_interval="1", capture_after="1", late_limit="30")
    keys.update(extra)
    sched = write_schedule(d, name=name, topics=tdir, **keys)
    return sched, date, topic


def minute_start(offset):
    """The start of the minute `offset` seconds from now (epoch)."""
    t = int(time.time() + offset)
    return t - t % 60


def host_ids_of(fake, host_id="1700000000000000001"):
    """Ids of the posts the fake server holds from the host account."""
    return set(tw["id"] for tw in fake.tweets() if tw.get("author_id") == host_id)
