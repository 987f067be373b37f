"""A caption on every function a page shows from the package: which file it comes from.

Pages show functions of ``glossary_examples/<term>.py`` with ``literalinclude``;
without a caption a reader cannot tell that code from a cell run at build
time, nor where the rest of it lives. The caption names the file and the
function; the page's download has the whole program.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes

if TYPE_CHECKING:
    from sphinx.application import Sphinx

PACKAGE = "glossary_examples"
CAPTION_CLASS = "source-caption"
# The name of the function or class a block shows (after its decorators).
DEFINED = re.compile(r"^(?:@[^\n]*\n)*(?:async\s+)?(?:def|class)\s+(\w+)")


def caption_text(source: str, pyobject: str | None) -> str | None:
    """``glossary_examples/dropout.py · dropout_once``, or None for a file outside the package.

    >>> caption_text("/x/glossary_examples/dropout.py", "dropout_once")
    'glossary_examples/dropout.py · dropout_once'
    >>> caption_text("/x/docs/snippet.py", None) is None
    True
    """
    path = Path(source)
    if PACKAGE not in path.parts[:-1]:
        return None
    relative = "/".join(path.parts[path.parts.index(PACKAGE):])
    return f"{relative} · {pyobject}" if pyobject else relative


def add_captions(app: Sphinx, doctree: nodes.document) -> None:
    for block in list(doctree.findall(nodes.literal_block)):
        if isinstance(block.parent, nodes.container) and block.parent.get("literal_block"):
            continue  # a caption of its own already
        source = block.get("source")
        shown = DEFINED.match(block.astext())
        text = caption_text(source, shown[1] if shown else None) if source else None
        if text is None:
            continue
        wrapper = nodes.container("", literal_block=True, classes=["literal-block-wrapper", CAPTION_CLASS])
        wrapper += nodes.caption(text, "", nodes.literal(text, text))
        block.replace_self(wrapper)
        wrapper += block
        doctree.set_id(wrapper)  # the HTML writer gives a caption a permalink


def setup(app: Sphinx) -> None:
    app.connect("doctree-read", add_captions)
