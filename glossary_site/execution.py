"""Name the page and the cell when an example fails during the build.

myst-nb is configured (``conf.py``) to keep going after a failing cell and to
render the traceback as the cell's output; this hook turns every such output
into a build error located at the cell's line in the page, with the exception
line in the message, so the log says *which page, which cell, what error*.
With ``-W`` the build then fails.
"""

from __future__ import annotations

import logging as std_logging
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

from .myst import code_cells

logger = logging.getLogger(__name__)


def cell_nodes(doctree: nodes.document) -> list[nodes.container]:
    """The code cells of an executed page, in order."""
    return [
        n for n in doctree.findall(nodes.container) if n.get("nb_element") == "cell_code"
    ]


def failed_cells(doctree: nodes.document) -> list[tuple[int, nodes.container, str]]:
    """(1-based code-cell number, cell node, last traceback line) per failed cell."""
    failed = []
    for number, cell in enumerate(cell_nodes(doctree), start=1):
        for block in cell.findall(nodes.literal_block):
            if "traceback" in block.get("classes", []):
                lines = [ln for ln in block.astext().splitlines() if ln.strip()]
                failed.append((number, cell, lines[-1] if lines else "error"))
    return failed


def report_failed_cells(app: Sphinx, doctree: nodes.document) -> None:
    failures = failed_cells(doctree)
    if not failures:
        return
    docname = app.env.current_document.docname
    page = Path(app.env.doc2path(docname)).read_text(encoding="utf-8")
    fences = [cell.line for cell in code_cells(page)]
    for number, cell, error in failures:
        source = cell.children[0].astext() if cell.children else ""
        last_line = source.strip().splitlines()[-1] if source.strip() else ""
        if error.startswith("KeyboardInterrupt"):
            # nbclient interrupts the kernel when a cell exceeds the timeout.
            error = f"timed out after {app.config.nb_execution_timeout} s and was interrupted"
        logger.error(
            "example failed in code cell %d (%s): %s",
            number, last_line, error,
            # The cell's fence line: where an editor should jump to.
            location=(docname, fences[number - 1]) if number <= len(fences) else cell,
            type="glossary", subtype="cell",
        )


def setup(app: Sphinx) -> None:
    # nbclient logs "Executing notebook with kernel" at INFO for every page.
    std_logging.getLogger("traitlets").setLevel(std_logging.WARNING)
    app.connect("doctree-read", report_failed_cells)
