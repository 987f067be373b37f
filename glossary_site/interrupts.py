"""Ctrl-C (or SIGTERM) stops a build within seconds, quietly, leaving nothing running.

In the terminal, Ctrl-C reaches every process of the build's process group:
the build, Sphinx's parallel readers and the fork server. Left to Python's
defaults, each would print a ``KeyboardInterrupt`` traceback, the build would
then wait for its readers to finish their pages (multiprocessing joins its
children at exit), and kernels could outlive it. Instead:

- the build turns the signal into :class:`BuildInterrupted`, which Sphinx does
  not catch (it catches ``KeyboardInterrupt`` and prints "Interrupted!");
- the readers, which Sphinx forks from the build, ignore SIGINT and keep
  SIGTERM's default: the build ends them (:func:`end_child_processes`), and
  their kernels follow their parent within a second (ipykernel watches it);
- the fork server ignores SIGINT too, and kills its kernels when it is
  stopped (:mod:`glossary_site.forkserver`).

The build then prints one line and ends by the same signal, so that a shell
loop or ``make`` sees an interrupted command.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
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


def _in_forked_child() -> None:
    """Sphinx's readers: Ctrl-C is the build's to handle; SIGTERM ends them at once."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


_registered = False


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Inside the block, SIGINT and SIGTERM raise :class:`BuildInterrupted`."""
    global _registered
    if not _registered:
        os.register_at_fork(after_in_child=_in_forked_child)
        _registered = True
    previous = {s: signal.signal(s, _interrupt) for s in SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def end_child_processes(timeout: float = 5.0) -> None:
    """Terminate the processes Sphinx forked (its readers or writers), and wait for them."""
    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    for child in children:
        child.join(timeout)
        if child.is_alive():
            child.kill()
            child.join()


def end_by_signal(signum: int) -> None:
    """Exit the way an uncaught signal would, after the clean-up."""
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)
