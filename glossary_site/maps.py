"""The concept map page and each term page's neighbourhood map.

- ``{concept-map}`` (on ``docs/concept-map.md``): the legend of section
  colours, the whole prerequisite graph as inline SVG
  (:mod:`.concept_map` lays it out), in a box that scrolls sideways when the
  screen is narrower than the drawing at a readable size, and below it the
  same graph as text, section by section ("learn first: …; read next: …"),
  for screen readers and for anyone who prefers a list.
- :func:`neighbourhood_map`: the term in the middle, what to learn first on
  one side, what to read next on the other, and the terms it contrasts with or
  is part of; ``{related-terms}`` adds it above its list. It is HTML, not SVG:
  its three columns stack on a phone, where a drawing would shrink.

The SVG is written by the HTML builder's visitor, with links relative to the
page being written; in a partial build (``GLOSSARY_ONLY``) a term not built is a
box without a link. The map and the text version are left out of the search
index (Sphinx's ``no-search`` class): every term's name is on this page, and a
search for one should find the term's own page.
"""

from __future__ import annotations

import math

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from glossary_examples._lib import registry

from . import concept_map
from .i18n import N_, _, fill, name_of
from .provenance import NO_SEARCH
from .terms import PAGE_PREFIX, built_terms, page_title, term_link

MAP_CLASS = "concept-map"
SCROLL_CLASS = "concept-map-scroll"
FRAME_CLASS = "concept-map-frame"
# The name of the drawing's scrolling frame, for screen readers.
MAP_REGION = N_("Concept map (scrolls sideways on a narrow screen)")
MAP_TITLE = N_("Concept map: every term of the glossary, an arrow from each term to the"
              " terms that build on it")
# The drawing never shrinks below the size at which its smallest text is 11 CSS px; a
# narrower screen scrolls it sideways.
MIN_FONT_PX = 11
MIN_SCALE = MIN_FONT_PX / min(concept_map.NAME_SIZE, concept_map.ZH_SIZE)


class concept_map_drawing(nodes.General, nodes.Element):
    """Where the SVG goes; the HTML visitor draws it (other builders skip it)."""


def visit_drawing_html(self, node: concept_map_drawing) -> None:
    builder = self.builder
    docname = builder.current_docname
    built = {t.slug for t in built_terms(builder.config)}
    hrefs = {slug: builder.get_relative_uri(docname, PAGE_PREFIX + slug) for slug in built}
    layout = _layout()
    svg = concept_map.render_svg(layout, hrefs, str(_(MAP_TITLE)),
                                 words=lambda text: str(_(text)),
                                 chinese_first=builder.config.language != "en")
    min_width = math.ceil(layout.width * MIN_SCALE)
    # The cue shows only where the column is narrower than the drawing's least width:
    # a container query on the frame, with this drawing's number.
    self.body.append(
        f'<div class="{FRAME_CLASS}" style="--cm-min-width: {min_width}px">'
        f'<style>@container concept-map (max-width: {min_width - 1}px) {{'
        ' .concept-map-scroll-cue { display: block; } }</style>\n'
        '<p class="concept-map-scroll-cue" aria-hidden="true">'
        + _("The map is wider than the screen: scroll it sideways →, or read it as a list below.")
        + '</p>\n'
        f'<div class="{SCROLL_CLASS} {NO_SEARCH}" tabindex="0" role="region"'
        f' aria-label="{_(MAP_REGION)}">{svg}</div></div>\n')
    raise nodes.SkipNode


def skip(self, node) -> None:
    raise nodes.SkipNode


_LAYOUT: list[concept_map.Layout] = []


def _layout() -> concept_map.Layout:
    """The layout of the whole registry, computed once per process."""
    if not _LAYOUT:
        _LAYOUT.append(concept_map.layered_layout(registry.site_order(), concept_map.LAYER_WIDTH))
    return _LAYOUT[0]


def section_names(section, config) -> str:
    """A section's two names, the edition's language first."""
    if config is not None and config.language != "en":
        return f"{section.zh} · {section.name}"
    return f"{section.name} · {section.zh}"


def legend(config=None) -> nodes.bullet_list:
    """The section colours: one item per section, a swatch and the section's names."""
    listing = nodes.bullet_list(classes=["concept-map-legend", NO_SEARCH])
    for section in registry.sections():
        para = nodes.paragraph()
        para += nodes.inline("", "", classes=["cm-swatch", f"cm-sec-{section.key}"])
        para += nodes.Text(section_names(section, config))
        listing += nodes.list_item("", para)
    return listing


def names_list(terms: list[registry.Term], config) -> list[nodes.Node]:
    """``Tensor · 张量, Neuron · 神经元``, each a link; ``none`` for no term."""
    if not terms:
        none = str(_("none"))
        return [nodes.emphasis(none, none)]
    out: list[nodes.Node] = []
    for i, t in enumerate(terms):
        if i:
            out.append(nodes.Text(_(", ")))
        out.append(term_link(t.slug, config, name_of(t, config)))
    return out


def text_version(config) -> list[nodes.Node]:
    """The graph as a list by section: each term, what to learn first, what to read next."""
    result: list[nodes.Node] = []
    for section in registry.sections():
        result.append(nodes.rubric("", section_names(section, config)))
        listing = nodes.bullet_list(classes=["concept-map-text"])
        for t in registry.terms_in(section.key):
            para = nodes.paragraph()
            para += term_link(t.slug, config, page_title(t, config))
            para += fill(_(" — learn first: {before}; read next: {after}."),
                         before=_group(names_list(registry.before(t.slug), config)),
                         after=_group(names_list(registry.after(t.slug), config)))
            listing += nodes.list_item("", para)
        result.append(listing)
    return result


