"""The site's search and general index, fed from the registry's names.

Readers search for a term by any of its names, in English or Chinese, and
often by a part of one (梯度 for 梯度下降). Three pieces, each from
:mod:`glossary_examples._lib.registry`:

- **Index entries.** Every term page gets an index entry for each of its names
  (English name, Chinese name, aliases, Chinese aliases: main entries) and of
  its related concepts (other entries), pointing at the page's top. They fill
  ``genindex.html`` (Chinese names grouped under one heading) and the
  ``indexentries`` of Sphinx's search index, which scores a query that is
  (most of) an entry far above a word of the text. (Sphinx would drop the
  entries of pages a build does not write: :func:`keep_index_entries`.)
- **A jieba dictionary.** With ``html_search_language = "zh"`` Sphinx splits
  Chinese text with jieba's ``cut_for_search``. The Chinese runs of every name
  are written, before the build reads anything, into a user dictionary in the
  build folder and passed as ``html_search_options["dict"]``: a name stays one
  word (随机失活, 修正线性单元), and its parts are indexed too (梯度消失 →
  梯度, 消失, 梯度消失). English names need no entry: jieba never joins
  words across a space, and Sphinx indexes Latin words itself.
- **A scorer** (``html_search_scorer``, Sphinx's documented hook): a query that
  is one of a term's names, compared as :func:`registry.normalise` compares
  them, puts that term's page first; a related concept puts its term's page
  next; half or more of a name lifts the pages with such names. The scoring is
  ``search_scorer.js`` next to this module; the names are added when it is
  written into the build folder.

The message a reader sees when nothing matches is in the template
``docs/_templates/search.html``, shown by ``docs/_static/search-miss.js``
(the entry "search page" of :mod:`.upstream` says what that script relies on).
"""

from __future__ import annotations

import json
import logging
import os
import re
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.transforms import SphinxTransform

from glossary_examples._lib import registry

from . import upstream
from .terms import slug_of

# Index entries whose name starts with a Chinese character are grouped under
# this heading of the general index (without it, each first character would
# be a heading of its own, about a hundred of them).
CHINESE_GROUP = "中文"
SCORER_TEMPLATE = Path(__file__).with_name("search_scorer.js")
_HAN = re.compile(r"[\u4e00-\u9fff]+")


# --- Index entries -----------------------------------------------------------------

def _group(name: str) -> str | None:
    return CHINESE_GROUP if _HAN.match(name) else None


def index_entries(term: registry.Term) -> list[tuple[str, str, str, str, str | None]]:
    """The index entries of a term's page, as Sphinx's ``index`` node holds them.

    The English name is an entry of its own; every other name, and each
    related concept, is an entry with the page's title under it, so that the
    general index says where 丢弃法 leads. The target is the page's top (no
    anchor), so that a search hit on an entry and on the page's text are one
    result, not two.

    >>> for e in index_entries(registry.term("dropout"))[:3]: print(e)
    ('single', 'Dropout', '', 'main', None)
    ('single', '暂退法; Dropout · 暂退法', '', 'main', '中文')
    ('single', '丢弃法; Dropout · 暂退法', '', 'main', '中文')
    """
    entries = [("single", term.name, "", "main", _group(term.name))]
    for name in term.names[1:]:
        entries.append(("single", f"{name}; {term.title}", "", "main", _group(name)))
    for concept in term.concepts:
        for name in (concept.name, concept.zh):
            entries.append(("single", f"{name}; {term.title}", "", "", _group(name)))
    return entries


class TermIndexEntries(SphinxTransform):
    """Put a term page's index entries after its title."""

    # Before Sphinx's domains collect the page's index nodes (SphinxDomains, 850).
    default_priority = 800

    def apply(self, **kwargs) -> None:
        slug = slug_of(self.env.current_document.docname)
        if slug is None:
            return
        try:
            term = registry.term(slug)
        except registry.UnknownTermError:
            return  # glossary_site.terms reports the page
        section = next(iter(self.document.findall(nodes.section)), None)
        if section is not None:
            section.insert(1, addnodes.index(entries=index_entries(term), inline=False))


