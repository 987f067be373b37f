"""Every link to a term's page carries that term's names and one-line summary.

A reader meeting "dropout" in a sentence should learn what it is without
leaving the sentence. After references are resolved (``doctree-resolved``),
every link to a term page, whatever made it (an autolink, a ``{ref}``, the
related terms, the index, the claims page), is wrapped in a
:class:`term_preview` node carrying the registry's English name, Chinese name
and summary. The node's own HTML visitor writes them as the ``title`` of a
``<span class="term-preview">`` around the link, "Name · 中文名 — summary":
without JavaScript, the browser's own tooltip over the link gives the
definition, and the script reads the popover's two lines from it (one
attribute, not four: a page has a hundred such links, and the site's weight
is budgeted).
(The span, not the link, carries the title: Sphinx writes a link's attributes
itself, and only through its undocumented ``reftitle``.)
``docs/_static/term-preview.js`` turns the attributes into a popover on hover,
keyboard focus and tap.

A link is recognised by its target, not by how it was made: its ``refuri``,
without the fragment, is the builder's relative URI of a term page. A link from
a page to itself (a section or claim of its own) gets nothing.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx

from glossary_examples._lib import registry

from .i18n import _
from .terms import PAGE_PREFIX, built_terms, page_title, slug_of

PREVIEW_CLASS = "term-preview"
# Between a term's names and its summary in the title (docs/_static/term-preview.js
# splits there): no term's names may hold it.
NAMES_END = " — "


class term_preview(nodes.inline):
    """A link to a term page, with the term's names and summary.

    An ``inline``: a reference must sit in a text element (Sphinx's HTML writer
    asserts it), and builders without a visitor of their own render it as one.
    """


def title_of(term: registry.Term, config=None) -> str:
    """The ``title`` around a link to ``term``: what the browser shows without the
    script, and what the script shows (in the edition's language)."""
    if config is None or config.language == "en":
        return f"{term.title}{NAMES_END}{term.summary}"
    return f"{page_title(term, config)}{NAMES_END}{_(term.summary)}"


def term_uris(app: Sphinx, docname: str) -> dict[str, str]:
    """Relative URI (from ``docname``) of every other built term page → its slug."""
    own = slug_of(docname)
    return {
        app.builder.get_relative_uri(docname, PAGE_PREFIX + t.slug): t.slug
        for t in built_terms(app.config) if t.slug != own
    }


def target_slug(refuri: str, uris: dict[str, str]) -> str | None:
    """The slug of the term page ``refuri`` points at, or None."""
    path = refuri.split("#", 1)[0]
    return uris.get(path) if path else None  # "" or "#x": a link within the page


def add_previews(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    if app.builder.format != "html":
        return
    uris = term_uris(app, docname)
    for ref in list(doctree.findall(nodes.reference)):
        if not ref.get("internal") or "refuri" not in ref:
            continue
        if isinstance(ref.parent, term_preview):
            continue
        slug = target_slug(ref["refuri"], uris)
        if slug is None:
            continue
        term = registry.term(slug)
        wrapper = term_preview("", classes=[PREVIEW_CLASS], title=title_of(term, app.config))
        ref.replace_self(wrapper)
        wrapper += ref


def visit_term_preview(self, node: term_preview) -> None:
    self.body.append(self.starttag(node, "span", "", title=node["title"]))


def depart_term_preview(self, node: term_preview) -> None:
    self.body.append("</span>")


def setup(app: Sphinx) -> None:
    app.add_node(term_preview, html=(visit_term_preview, depart_term_preview))
    # After the claims list and the run-locally box are filled in: their links too.
    app.connect("doctree-resolved", add_previews, priority=900)
    app.add_js_file("term-preview.js", loading_method="defer")
