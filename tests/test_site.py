"""Checks on the built HTML: every term, its outputs, claims, links, math."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from bs4 import BeautifulSoup

from glossary_examples._lib import registry
from glossary_examples._lib.claims import VERDICTS

from .conftest import ROOT

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
    assert all(o.get_text(strip=True) for o in outputs[:1])
    assert not doc.select(".output.traceback, .output.stderr, .output.error")
    for out in outputs:
        assert not NOISE.search(out.get_text()), out.get_text()[:300]


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


def test_index_lists_terms_by_section_with_chinese_names(built_site):
    text = soup(built_site / "index.html").get_text(" ")
    for section in registry.sections():
        assert f"{section.name} · {section.zh}" in text
    positions = [text.index(registry.term(s).title) for s in SLUGS]
    assert all(p >= 0 for p in positions)
    nav = soup(built_site / "index.html").select(".sidebar-tree a")
    nav_targets = {a["href"] for a in nav}
    for slug in SLUGS:
        assert f"glossary/{slug}.html" in nav_targets


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


SEPARATOR = "\n=== glossary term: {} ===\n"


@pytest.fixture(scope="module")
def cli_outputs() -> dict[str, str]:
    """What ``python -m glossary_examples run SLUG`` prints, for every term.

    One process runs the CLI's ``main`` for each term in turn (the CLI itself
    is tested in test_cli.py): thirty TensorFlow start-ups would cost minutes.
    """
    code = (
        "import sys\nfrom glossary_examples._lib.cli import main\n"
        f"for slug in {SLUGS!r}:\n"
        f"    print({SEPARATOR!r}.format(slug), flush=True)\n"
        "    assert main(['run', slug]) == 0, slug\n"
        "    sys.stdout.flush()\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=1200,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stderr == "", result.stderr[-3000:]
    outputs, current = {}, None
    for line in result.stdout.splitlines(keepends=True):
        m = re.fullmatch(r"=== glossary term: (\S+) ===\n", line)
        if m:
            current = m.group(1)
            outputs[current] = ""
        elif current is not None:
            outputs[current] += line
    return outputs


@pytest.mark.parametrize("slug", SLUGS)
def test_cli_run_reproduces_what_the_page_shows(built_site, cli_outputs, slug):
    streams = [
        el.get_text().strip()
        for el in page(built_site, slug).select("div.cell_output .output.stream")
    ]
    assert streams, "page prints nothing"
    for text in streams:
        assert text in cli_outputs[slug], f"page output not reproduced by the CLI:\n{text}"


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
        for code in p.find_all(["code", "a"]) + p.find_all("span", class_=re.compile("math|pre")):
            code.decompose()  # code, formulas, and the text of links themselves
        parts.append(p.get_text(" "))
    return "\n".join(parts)


def test_every_page_has_two_related_terms():
    for t in registry.TERMS:
        assert len(t.related) >= 2, t.slug


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


# The scope, copied from the inventory the site is built from: every slug and
# every source-claim id it names must be on the site.
INVENTORY_CLAIMS = {
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


def test_every_inventory_term_and_claim_is_on_the_site(built_site):
    assert len(registry.INVENTORY) == 49 and len(INVENTORY_CLAIMS) == 26
    assert {t.slug for t in registry.TERMS} == set(registry.INVENTORY)
    assert {c.id for _, c in registry.all_claims()} == INVENTORY_CLAIMS
    on_site = set()
    for slug in registry.INVENTORY:
        doc = page(built_site, slug)
        on_site |= {box["data-claim"] for box in doc.select("[data-claim]")}
    assert on_site == INVENTORY_CLAIMS


def test_no_orphan_pages(built_site):
    incoming = {s: set() for s in SLUGS}
    for slug in SLUGS:
        for target in linked_slugs(page(built_site, slug)) - {slug}:
            if target in incoming:
                incoming[target].add(slug)
    orphans = [s for s, sources in incoming.items() if not sources]
    assert orphans == [], f"no other term page links to {orphans}"