# --- The jieba dictionary and the scorer, written into the build folder -----------

def dictionary_words() -> list[str]:
    """The Chinese runs of every name of every term and related concept, sorted.

    >>> words = dictionary_words()
    >>> "随机失活" in words, "梯度消失" in words, "神经元" in words   # 神经元 of "M-P 神经元"
    (True, True, True)
    >>> any(not w.strip() or " " in w for w in words)
    False
    """
    names = [n for t in registry.TERMS for n in (*t.names, *(m for c in t.concepts
                                                              for m in c.names))]
    return sorted({run for name in names for run in _HAN.findall(name)})


def dictionary_text() -> str:
    """The user dictionary: one word a line, no frequency.

    jieba then gives each word just the frequency that keeps it one word, so
    the dictionary does not change how the text around a name is split (a
    line is ``word [frequency] [tag]``; none of the words holds a space).
    """
    return "".join(f"{word}\n" for word in dictionary_words())


def scorer_names() -> dict[str, list[list]]:
    """Page -> its names as the scorer compares them: ``[normalised name, 1 if a concept]``."""
    pages = {}
    for t in registry.TERMS:
        names = {registry.normalise(n): 0 for n in t.names}
        for c in t.concepts:
            for n in c.names:
                names.setdefault(registry.normalise(n), 1)
        pages[f"glossary/{t.slug}"] = [[name, kind] for name, kind in names.items() if name]
    return pages


def scorer_code() -> str:
    """``search_scorer.js`` with the names, and the separators :func:`registry.normalise` drops."""
    return (
        f"const GLOSSARY_NAMES = {json.dumps(scorer_names(), ensure_ascii=False)};\n"
        f"const GLOSSARY_SEPARATORS = /{registry.NAME_SEPARATORS}/gu;\n"
        + SCORER_TEMPLATE.read_text(encoding="utf-8")
    )


def _write(path: Path, text: str) -> None:
    """Write ``path`` whole or not at all (two builds may share a build folder's files)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


def search_files(app: Sphinx, config: Config) -> None:
    """Write the dictionary and the scorer into the build folder and point Sphinx at them.

    A project's own ``dict`` or scorer in ``conf.py`` is kept.
    """
    folder = Path(app.doctreedir) / "search"
    if str(config.html_search_language or config.language).startswith("zh"):
        # jieba logs its start-up ("Building prefix dict ...") at DEBUG to stderr.
        import jieba

        jieba.setLogLevel(logging.WARNING)
        if "dict" not in config.html_search_options:
            _write(folder / "jieba-userdict.txt", dictionary_text())
            config.html_search_options = {**config.html_search_options,
                                          "dict": str(folder / "jieba-userdict.txt")}
    if not config.html_search_scorer:
        _write(folder / "scorer.js", scorer_code())
        config.html_search_scorer = str(folder / "scorer.js")


def keep_index_entries(app: Sphinx) -> list:
    """``html-collect-pages``, just before Sphinx dumps its search index: no entry lost.

    (A build that writes no page would otherwise dump an index without them:
    the entry "search index entries" of glossary_site/upstream.py.)
    """
    if getattr(app.builder, "indexer", None) is not None:
        upstream.restore_search_index_entries(app.env)
    return []  # no page of its own


def setup(app: Sphinx) -> None:
    # Sphinx's own Chinese search, minus a bug of 9.0.4 that stops every search
    # (the entry "zh search stemmer" of glossary_site/upstream.py).
    app.add_search_language(upstream.chinese_search_language())
    app.add_transform(TermIndexEntries)
    app.connect("config-inited", search_files)
    app.connect("html-collect-pages", keep_index_entries)
