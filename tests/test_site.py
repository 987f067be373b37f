"""Checks on the built HTML of the real site: every term, its outputs, claims, links, math.

The site is built once per session, in a temporary copy of the project
(``conftest.built_site``).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from glossary_examples._lib import registry
from glossary_examples._lib.claims import VERDICTS
from glossary_site import code_spans, previews, upstream
from glossary_site.claims import VERDICT_LABELS

from .conftest import copy_project, run_build

pytestmark = pytest.mark.site

SLUGS = [t.slug for t in registry.TERMS]
# What TensorFlow, absl and Keras print when they are not silenced.
NOISE = re.compile(
    r"(tensorflow/|oneDNN|cuda|WARNING:absl|I0000|E0000|Traceback|Epoch \d+/\d+|\d+/\d+ ━)"
)


def soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def page(html: Path, slug: str) -> BeautifulSoup:
    return soup(html / "glossary" / f"{slug}.html")


@pytest.mark.parametrize("slug", SLUGS)
def test_term_page_has_executed_output_and_no_errors(built_site, slug):
    doc = page(built_site, slug)
    t = registry.term(slug)
    assert doc.h1 and t.name in doc.h1.text and t.zh in doc.h1.text
    outputs = doc.select("div.cell_output")
    assert outputs, "no executed output"
    for number, out in enumerate(outputs, 1):
        assert out.get_text(strip=True) or out.select("img"), f"output {number} is empty"
    assert not doc.select(".output.traceback, .output.stderr, .output.error")
    for out in outputs:
        assert not NOISE.search(out.get_text()), out.get_text()[:300]


@pytest.mark.parametrize("slug", SLUGS)
def test_page_shows_its_names_and_its_related_concepts_apart(built_site, slug):
    """Under the title: the Chinese name, then every other name; concepts only under Related."""
    t = registry.term(slug)
    doc = page(built_site, slug)
    names = doc.select("p.term-names")
    assert len(names) == 1 and names[0].find_previous("h1") is doc.h1
    text = names[0].get_text()
    assert text.startswith(f"Chinese: {t.zh}")
    for alias in (*t.zh_aliases, *t.aliases):
        assert alias in text, alias
    # (Sphinx's smart quotes turn ' into ’ in the page)
    concepts = [li.get_text(" ", strip=True).replace("’", "'")
                for li in doc.select("ul.related-concepts li")]
    assert concepts == [f"{c.name} · {c.zh} — {c.note}" for c in t.concepts]
    # (whole names: epoch's 迭代周期 is a name, its related concept 迭代 is not)
    listed = re.split(r"Chinese: |; also written |\. Also called: |, |\.$", text)
    for c in t.concepts:
        assert c.zh not in listed and c.name not in listed


@pytest.mark.parametrize("slug", SLUGS)
def test_term_page_has_a_plot_drawn_at_build(built_site, slug):
    images = page(built_site, slug).select("div.cell_output img")
    assert images, "no figure"
    from PIL import Image

    for img in images:
        target = (built_site / "glossary" / img["src"]).resolve()
        # A drawing, not a blank: a plot's size, and lines, text and fills in colours.
        with Image.open(target) as drawn:
            assert drawn.width >= 300 and drawn.height >= 150, drawn.size
            assert len(drawn.convert("RGBA").getcolors(maxcolors=1 << 16) or range(1 << 16)) >= 16


@pytest.mark.parametrize("slug", SLUGS)
def test_math_is_typeset_at_build(built_site, slug):
    """Every formula arrives typeset (MathJax's CHTML, with MathML for screen readers):
    the page loads no math script, and nothing from another host."""
    doc = page(built_site, slug)
    formulas = doc.select(".math")
    assert formulas, "no formula"
    for formula in formulas:
        assert formula.select_one("mjx-container mjx-assistive-mml math"), formula.get_text()[:80]
    scripts = [s.get("src", "") for s in doc.find_all("script")]
    assert not [s for s in scripts if "mathjax" in s.lower()], scripts
    # The page's own rules are in its head; MathJax's common ones in the site's one
    # shared stylesheet, which the page links. Its fonts are on the site; MJXZERO,
    # whose metrics place the lines of a formula, is in the stylesheet itself.
    assert doc.select_one("style#glossary-math").get_text().strip()
    links = [link["href"] for link in doc.select('link[rel="stylesheet"]')
             if link["href"].split("?")[0].endswith("_static/glossary-math.css")]
    assert len(links) == 1, links
    shared = built_site / "_static" / "glossary-math.css"
    css = shared.read_text(encoding="utf-8")
    urls = re.findall(r'url\("([^"]+)"\)', css)
    fonts = {unquote(u) for u in urls if not u.startswith("data:")}
    assert fonts and all((shared.parent / u).resolve().is_file() for u in fonts), fonts
    assert re.search(r'font-family: MJXZERO;src: url\("data:font/woff;base64,', css)
    for tag, attr in (("script", "src"), ("link", "href"), ("img", "src")):
        for el in doc.find_all(tag):
            assert not el.get(attr, "").startswith(("http:", "https:", "//")), el


@pytest.mark.parametrize("slug", SLUGS)
def test_claim_boxes_match_the_registry(built_site, slug):
    boxes = page(built_site, slug).select("[data-claim]")
    assert sorted(b["data-claim"] for b in boxes) == sorted(c.id for c in registry.term(slug).claims)
    for box in boxes:
        assert box["data-verdict"] in VERDICTS
        assert box.get("id") == f"claim-{box['data-claim']}"


def test_claims_page_lists_every_claim_by_verdict(built_site):
    doc = soup(built_site / "claims.html")
    listed = {}
    for verdict in VERDICTS:
        for a in doc.select(f"ul.claims-{verdict} a[href*='#claim-']"):
            listed[a["href"].split("#claim-")[1]] = (verdict, a["href"])
    expected = {c.id for _, c in registry.all_claims()}
    assert set(listed) == expected
    # Each verdict's group under a heading of its own (an h2, under the page's h1).
    headings = [(h.name, h.get_text()) for h in article(doc).select("h1, h2, h3, p.rubric")]
    assert [name for name, _ in headings] == ["h1"] + ["h2"] * len(
        {verdict for verdict, _ in listed.values()})
    assert all(text.startswith(VERDICT_LABELS[v]) for (_, text), v in zip(
        headings[1:], [v for v in VERDICTS if v in {verdict for verdict, _ in listed.values()}]))
    for t, c in registry.all_claims():
        verdict, href = listed[c.id]
        assert href == f"glossary/{t.slug}.html#claim-{c.id}"
        box = page(built_site, t.slug).select_one(f"[data-claim='{c.id}']")
        assert box["data-verdict"] == verdict


CLAIM_SLUGS = [t.slug for t in registry.TERMS if t.claims]


@pytest.mark.parametrize("slug", CLAIM_SLUGS)
def test_each_claim_box_comes_first_and_its_evidence_is_folded(built_site, slug):
    """In "Source claims checked": heading (or the previous claim's evidence), box, then
    a closed ``<details>`` holding the cell that printed this box's verdict; no code
    of the section outside a fold."""
    doc = page(built_site, slug)
    section = doc.select_one("section#source-claims-checked")
    boxes = section.select("div.claim")
    assert boxes
    for box in boxes:
        claim_id, verdict = box["data-claim"], box["data-verdict"]
        before = box.find_previous_sibling()
        assert before.name in ("h2", "h3") or "claim-evidence" in before.get("class", []), (
            claim_id, before.name, before.get("class"))
        fold = box.find_next_sibling()
        assert fold.name == "details" and "claim-evidence" in fold["class"], claim_id
        assert not fold.has_attr("open"), claim_id
        printed = " ".join(o.get_text() for o in fold.select("div.cell_output"))
        assert f"verdict[{claim_id}]: {verdict}" in printed, claim_id
        # the box itself says nothing of its id (it is in data-claim and the anchor)
        assert claim_id not in box.get_text() and not box.select(".claim-id"), claim_id
    for code in section.select("div.cell, div.highlight"):
        assert code.find_parent("details", class_="claim-evidence"), code.get_text()[:80]


@pytest.mark.parametrize("slug", SLUGS)
def test_top_line_lists_the_page_claims_with_their_verdicts(built_site, slug):
    doc = page(built_site, slug)
    line = doc.select("p.claims-on-page")
    boxes = doc.select("div.claim")
    if not boxes:
        assert not line
        return
    assert len(line) == 1 and "provenance" in line[0].find_previous("p")["class"]
    assert line[0].find_previous(["h1", "h2"]) is doc.h1  # near the top, before any section
    links = line[0].select("a")
    assert [a["href"] for a in links] == [f"#{box['id']}" for box in boxes]
    for a, box in zip(links, boxes):
        assert a.get_text() == box.select_one(".claim-text").get_text()
        shown = a.find_next_sibling("span", class_="claim-verdict").get_text()
        assert shown == box.select_one(".claim-verdict").get_text(), box["data-claim"]


def test_index_lists_terms_by_section_in_registry_order(built_site):
    doc = soup(built_site / "index.html")
    found = []  # each section's heading (an h3, under "The terms"), then its terms
    assert [h.name for h in article(doc).select("h1, h2, h3, p.rubric")][:2] == ["h1", "h2"]
    for heading in article(doc).select("h3.rubric"):
        items = heading.find_next_sibling("ul").find_all("li", recursive=False)
        found.append((heading.get_text().strip().rstrip("¶").strip(),
                      [li.a["href"].split("#")[0] for li in items],
                      [li.get_text(" ", strip=True) for li in items]))
    expected = [
        (f"{s.name} · {s.zh}",
         [f"glossary/{t.slug}.html" for t in registry.terms_in(s.key)],
         [f"{t.title} — {t.summary}" for t in registry.terms_in(s.key)])
        for s in registry.sections()
    ]
    assert [(h, links) for h, links, _ in found] == [(h, links) for h, links, _ in expected]
    plain = str.maketrans("‘’“”", "''\"\"")  # (Sphinx's smart quotes)
    for (_, _, shown), (_, _, wanted) in zip(found, expected, strict=True):
        assert [" ".join(s.translate(plain).split()) for s in shown] == [
            " ".join(w.split()) for w in wanted]
    # The sidebar lists the same terms in the same order.
    nav = [a["href"] for a in doc.select(".sidebar-tree a") if "glossary/" in a["href"]]
    assert nav == [f"glossary/{t.slug}.html" for s in registry.sections()
                   for t in registry.terms_in(s.key)]


def prerequisites_out_of_order(slugs: list[str]) -> list[str]:
    """Every term of ``slugs`` that comes before one of its prerequisites (or without it)."""
    at = {slug: i for i, slug in enumerate(slugs)}
    return [f"{slug} before its prerequisite {first}" for slug in slugs
            for first in registry.term(slug).learn_first if at.get(first, len(slugs)) > at[slug]]


def test_index_sidebar_and_page_links_follow_the_reading_order(built_site):
    """The index's list, the sidebar and each page's previous/next links give the terms in
    registry.site_order(), so no term comes before one of its prerequisites in any of them."""
    order = [t.slug for t in registry.site_order()]
    doc = soup(built_site / "index.html")
    listed = [Path(urlsplit(li.a["href"]).path).stem
              for heading in article(doc).select("h3.rubric")
              for li in heading.find_next_sibling("ul").find_all("li", recursive=False)]
    sidebar = [Path(a["href"]).stem for a in doc.select(".sidebar-tree a") if "glossary/" in a["href"]]

    def footer_link(at: Path, kind: str) -> Path | None:
        """Where furo's "next" or "previous" link at the foot of a page leads."""
        found = re.search(rf'<a class="{kind}-page" href="([^"]+)"', at.read_text(encoding="utf-8"))
        return (at.parent / urlsplit(found[1]).path).resolve() if found else None

    # Following "next" from the index, and "previous" back from the last term page.
    chain, at = [], footer_link(built_site / "index.html", "next")
    while at is not None and at.parent.name == "glossary":
        chain.append(at.stem)
        at = footer_link(at, "next")
    back, at = [], built_site / "glossary" / f"{order[-1]}.html"
    while at is not None and at.parent.name == "glossary":
        back.append(at.stem)
        at = footer_link(at, "prev")
    for name, found in (("index", listed), ("sidebar", sidebar), ("next links", chain),
                        ("previous links", back[::-1])):
        assert found == order, name
        assert not prerequisites_out_of_order(found), name
    assert prerequisites_out_of_order(order[::-1])  # (the check can fail)


@pytest.mark.parametrize("slug", SLUGS)
def test_related_terms_are_links_grouped_by_how_they_relate(built_site, slug):
    """Under a label per kind (Before this, Part of, Includes, Contrast, Read next), in
    that order, each kind's terms in site order; together, every term related to the page."""
    from glossary_site.terms import RELATION_LABELS

    groups = page(built_site, slug).select("div.relation-group")
    found = [(g.select_one("p.relation-label").get_text().strip(),
              [a["href"].split("#")[0] for a in g.select("ul.related-terms a")]) for g in groups]
    related = registry.relations(slug)
    expected = [(label, [f"{t.slug}.html" for t, k in related if k == kind])
                for kind, label in RELATION_LABELS.items() if any(k == kind for _, k in related)]
    assert found == expected
    assert sorted(h for _, hrefs in found for h in hrefs) == sorted(
        f"{t.slug}.html" for t, _ in related)


def test_internal_links_resolve(built_site):
    ids_cache: dict[Path, set[str]] = {}

    def ids(path: Path) -> set[str]:
        if path not in ids_cache:
            ids_cache[path] = {el["id"] for el in soup(path).select("[id]")}
        return ids_cache[path]

    checked = 0
    for html in built_site.rglob("*.html"):
        for a in soup(html).find_all("a", href=True):
            href = a["href"]
            if href.startswith(("http:", "https:", "mailto:", "javascript:")):
                continue
            parts = urlsplit(href)
            target = (html.parent / unquote(parts.path)).resolve() if parts.path else html
            if target.is_dir():
                target = target / "index.html"
            assert target.exists(), f"{html.relative_to(built_site)}: broken link {href}"
            if parts.fragment and target.suffix == ".html":
                assert parts.fragment in ids(target), f"{html.name}: missing anchor {href}"
            checked += 1
    assert checked > 50


@pytest.mark.parametrize("slug", ["dropout", "relu"])
def test_cli_run_prints_what_the_page_shows(built_site, slug):
    """End to end for two terms (``tests/test_pages.py`` checks every page's cells
    against its module's PAGE statically): ``run`` prints each printed output of
    the page, in the page's order."""
    import subprocess
    import sys

    result = subprocess.run([sys.executable, "-m", "glossary_examples", "run", slug],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0 and result.stderr == "", result.stderr[-2000:]
    streams = [el.get_text() for el in page(built_site, slug).select(
        "div.cell_output .output.stream")]
    assert streams, "page prints nothing"
    # (the page shows each cell's output in a block of its own, ending in a blank line)
    assert result.stdout == "".join(s.rstrip("\n") + "\n" for s in streams)


def article(doc: BeautifulSoup):
    """The page's own content, without the sidebar and footer navigation."""
    return doc.select_one("article[role='main']") or doc


def linked_slugs(doc: BeautifulSoup) -> set[str]:
    slugs = set()
    for a in article(doc).select("a.reference.internal[href]"):
        target = urlsplit(a["href"]).path
        if target.endswith(".html"):
            slugs.add(Path(target).stem)
    return slugs


def prose(doc: BeautifulSoup) -> str:
    """Running text: paragraphs outside code, outputs, headings and quoted claims."""
    parts = []
    for p in article(doc).find_all("p"):
        if p.find_parent(["pre", "h1", "h2", "h3"]) or p.find_parent(class_="cell_output"):
            continue
        if p.find_parent(class_="related-terms") or "claim-text" in (p.get("class") or []):
            continue  # generated from the registry / quoted as the source wrote it
        for code in p.find_all(["code", "a"]) + p.find_all("span", class_=re.compile("math|pre|nolink")):
            code.decompose()  # code, formulas, and the text of links themselves
        parts.append(p.get_text(" "))
    return "\n".join(parts)


@pytest.mark.parametrize("slug", SLUGS)
def test_terms_mentioned_on_a_page_are_linked(built_site, slug):
    doc = page(built_site, slug)
    linked = linked_slugs(doc)
    text = prose(doc)  # (strips the links out of the parsed page)
    for other in registry.TERMS:
        if other.slug == slug:
            continue
        for name in (other.name, *other.aliases):
            if re.search(rf"(?<![\w-]){re.escape(name)}s?(?![\w-])", text, re.IGNORECASE):
                assert other.slug in linked, f"{slug} mentions {name!r} without linking it"


def test_a_word_in_another_sense_is_not_linked(built_site):
    """The bias of the bias–variance trade-off is written {nolink}`bias`: no link to a neuron's bias."""
    for slug in ("overfitting", "underfitting"):
        doc = page(built_site, slug)
        kept = doc.select("span.nolink")
        assert kept and all(s.get_text() == "bias" and s.find_parent("a") is None for s in kept)
        # (the page may link weights-and-bias for a mention of weights, not for this word)
        assert not [a for a in article(doc).select("a.reference.internal")
                    if a.get_text().strip().lower() == "bias"]


# The scope, copied from the list of terms the site is built from: 55 terms,
# and these source claims, each of which must be on the site.
EXPECTED_TERM_COUNT = 55
EXPECTED_CLAIM_IDS = {
    "tensor-sum-axes", "regression-nb-epoch", "regression-extrapolation", "one-hot-label-2",
    "perceptron-logic-gates", "sigmoid-output-layer", "tanh-hidden-layers",
    "relu-faster-training", "relu-sparsity", "relu-activation-rate-2n",
    "softmax-normalised-sigmoid", "layers-hidden-unit-rule", "gradient-descent-batch-vs-sgd",
    "learning-rate-definition", "backpropagation-hyperparameters",
    "batch-minibatch-generalises", "overfitting-random-labels", "dropout-ensemble",
    "cnn-2352-weights", "padding-output-sizes", "padding-corner-pixels",
    "padding-same-keeps-size", "padding-valid-keeps-pixels", "pooling-2x2-of-4x4",
    "vanishing-gradient-relu", "exploding-gradient-clipping",
}


@pytest.mark.unit
def test_the_registry_holds_the_scope():
    assert len(registry.TERMS) == EXPECTED_TERM_COUNT
    assert {c.id for _, c in registry.all_claims()} == EXPECTED_CLAIM_IDS


def test_every_term_and_claim_is_on_the_site(built_site):
    on_site = set()
    for slug in SLUGS:
        doc = page(built_site, slug)
        on_site |= {box["data-claim"] for box in doc.select("[data-claim]")}
    assert on_site == EXPECTED_CLAIM_IDS


def test_no_orphan_pages(built_site):
    incoming = {s: set() for s in SLUGS}
    for slug in SLUGS:
        for target in linked_slugs(page(built_site, slug)) - {slug}:
            if target in incoming:
                incoming[target].add(slug)
    orphans = [s for s, sources in incoming.items() if not sources]
    assert orphans == [], f"no other term page links to {orphans}"


def cell_outputs(html: Path) -> list[str]:
    """Every cell output of a page: text as shown, images by their content-hash name."""
    doc = soup(html)
    outputs = []
    for out in doc.select("div.cell_output"):
        outputs.append(out.get_text())
        outputs += [Path(img["src"]).name for img in out.select("img")]
    return outputs


@pytest.mark.slow
def test_fresh_kernels_and_warm_kernels_give_identical_outputs(built_site, tmp_path):
    """A cold build with a fresh kernel per page (stock myst-nb's way) shows
    exactly what the site built with warm kernels shows: the same text and the
    same image bytes (image files are named by their content's hash). It is
    also a second cold build, so this checks that builds are deterministic.
    (Minutes: not in ``make test``; ``.ci/run`` runs it as a step of its own.)"""
    project = copy_project(tmp_path / "p")
    result = run_build(project, env={"GLOSSARY_KERNELS": "fresh"}, timeout=1800)
    assert result.returncode == 0, result.stdout + result.stderr
    for slug in SLUGS:
        warm = cell_outputs(built_site / "glossary" / f"{slug}.html")
        fresh = cell_outputs(project / "_build" / "html" / "glossary" / f"{slug}.html")
        assert fresh == warm, slug


@pytest.mark.parametrize("slug", SLUGS)
def test_page_says_what_produced_its_outputs_and_how_to_run_it(built_site, slug):
    """Provenance under the names; downloads, pip line and clone steps in "Run it yourself"."""
    from importlib.metadata import version

    doc = page(built_site, slug)
    line = doc.select("p.provenance")
    assert len(line) == 1 and line[0].find_previous("p").get("class") == ["term-names"]
    text = line[0].get_text()
    for name, dist in (("Keras", "keras"), ("NumPy", "numpy"), ("TensorFlow", "tensorflow-cpu")):
        assert f"{name} {version(dist)}" in text
    # The session's site is built in a copy without .git: no commit to name.
    assert text.endswith("from a copy outside git.")
    box = doc.select_one("div.run-locally")
    links = {a["href"] for a in box.select("a.glossary-download")}
    assert links == {f"../downloads/{slug}.ipynb", f"../downloads/{slug}.py"}
    for href in links:
        assert (built_site / "glossary" / href).resolve().is_file()
    pip_line = box.select("pre")[0].get_text()
    assert pip_line.startswith("pip install \\\n") and f"keras=={version('keras')}" in pip_line
    assert "make docs" in box.get_text() and "pip install -e ." in box.get_text()
    assert f"python -m glossary_examples run {slug}" in box.get_text()


def test_the_index_says_how_to_get_and_run_the_examples(built_site):
    text = " ".join(soup(built_site / "index.html").get_text().split())
    for needle in ("make docs", "pip install -e .", ".ipynb", "python -m glossary_examples run dropout"):
        assert needle in text


@pytest.mark.parametrize("slug", ["dropout", "padding"])
def test_a_download_is_the_page_in_plain_markdown_with_the_pages_outputs(built_site, slug):
    import nbformat

    nb = nbformat.read(built_site / "downloads" / f"{slug}.ipynb", as_version=4)
    assert not any("glossary_examples import" in c.source for c in nb.cells)
    prose = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "{glue" not in prose and "```{" not in prose and "{ref}" not in prose
    assert registry.term(slug).title in nb.cells[0].source
    doc = page(built_site, slug)
    for plot in doc.select("div.cell_output figure"):  # a plot's caption is not an output
        plot.decompose()
    page_outputs = [o.get_text() for o in doc.select("div.cell_output") if o.get_text(strip=True)]
    stored = ["".join(o["text"] if o.output_type == "stream" else o.data.get("text/plain", "")
                      for o in c.outputs if o.output_type in ("stream", "execute_result"))
              for c in nb.cells if c.cell_type == "code" and c.outputs]
    texts = [s for s in stored if s.strip()]
    assert len(texts) == len(page_outputs)
    for shown, kept in zip(page_outputs, texts):
        assert shown.split() == kept.split()


@pytest.mark.parametrize("slug", ["dropout", "vanishing-gradient"])
def test_every_function_shown_from_the_package_names_its_file(built_site, slug):
    doc = page(built_site, slug)
    shown = [b for b in doc.select("div.highlight-default") if not b.find_parent("div", class_="cell")]
    assert shown
    module = registry.term(slug).module
    for block in shown:
        wrapper = block.find_parent("div", class_="source-caption")
        assert wrapper is not None, block.get_text()[:80]
        caption = wrapper.select_one(".caption-text").get_text()
        name = re.match(r"(?:@.*\n)*(?:def|class) (\w+)", block.get_text())[1]
        assert caption in (f"glossary_examples/{module}.py · {name}",
                           *(f"glossary_examples/{m}.py · {name}" for m in
                             [t.module for t in registry.TERMS] + ["_lib/seeds", "_lib/runtime"]))


# --- Term previews (glossary_site/previews.py) ------------------------------------------

def term_links(built_site: Path, path: str) -> list[tuple[str, BeautifulSoup]]:
    """(slug, link) for every link of a page's content to another term's page."""
    html = built_site / path
    found = []
    for a in article(soup(html)).find_all("a", href=True):
        parts = urlsplit(a["href"])
        if parts.scheme or not parts.path:
            continue  # another site, or a place on this page
        target = (html.parent / unquote(parts.path)).resolve()
        if target == html.resolve() or target.parent != (built_site / "glossary").resolve():
            continue
        found.append((target.stem, a))
    return found


def link_kind(path: str, a) -> str:
    if path == "index.html":
        return "index"
    if path == "claims.html":
        return "claims page"
    if a.find_parent("ul", class_="related-terms"):
        return "related terms"
    return "running text"


def test_every_link_to_a_term_carries_its_names_and_summary(built_site):
    """On every page: each link to another term's page sits in a span.term-preview holding
    that term's names and summary, and whose title gives them without JavaScript."""
    paths = ["index.html", "claims.html", *(f"glossary/{slug}.html" for slug in SLUGS)]
    kinds: dict[str, int] = {}
    problems = []
    for path in paths:
        for slug, a in term_links(built_site, path):
            t = registry.term(slug)
            kind = link_kind(path, a)
            kinds[kind] = kinds.get(kind, 0) + 1
            wrapper = a.parent
            found = (wrapper.name == "span" and "term-preview" in (wrapper.get("class") or []),
                     wrapper.get("title"))
            expected = (True, f"{t.name} · {t.zh} — {t.summary}")
            if found != expected:
                problems.append(f"{path}: {kind} link to {slug} ({a.get_text()!r}): {found}")
    assert not problems, f"{len(problems)} links:\n" + "\n".join(problems[:30])
    # Every way a link to a term is made is among them; the running text holds most.
    assert set(kinds) == {"index", "claims page", "related terms", "running text"}, kinds
    assert kinds["index"] >= len(SLUGS), kinds  # the list of every term, and any in its prose
    assert kinds["related terms"] == sum(len(registry.relations(t.slug)) for t in registry.TERMS), kinds
    assert kinds["running text"] > 500, kinds


def test_no_terms_names_hold_what_ends_them_in_a_preview():
    """The popover's first line is its span's title up to the first " — "."""
    assert not [t.slug for t in registry.TERMS if previews.NAMES_END in t.title]


def test_a_link_within_its_own_page_has_no_preview(built_site):
    """A term page's links to its own sections or claims describe nothing new."""
    own = 0
    for slug in SLUGS:
        for a in article(page(built_site, slug)).find_all("a", href=True):
            if a["href"].startswith("#") or urlsplit(a["href"]).path == f"{slug}.html":
                own += 1
                assert a.find_parent("span", class_="term-preview") is None, (slug, a["href"])
    assert own > 0


# --- A path through the terms (glossary_site/reading_path.py) ----------------------------

def forward_links(html: Path) -> dict[str, list[str]]:
    """Each term page → the later terms (in site order) its Definition links to.

    A definition read in order should not need a page that comes after it; it
    may name one (as a contrast, an example, a look ahead: the link's preview
    shows its summary), but a link ahead to a term the page is not related to
    is usually a reference the text can do without.
    """
    order = [t.slug for t in registry.site_order()]
    position = {slug: i for i, slug in enumerate(order)}
    found = {}
    for slug in order:
        text = (html / "glossary" / f"{slug}.html").read_text(encoding="utf-8")
        start = text.index('<section id="definition">')
        # (parse the Definition alone: the whole page, 55 times, takes seconds)
        definition = BeautifulSoup(text[start:text.index("<section id=", start + 1)], "html.parser")
        later = []
        for a in definition.select("a.reference.internal[href]"):
            other = Path(urlsplit(a["href"]).path).stem
            if position.get(other, -1) > position[slug] and other not in later:
                later.append(other)
        if later:
            found[slug] = later
    return found


# Definitions' links to later terms the page is not related to. On this order
# (registry.site_order()), before the edits that removed the gratuitous ones: 37
# of 55 pages linked ahead to 70 terms, 38 of them unrelated; after: 34 pages, 60
# terms, 27 unrelated. What is left names a later term as an example or a look
# ahead ("a batch normalization layer" keeps non-trainable state; "model" in its
# everyday sense). Lower the bound when a definition loses one; a new one means:
# relate the two terms in terms.toml, or write the definition without it.
UNRELATED_FORWARD_LINKS = 27


def test_definitions_link_ahead_mostly_to_related_terms(built_site):
    ahead = forward_links(built_site)
    unrelated = {slug: [o for o in later if o not in {t.slug for t, _ in registry.relations(slug)}]
                 for slug, later in ahead.items()}
    unrelated = {slug: later for slug, later in unrelated.items() if later}
    count = sum(len(later) for later in unrelated.values())
    assert count <= UNRELATED_FORWARD_LINKS, "\n".join(
        f"{slug}: {', '.join(later)}" for slug, later in unrelated.items())
    assert "dropout" in ahead["regularization"]  # (the measurement finds links)
# --- The concept map (glossary_site/maps.py, glossary_site/concept_map.py) -----------------

def test_the_concept_map_links_each_term_once_to_its_page(built_site):
    """The drawing: one box per term, in site order, each an SVG link to the term's page,
    named by the term's names; the page is in the site's navigation."""
    doc = soup(built_site / "concept-map.html")
    svgs = article(doc).select("svg.concept-map-svg")
    assert len(svgs) == 1
    links = svgs[0].select("a")
    assert [a["href"] for a in links] == [f"glossary/{t.slug}.html" for t in registry.site_order()]
    for a, t in zip(links, registry.site_order()):
        assert a["aria-label"] == t.title and a.title.get_text() == f"{t.name} — {t.summary}"
        assert (built_site / a["href"]).is_file()
    edges = svgs[0].select("path[data-edge]")
    assert sorted(e["data-edge"] for e in edges) == sorted(
        f"{p} {t.slug}" for t in registry.TERMS for p in t.learn_first)
    # (the sidebar of every page lists it, next to the claims page)
    nav = [a["href"] for a in soup(built_site / "index.html").select(".sidebar-tree a")]
    assert "concept-map.html" in nav


def test_the_concept_map_as_text_lists_what_comes_before_and_after_each_term(built_site):
    doc = soup(built_site / "concept-map.html")
    items = article(doc).select("div.concept-map-text-version ul.concept-map-text > li")
    assert len(items) == len(registry.TERMS)
    for li, t in zip(items, registry.site_order()):
        hrefs = [a["href"].split("#")[0] for a in li.select("a")]
        before = [f"glossary/{b.slug}.html" for b in registry.before(t.slug)]
        after = [f"glossary/{n.slug}.html" for n in registry.after(t.slug)]
        assert hrefs == [f"glossary/{t.slug}.html", *before, *after], t.slug
        text = " ".join(li.get_text(" ", strip=True).split())
        assert f"learn first: {'none' if not before else ''}" in text, t.slug
        assert f"read next: {'none' if not after else ''}" in text, t.slug


def test_the_concept_map_page_keeps_term_names_out_of_the_search_index(built_site):
    """Its map and list name every term: they are left out, so a search for a term finds
    the term's page, not this one. Its introduction is indexed (a search for "concept map")."""
    import json

    text = (built_site / "searchindex.js").read_text(encoding="utf-8")
    index = json.loads(text[text.index("(") + 1:text.rindex(")")])
    page = index["docnames"].index("concept-map")

    def docs(word: str, kind: str = "terms") -> set[int]:
        found = index[kind].get(word, [])
        return set(found) if isinstance(found, list) else {found}

    assert page in docs("concept", "titleterms") and page in docs("概念图", "titleterms")
    assert page in docs("arrow")
    for word in ("vector", "backpropag", "dropout", "tensor", "regularis", "pool"):
        assert docs(word), word
        assert page not in docs(word), word


@pytest.mark.parametrize("slug", SLUGS)
def test_each_term_page_shows_its_neighbourhood(built_site, slug):
    """Under "Related terms", above its list: what to learn first (links, in site order),
    the term itself (no link), what to read next, and any other related term."""
    section = page(built_site, slug).select_one("section#related-terms")
    maps = section.select("div.neighbourhood-map")
    assert len(maps) == 1
    box = maps[0]
    after = box.find_next_sibling()  # above the list (its first group, when grouped)
    assert after is None or "related-terms" in after.get("class", []) or after.select("ul.related-terms")
    assert "no-search" in box["class"]

    def hrefs(css: str) -> list[str]:
        return [a["href"].split("#")[0] for a in box.select(css)]

    assert hrefs(".nm-before a") == [f"{t.slug}.html" for t in registry.before(slug)]
    assert hrefs(".nm-after a") == [f"{t.slug}.html" for t in registry.after(slug)]
    shown = {t.slug for t in (*registry.before(slug), *registry.after(slug))}
    others = [f"{t.slug}.html" for t, _ in registry.relations(slug) if t.slug not in shown]
    assert hrefs(".nm-this a") == others
    this = box.select("li.nm-self")
    assert len(this) == 1 and not this[0].select("a")
    assert registry.term(slug).name in this[0].get_text() and registry.term(slug).zh in this[0].get_text()
    # Every box shows the term's Chinese name under its English one.
    for li in box.select("li.nm-node"):
        assert li.select_one(".nm-zh").get_text() in {t.zh for t in registry.TERMS}


# --- Weight of the site ---------------------------------------------------------------------

SITE_BUDGET = 10 * 2**20  # bytes, the pages' own (downloads aside)
# What a reader downloads on purpose, one file per term: a notebook (its plots inside,
# base64) and a script. Not loaded by any page.
OFFERED = "downloads"


# At the merge of issue 12 the site was 17.1 MB beside its downloads: each plot in two
# full-colour renderings (8.4 MB), and term pages of 7.7 MB. Now the plots are palettes
# (glossary_site/plots.py), MathJax's common rules one shared stylesheet
# (math_render.py), code blocks without the spans that draw nothing different
# (code_spans.py) and a preview one attribute (previews.py).
def test_code_blocks_have_no_spans_that_draw_nothing_different(built_site):
    """The spans code_spans.py drops draw as the text in the styles the site ships."""
    assert code_spans.style_problems((built_site / "_static" / "pygments.css").read_text()) == []
    html = (built_site / "glossary" / "dropout.html").read_text(encoding="utf-8")
    blocks = re.findall(r'<div class="highlight"><pre>(.*?)</pre>', html, re.S)
    assert len(blocks) > 5 and all('<span class="n">' not in b for b in blocks)
    assert sum(b.count('<span class="k">') for b in blocks) > 5  # keywords keep their colour


def test_the_site_weighs_at_most_10_mb_beside_its_downloads(built_site):
    """Each edition (English at the top, Chinese in zh_CN/) on its own."""
    sizes = {p.relative_to(built_site).as_posix(): p.stat().st_size
             for p in built_site.rglob("*") if p.is_file()}
    for edition in ("", "zh_CN/"):
        pages = {path: size for path, size in sizes.items()
                 if path.startswith(edition) and not path.startswith(f"{edition}{OFFERED}/")
                 and (edition or not path.startswith("zh_CN/"))}
        biggest = sorted(pages.items(), key=lambda item: -item[1])[:5]
        assert pages and sum(pages.values()) <= SITE_BUDGET, (
            f"{edition or 'English'}: {sum(pages.values())} bytes; biggest: {biggest}")
    # No MathJax tree: only its fonts, cut down (glossary_site/math_fonts.py).
    assert not [p for p in sizes if p.startswith("_static/mathjax/")]
    fonts = [p for p in sizes if p.startswith("_static/mathjax-fonts/")]
    assert fonts and all(p.endswith(".woff") for p in fonts)
    assert sum(sizes[p] for p in fonts) < 100_000


# --- The Chinese edition (zh_CN/; glossary_site/translations.py, i18n.py) -----------------

def zh_page(built_site, slug: str) -> BeautifulSoup:
    path = built_site / "zh_CN" / "glossary" / f"{slug}.html"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


@pytest.mark.parametrize("slug", SLUGS)
def test_a_chinese_page_names_every_term_as_the_registry_does(built_site, slug):
    """Its title is the registry's Chinese name first; every link to a term in its running
    text says that term's Chinese name (or a part of it: 层 for 输入层、隐藏层、输出层), one
    of its other Chinese names, a concept the registry lists under it (有效填充 under
    填充), or its English name (at first use)."""
    doc = zh_page(built_site, slug)
    assert doc.find("h1").get_text().replace("¶", "").strip() == registry.term(slug).zh_title
    assert doc.find("html")["lang"] == "zh-CN"
    problems = []
    for a in article(doc).select("p a.reference.internal"):
        if a.find_parent(class_=re.compile(r"related-terms|reading-path|claims-on-page|nm-")):
            continue  # lists the extension writes from the registry
        target = urlsplit(a["href"]).path
        if "/" in target or not target.endswith(".html") or target[:-5] == slug:
            continue
        other = registry.term(target[:-5])
        text = a.get_text().strip()
        english = {n.lower() for n in (other.name, *other.aliases)}
        concepts = {c.zh for c in other.concepts}  # 有效填充 for valid padding
        if not (text in (other.zh, *other.zh_aliases, other.zh_title, other.title, *concepts)
                or text in other.zh or text.lower().removesuffix("s") in english
                or text.lower() in english):
            problems.append(f"{slug}: a link to {other.slug} says {text!r}")
    assert not problems, "\n".join(problems)


def test_every_page_links_to_its_twin_in_the_other_edition(built_site):
    for english in built_site.glob("**/*.html"):
        path = english.relative_to(built_site).as_posix()
        if path.startswith(("zh_CN/", f"{OFFERED}/", "_")):
            continue
        chinese = built_site / "zh_CN" / path
        assert chinese.is_file(), path
        for page, other in ((english, chinese), (chinese, english)):
            doc = BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser")
            switch = doc.select_one("p.edition-switch a")
            assert switch is not None, page
            assert (page.parent / switch["href"]).resolve() == other.resolve(), (page, switch["href"])


def test_the_chinese_index_says_every_page_is_translated_in_full(built_site):
    doc = BeautifulSoup((built_site / "zh_CN" / "index.html").read_text(encoding="utf-8"),
                        "html.parser")
    box = doc.select_one(".translation-coverage")
    assert box is not None
    figures = [li.get_text() for li in box.select("li")]
    assert len(figures) >= len(SLUGS) + 3
    assert all(re.search(r": 100 % \((\d+)/\1\)$", f) for f in figures), figures
    # The English index says nothing of it.
    english = (built_site / "index.html").read_text(encoding="utf-8")
    assert "translation-coverage" not in english


@pytest.mark.parametrize("slug", SLUGS)
def test_a_chinese_page_shows_its_plots_drawn_in_chinese(built_site, slug):
    """As many plots as the English page, each another drawing (its texts in Chinese:
    glossary_examples/_lib/zh_figures.py), with the same caption's Chinese as alt text."""
    english = page(built_site, slug).select("figure.glossary-plot img.only-light, "
                                            "figure.glossary-plot .only-light img")
    chinese = zh_page(built_site, slug).select("figure.glossary-plot img.only-light, "
                                               "figure.glossary-plot .only-light img")
    assert len(chinese) == len(english)
    for en, zh in zip(english, chinese):
        assert (built_site / "glossary" / en["src"]).resolve().name != \
            (built_site / "zh_CN" / "glossary" / zh["src"]).resolve().name
        assert re.search(r"[\u4e00-\u9fff]", zh["alt"]), zh["alt"]


@pytest.mark.parametrize("slug", SLUGS)
def test_a_chinese_page_pastes_the_codes_words_in_chinese(built_site, slug):
    """A value glued into a sentence that is words ("do not overlap", "… 5 seeds") is pasted
    as its Chinese twin (report.Phrase, Spread.zh), not in English, into the Chinese edition;
    the English edition pastes the English."""
    pasted = [span.get_text() for span in
              zh_page(built_site, slug).select(f"span.{upstream.glue_paste_class()}")]
    english = [text for text in pasted if re.search(r"\b[a-z]{3,}\b", text)]
    assert not english, english
    chinese = [span.get_text() for span in
               page(built_site, slug).select(f"span.{upstream.glue_paste_class()}")
               if re.search(r"[\u4e00-\u9fff]", span.get_text())]
    assert not chinese, chinese


# Names the theme's footer credits, the same in every language.
THEME_NAMES = {"Sphinx", "Furo", "@pradyunsg"}


def theme_english(doc: BeautifulSoup) -> set[str]:
    """The theme's words around a page's content (its text outside <article>, and the
    labels, titles and placeholders of the whole page) that are English and nothing else."""
    for element in doc(["script", "style", "svg", "pre", "code"]):
        element.decompose()
    found = set()
    for element in doc.find_all(True):
        for name in ("aria-label", "title", "alt", "placeholder"):
            value = element.get(name)
            if value and re.search(r"[A-Za-z]{3,}", value) and not re.search(r"[\u4e00-\u9fff]", value):
                found.add(f"{element.name}[{name}]: {value}")
    for text in doc.find_all(string=True):
        if text.find_parent("article") or type(text).__name__ != "NavigableString":
            continue
        words = text.strip()
        if (re.search(r"[A-Za-z]{3,}", words) and not re.search(r"[\u4e00-\u9fff]", words)
                and words not in THEME_NAMES):
            found.add(f"{text.parent.name}: {words}")
    return found


def test_the_chinese_edition_shows_the_theme_in_chinese(built_site):
    """Furo's own words (skip link, toggles' labels, search field, footer) on every
    Chinese page: translated by Sphinx's catalog, ours (sphinx.po), or, for the words
    furo writes without gettext, through the upstream entry "theme words"."""
    found = {}
    for path in sorted((built_site / "zh_CN").glob("**/*.html")):
        english = theme_english(BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser"))
        if english:
            found[path.relative_to(built_site).as_posix()] = sorted(english)
    assert not found, next(iter(found.items()))
    # The English edition keeps furo's English.
    assert 'aria-label="Toggle site navigation sidebar"' in (built_site / "index.html").read_text(
        encoding="utf-8")
