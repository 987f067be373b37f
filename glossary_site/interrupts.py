"""Ctrl-C (or SIGTERM) stops a build within seconds, quietly, leaving nothing running.

In the terminal, Ctrl-C reaches every process of the build's process group:
the build, Sphinx's parallel readers and the fork server. Left to Python's
defaults, each would print a ``KeyboardInterrupt`` traceback, the build would
then wait for its readers to finish their pages (multiprocessing joins its
children at exit), and kernels could outlive it. Instead:

- the build turns the signal into :class:`BuildInterrupted`, which Sphinx does
  not catch (it catches ``KeyboardInterrupt`` and prints "Interrupted!");
- the readers, which Sphinx forks from the build, move to process groups of
  their own, so Ctrl-C never reaches them: nbclient, which they run, answers
  SIGINT and SIGTERM by shutting its kernel down while a cell still runs, and
  the kernel then prints tracebacks. The build kills them instead
  (:func:`end_child_processes`), and their kernels follow their parent within
  a second (ipykernel watches it). On Linux a reader also dies with the build
  (``PR_SET_PDEATHSIG``), so ``kill -9`` of the build leaves no reader running;
- the fork server ignores SIGINT, and kills its kernels when it is stopped,
  or when the build is gone (:mod:`glossary_site.forkserver`).

The build then prints one line and ends by the same signal, so that a shell
loop or ``make`` sees an interrupted command.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Iterator

SIGNALS = (signal.SIGINT, signal.SIGTERM)


class BuildInterrupted(BaseException):
    """The build was asked to stop (not a KeyboardInterrupt: Sphinx must not catch it)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _interrupt(signum: int, frame) -> None:
    for s in SIGNALS:  # once is enough: the clean-up that follows must not be cut short
        signal.signal(s, signal.SIG_IGN)
    raise BuildInterrupted(signum)


_PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _die_with_parent(parent: int) -> None:
    """Linux: be killed when ``parent`` ends (elsewhere, a killed build's reader finishes its page)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it ended before the request took effect
        os._exit(1)


def _in_forked_child(parent: int) -> None:
    """Sphinx's readers and writers: out of reach of Ctrl-C; the build ends them."""
    os.setpgid(0, 0)
    for s in SIGNALS:
        signal.signal(s, signal.SIG_DFL)
    if sys.platform.startswith("linux"):
        _die_with_parent(parent)


_registered = False


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Inside the block, SIGINT and SIGTERM raise :class:`BuildInterrupted`."""
    global _registered
    if not _registered:
        build = os.getpid()
        os.register_at_fork(after_in_child=lambda: _in_forked_child(build))
        _registered = True
    previous = {s: signal.signal(s, _interrupt) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def end_child_processes() -> None:
    """Kill the processes Sphinx forked (readers or writers), and wait for them.

    SIGKILL, not SIGTERM: a reader running a notebook has nbclient's SIGTERM
    handler, which shuts the kernel down as if the page had ended.
    """
    children = multiprocessing.active_children()
    for child in children:
        child.kill()
    for child in children:
        child.join()


def end_by_signal(signum: int) -> None:
    """Exit the way an uncaught signal would, after the clean-up."""
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
