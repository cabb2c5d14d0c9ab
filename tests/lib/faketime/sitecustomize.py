"""sitecustomize for the test tools under libfaketime (make check-dates).

tests/run-all puts this folder first on PYTHONPATH only when the suite runs
under libfaketime. Debian 12's libfaketime (0.9.10) shifts CLOCK_MONOTONIC
but does not wrap sem_clockwait, which Python 3.11 uses for a lock acquired
with a timeout: the deadline is on the shifted clock, the kernel waits on the
real one, and threading.Event.wait(0.2), queue.get(timeout=...) or
Thread.join(timeout) never return. Here those waits poll instead: a
non-blocking try, then time.sleep (clock_nanosleep, which libfaketime does
wrap) of at most 5 ms, until the deadline. Nothing else changes."""
import threading
import time

_real_allocate = threading._allocate_lock


class _PolledLock:
    """threading.Lock, whose timed acquire polls."""
    __slots__ = ("_lock",)

    def __init__(self):
        self._lock = _real_allocate()

    def acquire(self, blocking=True, timeout=-1):
        if not blocking or timeout is None or timeout < 0:
            return self._lock.acquire(blocking)
        end = time.monotonic() + timeout
        nap = 0.0001
        while True:
            if self._lock.acquire(False):
                return True
            if time.monotonic() >= end:
                return False
            time.sleep(nap)
            nap = min(nap * 2, 0.005)

    def release(self):
        self._lock.release()

    def locked(self):
        return self._lock.locked()

    def _at_fork_reinit(self):
        self._lock._at_fork_reinit()

    def __enter__(self):
        return self.acquire()

    def __exit__(self, *exc):
        self._lock.release()


_real_wait_tstate = threading.Thread._wait_for_tstate_lock


def _wait_for_tstate_lock(self, block=True, timeout=-1):
    """Thread.join(timeout): tries the thread's end lock until the deadline."""
    if not block or timeout is None or timeout < 0:
        return _real_wait_tstate(self, block, timeout)
    end = time.monotonic() + timeout
    while True:
        _real_wait_tstate(self, False)
        if self._tstate_lock is None or time.monotonic() >= end:
            return
        time.sleep(0.002)


threading._allocate_lock = _PolledLock
threading.Lock = _PolledLock
threading.Thread._wait_for_tstate_lock = _wait_for_tstate_lock