class ConceptMap(SphinxDirective):
    """The legend, the drawing, and the same graph as text (not in the search index)."""

    def run(self) -> list[nodes.Node]:
        box = nodes.container(classes=[MAP_CLASS])
        box += legend(self.config)
        box += concept_map_drawing()
        alternative = nodes.container(classes=["concept-map-text-version", NO_SEARCH])
        alternative += nodes.paragraph(
            "", _("The same map as text: each term, what to learn before it, and what to"
                  " read after it."))
        alternative.extend(text_version(self.config))
        return [box, alternative]


# --- A term's neighbourhood -----------------------------------------------------------------

NEIGHBOURHOOD_CLASS = "neighbourhood-map"


# How the neighbourhood map names a relation that is more than an order.
KIND_NAMES = {"part of": N_("part of"), "includes": N_("includes"), "contrast": N_("contrast")}


def _group(parts: list[nodes.Node]) -> nodes.inline:
    """Several nodes as one, to fill one placeholder of a sentence."""
    return nodes.inline("", "", *parts)


def _node(t: registry.Term, config, link: bool = True, kind: str | None = None) -> nodes.list_item:
    item = nodes.list_item(classes=["nm-node", f"cm-sec-{t.section}"])
    para = nodes.paragraph()
    if kind:
        shown = str(_(KIND_NAMES.get(kind, kind)))
        para += nodes.inline(shown, shown, classes=["nm-kind"])
    # The edition's language first; the other name under it.
    first, second = (t.name, t.zh) if config.language == "en" else (t.zh, t.name)
    para += term_link(t.slug, config, first) if link else nodes.strong(first, first)
    para += nodes.inline(second, second, classes=["nm-zh"])
    item += para
    return item


def _column(role: str, heading: str, terms: list, config, empty: str) -> nodes.container:
    column = nodes.container(classes=["nm-column", f"nm-{role}"])
    column += nodes.paragraph("", heading, classes=["nm-heading"])
    if not terms:
        column += nodes.paragraph("", empty, classes=["nm-empty"])
        return column
    listing = nodes.bullet_list(classes=["nm-list"])
    for t, kind in terms:
        listing += _node(t, config, kind=kind)
    column += listing
    return column


def neighbourhood_slugs(slug: str) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """What the map of ``slug`` shows: before, after, and the other relations with their kind.

    >>> neighbourhood_slugs("sigmoid")
    (['activation-function'], ['sigmoid-neuron', 'tanh', 'softmax'], [('relu', 'contrast')])
    """
    before = [t.slug for t in registry.before(slug)]
    after = [t.slug for t in registry.after(slug)]
    others = [(t.slug, kind) for t, kind in registry.relations(slug)
              if t.slug not in before and t.slug not in after]
    return before, after, others


def neighbourhood_map(slug: str, config) -> nodes.container:
    """The term, what to learn first (left) and what to read next (right), as links.

    A relation that is more than an order (part of, includes, contrast) is named
    on its term; a related term that is neither before nor after sits under the
    term itself.
    """
    kinds = dict((t.slug, kind) for t, kind in registry.relations(slug))
    before, after, others = neighbourhood_slugs(slug)
    label = lambda s: kinds[s] if kinds[s] in ("part of", "includes", "contrast") else None  # noqa: E731
    this = registry.term(slug)
    box = nodes.container(classes=[NEIGHBOURHOOD_CLASS, NO_SEARCH])
    box += _column("before", _("Learn first"), [(registry.term(s), label(s)) for s in before],
                   config, _("Nothing: a place to start."))
    middle = nodes.container(classes=["nm-column", "nm-this"])
    middle += nodes.paragraph("", _("This term"), classes=["nm-heading"])
    listing = nodes.bullet_list(classes=["nm-list"])
    listing += _node(this, config, link=False)
    listing[0]["classes"].append("nm-self")
    middle += listing
    if others:
        middle += nodes.paragraph("", _("Also related"), classes=["nm-heading", "nm-also"])
        also = nodes.bullet_list(classes=["nm-list"])
        for s, kind in others:
            also += _node(registry.term(s), config, kind=kind)
        middle += also
    box += middle
    box += _column("after", _("Read next"), [(registry.term(s), label(s)) for s in after],
                   config, _("Nothing: a path ends here."))
    return box


def note_code(app: Sphinx, doctree: nodes.document) -> None:
    """A page holding a map is read again when this module or the layout changes.

    (Sphinx reads a page again when its source changes, not when the code that
    made part of it does: without this, an edit here left the term pages as they were.)
    """
    if any(doctree.findall(_holds_a_map)):
        app.env.note_dependency(__file__)
        app.env.note_dependency(concept_map.__file__)


def _holds_a_map(node: nodes.Node) -> bool:
    return isinstance(node, concept_map_drawing) or (
        isinstance(node, nodes.container) and NEIGHBOURHOOD_CLASS in node["classes"])


def add_script(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    """The page with the drawing gets its script (a box's edges stand out); no other page."""
    if doctree is not None and any(doctree.findall(concept_map_drawing)):
        app.add_js_file("concept-map.js", loading_method="defer")


def setup(app: Sphinx) -> None:
    app.connect("doctree-read", note_code)
    app.connect("html-page-context", add_script)
    app.add_node(concept_map_drawing, html=(visit_drawing_html, None),
                 text=(skip, None), latex=(skip, None), man=(skip, None),
                 texinfo=(skip, None))
    app.add_directive("concept-map", ConceptMap)
