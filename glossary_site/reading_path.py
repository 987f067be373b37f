"""A path through the terms: what to read before a page and after it, and where to start.

The registry's prerequisite graph (``learn_first`` in ``terms.toml``) says which
terms a reader needs first; the site's order is a topological order of it
(:func:`registry.site_order`). Two things here make that graph visible:

- under a term page's title lines, before its Definition, a compact
  "Before this · 先读" line (:func:`registry.before`) and a "Read next · 接着读"
  line (:func:`registry.after`). A term with no prerequisite says it is a
  starting point and links the index's Start here; a term nothing depends on
  reads on to the next page of the site; the last page (the worked example)
  says it is the goal;
- the index's "Start here · 从这里开始" box (``{start-here}`` in
  ``docs/index.md``): its prose is the page's, this adds the suggested path
  (the first terms in site order, then the sections) and the goal, from the
  registry, so that they never disagree with the site's order.

The links are term links (:func:`terms.term_link`): hover previews and partial
builds treat them as any other. The path line is left out of the search index
(every page has the same two labels) and out of the downloads, as the names and
provenance lines are: a notebook has no other pages to link to.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.util.docutils import SphinxDirective

from glossary_examples._lib import registry

from .i18n import N_, _, fill, name_of
from .provenance import NO_SEARCH
from .terms import NAMES_CLASS, built_terms, slug_of, term_link

PATH_CLASS = "reading-path"
BEFORE_CLASS = "path-before"
NEXT_CLASS = "path-next"
BEFORE_LABEL = N_("Before this · 先读")
NEXT_LABEL = N_("Read next · 接着读")
# The label of the index's Start here section ((start-here)= in docs/index.md).
START_LABEL = "start-here"
START_CLASS = "start-here"
# How many terms, from the start of the site's order, the Start here box names
# as the first steps before it hands over to the sections.
FIRST_STEPS = 4


def _labelled_line(label: str, classes: str) -> nodes.paragraph:
    para = nodes.paragraph(classes=[classes])
    label = str(_(label))
    para += nodes.strong(label, label)
    para += nodes.Text(_(": "))
    return para


def _links(para: nodes.paragraph, terms: list[registry.Term], config) -> None:
    for i, t in enumerate(terms):
        if i:
            para += nodes.Text(_(", "))
        para += term_link(t.slug, config, text=name_of(t, config))


def _start_here_link() -> nodes.Node:
    ref = pending_xref("", refdomain="std", reftype="ref", reftarget=START_LABEL,
                       refexplicit=True, refwarn=True)
    text = str(_("Start here"))
    ref += nodes.inline(text, text)
    return ref


def next_in_order(slug: str) -> registry.Term | None:
    """The page after ``slug`` in the site's order, or None for the last one.

    >>> next_in_order("dropout").slug, next_in_order("handwritten-digits")
    ('early-stopping', None)
    """
    order = registry.site_order()
    at = [t.slug for t in order].index(slug)
    return order[at + 1] if at + 1 < len(order) else None


def path_line(slug: str, config) -> nodes.container:
    """The "Before this" and "Read next" lines of a term page."""
    box = nodes.container(classes=[PATH_CLASS, NO_SEARCH])
    before = _labelled_line(BEFORE_LABEL, BEFORE_CLASS)
    first = registry.before(slug)
    if first:
        _links(before, first, config)
    else:
        before += fill(_("nothing; this is a starting point (see {start})."),
                       start=_start_here_link())
    box += before
    after = _labelled_line(NEXT_LABEL, NEXT_CLASS)
    then = registry.after(slug)
    following = next_in_order(slug)
    if then:
        _links(after, then, config)
    elif following is not None:
        # Nothing builds on this term: go on with the site's order.
        _links(after, [following], config)
        after += nodes.Text(_(" (the next page)"))
    else:
        after += nodes.Text(_("nothing; this worked example is the goal the other pages lead to."))
    box += after
    return box


def add_path_line(app: Sphinx, doctree: nodes.document) -> None:
    """Under a term page's names line: the path line (the provenance and claims
    lines, added later, go between them)."""
    slug = slug_of(app.env.current_document.docname)
    if slug is None:
        return
    names = next(iter(doctree.findall(
        lambda n: isinstance(n, nodes.paragraph) and NAMES_CLASS in n["classes"])), None)
    if names is None:
        return  # terms.register_page_label reported the page
    names.parent.insert(names.parent.index(names) + 1, path_line(slug, app.config))


class StartHere(SphinxDirective):
    """The index's Start here box: its prose, then the suggested path and the goal."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        box = nodes.container(classes=[START_CLASS])
        box += self.parse_content_to_nodes()
        built = {t.slug for t in built_terms(self.config)}
        order = [t for t in registry.site_order() if t.slug in built]
        goal = order[-1] if order and order[-1].section == "worked-example" else None
        path = order[:FIRST_STEPS]
        lines = ["**A path through the terms · 阅读路径**", ""]
        names = [f"{{ref}}`{t.name} <{t.slug}>`" for t in path]
        first_section = registry.sections()[0]
        lines.append(f"1. First the opening pages of {first_section.name} · {first_section.zh}: "
                     + ", ".join(names[:-1]) + (" and " if len(names) > 1 else "") + names[-1]
                     + ".")
        sections = [s for s in registry.sections()
                    if any(t.section == s.key for t in order) and s.key != "worked-example"]
        lines.append("2. Then on, section by section: "
                     + ", ".join(f"{s.name} · {s.zh}" for s in sections)
                     + ". Under its title each page says what to read before it and what next.")
        if goal is not None:
            lines.append(f"3. The goal: {{ref}}`{goal.title} <{goal.slug}>`, the worked"
                         " example, a network trained end to end to read handwritten digits"
                         " with the terms of the pages before it.")
        box += self.parse_text_to_nodes("\n".join(lines))
        return [box]


def setup(app: Sphinx) -> None:
    app.add_directive("start-here", StartHere)
    # After autolink (priority 600): its links are not "already linked" mentions,
    # so a Definition still links the terms it names.
    app.connect("doctree-read", add_path_line, priority=700)
