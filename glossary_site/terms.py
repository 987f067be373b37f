"""Term pages: labels, the index, related terms and the run command."""

from __future__ import annotations

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from glossary_examples._lib import registry

from . import upstream
from .i18n import N_, _, fill

logger = logging.getLogger(__name__)

PAGE_PREFIX = "glossary/"
# The sections of every term page, in this order ("Source claims checked" only
# for a term with claims). The build checks it, next to the title.
SECTION_ORDER = (
    "Definition", "Formula", "Example", "Plot", "NumPy vs Keras",
    "Source claims checked", "Pitfalls", "Related terms", "Run it yourself",
)
CLAIMS_SECTION = "Source claims checked"


def expected_sections(entry: registry.Term) -> list[str]:
    """The section titles a term's page has, in order."""
    return [s for s in SECTION_ORDER if s != CLAIMS_SECTION or entry.claims]


def page_title(entry: registry.Term, config) -> str:
    """A term page's title in the edition being built."""
    return entry.title if config.language == "en" else entry.zh_title


def in_english(title: str, language: str) -> str:
    """A page's section or page title as the English template names it: in an edition
    other than English, a title may be translated (the edition's fixed words for the
    template, glossary_site.translations.SECTION_TITLES) or not yet (the drift report
    counts what is untranslated; the template's order is checked either way)."""
    if language == "en":
        return title
    from .translations import SECTION_TITLES

    english = {zh: en for en, zh in SECTION_TITLES.items()}
    return english.get(title, title)


def check_sections(docname: str, entry: registry.Term, page: nodes.section,
                   language: str = "en") -> None:
    """The page's ``##`` sections are the template's, in order; else one error where they differ."""
    found = [(in_english(s[0].astext(), language), s[0].line or s.line)
             for s in page.children if isinstance(s, nodes.section)]
    titles = [title for title, _ in found]
    expected = expected_sections(entry)
    if titles == expected:
        return
    # The first place where they differ, or where the shorter list ends.
    at = next((i for i, (a, b) in enumerate(zip(titles, expected)) if a != b),
              min(len(titles), len(expected)))
    if at < len(titles):
        line = found[at][1]
        if at < len(expected):
            what = f"section {titles[at]!r} where the template has {expected[at]!r}"
        else:
            what = f"section {titles[at]!r} after the template's last section"
    else:
        line = found[-1][1] if found else None
        what = f"no section {expected[at]!r} after {titles[-1]!r}" if titles else "no sections"
    logger.error("%s; a term page has the sections %s, in this order", what, ", ".join(expected),
                 location=(docname, line) if line else docname, type="glossary", subtype="template")


NAMES_CLASS = "term-names"


def names_line(entry: registry.Term) -> nodes.paragraph:
    """The line under a page's title: the Chinese name and the other names learners meet.

    The main Chinese name is the one of mainstream Chinese literature; the
    names other sources use follow as "also written" (they are what a reader
    from those notes searches for). Related concepts are not names, and are
    listed under "Related terms" instead.
    """
    para = nodes.paragraph(classes=[NAMES_CLASS])
    zh = nodes.strong(entry.zh, entry.zh)
    # An alias that is a part of the name (隐藏层 of 输入层、隐藏层、输出层) links and
    # finds the page, but is no other way of writing the name.
    written = [alias for alias in entry.zh_aliases if alias not in entry.zh]
    if written:
        para += fill(_("Chinese: {zh}; also written {aliases}."), zh=zh,
                     aliases=_(", ").join(written))
    else:
        para += fill(_("Chinese: {zh}."), zh=zh)
    if entry.aliases:
        para += nodes.Text(str(_(" Also called: {aliases}.")).format(
            aliases=", ".join(entry.aliases)))
    return para


def slug_of(docname: str) -> str | None:
    """The term slug of a glossary page, or None for other pages."""
    if docname.startswith(PAGE_PREFIX):
        return docname[len(PAGE_PREFIX):]
    return None


def built_terms(config) -> list[registry.Term]:
    """The terms this build includes: all of them, or ``glossary_only``."""
    only = set(config.glossary_only)
    return [t for t in registry.TERMS if not only or t.slug in only]


