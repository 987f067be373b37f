"""Highlighted code without the spans that change nothing on the screen.

Pygments wraps every token of a code block in a ``<span>`` of its class. In
the site's two styles (Furo's light and dark, in ``_static/pygments.css``)
names (``n``) and punctuation (``p``) are drawn in the block's own text
colour, and whitespace (``w``) draws no ink: their 40,000 spans were 0.9 MB
of the 7.7 MB of term pages, and as many elements for the browser to style.
When a page is written (``html-page-context``, whose ``body`` an extension may
change), those tokens in its code blocks are written as plain text.

What makes that safe is checked on every build against the ``pygments.css``
the build wrote: each of these classes sets nothing but the block's own colour
(whitespace: nothing but a colour). A style that draws them otherwise (a new
Pygments or Furo, another ``pygments_style``) is a build error naming the rule,
on every build until the classes here follow it.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

logger = logging.getLogger(__name__)

# Token classes drawn as the block's text: Name, Punctuation.
SAME_AS_TEXT = ("n", "p")
# Token classes with no ink: Text.Whitespace (a colour is all its rule may set).
NO_INK = ("w",)
_SPAN = re.compile(r'<span class="(?:%s)">([^<]*)</span>' % "|".join(SAME_AS_TEXT + NO_INK))
_BLOCK = re.compile(r'(<div class="highlight"><pre>)(.*?)(</pre>)', re.S)
# A rule of pygments.css: an optional theme prefix, .highlight, an optional token class.
_RULE = re.compile(r"^(?P<prefix>[^{]*?)\.highlight(?: \.(?P<cls>[\w-]+))? \{(?P<body>[^}]*)\}", re.M)


def plain_tokens(html: str) -> str:
    """``html`` with the spans of :data:`SAME_AS_TEXT` and :data:`NO_INK` tokens in its
    code blocks replaced by their text.

    >>> plain_tokens('<div class="highlight"><pre><span class="n">x</span>'
    ...              '<span class="w"> </span><span class="o">=</span></pre></div>')
    '<div class="highlight"><pre>x <span class="o">=</span></pre></div>'
    >>> plain_tokens('<p><span class="n">prose</span></p>')  # outside code: as it was
    '<p><span class="n">prose</span></p>'
    """
    return _BLOCK.sub(lambda m: m.group(1) + _SPAN.sub(r"\1", m.group(2)) + m.group(3), html)


def _declarations(body: str) -> dict[str, str]:
    pairs = (d.split(":", 1) for d in body.split(";") if ":" in d)
    return {name.strip(): value.strip().lower() for name, value in pairs}


def style_problems(css: str) -> list[str]:
    """The rules of a ``pygments.css`` that make writing those tokens as text wrong.

    >>> style_problems('.highlight { color: #111 }\\n.highlight .n { color: #111 }\\n'
    ...                '.highlight .p { color: #111; font-weight: bold }')
    ['.highlight .p { color: #111; font-weight: bold } draws p otherwise than the text']
    """
    text: dict[str, str | None] = {}
    rules = []
    for rule in _RULE.finditer(css):
        declarations = _declarations(rule["body"])
        if rule["cls"] is None:
            text[rule["prefix"]] = declarations.get("color")
        else:
            rules.append((rule, declarations))
    problems = []
    for rule, declarations in rules:
        if rule["cls"] in SAME_AS_TEXT:
            ok = declarations in ({}, {"color": text.get(rule["prefix"])})
        elif rule["cls"] in NO_INK:
            ok = set(declarations) <= {"color"}
        else:
            continue
        if not ok:
            problems.append(f"{rule.group(0).strip()} draws {rule['cls']} otherwise than the text")
    return problems


def write_page(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    if "body" in context:
        context["body"] = plain_tokens(context["body"])


def check_style(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    css = Path(app.outdir, "_static", "pygments.css")
    for problem in style_problems(css.read_text(encoding="utf-8")) if css.is_file() else []:
        logger.error("%s: code blocks were written without its spans "
                     "(glossary_site/code_spans.py)", problem, location=str(css))


def setup(app: Sphinx) -> None:
    app.connect("html-page-context", write_page)
    app.connect("build-finished", check_style)
