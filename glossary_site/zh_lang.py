"""Chinese text marked as Chinese: every run of Chinese characters in ``lang="zh-Hans"``.

The pages are English (``<html lang="en">``) and name every term in Chinese
too. Unmarked, a screen reader reads 暂退法 with an English voice (letter by
letter, or not at all), and a browser picks a font by guessing. So every run
of Chinese characters (CJK ideographs and CJK punctuation) is wrapped in
``<span lang="zh-Hans">``, wherever the text comes from:

- the page itself (titles, the names line, prose, links to terms, the index,
  the claims page, the run-it-yourself box): after every other extension has
  added what it adds (``doctree-resolved``), each text node with Chinese in it
  is split and its runs wrapped in a :class:`zh_text` node. Code blocks,
  outputs and math are left alone: their text is not prose (and a span inside
  would break their rendering). Only the written HTML changes: the search
  index reads the same text (Sphinx's word collector reads text nodes), the
  downloads are made from the Markdown source, not from the doctree;
- what the theme renders from the titles (the sidebar, the table of contents,
  the previous/next links, the site's name in the headers) and the general
  index: their HTML fragments in the page's template context, marked by
  :func:`mark_html` (``html-page-context``, after furo has made its navigation
  tree; which values furo writes as HTML is ``upstream``'s "theme fragments"),
  and ``zh()`` for the templates (``docs/_templates/genindex.html``).

What the browser builds later is marked by the scripts that build it:
``term-preview.js`` (a term's names in its popover) and ``zh-search.js``
(search results, on the search page: ``docs/_templates/search.html``).

>>> split_runs("Dropout · 暂退法（丢弃法）")
[('Dropout · ', False), ('暂退法（丢弃法）', True)]
>>> mark_html('<a href="x.html" title="暂退法">Dropout · 暂退法</a>')
'<a href="x.html" title="暂退法">Dropout · <span lang="zh-Hans">暂退法</span></a>'
>>> mark_html('<span lang="zh-Hans">暂退法</span> and <code>暂退</code>')
'<span lang="zh-Hans">暂退法</span> and <code>暂退</code>'
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from docutils import nodes
from markupsafe import Markup, escape

from . import upstream

if TYPE_CHECKING:
    from sphinx.application import Sphinx

LANG = "zh-Hans"
# CJK ideographs (the unified blocks, extension A, compatibility, the
# supplementary planes) and CJK punctuation (symbols and punctuation, full-width
# forms). tests/test_browser.py looks for unmarked text with the same classes.
HAN = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
PUNCTUATION = "\u3000-\u303f\uff00-\uffef"
RUN = re.compile(f"[{HAN}{PUNCTUATION}]+")
# Text in these is not prose, or is not ours to split (a highlighted block is
# written from its text, not its child nodes; TeX must stay whole).
SKIP = (nodes.FixedTextElement, nodes.math, nodes.raw, nodes.comment)


def split_runs(text: str) -> list[tuple[str, bool]]:
    """``text`` in pieces, each with whether it is a run of Chinese characters."""
    pieces, at = [], 0
    for run in RUN.finditer(text):
        if run.start() > at:
            pieces.append((text[at:run.start()], False))
        pieces.append((run.group(), True))
        at = run.end()
    if at < len(text):
        pieces.append((text[at:], False))
    return pieces


# --- The page: its doctree --------------------------------------------------------------

class zh_text(nodes.inline):
    """A run of Chinese characters. An ``inline``: other builders write its text as is."""


def visit_zh_text(self, node: zh_text) -> None:
    self.body.append(self.starttag(node, "span", "", lang=LANG))


def depart_zh_text(self, node: zh_text) -> None:
    self.body.append("</span>")


def _skipped(text: nodes.Text) -> bool:
    node = text.parent
    while node is not None:
        if isinstance(node, (*SKIP, zh_text)):
            return True
        node = node.parent
    return False


def mark_doctree(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    # The Chinese edition's pages are Chinese as a whole (<html lang="zh-CN">): their
    # Chinese needs no mark (17,000 spans, 0.5 MB of its weight, said nothing).
    if app.builder.format != "html" or app.config.language != "en":
        return
    for text in list(doctree.findall(nodes.Text)):
        if not RUN.search(text) or _skipped(text):
            continue
        pieces = [zh_text(piece, nodes.Text(piece)) if chinese else nodes.Text(piece)
                  for piece, chinese in split_runs(str(text))]
        text.parent.replace(text, pieces)


# --- What the theme renders: HTML fragments -----------------------------------------------

# A tag (quoted attribute values may hold ">"), a comment, or text up to the next "<".
_TOKEN = re.compile(r"<!--.*?-->|<(?:[^>\"']|\"[^\"]*\"|'[^']*')*>|[^<]+", re.DOTALL)
_TAG = re.compile(r"<(/?)([a-zA-Z][\w-]*)")
# Elements whose text is left as it is: code, scripts, and what is marked already.
_RAW_TEXT = frozenset({"script", "style", "pre", "code", "textarea", "title"})
_VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                   "meta", "source", "track", "wbr"})
_MARKED = re.compile(r"""\slang\s*=\s*["']?zh""", re.IGNORECASE)


