"""Ctrl-C (or SIGTERM) stops a build within seconds, quietly, leaving nothing running.

In the terminal, Ctrl-C reaches every process of the build's process group.
Left to Python's defaults, each would print a ``KeyboardInterrupt`` traceback,
the build would then wait for its readers to finish their pages
(multiprocessing joins its children at exit), and kernels could outlive it.
Instead:

- the build turns the signal into :class:`BuildInterrupted`, which Sphinx does
  not catch (it catches ``KeyboardInterrupt`` and prints "Interrupted!"), after
  killing Sphinx's readers at once: Sphinx itself would send them SIGTERM on
  the way out, and nbclient, which they run, answers SIGTERM (and SIGINT) by
  shutting its kernel down while a cell still runs, and the kernel then prints
  tracebacks;
- the readers, which Sphinx forks from the build, move to process groups of
  their own, so Ctrl-C never reaches them, and on Linux die with the build
  (``PR_SET_PDEATHSIG``), so that ``kill -9`` of the build leaves no reader
  running. Signals stay blocked across the fork until the reader is set up;
- the fork server runs in a process group of its own, and kills its kernels
  when it is stopped or when the build is gone; fresh kernels are killed by
  the build (:mod:`glossary_site.kernels`).

The build then prints one line and ends by the same signal, so that a shell
loop or ``make`` sees an interrupted command. While it cleans up, and while it
publishes a site, signals wait (:func:`deferred`).
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import sys
from collections.abc import Iterator

from . import upstream

SIGNALS = (signal.SIGINT, signal.SIGTERM)
_PR_SET_PDEATHSIG = 1  # linux/prctl.h


class BuildInterrupted(BaseException):
    """The build was asked to stop (not a KeyboardInterrupt: Sphinx must not catch it)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def kill_sphinx_children() -> None:
    """Kill the processes Sphinx forked (readers or writers), and wait for them.

    SIGKILL, not SIGTERM: a reader running a notebook has nbclient's SIGTERM
    handler, which shuts the kernel down as if the page had ended.
    """
    children = upstream.sphinx_child_processes()
    for child in children:
        child.kill()
    for child in children:
        child.join()


def _interrupt(signum: int, frame) -> None:
    for s in SIGNALS:  # once is enough: the clean-up that follows must not be cut short
        signal.signal(s, signal.SIG_IGN)
    kill_sphinx_children()  # before Sphinx's own clean-up sends them SIGTERM
    raise BuildInterrupted(signum)


def _die_with(parent: int) -> None:
    """Linux: be killed when ``parent`` ends."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent:  # it ended before the request took effect
        os._exit(1)


_mask_before_fork: set = set()


def _before_fork() -> None:
    global _mask_before_fork
    _mask_before_fork = signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)


def _after_fork_in_parent() -> None:
    signal.pthread_sigmask(signal.SIG_SETMASK, _mask_before_fork)


def _after_fork_in_child(build: int) -> None:
    """A process the build forked: out of reach of Ctrl-C; the build ends it."""
    if os.getppid() == build:  # not a process one of those forks in turn
        os.setpgid(0, 0)
        for s in SIGNALS:
            signal.signal(s, signal.SIG_DFL)
        if sys.platform.startswith("linux"):
            _die_with(build)
    signal.pthread_sigmask(signal.SIG_SETMASK, _mask_before_fork)


_registered_for: int | None = None


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Inside the block, SIGINT and SIGTERM raise :class:`BuildInterrupted`."""
    global _registered_for
    build = os.getpid()
    if _registered_for != build:
        # (fork hooks cannot be unregistered: outside the block they only move a
        # forked child to its own process group and tie it to this process)
        os.register_at_fork(before=_before_fork, after_in_parent=_after_fork_in_parent,
                            after_in_child=lambda: _after_fork_in_child(build))
        _registered_for = build
    previous = {s: signal.signal(s, _interrupt) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Hold SIGINT and SIGTERM back for the block; one that came is acted on after it."""
    signal.pthread_sigmask(signal.SIG_BLOCK, SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)


def end_by_signal(signum: int) -> None:
    """Exit the way an uncaught signal would, after the clean-up."""
    sys.stdout.flush()
    sys.stderr.flush()
    signal.signal(signum, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, SIGNALS)
    os.kill(os.getpid(), signum)