def term_link(slug: str, config, text: str | None = None) -> nodes.Node:
    """A cross-reference to a term's page; an unknown slug fails the build.

    In a partial build (``GLOSSARY_ONLY``) a term left out is plain text.
    """
    if config.glossary_only and slug not in config.glossary_only:
        return nodes.inline(text or slug, text or slug)
    ref = pending_xref(
        "", refdomain="std", reftype="ref", reftarget=slug, refexplicit=text is not None,
        refwarn=True,
    )
    ref += nodes.inline(text or slug, text or slug)
    return ref


def register_page_label(app: Sphinx, doctree: nodes.document) -> None:
    """Give each term page the label ``<slug>``, pointing at its title."""
    # Titles, the index, related terms, links and claims all come from the
    # registry: every page must be read again when it changes.
    app.env.note_dependency(registry.__file__)
    app.env.note_dependency(str(registry.TERMS_FILE))
    docname = app.env.current_document.docname
    slug = slug_of(docname)
    if slug is None:
        return
    try:
        entry = registry.term(slug)
    except registry.UnknownTermError as err:
        logger.error("page %s has no registry entry: %s", docname, err, location=docname)
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None:
        logger.error("term page has no title", location=docname)
        return
    title = section[0].astext()
    language = app.config.language
    allowed = [entry.title] if language == "en" else [entry.zh_title, entry.title]
    if title not in allowed:
        logger.error("title %r does not match the registry's %r", title, allowed[0],
                     location=(docname, section[0].line) if section[0].line else docname)
    check_sections(docname, entry, section, language)
    section.insert(1, names_line(entry))
    taken = upstream.set_page_label(app.env, slug, docname, section["ids"][0], title)
    if taken is not None:
        logger.error("label %r of page %s is already defined in %s", slug, docname, taken,
                     location=docname)


# The level of the claims page's group headings (under the page's title) and of the
# index's sections (under its "The terms" heading).
SECTION_HEADING_LEVEL = 2
INDEX_SECTION_HEADING_LEVEL = 3


class GlossaryIndex(SphinxDirective):
    """The terms grouped by section, each with its Chinese name and summary."""

    def run(self) -> list[nodes.Node]:
        included = {t.slug for t in built_terms(self.config)}
        text = []
        for section in registry.sections():
            section_terms = [t for t in registry.terms_in(section.key) if t.slug in included]
            if not section_terms:
                continue
            text += [f"## {section.name} · {section.zh}", ""]
            text += [
                "```{toctree}",
                f":caption: {section.name} · {section.zh}",
                ":hidden:",
                "",
            ]
            text += [f"{PAGE_PREFIX}{t.slug}" for t in section_terms]
            text += ["```", ""]
            for t in section_terms:
                text.append(f"- {{ref}}`{t.slug}` — {t.summary}")
            text.append("")
        parsed = self.parse_text_to_nodes("\n".join(text))
        # A heading inside a directive's content comes back as a rubric (a section
        # cannot start inside a directive). Sphinx writes a rubric with a
        # heading level as a real <hN>: each section of the index is a heading
        # for screen readers, h3 under the index's "The terms" h2.
        for rubric in (n for node in parsed for n in node.findall(nodes.rubric)):
            rubric["heading-level"] = INDEX_SECTION_HEADING_LEVEL
        return parsed


# How a related term relates to the page's, as the Related terms section groups
# them, in this order (registry.RELATION_KINDS: the kinds; these: the labels).
RELATION_LABELS = {
    "prerequisite": N_("Before this · 先读"),
    "part of": N_("Part of · 属于"),
    "includes": N_("Includes · 包括"),
    "contrast": N_("Contrast · 对比"),
    "next": N_("Read next · 接着读"),
}
RELATION_LABEL_CLASS = "relation-label"


def relation_class(kind: str) -> str:
    """``relation-part-of``: the class of a group of related terms of one kind."""
    return "relation-" + kind.replace(" ", "-")


def relation_groups(slug: str) -> list[tuple[str, list[registry.Term]]]:
    """The related terms of ``slug`` by kind, in :data:`RELATION_LABELS`' order (site order within).

    >>> [(kind, [t.slug for t in related]) for kind, related in relation_groups("regularization")]
    [('prerequisite', ['overfitting']), ('includes', ['dropout', 'early-stopping', 'data-augmentation'])]
    >>> set(RELATION_LABELS) == set(registry.RELATION_KINDS)  # a label for every kind
    True
    """
    found = registry.relations(slug)
    return [(kind, [t for t, k in found if k == kind])
            for kind in RELATION_LABELS if any(k == kind for _, k in found)]


