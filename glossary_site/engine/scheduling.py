"""Parallel reading as a queue of single pages, so every core stays busy to the end.

Sphinx hands each parallel reader process a *chunk* of documents
(``sphinx.util.parallel.make_chunks``): 49 pages on 2 processes become
chunks of 15, 15, 15 and 4. That suits documents that take milliseconds to
read. Ours execute seconds of code each, so whichever process draws the last
chunk of 15 works on for half a minute while the other core idles. While
pages are read, this module makes every chunk one page long: each process
takes the next page as soon as it is done. Writing keeps Sphinx's chunks
(it is cheap per page, and a chunk per page would only add forks).

Sphinx has no setting for the chunk size (sphinx-doc/sphinx#6330), so the
function its builders call is replaced, once, through
:func:`glossary_site.upstream.replace_chunking`, and only changes anything
between ``env-before-read-docs`` and ``env-updated`` of a build with the engine
extension (``make bench``'s stock baseline, without it, keeps Sphinx's chunks).
A build that stops in between leaves it off: it is reset when the next build
starts and when a build finishes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sphinx.application import Sphinx
from sphinx.util.parallel import make_chunks as _sphinx_make_chunks

from .. import upstream

_reading = False  # between env-before-read-docs and env-updated of a build that wants it


def make_chunks(arguments: Sequence[str], nproc: int, maxbatch: int = 10) -> list[Any]:
    """One page per chunk while reading; Sphinx's own chunks otherwise.

    >>> from glossary_site.engine import scheduling
    >>> pages = [f"p{i}" for i in range(49)]
    >>> [len(chunk) for chunk in make_chunks(pages, 2)]  # Sphinx's own, as when writing
    [15, 15, 15, 4]
    >>> scheduling._reading = True
    >>> make_chunks(pages, 2)[:3]
    [['p0'], ['p1'], ['p2']]
    >>> scheduling._reading = False
    """
    if _reading:
        return [[name] for name in arguments]
    return _sphinx_make_chunks(arguments, nproc, maxbatch)


def _start_reading(app: Sphinx, env, docnames: list[str]) -> None:
    global _reading
    _reading = True


def _stop_reading(app: Sphinx, *args) -> None:
    global _reading
    _reading = False


def setup(app: Sphinx) -> None:
    upstream.replace_chunking(make_chunks)
    app.connect("builder-inited", _stop_reading)
    app.connect("env-before-read-docs", _start_reading, priority=999)
    app.connect("env-updated", _stop_reading, priority=1)
    app.connect("build-finished", _stop_reading)
