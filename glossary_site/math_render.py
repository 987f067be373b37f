"""Math typeset when the site is built: Sphinx's HTML math renderer ``glossary-chtml``.

Registered with Sphinx's public ``app.add_html_math_renderer`` (as
``sphinx.ext.mathjax`` and sphinxcontrib-katex register themselves) and chosen
in ``conf.py`` (``html_math_renderer``). Every ``$...$`` and ``$$...$$`` of a
page is typeset by MathJax 3 at build time (:mod:`.mathjax_engine`) into
CommonHTML; the page loads no script for it, only MathJax's web fonts, and
only those its formulas use. Why: MathJax in the browser weighed 1.1 MB per
page and moved the text when it had typeset (layout shift).

- Each formula is cached on disk (``_build/math``), keyed by its TeX and the
  engine's :func:`~.mathjax_engine.fingerprint`: a page written again costs a
  file read per formula, and MathJax starts only for a formula never seen.
- MathJax's common rules (the same on every page, 12 KB) are one stylesheet,
  ``_static/glossary-math.css``, that the browser fetches once for the whole
  site; the rules a page's own formulas need (a few KB) are in a ``<style>``
  in its head. The fonts, cut to the characters the site uses, are in
  ``_static/mathjax-fonts`` (:mod:`.math_fonts`).
- A display formula wider than a phone's column (:data:`SCROLL_WIDTH_EM`)
  scrolls sideways in its box, which shows a shadow on the side with more
  (``glossary.css``), and is focusable, so it scrolls from the keyboard too
  (``math-scroll.js`` keeps the arrow keys from turning the page).
- A formula MathJax cannot typeset is a build error naming the page, its line
  and the formula; with ``-W`` the build fails (and keeps failing until the
  formula is fixed: a failed build reads every page again).
- Screen readers read the MathML MathJax puts beside the typeset formula.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import os
import re
import tempfile
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.locale import _ as sphinx_words
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number

from . import math_fonts, mathjax_engine, settings
from .i18n import N_
from .i18n import _ as site_words

logger = logging.getLogger(__name__)

NAME = "glossary-chtml"
# A display formula wider than this many em may not fit a 390 px phone's
# column (358 px; math is at 120 % of 16 px, glossary.css): it gets a scroll
# box that the keyboard reaches.
SCROLL_WIDTH_EM = 17.5
# The name a screen reader gives such a box, in the edition's language.
SCROLL_LABEL = N_("formula (scrolls sideways)")

# --- Rendering, through the disk cache -------------------------------------------------

_engine: mathjax_engine.EngineProcess | None = None
_engine_pid = 0
_fingerprint = mathjax_engine.fingerprint()


def _get_engine() -> mathjax_engine.EngineProcess:
    """This process's MathJax process, started when first needed (a fork gets its own)."""
    global _engine, _engine_pid
    if _engine is None or _engine_pid != os.getpid():
        _engine, _engine_pid = mathjax_engine.EngineProcess(), os.getpid()
    return _engine


def _cache_file(cache: Path, tex: str, display: bool) -> Path:
    key = hashlib.sha256(f"{_fingerprint}\0{int(display)}\0{tex}".encode()).hexdigest()
    return cache / key[:2] / f"{key}.json"


def render(tex: str, display: bool, cache: Path) -> mathjax_engine.Rendered:
    """The typeset formula, from the cache or from MathJax; a bad formula raises TexError."""
    path = _cache_file(cache, tex, display)
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
        return mathjax_engine.Rendered(stored["html"], tuple(stored["rules"]), stored["width"])
    except (OSError, ValueError, KeyError):
        pass
    rendered = _get_engine().render(tex, display)  # failures are not cached: they are reported
    _store(path, {"html": rendered.html, "rules": list(rendered.rules), "width": rendered.width})
    return rendered


def base_rules(cache: Path) -> list[str]:
    """MathJax's rules for every page with math (cached like a formula)."""
    path = cache / f"base-{_fingerprint}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        pass
    rules = _get_engine().base_rules()
    _store(path, rules)
    return rules


