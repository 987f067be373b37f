"""MathJax's web fonts, cut down to the characters the site's formulas show.

The 23 TeX fonts weigh 392 KB; a page with bold vectors and a sum loaded five
of them, 100 KB, for perhaps forty characters. After every build this module
reads which characters of which font the pages' math stylesheets draw (a
CHTML character rule, written by :mod:`.math_render`, is
``mjx-c.mjx-c1D465.TEX-I::before {... content: "x";}``: class ``TEX-I`` is
font family ``MJXTEX-I``, whose ``@font-face`` names the file), and writes
into ``_static/mathjax-fonts`` each font cut to its characters (fontTools,
which matplotlib already needs): a few KB each. Reading the written pages, not this build's formulas, keeps it right
when a build rewrites only some pages. Subsets are cached by character set
(``_build/math/fonts``), so a build that changes no formula subsets nothing.
"""

from __future__ import annotations

import hashlib
import logging
import re
import shutil
from pathlib import Path

from sphinx.application import Sphinx

from . import mathjax_engine, settings

FOLDER = "mathjax-fonts"  # in _static
SHARED_CSS = "glossary-math.css"  # in _static, written by math_render: MathJax's common rules
STYLE = re.compile(r'<style id="glossary-math">(.*?)</style>', re.S)
CHAR_RULE = re.compile(r'^mjx-c\.mjx-c[0-9A-F]+((?:\.[A-Z0-9-]+)*)::before \{[^}]*?content: "((?:[^"\\]|\\.)*)"',
                       re.M)
CLASS_FAMILY = re.compile(r"^\.([A-Z0-9-]+) \{\s*font-family: MJXZERO, ([A-Z0-9-]+);", re.M)
FONT_FACE = re.compile(r'font-family: ([A-Z0-9-]+);\s*src: url\("[^"]*/([^/"]+\.woff)"\)')
# A character without a variant class is in MathJax's main font (.MJX-TEX), or, as a
# piece of a stretched delimiter, in one of the fonts of "mjx-stretchy-v mjx-c".
PLAIN = ("MJXTEX", "MJXTEX-S1", "MJXTEX-S4", "MJXTEX-A")
ESCAPE = re.compile(r"\\([0-9A-Fa-f]{1,6}) ?|\\(.)")


def unescape(css: str) -> str:
    r"""A CSS string's text: ``\2211`` is ∑, ``\"`` a quote.

    >>> unescape(r"\2211") + unescape(r"\"") + unescape("x")
    '∑"x'
    """
    return ESCAPE.sub(lambda m: chr(int(m.group(1), 16)) if m.group(1) else m.group(2), css)


def characters(html: Path) -> dict[str, set[str]]:
    """Font file name -> the characters the math stylesheets of the site's pages draw in it."""
    found: dict[str, set[str]] = {}
    # The font files and the variant classes' families are in the shared rules.
    shared = html / "_static" / SHARED_CSS
    common = shared.read_text(encoding="utf-8") if shared.is_file() else ""
    for page in sorted(html.rglob("*.html")):
        for style in STYLE.findall(page.read_text(encoding="utf-8")):
            files = dict(FONT_FACE.findall(common + style))
            families = dict(CLASS_FAMILY.findall(common + style))
            for classes, content in CHAR_RULE.findall(style):
                variants = [families[c] for c in classes.split(".") if c in families]
                for family in variants or PLAIN:
                    found.setdefault(files[family], set()).update(unescape(content))
    return found


def subset_fonts(chars: dict[str, set[str]], cache: Path) -> Path:
    """A folder of every MathJax font cut to its ``chars`` (made once per set)."""
    from fontTools import subset

    key = hashlib.sha256(repr(sorted((f, sorted(c)) for f, c in chars.items())).encode()).hexdigest()[:16]
    folder = cache / key
    if folder.is_dir():
        return folder
    work = cache / f"{key}.partial"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for font in sorted(mathjax_engine.FONTS_DIR.glob("*.woff")):
        options = subset.Options()
        options.flavor = "woff"
        options.notdef_outline = True
        options.name_IDs = ["*"]  # the names and licence stay
        options.recalc_timestamp = False  # the same bytes on every build
        options.drop_tables.append("FFTM")  # FontForge's timestamps: no use to a browser
        loaded = subset.load_font(str(font), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(ord(c) for c in chars.get(font.name, ())))
        subsetter.subset(loaded)
        subset.save_font(loaded, str(work / font.name), options)
    work.rename(folder)  # whole or not at all: a parallel build never sees half of it
    return folder


def write_fonts(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    cache = settings.math_dir(Path(app.confdir)) / "fonts"
    fonts = subset_fonts(characters(Path(app.outdir)), cache)
    target = Path(app.outdir) / "_static" / FOLDER
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(fonts, target)


def setup(app: Sphinx) -> None:
    # fontTools logs every table it prunes at INFO: none of it in the build's log.
    logging.getLogger("fontTools").setLevel(logging.WARNING)
    app.connect("build-finished", write_fonts)
