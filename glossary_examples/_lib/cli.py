"""Command line: list the terms, show an example's source, run an example.

    python -m glossary_examples list
    python -m glossary_examples show dropout
    python -m glossary_examples run dropout [--save-figures DIR]
    python -m glossary_examples run handwritten-digits --mnist

Exit status: 0 on success, 2 for bad usage or an unknown term (the error names
the closest term), 1 if an example itself fails.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import sys
from pathlib import Path

from . import registry
from .page import run_page

EXIT_USAGE = 2
MNIST_TERM = "handwritten-digits"  # the one example with a data set to download


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m glossary_examples",
        description="The runnable examples of the deep-learning glossary (深度学习术语表).",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    sub.add_parser("list", help="list the terms with their Chinese names")
    show = sub.add_parser("show", help="print the source of a term's example")
    show.add_argument("slug", help="the term, e.g. dropout")
    run = sub.add_parser("run", help="run a term's example and print what its page shows")
    run.add_argument("slug", help="the term, e.g. dropout")
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


def _list() -> int:
    for section in registry.sections():
        print(f"{section.name} · {section.zh}")
        for t in registry.terms_in(section.key):
            print(f"  {t.slug:<22} {t.name} · {t.zh}")
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
    if registry.term(slug).slug != MNIST_TERM:
        print(f"error: --mnist goes with {MNIST_TERM}, not {slug}", file=sys.stderr)
        return EXIT_USAGE
    _module(slug).train_on_mnist()
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            return _list()
        if args.command == "show":
            return _show(args.slug)
        if args.mnist:
            return _run_mnist(args.slug)
        return _run(args.slug, args.save_figures)
    except registry.UnknownTermError as err:
        print(f"error: {err}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":
    sys.exit(main())
