"""Ctrl-C (or SIGTERM) stops a build within seconds, quietly, leaving nothing running.

A build is two processes. The command (:mod:`glossary_site.engine.build`) supervises;
Sphinx runs in a child (:mod:`glossary_site.engine.publish`) in a process group of
its own, with its parallel readers and the fork server. Ctrl-C in the
terminal reaches the command only. The command then kills the child's whole
process group and every kernel the build started, restores the last good
site if the child was stopped while publishing, removes the build's
temporary folder, prints one line and ends by the same signal, so that a
shell loop or ``make`` sees an interrupted command.

Why not handle the signal inside the Sphinx process: Python runs a signal
handler wherever the main thread happens to be, and an exception it raises
inside one of ``os.fork``'s at-fork hooks (Sphinx forks its readers; logging
registers such hooks) is printed and dropped: the build went on without its
readers and crashed. The readers would also inherit the handler, and
nbclient, which they run, answers SIGINT and SIGTERM by shutting its kernel
down while a cell still runs (the kernel then prints tracebacks).

If the command itself is killed (``kill -9``), the Sphinx process dies with
it, and its readers with it (Linux: ``PR_SET_PDEATHSIG``); the fork server
notices within a second and kills its kernels; fresh kernels notice their
reader's death within a second. The next build removes the temporary folder.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

from .. import settings

SIGNALS = (signal.SIGINT, signal.SIGTERM)
KERNELS = "kernels"  # in that folder: one empty file per running kernel, named by its pid
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class Interrupted(BaseException):
    """The command was asked to stop (SIGINT or SIGTERM)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def stop(signum: int, frame) -> None:
    """Raise :class:`Interrupted` (the handler :func:`stop_on_signals` installs)."""
    for s in SIGNALS:  # once is enough: the clean-up that follows must not be cut short
        signal.signal(s, signal.SIG_IGN)
    raise Interrupted(signum)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """In the command: inside the block, SIGINT and SIGTERM raise :class:`Interrupted`."""
    previous = {s: signal.signal(s, stop) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def end_by_signal(signum: int) -> None:
    """Exit the way an uncaught signal would, after the clean-up."""
    sys.stdout.flush()
    sys.stderr.flush()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


def die_with(parent: int) -> None:
    """Be killed when process ``parent`` ends (Linux; elsewhere, a no-op)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it ended before the request took effect
        os._exit(1)


def forked_children_die_with_this_process() -> None:
    """In the Sphinx process: the processes it forks (parallel readers) die with it."""
    me = os.getpid()

    def in_child() -> None:
        if os.getppid() == me:  # not a process that one of those forks in turn
            die_with(me)

    os.register_at_fork(after_in_child=in_child)


# --- kernels: every kernel the build starts is noted, so that it can be ended -----

def _kernel_notes() -> Path | None:
    folder = os.environ.get(settings.TEMP_ENV)
    return Path(folder) / KERNELS if folder else None


def note_kernel(pid: int) -> None:
    """A kernel process started (it leads its own session); no-op outside a supervised build."""
    notes = _kernel_notes()
    if notes is not None:
        notes.mkdir(exist_ok=True)
        (notes / str(pid)).touch()


def forget_kernel(pid: int) -> None:
    notes = _kernel_notes()
    if notes is not None:
        (notes / str(pid)).unlink(missing_ok=True)


def kill_noted_kernels() -> None:
    """Kill every kernel still noted, with what it started (a finished build has none)."""
    notes = _kernel_notes()
    for note in notes.glob("*") if notes is not None and notes.is_dir() else []:
        with contextlib.suppress(OSError, ValueError):
            os.killpg(int(note.name), signal.SIGKILL)
        note.unlink(missing_ok=True)
