"""The Chinese rendering of figures (glossary_examples/_lib/zh_figures.py, glossary_site/zh_figures.py).

In a site build every figure a kernel displays is drawn twice: its PNG for the
English edition, and the same figure with its texts translated for the Chinese
one, in a vendored CJK font. Here: the drawing, what it leaves of the figure,
the IPython formatter, myst-nb's renderer, and the font against the catalog.
"""

from __future__ import annotations

import base64
import io
import warnings

import numpy as np
import pytest

from glossary_examples._lib import zh_figures
from glossary_site import settings, translations
from glossary_site import zh_figures as renderer

from .conftest import ROOT

pytestmark = pytest.mark.unit


def a_figure():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 3))
    ax.plot([0, 1], [0, 1], label="mean output")
    ax.set(title="Kept units (black), rate 0.5", xlabel="unit", ylabel="value")
    ax.legend()
    return fig


TABLE = {"mean output": "平均输出", "Kept units (black), rate 0.5": "保留的单元（黑色），丢弃率 0.5",
         "unit": "单元"}


def test_a_figure_is_drawn_in_chinese_and_left_as_it_was():
    from PIL import Image

    fig = a_figure()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a glyph missing from every font is a warning
        png, texts = zh_figures.chinese_png(fig, TABLE, bbox_inches="tight")
    assert texts == ["unit", "value", "Kept units (black), rate 0.5", "mean output"]
    ax = fig.axes[0]
    assert ax.get_title() == "Kept units (black), rate 0.5" and ax.get_xlabel() == "unit"
    assert ax.title.get_fontfamily() == ["sans-serif"]
    english = io.BytesIO()
    fig.savefig(english, format="png", bbox_inches="tight")
    drawn = np.asarray(Image.open(io.BytesIO(png)).convert("L"))
    assert drawn.shape[0] > 100 and png != english.getvalue()


def test_a_text_without_a_translation_stays_english():
    fig = a_figure()
    png, texts = zh_figures.chinese_png(fig, {}, bbox_inches="tight")
    english = io.BytesIO()
    fig.savefig(english, format="png", bbox_inches="tight")
    from PIL import Image

    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png)).convert("RGB")),
                          np.asarray(Image.open(io.BytesIO(english.getvalue())).convert("RGB")))


def test_in_a_build_kernel_every_displayed_figure_gets_its_chinese_rendering(monkeypatch, tmp_path):
    from IPython.core.interactiveshell import InteractiveShell

    catalog = tmp_path / "glossary-plots.po"
    from babel.messages.catalog import Catalog

    made = Catalog(locale="zh_CN")
    made.add("unit", "单元")
    catalog.write_bytes(translations.catalog_bytes(made))
    monkeypatch.setenv(zh_figures.BUILD_ENV, str(catalog))
    shell = InteractiveShell.instance()
    monkeypatch.setattr("IPython.get_ipython", lambda: shell)
    try:
        zh_figures.install()
        data, metadata = shell.display_formatter.format(a_figure())
        assert zh_figures.MIME in data
        # Anything else gets no Chinese rendering (a glued number, say).
        assert zh_figures.MIME not in shell.display_formatter.format(0.5)[0]
        assert base64.b64decode(data[zh_figures.MIME])[:8] == b"\x89PNG\r\n\x1a\n"
        assert metadata[zh_figures.MIME]["texts"][0] == "unit"
    finally:
        shell.display_formatter.formatters.pop(zh_figures.MIME, None)
        InteractiveShell.clear_instance()


def test_mystnb_renders_the_chinese_rendering_as_an_image_and_picks_it_only_when_asked():
    from myst_nb.core.render import get_mime_priority

    assert zh_figures.MIME not in get_mime_priority("html", [])  # the English edition
    chinese = get_mime_priority("html", [("html", zh_figures.MIME, 1)])
    assert chinese.index(zh_figures.MIME) < chinese.index("image/png")

    class Renderer:
        def render_image(self, data):
            return [data.mime_type]

    from myst_nb.core.render import MimeData

    data = MimeData(zh_figures.MIME, "iVBORw0KGgo=")
    assert renderer.ChineseFigureRenderer.handle_mime(Renderer(), data, False) == ["image/png"]
    assert renderer.ChineseFigureRenderer.handle_mime(Renderer(), data, True) is None


def test_the_font_has_every_character_of_the_plots_translations():
    from fontTools.ttLib import TTFont

    catalog = translations.read_catalog(settings.plots_catalog(ROOT))
    assert catalog is not None, "no catalog of the plots' texts"
    import matplotlib
    from matplotlib import font_manager

    # A text's own font (matplotlib's DejaVu Sans) first, the Chinese font for the rest.
    own = TTFont(font_manager.findfont(matplotlib.font_manager.FontProperties(family="DejaVu Sans")))
    cmap = {**own.getBestCmap(), **TTFont(zh_figures.FONT).getBestCmap()}
    missing = sorted({c for m in catalog if m.string for c in m.string
                      if ord(c) > 0x2000 and ord(c) not in cmap})
    assert not missing, f"add to tools/cjk_font.py's EXTRA and run it: {''.join(missing)}"


def test_a_text_with_math_in_it_is_drawn_with_every_chinese_glyph(caplog):
    """mathtext draws such a text in one font, with no fallback: the Chinese one."""
    import logging

    fig = a_figure()
    fig.axes[0].set_title(r"to $\partial L/\partial W_h$")
    with caplog.at_level(logging.WARNING, logger="matplotlib"):
        zh_figures.chinese_png(fig, {r"to $\partial L/\partial W_h$": r"计入 $\partial L/\partial W_h$"},
                               bbox_inches="tight")
    assert not [r for r in caplog.records if "glyph" in r.getMessage()]
    assert fig.axes[0].get_title() == r"to $\partial L/\partial W_h$"
