"""A term's page as a sequence: the module's ``PAGE``, run in order.

Every term module ends with ``PAGE``, the functions its page's code cells
call, in the page's order (``tests/test_pages.py`` checks the two agree). A
page cell has one of three shapes, one per prefix:

- ``show_*()`` prints and returns None;
- ``plot_*()`` returns a matplotlib figure (the page shows it);
- ``check_*()`` returns a :class:`~.claims.ClaimCheck` (the page prints it).

:func:`run_page` is what ``python -m glossary_examples run`` does with it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from .claims import ClaimCheck


def figure_name(fn: Callable) -> str:
    """The name of the figure a ``plot_`` function draws, for its file name.

    >>> def plot_thinned_networks(): pass
    >>> figure_name(plot_thinned_networks)
    'thinned-networks'
    """
    return fn.__name__.removeprefix("plot_").replace("_", "-")


def run_page(page: Sequence[Callable], slug: str, figure_dir: Path | None = None) -> list[Path]:
    """Call each function of ``page`` in order and print what the page prints.

    A :class:`~.claims.ClaimCheck` result is printed, a figure is saved as
    ``<figure_dir>/<slug>-<figure name>.png`` (and closed), None is nothing.
    Returns the paths of the saved figures.

    Without ``figure_dir`` the ``plot_`` functions are not called at all: a
    plot prints nothing and drawing costs time, so the printed output is the
    same either way. (A plot that changed the random state for later cells
    would make that untrue: every function seeds what it draws, and
    ``tests/test_site.py`` compares ``run`` with the built page for two terms.)
    """
    saved = []
    for fn in page:
        if figure_dir is None and fn.__name__.startswith("plot_"):
            continue
        result = fn()
        if result is None:
            continue
        if isinstance(result, ClaimCheck):
            print(result)
        elif hasattr(result, "savefig"):  # a matplotlib figure
            import matplotlib.pyplot as plt

            if figure_dir is not None:
                path = figure_dir / f"{slug}-{figure_name(fn)}.png"
                result.savefig(path, dpi=100)
                saved.append(path)
                print(f"saved {path}")
            plt.close(result)
        else:
            raise TypeError(
                f"{fn.__module__}.{fn.__name__}() returned an object of type"
                f" {type(result).__name__}; a page function returns None, a figure or a ClaimCheck"
            )
    return saved
