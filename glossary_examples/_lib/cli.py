"""Command line: list the terms, show an example's source, run an example.

    python -m glossary_examples list
    python -m glossary_examples show dropout
    python -m glossary_examples run dropout [--save-figures DIR]
    python -m glossary_examples run handwritten-digits --mnist

A term is named by its slug or by any of its names, in English or Chinese
(``run 暂退法``, ``run SGD``, ``run mini_batch``): case, spaces, hyphens and
underscores do not matter (:func:`registry.resolve`).

Exit status: 0 on success, 2 for bad usage or an unknown term (the error names
the closest name and its term), 1 if an example itself fails.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
import unicodedata
from pathlib import Path

from . import registry
from .page import run_page

EXIT_USAGE = 2
TERM_HELP = "the term: its slug or any of its names, e.g. dropout, Dropout or 暂退法"
MNIST_TERM = "handwritten-digits"  # the one example with a data set to download


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m glossary_examples",
        description="The runnable examples of the deep-learning glossary (深度学习术语表).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("list", help="list the terms with their Chinese names")
    show = sub.add_parser("show", help="print the source of a term's example")
    show.add_argument("term", help=TERM_HELP)
    run = sub.add_parser("run", help="run a term's example and print what its page shows")
    run.add_argument("term", help=TERM_HELP)
    run.add_argument(
        "--save-figures",
        metavar="DIR",
        type=Path,
        help="also draw the page's figures and save them as PNG files in DIR"
        " (named <term>-<figure>.png)",
    )
    run.add_argument(
        "--mnist",
        action="store_true",
        help=f"{MNIST_TERM} only: train the same network on MNIST instead "
        "(downloads about 11 MB the first time; needs internet)",
    )
    return parser


def width(text: str) -> int:
    """Columns ``text`` takes in a terminal: a Chinese character (wide or full-width) takes two.

    >>> width("dropout"), width("暂退法"), width("S 型神经元")
    (7, 6, 10)
    """
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def pad(text: str, columns: int) -> str:
    """``text`` followed by spaces up to ``columns`` terminal columns."""
    return text + " " * (columns - width(text))


def _list() -> int:
    """Slug, English name and Chinese name of every term, in columns, by section."""
    slug_width = max(width(t.slug) for t in registry.TERMS)
    name_width = max(width(t.name) for t in registry.TERMS)
    for section in registry.sections():
        print(f"{section.name} · {section.zh}")
        for t in registry.terms_in(section.key):
            print(f"  {pad(t.slug, slug_width)}  {pad(t.name, name_width)}  {t.zh}")
    print("\nshow and run take a slug or any name of a term: run dropout, run 暂退法, run SGD")
    return 0


def _module(slug: str):
    return importlib.import_module(f"glossary_examples.{registry.term(slug).module}")


def _show(slug: str) -> int:
    print(inspect.getsource(_module(slug)), end="")
    return 0


def _run(slug: str, figure_dir: Path | None) -> int:
    module = _module(slug)
    if figure_dir is not None:
        import matplotlib

        matplotlib.use("Agg")  # files only: works without a display
        figure_dir.mkdir(parents=True, exist_ok=True)
    # Without --save-figures the plots are not drawn at all (see run_page).
    run_page(module.PAGE, slug, figure_dir)
    return 0


def _run_mnist(slug: str) -> int:
    if slug != MNIST_TERM:
        print(f"error: --mnist goes with {MNIST_TERM}, not {slug}", file=sys.stderr)
        return EXIT_USAGE
    _module(slug).train_on_mnist()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            return _list()
        slug = registry.resolve(args.term).slug
        if args.command == "show":
            return _show(slug)
        if args.mnist:
            return _run_mnist(slug)
        return _run(slug, args.save_figures)
    except registry.UnknownTermError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
