"""Claim boxes: a source claim, its verdict and the evidence, on the term's page.

```{claim} relu-sparsity
:verdict: holds

Why, with the numbers the code below prints.
```

renders ``<div class="claim" data-claim="relu-sparsity" data-verdict="holds">``.
The build fails when the verdict is not one of ``holds|conditions|wrong``, when
the id is unknown, on another term's page or used twice, and when the page's
executed output does not contain ``verdict[<id>]: <verdict>`` (printed by a
:class:`glossary_examples._lib.claims.ClaimCheck`): a page can state only the
verdict its code computed. ``{claims-list}`` renders every box of the site.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

from glossary_examples._lib import registry
from glossary_examples._lib.claims import VERDICTS

from .execution import failed_cells
from .i18n import N_, _
from .terms import SECTION_HEADING_LEVEL, built_terms, page_title, slug_of

# The class of a box's quoted source claim: quoted as its source wrote it, so
# neither autolinked nor checked for typed numbers.
CLAIM_TEXT_CLASS = "claim-text"

logger = logging.getLogger(__name__)

VERDICT_LABELS = {
    "holds": N_("Holds"),
    "conditions": N_("Holds under conditions"),
    "wrong": N_("Wrong"),
}


def verdict_label(verdict: str) -> str:
    """A verdict's label in the edition's language."""
    return str(_(VERDICT_LABELS[verdict]))
COMPUTED = re.compile(r"verdict\[(?P<id>[\w-]+)\]: (?P<verdict>\w+)")


@dataclass(frozen=True)
class ClaimRecord:
    """What the claims page needs to know about one box."""

    claim_id: str
    verdict: str
    docname: str
    anchor: str
    line: int


class claim_box(nodes.General, nodes.Element):
    """The verdict box; HTML gets the data attributes readers' tools look for."""


def visit_claim_box(self, node: claim_box) -> None:
    self.body.append(
        self.starttag(
            node,
            "div",
            CLASS=f"claim claim-{node['verdict']}",
            **{"data-claim": node["claim_id"], "data-verdict": node["verdict"]},
        )
    )


def depart_claim_box(self, node: claim_box) -> None:
    self.body.append("</div>\n")


def _verdict(value: str) -> str:
    return directives.choice(value, VERDICTS)


class ClaimDirective(SphinxDirective):
    required_arguments = 1
    has_content = True
    option_spec = {"verdict": _verdict}

    def run(self) -> list[nodes.Node]:
        claim_id = self.arguments[0]
        verdict = self.options.get("verdict")
        if verdict is None:
            raise self.error(f"claim {claim_id}: the :verdict: option is required")
        docname = self.env.current_document.docname
        slug = slug_of(docname)
        known = {c.id: (t, c) for t, c in registry.all_claims()}
        if claim_id not in known:
            raise self.error(f"unknown claim id {claim_id!r}")
        owner, claim = known[claim_id]
        if owner.slug != slug:
            raise self.error(f"claim {claim_id!r} belongs on the page of {owner.slug!r}")
        if not self.content:
            raise self.error(f"claim {claim_id!r} has no evidence text")

        anchor = f"claim-{claim_id}"
        box = claim_box(claim_id=claim_id, verdict=verdict, ids=[anchor])
        self.set_source_info(box)

        header = nodes.paragraph(classes=["claim-header"])
        header += nodes.inline("", _("Source claim"), classes=["claim-kicker"])
        header += nodes.inline("", verdict_label(verdict), classes=["claim-verdict"])
        box += header
        box += nodes.paragraph("", f"“{_(claim.text)}”", classes=[CLAIM_TEXT_CLASS])
        # No visible id line: readers do not need it; the id is in the box's
        # data-claim attribute and its anchor, for tools and links.
        box += self.parse_content_to_nodes()

        records = _records(self.env)
        records.append(ClaimRecord(claim_id, verdict, docname, anchor, self.lineno))
        return [box]


def _records(env: BuildEnvironment) -> list[ClaimRecord]:
    if not hasattr(env, "glossary_claims"):
        env.glossary_claims = []
    return env.glossary_claims


