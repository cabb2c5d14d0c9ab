#!/usr/bin/env python3
"""chathost is not dumpable (issue 30, item 12): the keys and tokens it
reads never reach a core file, and no other process of the user's may read
its memory. Linux shows it in /proc: a process that is not dumpable has its
/proc/PID files owned by root. The binary is run as an ordinary user
(as root: nobody, from a copy in a temporary folder that user can reach)
while it waits on its standard input."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
from itest import BIN, Tap  # noqa: E402

t = Tap()
tmp = tempfile.mkdtemp(prefix="chathost-nodump-")
try:
    os.chmod(tmp, 0o755)
    exe = os.path.join(tmp, "chathost")
    shutil.copy(BIN, exe)
    os.chmod(exe, 0o755)
    kw = {"user": 65534, "group": 65534} if os.geteuid() == 0 else {}
    uid = 65534 if os.geteuid() == 0 else os.geteuid()
    p = subprocess.Popen([exe, "length"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, cwd=tmp, **kw)
    time.sleep(0.5)
    st = os.stat("/proc/%d/status" % p.pid)
    owner = os.stat("/proc/%d/environ" % p.pid).st_uid
    out, err = p.communicate(b"hello\n", timeout=20)
    t.ok(p.returncode == 0 and out.strip() == b"5 ok", "it ran as uid %d (%r)" % (uid, out))
    t.ok(uid != 0 and st.st_uid == 0 and owner == 0,
         "its /proc files are root's, not its user's: not dumpable (owner %d)" % owner)
finally:
    shutil.rmtree(tmp, ignore_errors=True)
t.done()
