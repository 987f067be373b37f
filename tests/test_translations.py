"""The Chinese edition: its catalogs keep up with the English pages, and it runs no code.

- Every catalog (a page's, and the extension's ``glossary-site``) translates
  every message of the last English build, none fuzzy, and each translation
  keeps its English's code, math, glued numbers and link targets
  (``glossary_site/translations.py``).
- Builds of the fixture project: an English sentence changed makes its
  translation missing, then fuzzy after ``update``, and the build says so,
  naming the page; the Chinese edition refuses to run code; a glued number in
  a translated paragraph is pasted (upstream entry "glue in translations").
"""

from __future__ import annotations

import json
import re

import pytest

from glossary_site import i18n, settings, translations

from .conftest import ROOT, edit, log, run_build
from .fixture import MEASURED_SENTENCE, PAGE, make_fixture

BOTH = {"GLOSSARY_EDITIONS": "en,zh_CN"}


# --- The real catalogs ---------------------------------------------------------------------

def catalogs():
    return sorted(translations.catalog_dir(ROOT).rglob("*.po"))


def test_there_is_a_catalog_for_every_page_and_for_the_extension():
    names = {p.relative_to(translations.catalog_dir(ROOT)).with_suffix("").as_posix()
             for p in catalogs()}
    pages = {p.relative_to(ROOT / "docs").with_suffix("").as_posix()
             for p in (ROOT / "docs").rglob("*.md")}
    assert pages <= names and i18n.DOMAIN in names, sorted(pages - names)


@pytest.mark.parametrize("path", catalogs(), ids=lambda p: p.stem)
def test_every_translation_keeps_what_its_english_must_keep(path):
    problems = translations.lint_catalog(path)
    assert not problems, "\n".join(problems)


def test_every_catalog_is_written_as_make_translations_writes_it():
    # One form for every file (no format flags, no wrapped lines): an edit by hand
    # or by another tool shows in review as what it changed, not as the whole file.
    changed = [p.name for p in catalogs()
               if translations.catalog_bytes(translations.read_catalog(p)) != p.read_bytes()]
    assert not changed, changed


def test_a_fuzzy_message_keeps_the_english_it_was_made_for_until_it_is_mended(tmp_path):
    """Babel writes the old English of a fuzzy message ("#| msgid", wrapped at 76 columns)
    but reads it back as comments: read here, it stays what it was through any number of
    `make translations`, and goes once the translation is mended."""
    english = " ".join(f"The {n}th word of a paragraph long enough to wrap." for n in range(8))
    page = tmp_path / "page.po"
    catalog = translations.updated_catalog([english], None)
    catalog.get(english).string = "译文。"
    page.write_bytes(translations.catalog_bytes(catalog))
    changed = english.replace("8th", "eighth").replace("wrap.", "wrap, twice.")
    for _ in range(2):  # the English changes, then make translations runs again
        data = translations.catalog_bytes(translations.updated_catalog(
            [changed], translations.read_catalog(page)))
        page.write_bytes(data)
        message = translations.read_catalog(page).get(changed)
        assert message.fuzzy and message.previous_id == [english], message.previous_id
        assert not message.user_comments, message.user_comments
    assert data.count(b"#| ") > 2  # wrapped: the case Babel does not read
    mended = translations.read_catalog(page)
    mended.get(changed).flags.discard("fuzzy")  # the translator mends it
    assert b"#|" not in translations.catalog_bytes(mended)


def test_the_extension_catalog_holds_every_message_the_extension_writes():
    catalog = translations.read_catalog(translations.catalog_path(i18n.DOMAIN, ROOT))
    missing = [m for m in i18n.messages() if catalog.get(m) is None or not catalog.get(m).string]
    assert not missing, missing[:10]


def test_no_message_of_the_extension_hides_inside_an_f_string():
    """Babel's extractor reads no f-string on Python 3.11: a _("...") inside one would
    be missing from the catalog, and stay English in every edition."""
    import tokenize

    hidden = []
    for path in sorted((ROOT / "glossary_site").rglob("*.py")):
        with path.open("rb") as f:
            for token in tokenize.tokenize(f.readline):
                prefix = re.match(r"[A-Za-z]*", token.string).group(0).lower()
                if token.type == tokenize.STRING and "f" in prefix and re.search(r"\b_\(\s*[\"']", token.string):
                    hidden.append(f"{path.name}:{token.start[0]}")
    assert not hidden, hidden


def test_the_drift_check_knows_a_formula_from_prose():
    assert translations.lint(r"\frac{1}{2} = x_i", r"\frac{1}{2} = x_i") == []
    assert translations.lint("The mean of $x$ is small.", "The mean of $x$ is small.") == [
        "not translated: no Chinese in it"]
    assert translations.lint("Chinese: {zh}.", "中文名：。") == ["placeholders differ: {zh} became (none)"]


