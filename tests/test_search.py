"""Search and general index: every name of every term leads to its page, in both languages.

Unit tests look at what :mod:`glossary_site.search` writes (index entries, the
jieba dictionary, the scorer's names); the fixture project's build shows them in
a site (Sphinx's search index, the general index, the search page's scripts);
the real site's index holds every term. How the queries rank in a browser is
``tools/search_table.py`` (and the browser tests), with ``tests/search_queries.py``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from glossary_examples._lib import registry
from glossary_site import search

HAN = re.compile(r"[\u4e00-\u9fff]+")


def search_index(html: Path) -> dict:
    """The object ``searchindex.js`` hands to ``Search.setIndex``."""
    text = (html / "searchindex.js").read_text(encoding="utf-8")
    return json.loads(text[text.index("(") + 1:text.rindex(")")])


def pages_of(index: dict, found) -> set[str]:
    """Page names from a term's or an entry's value in the search index."""
    if isinstance(found, int):
        found = [found]
    return {index["docnames"][f if isinstance(f, int) else f[0]] for f in found}


# --- What the extension writes (unit) ------------------------------------------------

@pytest.mark.parametrize("slug", [t.slug for t in registry.TERMS])
def test_index_entries_hold_every_name_of_the_term_pointing_at_its_top(slug):
    term = registry.term(slug)
    entries = search.index_entries(term)
    first_parts = [value.split(";")[0] for _, value, _, _, _ in entries]
    names = first_parts[:len(term.names)]
    assert names == list(term.names)
    for kind, value, target, main, group in entries[:len(term.names)]:
        assert (kind, target, main) == ("single", "", "main")
        assert group == ("中文" if HAN.match(value) else None), value
        if value != term.name:
            assert value.endswith(f"; {term.title}")  # the index says where the name leads
    concepts = {e[1].split(";")[0]: e[3] for e in entries[len(term.names):]}
    assert concepts == {n: "" for c in term.concepts for n in (c.name, c.zh)}  # not main


def test_the_dictionary_has_each_chinese_name_as_one_line():
    lines = search.dictionary_text().splitlines()
    assert len(lines) == len(set(lines))
    for t in registry.TERMS:
        for name in t.names:
            for run in HAN.findall(name):
                assert run in lines, run
    assert all(HAN.fullmatch(line) for line in lines)  # nothing jieba could misread


def test_the_dictionary_keeps_names_whole_and_indexes_their_parts(tmp_path):
    import jieba

    jieba.setLogLevel(60)
    plain = jieba.Tokenizer()
    assert "随机失活" not in plain.cut_for_search("随机失活")  # without it: 随机 / 失活
    path = tmp_path / "dict.txt"
    path.write_text(search.dictionary_text(), encoding="utf-8")
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(path))
    for name in ("随机失活", "线性整流函数", "全连接层", "随机梯度下降"):
        assert name in tokenizer.cut_for_search(name), name
    assert {"梯度", "消失", "梯度消失"} <= set(tokenizer.cut_for_search("梯度消失的原因"))


def test_the_scorer_knows_every_name_of_every_page():
    names = search.scorer_names()
    assert set(names) == {f"glossary/{t.slug}" for t in registry.TERMS}
    for t in registry.TERMS:
        page = dict(map(tuple, names[f"glossary/{t.slug}"]))
        for name in t.names:
            assert page[registry.normalise(name)] == 0, name
        for c in t.concepts:
            for name in c.names:
                assert page[registry.normalise(name)] == 1, name
    code = search.scorer_code()
    assert code.startswith("const GLOSSARY_NAMES = {")
    assert "var Scorer = {" in code and "score: (result)" in code


# --- The fixture project's site ---------------------------------------------------------

def entry_name(li) -> str:
    """A general index entry's name: its item's text, less its sub-entries' list (the
    name is a link, or text with its Chinese in a span)."""
    return "".join(c.get_text() for c in li.contents if c.name != "ul").strip()


@pytest.mark.engine
def test_the_fixture_site_indexes_the_term_under_every_name(engine_site):
    project, _ = engine_site
    html = project / "_build" / "html"
    index = search_index(html)
    term = registry.term("dropout")
    for name in term.names:
        found = index["indexentries"][name.lower()]
        assert found == [[index["docnames"].index("glossary/dropout"), "", True]], name
    genindex = BeautifulSoup((html / "genindex.html").read_text(encoding="utf-8"), "html.parser")
    listed = {entry_name(li) for li in genindex.select("td > ul > li")}
    assert set(term.names) <= listed
    assert genindex.find("h2", string="中文") is not None
    # Chinese search: a Chinese alias is a word of the page, kept whole by the dictionary
    assert pages_of(index, index["terms"]["随机失活"]) == {"glossary/dropout"}
    assert (project / "_build" / "doctrees" / "search" / "jieba-userdict.txt").is_file()
    language_data = (html / "_static" / "language_data.js").read_text(encoding="utf-8")
    assert "window.Stemmer = EnglishStemmer;" in language_data  # upstream "zh search stemmer"
    assert "const GLOSSARY_NAMES = " in language_data and "var Scorer = {" in language_data


# --- The real site ------------------------------------------------------------------------

EDITIONS = ["", "zh_CN"]  # the English edition at the top of the site, the Chinese one in zh_CN/


@pytest.mark.site
@pytest.mark.parametrize("edition", EDITIONS, ids=["en", "zh_CN"])
def test_the_site_indexes_every_name_of_every_term(built_site, edition):
    index = search_index(built_site / edition)
    for t in registry.TERMS:
        page = index["docnames"].index(f"glossary/{t.slug}")
        for name in t.names:
            assert [page, "", True] in index["indexentries"][name.lower()], name


@pytest.mark.site
@pytest.mark.parametrize("edition", EDITIONS, ids=["en", "zh_CN"])
def test_the_site_splits_chinese_into_names_and_their_words(built_site, edition):
    index = search_index(built_site / edition)
    terms = index["terms"] | index["titleterms"]
    for t in registry.TERMS:
        for name in t.names:
            for run in HAN.findall(name):
                if len(run) > 1:  # (Sphinx drops one-character words)
                    assert f"glossary/{t.slug}" in pages_of(index, terms[run]), run
    # the two-character words the review found nothing for
    for word, slug in [("梯度", "gradient-descent"), ("卷积", "convolutional-neural-network"),
                       ("神经", "neural-network"), ("激活", "activation-function"),
                       # the names the source notes used (glossary-terms.md)
                       ("丢弃", "dropout"), ("周期", "epoch"), ("二分分类", "binary-classification")]:
        assert f"glossary/{slug}" in pages_of(index, terms[word]), word
    if edition:
        # In the Chinese edition a term inside a translated sentence is a word of its own:
        # the pages that explain with a term are found by it, not only its own page.
        for word, at_least in [("过拟合", 5), ("梯度", 10), ("暂退法", 3)]:
            assert len(pages_of(index, index["terms"][word])) >= at_least, word


@pytest.mark.site
def test_the_general_index_lists_every_name(built_site):
    genindex = BeautifulSoup((built_site / "genindex.html").read_text(encoding="utf-8"),
                             "html.parser")
    listed = {entry_name(li) for li in genindex.select("td > ul > li")}
    missing = [n for t in registry.TERMS for n in t.names if n not in listed]
    assert not missing
