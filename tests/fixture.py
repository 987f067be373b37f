"""The fixture project: a copy of ``tests/fixture_project`` that the tests build in seconds.

Its term page, ``docs/glossary/dropout.md``, is written from the registry at
copy time (title, template sections, one cell and one box per claim), so that
a change of the registry or of the template never breaks the fixture, only
what a test changes on purpose does.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from glossary_examples._lib import registry
from glossary_site.terms import expected_sections

SOURCE = Path(__file__).with_name("fixture_project")
TERM = "dropout"
PAGE = Path("docs/glossary") / f"{TERM}.md"
MODULE = Path("tinypkg") / f"{TERM}.py"
VERDICT = "conditions"  # what the fixture's code "computes" for every claim
# Prose with a number the code measured, pasted by myst-nb's glue (tinypkg.dropout).
MEASURED_SENTENCE = "The kept fraction was {glue:text}`kept_fraction:.2f` in this run."

FRONT_MATTER = """---
file_format: mystnb
kernelspec:
  name: python3
  display_name: Python 3
---
"""


def term_page() -> str:
    """The fixture's term page: the real template, cells that call ``tinypkg``."""
    entry = registry.term(TERM)
    body = {name: "Text.\n" for name in expected_sections(entry)}
    body["Example"] = (
        f"```{{code-cell}} ipython3\nfrom tinypkg import {TERM}\n\n{TERM}.show_example()\n```\n\n"
        f"{MEASURED_SENTENCE}\n"
    )
    body["Source claims checked"] = "".join(
        f'```{{code-cell}} ipython3\nprint({TERM}.check("{c.id}", "{VERDICT}"))\n```\n\n'
        f"```{{claim}} {c.id}\n:verdict: {VERDICT}\n\nEvidence text.\n```\n\n"
        for c in entry.claims
    )
    body["Related terms"] = "```{related-terms}\n```\n"
    body["Run it yourself"] = "```{run-locally}\n```\n"
    sections = "".join(f"## {name}\n\n{text}\n" for name, text in body.items()
                       if name in expected_sections(entry))
    return f"{FRONT_MATTER}\n# {entry.title}\n\n{sections}"


KERNEL_PAGES = ("fresh.md", "fresh-flow.md")  # pages with a kernel of their own


def make_fixture(dest: Path, engine_pages: bool = False, kernel_pages: bool = True) -> Path:
    """A fresh copy of the fixture project at ``dest``.

    ``engine_pages`` adds the pages that only the engine's tests need (a
    ``:load:``ed file, split streams, a warm kernel and, unless ``kernel_pages``
    is false, two pages that ask for a fresh kernel, a new Python each).
    """
    ignore = shutil.ignore_patterns("_build", "__pycache__", "engine_pages")
    shutil.copytree(SOURCE, dest, ignore=ignore)
    if engine_pages:
        for page in (SOURCE / "engine_pages").glob("*.md"):
            if kernel_pages or page.name not in KERNEL_PAGES:
                shutil.copy(page, dest / "docs" / page.name)
    (dest / PAGE).parent.mkdir(parents=True, exist_ok=True)
    (dest / PAGE).write_text(term_page(), encoding="utf-8")
    return dest
