"""One build at a time per checkout.

Two builds of the same checkout would share the doctrees, the execution
cache, the fingerprints and the staging folder, and the one that started
second would delete the staging folder of the other. So a build first takes
an exclusive ``flock`` on ``_build/.lock``; a second build says once that it
is waiting, and waits. The operating system releases the lock when the build
ends, however it ends (even ``kill -9``): a lock is never left stale.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def build_lock(path: Path, describe: str) -> Iterator[None]:
    """Hold the lock at ``path`` for the block; ``describe`` says who holds it, for a waiter."""
    said = False
    while True:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)  # not inherited by exec'd programs
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not said:
                holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another build"
                print(f"waiting for {holder} to finish (one build at a time per checkout) ...",
                      file=sys.stderr, flush=True)
                said = True
            fcntl.flock(fd, fcntl.LOCK_EX)
        # The file may have been removed (rm -rf _build) while we waited for it:
        # a lock on a file nobody else can open any more excludes nobody.
        if path.exists() and os.stat(path).st_ino == os.fstat(fd).st_ino:
            break
        os.close(fd)
    try:
        os.ftruncate(fd, 0)
        os.pwrite(fd, describe.encode(), 0)
        yield
    finally:
        os.close(fd)  # releases the lock
