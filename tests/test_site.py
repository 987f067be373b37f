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
    for img in images:
        target = (built_site / "glossary" / img["src"]).resolve()
        assert target.is_file() and target.stat().st_size > 5_000


@pytest.mark.parametrize("slug", SLUGS)
def test_math_is_rendered_locally(built_site, slug):
    doc = page(built_site, slug)
    assert doc.select(".math"), "no formula"
    scripts = [s.get("src", "") for s in doc.find_all("script")]
    assert any(urlsplit(s).path.endswith("_static/mathjax/tex-chtml.js") for s in scripts)
    assert (built_site / "_static" / "mathjax" / "tex-chtml.js").is_file()
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
    found = []  # each section's heading (a rubric), then the list of its terms
    for heading in article(doc).select("p.rubric"):
        items = heading.find_next_sibling("ul").find_all("li", recursive=False)
        found.append((heading.get_text(strip=True).rstrip("¶"),
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


@pytest.mark.parametrize("slug", SLUGS)
def test_related_terms_are_links(built_site, slug):
    links = page(built_site, slug).select("ul.related-terms a")
    assert [a["href"].split("#")[0] for a in links] == [
        f"{s}.html" for s in registry.term(slug).related
    ]


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
                     wrapper.get("data-term-name"), wrapper.get("data-term-zh"),
                     wrapper.get("data-term-summary"), wrapper.get("title"))
            expected = (True, t.name, t.zh, t.summary, f"{t.name} · {t.zh} — {t.summary}")
            if found != expected:
                problems.append(f"{path}: {kind} link to {slug} ({a.get_text()!r}): {found}")
    assert not problems, f"{len(problems)} links:\n" + "\n".join(problems[:30])
    # Every way a link to a term is made is among them; the running text holds most.
    assert set(kinds) == {"index", "claims page", "related terms", "running text"}, kinds
    assert kinds["index"] >= len(SLUGS), kinds  # the list of every term, and any in its prose
    assert kinds["related terms"] == sum(len(t.related) for t in registry.TERMS), kinds
    assert kinds["running text"] > 500, kinds


def test_a_link_within_its_own_page_has_no_preview(built_site):
    """A term page's links to its own sections or claims describe nothing new."""
    own = 0
    for slug in SLUGS:
        for a in article(page(built_site, slug)).find_all("a", href=True):
            if a["href"].startswith("#") or urlsplit(a["href"]).path == f"{slug}.html":
                own += 1
                assert a.find_parent("span", class_="term-preview") is None, (slug, a["href"])
    assert own > 0
