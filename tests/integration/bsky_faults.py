#!/usr/bin/env python3
"""bsky_chat.py's chat on Bluesky's reference servers with faults: the
access token expires after Q1 (refreshed, nothing lost) and the PDS goes
down for 2 s over Q3's instant (Q3 posted once when it is back). On a
network of its own: these faults would reach every test on a shared one."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bsky_chat  # noqa: E402

bsky_chat.main(["faults"])