def _store(path: Path, value) -> None:
    """Written whole, then renamed: a parallel writer never reads half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False) as f:
        json.dump(value, f)
    os.replace(f.name, path)


# --- The TeX of a node: what sphinx.ext.mathjax would hand MathJax ------------------------

def display_tex(node: nodes.math_block) -> str:
    """A display node's TeX. As ``sphinx.ext.mathjax``: paragraphs become aligned
    equations, and a paragraph with ``\\\\`` a ``split``; ``nowrap`` (MyST's
    amsmath environments) is taken as it is."""
    if node.get("no-wrap", node.get("nowrap", False)):
        return node.astext()
    parts = [part for part in node.astext().split("\n\n") if part.strip()]
    parts = [rf"\begin{{split}}{p}\end{{split}}" if r"\\" in p else p for p in parts]
    if len(parts) > 1:
        return r"\begin{align}\begin{aligned}" + r"\\".join(parts) + r"\end{aligned}\end{align}"
    return parts[0] if parts else ""


# --- The HTML translator's visitors ------------------------------------------------------

_page_rules: dict[str, list[str]] = {}  # docname -> rules its formulas need, in order
_page_scrolls: set[str] = set()  # docnames with a display formula that scrolls
SCROLL_SCRIPT = "math-scroll.js"  # docs/_static: arrow keys scroll a focused formula


def _typeset(self, node: nodes.Element, tex: str, display: bool) -> mathjax_engine.Rendered | None:
    cache = settings.math_cache_dir(Path(self.builder.confdir))
    try:
        rendered = render(tex, display, cache)
    except mathjax_engine.TexError as bad:
        logger.error("formula could not be typeset: %s: %s", bad, tex.strip(),
                     location=node, type="glossary", subtype="math")
        return None
    rules = _page_rules.setdefault(self.builder.current_docname, [])
    rules.extend(r for r in rendered.rules if r not in rules)
    return rendered


def visit_math(self, node: nodes.math) -> None:
    tex = node.astext()
    rendered = _typeset(self, node, tex, display=False)
    self.body.append(self.starttag(node, "span", "", CLASS="math notranslate nohighlight"))
    self.body.append(rendered.html if rendered else self.encode(tex))
    self.body.append("</span>")
    raise nodes.SkipNode


def visit_displaymath(self, node: nodes.math_block) -> None:
    tex = display_tex(node)
    rendered = _typeset(self, node, tex, display=True)
    attributes = {"CLASS": "math notranslate nohighlight glossary-display-math"}
    if rendered and rendered.width > SCROLL_WIDTH_EM:
        # Wider than a phone: it scrolls, so the keyboard must reach it.
        attributes.update({"tabindex": "0", "role": "group",
                           "aria-label": str(site_words(SCROLL_LABEL))})
        _page_scrolls.add(self.builder.current_docname)
    self.body.append(self.starttag(node, "div", **attributes))
    if node["number"]:
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, sphinx_words("Link to this equation"))
        self.body.append("</span>")
    self.body.append(rendered.html if rendered else self.encode(tex))
    self.body.append("</div>\n")
    raise nodes.SkipNode


# --- The page: its stylesheet, and the fonts ----------------------------------------------

ZERO_FONT = "MathJax_Zero.woff"


@functools.cache
def _zero_font_url() -> str:
    data = (mathjax_engine.FONTS_DIR / ZERO_FONT).read_bytes()
    return "data:font/woff;base64," + base64.b64encode(data).decode("ascii")


def compact(rule: str) -> str:
    r"""A rule of MathJax's stylesheet on one line (a third of its bytes were indentation).

    >>> compact('mjx-c.mjx-c78::before {\n  padding: 0.442em 0;\n  content: "x";\n}')
    'mjx-c.mjx-c78::before {padding: 0.442em 0;content: "x";}'
    """
    return re.sub(r"\s*\n\s*", "", rule)


SHARED_CSS = math_fonts.SHARED_CSS  # in _static: the rules every page with math needs


def shared_css(cache: Path) -> str:
    """MathJax's rules for every page with math, as the file in ``_static``."""
    css = "\n".join(compact(rule) for rule in base_rules(cache))
    # MJXZERO comes first in every math font-family, so its metrics place every line
    # of a formula: inline (1.8 KB), it is there at the first layout, and the layout
    # does not move when the other fonts arrive (with a fallback's metrics instead,
    # a fraction was 7 px taller until then: a layout shift).
    css = css.replace(f"{mathjax_engine.FONT_URL}/{ZERO_FONT}", _zero_font_url())
    return css.replace(mathjax_engine.FONT_URL, math_fonts.FOLDER) + "\n"


def add_page_style(app: Sphinx, pagename: str, templatename: str, context: dict,
                   doctree) -> None:
    """A page with formulas links the shared rules and has its own in its head
    (Sphinx's ``metatags`` slot)."""
    if pagename in _page_scrolls:
        _page_scrolls.discard(pagename)
        # Called from html-page-context: for this page only.
        app.add_js_file(SCROLL_SCRIPT, loading_method="defer")
    rules = _page_rules.pop(pagename, None)
    if not rules:
        return
    app.add_css_file(SHARED_CSS)  # for this page only, as the script above
    # Wrappers (mjx-mfrac ...) before characters, as in MathJax's own sheet.
    chars = [r for r in rules if r.startswith("mjx-c.")]
    css = "\n".join(compact(rule) for rule in [
        *(r for r in rules if not r.startswith("mjx-c.")), *chars])
    context["metatags"] = context.get("metatags", "") + f'\n<style id="glossary-math">\n{css}\n</style>\n'


def write_shared_css(app: Sphinx, exception: Exception | None) -> None:
    """``_static/glossary-math.css``, written after every build (before the fonts are
    cut: :mod:`.math_fonts` reads the font families from it)."""
    if exception is not None or app.builder.format != "html":
        return
    target = Path(app.outdir) / "_static" / SHARED_CSS
    css = shared_css(settings.math_cache_dir(Path(app.confdir)))
    if not target.is_file() or target.read_text(encoding="utf-8") != css:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(css, encoding="utf-8")


def setup(app: Sphinx) -> None:
    app.add_html_math_renderer(NAME, inline_renderers=(visit_math, None),
                               block_renderers=(visit_displaymath, None))
    math_fonts.setup(app)
    app.connect("html-page-context", add_page_style)
    app.connect("build-finished", write_shared_css, priority=400)  # math_fonts' is at 500
