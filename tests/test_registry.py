"""The registry, the example modules and the pages match one to one."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

import glossary_examples
from glossary_examples._lib import registry

from .conftest import ROOT

# Modules of the package that are infrastructure, not terms.
INFRASTRUCTURE = {"_lib", "__main__"}
SLUGS = [t.slug for t in registry.TERMS]
SECTION_ORDER = [
    "Definition", "Formula", "Example", "Plot", "NumPy vs Keras",
    "Source claims checked", "Pitfalls", "Related terms", "Run it yourself",
]


def term_modules() -> set[str]:
    names = {m.name for m in pkgutil.iter_modules(glossary_examples.__path__)}
    return names - INFRASTRUCTURE


def test_registry_modules_and_pages_match_one_to_one():
    modules = {t.module for t in registry.TERMS}
    pages = {p.stem for p in (ROOT / "docs" / "glossary").glob("*.md")}
    assert term_modules() == modules
    assert pages == set(SLUGS)


def test_slugs_are_unique_and_well_formed():
    assert len(SLUGS) == len(set(SLUGS))
    assert all(re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", s) for s in SLUGS)


def test_related_terms_and_sections_exist():
    known_sections = {s.key for s in registry.SECTIONS}
    for t in registry.TERMS:
        assert t.section in known_sections, t.slug
        assert t.related, f"{t.slug} has no related terms"
        for other in t.related:
            assert other != t.slug
            registry.term(other)  # raises for an unknown slug


def test_claim_ids_are_unique_and_prefixed_by_their_term():
    ids = [c.id for _, c in registry.all_claims()]
    assert len(ids) == len(set(ids))
    for t, c in registry.all_claims():
        # ids start with the term: its slug's first word or an alias (cnn-...)
        prefixes = {t.slug.split("-")[0], *(a.lower() for a in t.aliases)}
        assert c.id.split("-")[0] in prefixes, (t.slug, c.id)


def test_every_term_has_a_chinese_name():
    for t in registry.TERMS:
        assert re.search(r"[\u4e00-\u9fff]", t.zh), t.slug


@pytest.mark.parametrize("slug", SLUGS)
def test_module_follows_the_conventions(slug):
    module = importlib.import_module(f"glossary_examples.{registry.term(slug).module}")
    doc = module.__doc__ or ""
    assert doc.splitlines()[0].startswith(f"{registry.term(slug).name} ("), doc[:80]
    assert registry.term(slug).zh in doc.splitlines()[0]
    assert ">>>" in doc or any(
        ">>>" in (getattr(module, n).__doc__ or "") for n in dir(module)
        if callable(getattr(module, n))
    ), f"{slug} has no doctest"
    assert callable(module.main) and callable(module.figures)
    for claim in registry.term(slug).claims:
        # one check function per claim, named after the claim id
        fn = f"check_{claim.id.replace('-', '_')}"
        assert callable(getattr(module, fn, None)), f"{slug}: {fn}() missing"


def test_importing_a_module_does_not_import_tensorflow():
    import subprocess
    import sys

    code = (
        "import sys, glossary_examples._lib.cli\n"
        + "".join(f"import glossary_examples.{t.module}\n" for t in registry.TERMS)
        + "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"


@pytest.mark.parametrize("slug", SLUGS)
def test_page_has_the_title_and_sections_in_order(slug):
    text = (ROOT / "docs" / "glossary" / f"{slug}.md").read_text(encoding="utf-8")
    titles = re.findall(r"^# (.+)$", text, flags=re.M)
    assert titles == [registry.term(slug).title]
    sections = re.findall(r"^## (.+)$", text, flags=re.M)
    expected = [
        s for s in SECTION_ORDER
        if s != "Source claims checked" or registry.term(slug).claims
    ]
    assert sections == expected


@pytest.mark.parametrize("slug", SLUGS)
def test_page_runs_code_from_the_package_not_a_copy(slug):
    text = (ROOT / "docs" / "glossary" / f"{slug}.md").read_text(encoding="utf-8")
    module = registry.term(slug).module
    cells = re.findall(r"```\{code-cell\}[^\n]*\n(.*?)```", text, flags=re.S)
    assert cells, "no code cells"
    assert f"from glossary_examples import {module}" in cells[0]
    for cell in cells:
        assert "def " not in cell and "class " not in cell, "code belongs in the module"
        assert "!pip" not in cell
    assert f"../../glossary_examples/{module}.py" in text  # shown with literalinclude
    for claim in registry.term(slug).claims:
        assert re.search(rf"```\{{claim\}} {re.escape(claim.id)}\n:verdict: ", text), claim.id
        assert f"{module}.check_{claim.id.replace('-', '_')}()" in text, claim.id


def test_no_placeholder_text_in_pages_or_modules():
    files = list((ROOT / "docs").rglob("*.md")) + list((ROOT / "glossary_examples").glob("*.py"))
    for path in files:
        text = path.read_text(encoding="utf-8")
        for word in ("TODO", "FIXME", "XXX", "coming soon", "lorem ipsum", "TBD"):
            assert word.lower() not in text.lower(), f"{word!r} in {path.name}"