def check_computed_verdicts(app: Sphinx, doctree: nodes.document) -> None:
    """Each box's verdict must equal the one the page's code printed."""
    if failed_cells(doctree):
        return  # the failed cell is the error to report, not its missing verdicts
    computed: dict[str, str] = {}
    # Only what a cell printed counts: not a `verdict[...]` line in shown source.
    for output in doctree.findall(nodes.container):
        if output.get("nb_element") == "cell_code_output":
            for m in COMPUTED.finditer(output.astext()):
                computed[m["id"]] = m["verdict"]
    for box in doctree.findall(claim_box):
        found = computed.get(box["claim_id"])
        if found is None:
            logger.error(
                "claim %s: no executed output prints 'verdict[%s]: ...'; "
                "the verdict must come from the page's code",
                box["claim_id"], box["claim_id"], location=box,
            )
        elif found != box["verdict"]:
            logger.error(
                "claim %s: the box says %r but the code computed %r",
                box["claim_id"], box["verdict"], found, location=box,
            )


def purge(app: Sphinx, env: BuildEnvironment, docname: str) -> None:
    env.glossary_claims = [r for r in _records(env) if r.docname != docname]


def merge(app: Sphinx, env: BuildEnvironment, docnames, other: BuildEnvironment) -> None:
    _records(env).extend(r for r in _records(other) if r.docname in docnames)


def check_consistency(app: Sphinx, env: BuildEnvironment) -> None:
    """Duplicate ids across the site, and claims of the registry with no box."""
    seen: dict[str, ClaimRecord] = {}
    for r in sorted(_records(env), key=lambda r: (r.docname, r.line)):
        if r.claim_id in seen:
            logger.error(
                "duplicate claim id %r (first in %s)", r.claim_id, seen[r.claim_id].docname,
                location=(r.docname, r.line),
            )
        seen.setdefault(r.claim_id, r)
    for t in built_terms(app.config):
        for c in t.claims:
            if c.id not in seen:
                logger.error("claim %r of term %r has no claim box", c.id, t.slug)


class claims_list(nodes.General, nodes.Element):
    """Placeholder, filled once every page has been read."""


class ClaimsListDirective(SphinxDirective):
    def run(self) -> list[nodes.Node]:
        return [claims_list()]


def fill_claims_list(app: Sphinx, doctree: nodes.document, fromdocname: str) -> None:
    placeholders = list(doctree.findall(claims_list))
    if not placeholders:
        return
    claim_text = {c.id: c.text for _, c in registry.all_claims()}
    records = sorted(_records(app.env), key=lambda r: (r.docname, r.line))
    content: list[nodes.Node] = []
    for verdict in VERDICTS:
        group = [r for r in records if r.verdict == verdict]
        if not group:
            continue
        # A real heading (h2, under the page's title), not a styled paragraph.
        section = nodes.rubric("", str(_("{verdict} ({count})")).format(
                                   verdict=verdict_label(verdict), count=len(group)),
                               **{"heading-level": SECTION_HEADING_LEVEL})
        items = nodes.bullet_list(classes=["claims-list", f"claims-{verdict}"])
        for r in group:
            uri = app.builder.get_relative_uri(fromdocname, r.docname) + "#" + r.anchor
            para = nodes.paragraph()
            ref = nodes.reference("", "", internal=True, refuri=uri)
            ref += nodes.inline("", f"“{_(claim_text[r.claim_id])}”")
            para += ref
            para += nodes.Text(_(" — on "))
            # A plain reference: pending cross-references are already resolved
            # by the time this runs.
            page = nodes.reference(
                "", "", internal=True, refuri=app.builder.get_relative_uri(fromdocname, r.docname)
            )
            page += nodes.inline("", page_title(registry.term(slug_of(r.docname)), app.config))
            para += page
            items += nodes.list_item("", para, classes=["claims-item"])
        content += [section, items]
    for node in placeholders:
        node.replace_self(content)


def always_rewrite_claims_page(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """The claims page depends on every page; rewrite it on every build."""
    return [d for d in env.found_docs if d == "claims"]


def setup(app: Sphinx) -> None:
    app.add_node(claim_box, html=(visit_claim_box, depart_claim_box))
    app.add_node(claims_list)
    app.add_directive("claim", ClaimDirective)
    app.add_directive("claims-list", ClaimsListDirective)
    app.connect("doctree-read", check_computed_verdicts)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    app.connect("env-check-consistency", check_consistency)
    app.connect("env-updated", always_rewrite_claims_page)
    app.connect("doctree-resolved", fill_claims_list)
