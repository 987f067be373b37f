"""Measured numbers in a page's prose come from its code: a typed one fails the build.

A number that a run measured (a loss, an accuracy, a gap, a ratio) must reach
the prose through myst-nb's glue, ``{glue:text}`key:.3f```: the code cell
hands the value over (``glossary_examples._lib.report.glue``) and the text
shows what this run computed. A library upgrade that changes the number then
changes the prose with it.

This check reads each page's doctree after parsing, when glued values are
already pasted in, and reports every number in running text that looks
measured: a decimal (``0.69``, ``2.5×``), a percentage (``97 %``) or a
number in scientific notation (``3e-4``). It skips what is not prose: code
and literals, math (``$0.25$`` is how a page writes a constant fixed by
definition, such as σ′ ≤ 1/4), pasted glue values, cell outputs, and section
references (``§4.6``), and the source claims a claim box quotes (the
source's words, numbers included, are what the page checks). Whole numbers are not checked: on these pages they are
sizes, counts and years that the text sets rather than measures.
"""

from __future__ import annotations

import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

from . import upstream
from .claims import CLAIM_TEXT_CLASS
from .terms import slug_of

logger = logging.getLogger(__name__)

# A decimal, a percentage or scientific notation, not part of a word or of a
# longer dotted number (a version such as 3.15.1 is written as code).
MEASURED = re.compile(
    r"(?<![\w.§])"
    r"(?:\d+(?:\.\d+)?\s?%"  # 97 %, 0.5%
    r"|\d*\.\d+(?:[eE][-+−]?\d+)?(?![\d.]*\w)"  # 0.69, .5, 2.5e-3
    r"|\d+[eE][-+−]?\d+)"  # 1e-7
)
# Containers whose text is not prose the page's author typed.
SKIPPED = (
    nodes.literal, nodes.literal_block, nodes.math, nodes.math_block, nodes.raw,
    nodes.comment, nodes.system_message, nodes.image, nodes.target,
)
PASTED = upstream.glue_paste_class()  # marks a value pasted by {glue:text}
QUOTED = CLAIM_TEXT_CLASS  # a source claim, quoted as its source wrote it (from terms.toml)


def _skipped(node: nodes.Node) -> bool:
    while node is not None:
        if isinstance(node, SKIPPED):
            return True
        if isinstance(node, nodes.Element):
            classes = node.get("classes", [])
            if PASTED in classes or "cell_output" in classes or "cell" in classes:
                return True
            if QUOTED in classes:
                return True
        node = node.parent
    return False


def _line(node: nodes.Node) -> int | None:
    while node is not None:
        if getattr(node, "line", None):
            return node.line
        node = node.parent
    return None


def typed_numbers(doctree: nodes.Node) -> list[tuple[int | None, str, str]]:
    """``(line, number, sentence)`` for each measured-looking number typed in the prose."""
    found = []
    for text in doctree.findall(nodes.Text):
        if _skipped(text.parent):
            continue
        for match in MEASURED.finditer(str(text)):
            start = max(0, match.start() - 30)
            context = str(text)[start:match.end() + 30].replace("\n", " ")
            found.append((_line(text.parent), match.group().strip(), context))
    return found


def check_typed_numbers(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.current_document.docname
    if slug_of(docname) is None:
        return
    for line, number, context in typed_numbers(doctree):
        logger.error(
            "the number %r in the prose is typed by hand (…%s…); insert the value the code "
            "computed with {glue:text}`key:fmt` (a constant fixed by definition goes in math, $…$)",
            number, context, location=(docname, line) if line else docname,
            type="glossary", subtype="typed-number",
        )


def setup(app: Sphinx) -> None:
    app.connect("doctree-read", check_typed_numbers)