# --- Builds of the fixture project --------------------------------------------------------

def report(project) -> dict:
    return json.loads(translations.report_path(project).read_text(encoding="utf-8"))["pages"]


def translate_all(project, docname: str, text: str = "中文") -> None:
    """Give every message of a page's catalog a translation (its English's code kept)."""
    path = translations.catalog_path(docname, project)
    catalog = translations.read_catalog(path)
    for message in catalog:
        if message.id:
            message.string = message.id if translations.lint(message.id, message.id) == [] \
                else f"{text}：{message.id}"
    path.write_bytes(translations.catalog_bytes(catalog))


@pytest.mark.engine
def test_a_changed_english_sentence_is_untranslated_then_fuzzy_and_the_build_names_the_page(tmp_path):
    project = make_fixture(tmp_path / "p")
    page = project / "docs" / "a.md"
    first = run_build(project)
    assert first.returncode == 0, log(first)
    assert report(project)["a"]["untranslated"] > 0  # no catalog yet: nothing translated
    translations.update(project)
    translate_all(project, "a")
    done = run_build(project)
    assert report(project)["a"] == {"messages": report(project)["a"]["messages"],
                                    "untranslated": 0, "fuzzy": 0}
    assert not re.search(r"^\s+a: ", log(done), re.M), log(done)

    edit(page, "Prose only.", "Prose only, and changed.")
    changed = run_build(project)
    assert changed.returncode == 0, log(changed)  # the English site is built all the same
    assert report(project)["a"]["untranslated"] == 1
    line = "  a: 50 % (1 untranslated, 0 fuzzy) in locales/zh_CN/LC_MESSAGES/a.po"
    assert line in log(changed).splitlines(), log(changed)

    translations.update(project)  # as make translations: the old translation, fuzzy
    catalog = translations.read_catalog(translations.catalog_path("a", project))
    assert catalog.get("Prose only, and changed.").fuzzy
    assert "中文：Prose only." in catalog.get("Prose only, and changed.").string
    again = run_build(project)
    assert report(project)["a"] == {"messages": 2, "untranslated": 0, "fuzzy": 1}, log(again)
    assert "(0 untranslated, 1 fuzzy)" in log(again)


@pytest.mark.engine
def test_the_chinese_edition_runs_no_code_and_pastes_the_english_builds_numbers(tmp_path):
    project = make_fixture(tmp_path / "p")
    alone = run_build(project, env={"GLOSSARY_EDITIONS": "zh_CN"})
    assert alone.returncode != 0
    assert log(alone).splitlines() == [
        "error: the zh_CN edition runs no code and takes its outputs from the English "
        "build's execution cache: build the English edition first (make docs-en, or make "
        "docs for both)"], log(alone)

    english = run_build(project)
    assert english.returncode == 0, log(english)
    translations.update(project)
    path = translations.catalog_path("glossary/dropout", project)
    catalog = translations.read_catalog(path)
    catalog[MEASURED_SENTENCE].string = "本次运行保留的比例为 {glue:text}`kept_fraction:.2f`。"
    path.write_bytes(translations.catalog_bytes(catalog))
    both = run_build(project, env=BOTH)
    assert both.returncode == 0, log(both)
    site = project / "_build" / "html"
    english_page = (site / PAGE.relative_to("docs").with_suffix(".html")).read_text()
    chinese_page = (site / "zh_CN" / PAGE.relative_to("docs").with_suffix(".html")).read_text()
    pasted = re.search(r'class="pasted-text">([^<]+)<', english_page).group(1)
    assert f"本次运行保留的比例为 {pasted}。" in re.sub(r"<[^>]+>", "", chinese_page)
    assert chinese_page.count('class="pasted-text"') == english_page.count('class="pasted-text"')
    # Each page links to its twin in the other edition.
    assert 'href="../zh_CN/glossary/dropout.html"' in english_page
    assert 'href="../../glossary/dropout.html"' in chinese_page


@pytest.mark.site
def test_the_site_build_reports_every_message_translated(built_site):
    """The drift report of this run's English build: every message of every page, of the
    extension and of the figures has a translation, none fuzzy."""
    report = json.loads((built_site.parent / translations.REPORT).read_text(encoding="utf-8"))
    behind = {d: p for d, p in report["pages"].items() if p["untranslated"] or p["fuzzy"]}
    assert not behind, behind
    assert {i18n.DOMAIN, settings.PLOTS_CATALOG} <= set(report["pages"])
    assert sum(p["messages"] for p in report["pages"].values()) > 2000
