"""What keyboard and screen-reader users need that the theme's pages lack.

- The sidebar's section names (toctree captions) are headings with a level:
  Sphinx writes ``role="heading"`` without the ``aria-level`` ARIA requires
  (:func:`glossary_site.upstream.toctree_caption_levels` says why and what
  upstream change retires it).
- Every code, output or table block that scrolls on the reader's screen can
  be scrolled with the keyboard: ``_static/scroll-regions.js`` gives exactly
  those a place in the Tab order, a role and a name. The visible cue that an
  output scrolls (a shadow at the edge with more) is CSS, in ``glossary.css``.

The lang marks of Chinese text are :mod:`.zh_lang`'s; the headings of the index
and of the claims page, their directives' (:mod:`.terms`, :mod:`.claims`).
``tests/test_browser.py`` runs axe-core on every page, in both themes, and
requires no serious or critical violation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import upstream

if TYPE_CHECKING:
    from docutils import nodes
    from sphinx.application import Sphinx

# The sidebar's section names sit under the page's title (h1) in no other heading.
CAPTION_LEVEL = 2


def caption_levels(app: Sphinx, pagename: str, templatename: str, context: dict,
                   doctree: nodes.document | None) -> None:
    if context.get("furo_navigation_tree"):
        context["furo_navigation_tree"] = upstream.toctree_caption_levels(
            context["furo_navigation_tree"], CAPTION_LEVEL)


def setup(app: Sphinx) -> None:
    # After furo's own handler (priority 500), which makes the navigation tree.
    app.connect("html-page-context", caption_levels, priority=800)
    app.add_js_file("scroll-regions.js", loading_method="defer")