def mark_html(fragment: str) -> str:
    """The HTML ``fragment`` with each run of Chinese in its text in ``<span lang="zh-Hans">``.

    Attributes are left alone, and so is the text of elements in ``_RAW_TEXT``
    or inside an element whose ``lang`` is Chinese already. The fragments this
    is given (Sphinx's and furo's) are well formed: a stack of open elements
    is enough.
    """
    out, open_tags = [], []  # (name, whether its text is left alone)
    for token in _TOKEN.findall(fragment):
        tag = _TAG.match(token)
        if tag:
            closing, name = tag.group(1), tag.group(2).lower()
            if closing:
                while open_tags and open_tags.pop()[0] != name:
                    pass
            elif name not in _VOID and not token.endswith("/>"):
                inherited = bool(open_tags) and open_tags[-1][1]
                open_tags.append((name, inherited or name in _RAW_TEXT
                                  or bool(_MARKED.search(token))))
            out.append(token)
        elif token.startswith("<") or (open_tags and open_tags[-1][1]):
            out.append(token)  # a comment, or text left alone
        else:
            out.append("".join(f'<span lang="{LANG}">{piece}</span>' if chinese else piece
                               for piece, chinese in split_runs(token)))
    return "".join(out)


def zh(text: Any) -> Markup:
    """For templates: ``text`` (plain text, or Markup) as HTML with its Chinese marked."""
    return Markup(mark_html(str(escape(text))))


def _index_entries(entries: list) -> list:
    """The general index's entries with their names as marked HTML (the template escapes
    plain strings, and leaves Markup as it is)."""
    return [(key, [(zh(name), (links, [(zh(sub), sub_links) for sub, sub_links in subitems],
                               category))
                   for name, (links, subitems, category) in group])
            for key, group in entries]


def mark_theme(app: Sphinx, pagename: str, templatename: str, context: dict,
               doctree: nodes.document | None) -> None:
    """The fragments of the template context that the theme writes as HTML
    (``upstream.theme_fragments``), and the general index's entries."""
    context["zh"] = zh
    if app.config.language != "en":
        return
    for name in upstream.theme_fragments():
        value = context.get(name)
        if not value:
            continue
        if name in ("next", "prev"):  # a dict: the page's link and its title as HTML
            context[name] = {**value, "title": mark_html(value["title"])}
        elif name == "docstitle":
            # Plain text: made HTML. In <title> the templates strip its tags.
            context[name] = zh(value)
        else:
            context[name] = mark_html(value)
    if context.get("genindexentries"):
        context["genindexentries"] = _index_entries(context["genindexentries"])


def setup(app: Sphinx) -> None:
    app.add_node(zh_text, html=(visit_zh_text, depart_zh_text))
    # Last: after the claims list, the run-locally box and the previews are filled in.
    app.connect("doctree-resolved", mark_doctree, priority=990)
    # After furo's own handler (priority 500), which makes the navigation tree.
    app.connect("html-page-context", mark_theme, priority=900)
