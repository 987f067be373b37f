"""Link the first mention of every other term on a page to that term's page.

Readers meet a term in a definition and want its page one click away; writers
should not have to remember every slug. After a page is read, the first time
the English name (or an English alias) of another registered term appears in
running text, it becomes a link to that term, unless the page links to that
term already; in the Chinese edition, its Chinese names too. Only paragraphs and list items are searched: never headings,
code, cell outputs, math, existing links or quoted source claims.

The links are ordinary ``{ref}`` cross-references, resolved and checked by
Sphinx like hand-written ones. Where a word is a term's name in another sense
(the *bias* of the bias–variance trade-off is not a neuron's bias), the page
writes ``{nolink}`bias``` and the word stays plain text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx

from glossary_examples._lib import registry

from .claims import CLAIM_TEXT_CLASS
from .terms import NAMES_CLASS, built_terms, slug_of, term_link

# Text inside these is never linked.
SKIP = (
    nodes.reference, nodes.literal, nodes.literal_block, nodes.math, nodes.math_block,
    nodes.title, nodes.rubric, addnodes.pending_xref, nodes.raw, nodes.container,
)


@lru_cache(maxsize=2)
def _patterns(language: str = "en") -> list[tuple[str, re.Pattern]]:
    """(slug, regex) for every name and alias, longest names first.

    In the Chinese edition, the Chinese names too (the main one and the aliases
    of two characters or more: a one-character alias such as 轴 is part of too
    many other words), matched anywhere: Chinese has no spaces between words.
    """
    names = []
    for t in registry.TERMS:
        for name in (t.name, *t.aliases):
            names.append((t.slug, rf"(?<![\w-]){re.escape(name)}s?(?![\w-])"))
        if language != "en":
            for name in (t.zh, *t.zh_aliases):
                if len(name) >= 2:
                    names.append((t.slug, re.escape(name)))
    names.sort(key=lambda pair: -len(pair[1]))
    return [(slug, re.compile(pattern, re.IGNORECASE)) for slug, pattern in names]


def _linked_slugs(doctree: nodes.document) -> set[str]:
    return {n["reftarget"] for n in doctree.findall(addnodes.pending_xref) if n.get("reftype") == "ref"}


def _searchable_text_nodes(doctree: nodes.document):
    for block in doctree.findall(nodes.paragraph):
        if any(isinstance(a, SKIP) for a in _ancestors(block)):
            continue
        if CLAIM_TEXT_CLASS in block.get("classes", []):
            continue  # a source claim is quoted as written
        if NAMES_CLASS in block.get("classes", []):
            continue  # the page's own names, under its title
        if any("related-terms" in a.get("classes", []) for a in _ancestors(block)
               if isinstance(a, nodes.Element)):
            continue  # registry summaries next to links already there
        for text in list(block.findall(nodes.Text)):
            if not any(isinstance(a, SKIP) or NOLINK in a.get("classes", ())
                       for a in _ancestors(text) if isinstance(a, nodes.Element)):
                yield text


NOLINK = "nolink"  # the class of {nolink}`word`: a word in another sense than a term's


def nolink_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    """``{nolink}`bias```: plain text that autolinking leaves alone."""
    return [nodes.inline(rawtext, text, classes=[NOLINK])], []


def _ancestors(node: nodes.Node):
    node = node.parent
    while node is not None:
        yield node
        node = node.parent


def link_first_mentions(app: Sphinx, doctree: nodes.document) -> None:
    docname = app.env.current_document.docname
    own = slug_of(docname)
    built = {t.slug for t in built_terms(app.config)}
    done = _linked_slugs(doctree) | {own}
    for text in list(_searchable_text_nodes(doctree)):
        # a node may be split as links are inserted: work on the remaining tail
        current = text
        while current is not None:
            value = current.astext()
            best = None
            for slug, pattern in _patterns(app.config.language):
                if slug in done or slug not in built:
                    continue
                m = pattern.search(value)
                if m and (best is None or m.start() < best[1].start()):
                    best = (slug, m)
            if best is None:
                break
            slug, m = best
            before, word, after = value[: m.start()], m.group(0), value[m.end():]
            parent = current.parent
            index = parent.index(current)
            new = [nodes.Text(before)] if before else []
            new.append(term_link(slug, app.config, text=word))
            tail = nodes.Text(after) if after else None
            if tail is not None:
                new.append(tail)
            parent.remove(current)
            for offset, node in enumerate(new):
                parent.insert(index + offset, node)
            done.add(slug)
            current = tail


def setup(app: Sphinx) -> None:
    app.add_role("nolink", nolink_role)
    # after the page's own labels exist; before references are resolved
    app.connect("doctree-read", link_first_mentions, priority=600)