class RelatedTerms(SphinxDirective):
    """Links to the page's related terms, from the registry, grouped by how they relate."""

    def run(self) -> list[nodes.Node]:
        slug = slug_of(self.env.current_document.docname)
        if slug is None:
            raise self.error("related-terms belongs on a glossary page")
        from .provenance import NO_SEARCH

        result = []
        for kind, related in relation_groups(slug):
            group = nodes.container(classes=["relation-group", relation_class(kind)])
            label = str(_(RELATION_LABELS[kind]))
            # The same few labels on every page: not for the search index.
            group += nodes.paragraph(label, label, classes=[RELATION_LABEL_CLASS, NO_SEARCH])
            items = nodes.bullet_list(classes=["related-terms"])
            for other in related:
                para = nodes.paragraph()
                para += term_link(other.slug, self.config)
                para += nodes.Text(f" — {_(other.summary)}")
                items += nodes.list_item("", para)
            group += items
            result.append(group)
        from .maps import neighbourhood_map  # (here: maps imports this module)
        result.insert(0, neighbourhood_map(slug, self.config))
        concepts = registry.term(slug).concepts
        if concepts:
            lead = nodes.paragraph(
                "", _("Related concepts, not other names for this term:"),
                classes=["related-concepts-lead"],
            )
            listing = nodes.bullet_list(classes=["related-terms", "related-concepts"])
            for c in concepts:
                para = nodes.paragraph()
                para += nodes.strong(c.name, c.name)
                para += nodes.Text(f" · {c.zh} — {_(c.note)}")
                listing += nodes.list_item("", para)
            result += [lead, listing]
        return result


class RunLocally(SphinxDirective):
    """How to run the page: its downloads (filled in by ``glossary_site.downloads``), or a clone."""

    def run(self) -> list[nodes.Node]:
        from .downloads import RUN_LOCALLY_CLASS
        from .provenance import NO_SEARCH

        slug = slug_of(self.env.current_document.docname)
        if slug is None:
            raise self.error("run-locally belongs on a glossary page")
        # The same commands and package names on every page: not for the search index.
        box = nodes.container(classes=[RUN_LOCALLY_CLASS, NO_SEARCH])
        clone = nodes.paragraph()
        from .downloads import requires_python

        clone += fill(
            _("Or from a clone of the glossary's repository, with make and Python {python}: "
              "{make_docs} creates a virtual environment in {venv} with the pinned packages "
              "and builds this site; {pip} installs the examples into an environment of your "
              "own instead. Then these print what this page shows, save its figures, and "
              "show its code:"),
            python=nodes.literal(requires_python(), requires_python()),
            make_docs=nodes.literal("make docs", "make docs"),
            venv=nodes.literal(".venv", ".venv"),
            pip=nodes.literal("pip install -e .", "pip install -e ."))
        box += clone
        commands = (
            f"python -m glossary_examples run {slug}\n"
            f"python -m glossary_examples run {slug} --save-figures figures/\n"
            f"python -m glossary_examples show {slug}"
        )
        box += nodes.literal_block(commands, commands, language="console")
        return [box]


def unbuilt_term_as_text(app: Sphinx, env, node, contnode):
    """In a partial build, a link to a registered term left out is plain text."""
    only = app.config.glossary_only
    target = node.get("reftarget", "")
    if only and node.get("reftype") == "ref" and target not in only:
        try:
            registry.term(target)
        except registry.UnknownTermError:
            return None  # a genuinely broken link: let Sphinx warn
        return contnode
    return None


def setup(app: Sphinx) -> None:
    # Slugs of a partial build (conf.py reads GLOSSARY_ONLY); empty = every term.
    app.add_config_value("glossary_only", [], "env", types=[list])
    app.add_directive("glossary-index", GlossaryIndex)
    app.add_directive("related-terms", RelatedTerms)
    app.add_directive("run-locally", RunLocally)
    app.connect("doctree-read", register_page_label)
    app.connect("missing-reference", unbuilt_term_as_text)
