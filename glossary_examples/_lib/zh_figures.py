"""Each figure a page shows, drawn a second time in Chinese, for the site's Chinese edition.

The site's Chinese edition runs no code: its outputs are those of the English
build. So while the site is built (``conf.py`` sets :data:`BUILD_ENV` for the
kernels), every matplotlib figure a cell displays gets, beside its PNG
(``image/png``, the English edition's), a second PNG under :data:`MIME`: the
same figure with every text in it (titles, axis labels, legends, annotations,
tick labels that are words) translated by the catalog
``locales/zh_CN/LC_MESSAGES/glossary-plots.po``, drawn with Noto Sans CJK SC
(``fonts/``, cut to the common characters) behind matplotlib's own font. Its
metadata lists the figure's English texts (``texts``), which the English
build counts as the messages of that catalog: a text without a translation
stays English in the Chinese figure, and the build's drift report names it.

The Chinese edition shows the second PNG (myst-nb's ``nb_mime_priority_overrides``
in ``conf.py``, and the renderer ``glossary_site.zh_figures``); the English
edition never does. Outside the build (a reader's Jupyter, the command line)
nothing of this is installed.
"""

from __future__ import annotations

import base64
import os
import re
from pathlib import Path

MIME = "application/vnd.glossary.zh-figure+png"  # the Chinese rendering of a figure
BUILD_ENV = "GLOSSARY_ZH_FIGURES"  # set (to the catalog's path) for the kernels of a site build
FONT = Path(__file__).with_name("fonts") / "NotoSansCJKsc-Regular-subset.otf"
FONT_FAMILY = "Noto Sans CJK SC"
_LETTERS = re.compile(r"[A-Za-z]{2,}")
_HAN = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")
_MATHTEXT = re.compile(r"\$[^$]*\$")  # matplotlib's math: a tick's 10^{-3}, a formula


def translations(catalog: Path) -> dict[str, str]:
    """English text -> Chinese, from a gettext catalog (none: nothing translated; a fuzzy
    entry is left out, as Sphinx leaves it out of the pages)."""
    if not catalog.is_file():
        return {}
    from babel.messages.pofile import read_po

    with catalog.open("rb") as f:
        found = read_po(f)
    return {m.id: m.string for m in found if m.id and m.string and not m.fuzzy}


def texts_of(fig) -> list:
    """The figure's Text artists that hold words (numbers alone need no translation)."""
    from matplotlib.text import Text

    return [t for t in fig.findobj(Text)
            if t.get_visible() and _LETTERS.search(_MATHTEXT.sub("", t.get_text()))]


def chinese_png(fig, table: dict[str, str], **print_options) -> tuple[bytes, list[str]]:
    """The figure drawn with its texts translated, and its English texts; the figure is
    left as it was. ``print_options``: those the English PNG was printed with."""
    import matplotlib
    from IPython.core.pylabtools import print_figure

    if FONT_FAMILY not in {f.name for f in matplotlib.font_manager.fontManager.ttflist}:
        matplotlib.font_manager.fontManager.addfont(str(FONT))
    artists = texts_of(fig)
    english = [t.get_text() for t in artists]
    families = [list(t.get_fontfamily()) for t in artists]
    try:
        for artist, text, family in zip(artists, english, families):
            chinese = table.get(text, text)
            artist.set_text(chinese)
            if "$" in chinese and _HAN.search(chinese):
                # With math in it, mathtext draws the text, in one font and with no
                # fallback: the Chinese font (it has Latin letters and digits too).
                artist.set_fontfamily([FONT_FAMILY, *family])
            else:
                # The text's own font first (Latin letters and digits as in English),
                # the Chinese font for what it lacks: matplotlib falls back glyph by glyph.
                artist.set_fontfamily([*family, FONT_FAMILY])
        # As IPython prints the English PNG (matplotlib-inline's options).
        png = print_figure(fig, "png", **print_options)
    finally:
        for artist, text, family in zip(artists, english, families):
            artist.set_text(text)
            artist.set_fontfamily(family)
    return png, list(dict.fromkeys(english))


def install() -> None:
    """In an IPython kernel of a site build: every displayed figure gets its Chinese PNG."""
    catalog = os.environ.get(BUILD_ENV)
    if not catalog:
        return
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None or MIME in shell.display_formatter.formatters:
        return
    from IPython.core.formatters import BaseFormatter
    from matplotlib.figure import Figure
    from traitlets import ObjectName, Unicode

    table = translations(Path(catalog))

    class ChineseFigure(BaseFormatter):
        """A figure's Chinese PNG (base64) and its English texts; nothing for anything else.

        (Not BaseFormatter's registry of printers: in a kernel its configuration is
        loaded again after the formatter is made, and a printer registered then is gone.)
        """

        format_type = Unicode(MIME)
        print_method = ObjectName("_repr_glossary_zh_figure_")  # no object has it

        def __call__(self, obj):
            if not isinstance(obj, Figure):
                return None
            try:
                from matplotlib_inline.backend_inline import InlineBackend
                options = dict(InlineBackend.instance().print_figure_kwargs)
            except ImportError:
                options = {"bbox_inches": "tight"}
            png, english = chinese_png(obj, table, **options)
            return base64.b64encode(png).decode("ascii"), {"texts": english}

    shell.display_formatter.formatters[MIME] = ChineseFigure(parent=shell.display_formatter)
