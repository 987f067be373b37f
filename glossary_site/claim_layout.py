"""Where a page's claims sit: the verdict first, the evidence folded, a list at the top.

Readers come to "Source claims checked" for the verdict; the check functions
and their printed output are there for whoever wants to verify it. So:

- each claim box opens its unit (the page's Markdown puts it first, right
  after the heading or after the previous claim's evidence), and everything
  after it up to the next box or subsection (the prose explaining the check,
  the check's code, the cell that prints the verdict and its output) is
  wrapped in a ``<details>`` element, closed by default. ``<details>`` folds
  without JavaScript. The code cells stay top-level in the Markdown, where
  myst-nb executes them: the folding is done on the doctree, after reading;
- under the provenance line, one line lists the page's claims, each linked to
  its box, with the verdict the box shows.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx

from .claims import claim_box, verdict_label
from .i18n import N_, _
from .provenance import NO_SEARCH, PROVENANCE_CLASS
from .terms import NAMES_CLASS, slug_of

EVIDENCE_CLASS = "claim-evidence"
EVIDENCE_SUMMARY = N_("The check: its code, what it printed, and how to read it")
ON_PAGE_CLASS = "claims-on-page"


class evidence_fold(nodes.General, nodes.Element):
    """A claim's evidence, rendered as a closed ``<details>`` element."""


def visit_evidence_fold(self, node: evidence_fold) -> None:
    self.body.append(self.starttag(node, "details", CLASS=EVIDENCE_CLASS))
    self.body.append(f"<summary>{self.encode(str(_(EVIDENCE_SUMMARY)))}</summary>\n")


def depart_evidence_fold(self, node: evidence_fold) -> None:
    self.body.append("</details>\n")


def _ends_unit(node: nodes.Node) -> bool:
    return isinstance(node, (claim_box, nodes.section))


def fold_evidence(app: Sphinx, doctree: nodes.document) -> None:
    """Wrap what follows each claim box, up to the next box or subsection."""
    for box in list(doctree.findall(claim_box)):
        parent = box.parent
        start = parent.index(box) + 1
        end = start
        while end < len(parent.children) and not _ends_unit(parent.children[end]):
            end += 1
        if end == start:
            continue  # nothing to fold: a box with its evidence elsewhere
        fold = evidence_fold(claim_id=box["claim_id"])
        fold.extend(parent.children[start:end])  # extend() reparents the nodes
        parent.children[start:end] = [fold]
        fold.parent = parent


def claims_line(doctree: nodes.document, fromdocname: str) -> nodes.paragraph | None:
    """"Claims checked on this page: “…” Holds; …", each claim linked to its box."""
    boxes = list(doctree.findall(claim_box))
    if not boxes:
        return None
    claim_texts = {}
    for box in boxes:
        text = next(iter(box.findall(
            lambda n: isinstance(n, nodes.paragraph) and "claim-text" in n["classes"])))
        claim_texts[box["claim_id"]] = text.astext()
    para = nodes.paragraph(classes=[ON_PAGE_CLASS, NO_SEARCH])
    para += nodes.Text(_("Claims checked on this page: "))
    for i, box in enumerate(boxes):
        if i:
            para += nodes.Text(_("; "))
        ref = nodes.reference("", "", internal=True, refid=f"claim-{box['claim_id']}")
        ref += nodes.inline("", claim_texts[box["claim_id"]])
        para += ref
        para += nodes.Text(" ")
        para += nodes.inline("", verdict_label(box["verdict"]),
                             classes=["claim-verdict", f"claim-{box['verdict']}"])
    return para


def add_claims_line(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Under the provenance line (or the names line, or the title)."""
    if slug_of(docname) is None:
        return
    para = claims_line(doctree, docname)
    if para is None:
        return
    for cls in (PROVENANCE_CLASS, NAMES_CLASS):
        anchor = next(iter(doctree.findall(
            lambda n, cls=cls: isinstance(n, nodes.paragraph) and cls in n["classes"])), None)
        if anchor is not None:
            break
    else:
        anchor = next(iter(doctree.findall(nodes.title)))
    anchor.parent.insert(anchor.parent.index(anchor) + 1, para)


def setup(app: Sphinx) -> None:
    app.add_node(evidence_fold, html=(visit_evidence_fold, depart_evidence_fold))
    app.connect("doctree-read", fold_evidence)
    # After provenance.add_line (default priority 500), so the line goes under it.
    app.connect("doctree-resolved", add_claims_line, priority=600)
