"""Plots (``glossary_site/plots.py``): captions in the pages, and the dark rendering's colours.

The browser tests (``tests/test_browser.py``, "Plots") check the built pages:
alt text, size reserved, links, the dark rendering shown in the dark theme.
"""

from __future__ import annotations

import io
import re

import numpy as np
import pytest

from glossary_examples._lib import registry
from glossary_site import plots
from glossary_site.myst import code_cells

from .conftest import ROOT

PLOT_CALL = re.compile(r"\b\w+\.plot_\w+\(\)")


def plot_cells():
    """(slug, cell) for every code cell of every page that draws a plot."""
    for term in registry.TERMS:
        page = (ROOT / "docs" / "glossary" / f"{term.slug}.md").read_text(encoding="utf-8")
        for cell in code_cells(page):
            if PLOT_CALL.search(cell.source):
                yield term.slug, cell


def test_every_plot_cell_has_a_caption_written_as_prose():
    problems = []
    for slug, cell in plot_cells():
        caption = cell.options.get("mystnb", {}).get("figure", {}).get("caption", "")
        where = f"{slug}.md:{cell.line}"
        if len(PLOT_CALL.findall(cell.source)) != 1:
            problems.append(f"{where}: one plot per cell (the caption is the cell's)")
        if len(caption.split()) < 8:
            problems.append(f"{where}: no caption, or a caption of a few words: {caption!r}")
        # Numbers in prose come from the code (glue); a caption has no glue, so none.
        if re.search(r"\d+\.\d+|\d+\s*%|\d[eE][+-]?\d", caption):
            problems.append(f"{where}: a measured number typed into the caption: {caption!r}")
    assert not problems, "\n".join(problems)


def test_there_are_plots_to_check():
    assert sum(1 for _ in plot_cells()) >= 60


# --- the dark rendering's colours ------------------------------------------------------------

def lightness(rgb: np.ndarray) -> np.ndarray:
    return plots.to_oklab(rgb / 255.0)[:, 0]


def test_paper_and_ink_become_the_dark_themes_page_and_text():
    white_black = np.array([[255, 255, 255], [0, 0, 0]], dtype=np.uint8)
    page, text = plots.dark_colors(white_black).astype(int)
    # The same lightness; the page's faint blue tint is not added (white has no hue).
    assert np.abs(page - [0x13, 0x14, 0x16]).max() <= 2
    assert np.abs(text - [0xcf, 0xd0, 0xd0]).max() <= 2


def test_a_lighter_colour_always_becomes_a_darker_one():
    rng = np.random.default_rng(0)
    colors = rng.integers(0, 256, size=(4000, 3)).astype(np.uint8)
    before, after = lightness(colors), lightness(plots.dark_colors(colors))
    # Lightness order reversed: for greys exactly (the dark range is narrower, so
    # neighbours may round to one grey, never swap), and for colours up to rounding
    # (a colour outside sRGB at its new lightness loses chroma, not lightness).
    greys = np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)
    assert np.all(np.diff(lightness(plots.dark_colors(greys))) <= 0)
    order = np.argsort(before)
    assert np.all(np.diff(after[order]) <= 0.01)


def test_hues_are_kept():
    # matplotlib's first colours: a blue line stays blue, an orange one orange.
    tab = np.array([[31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40]], dtype=np.uint8)
    lab, dark = plots.to_oklab(tab / 255.0), plots.to_oklab(plots.dark_colors(tab) / 255.0)
    hue = np.degrees(np.arctan2(lab[:, 2], lab[:, 1]))
    dark_hue = np.degrees(np.arctan2(dark[:, 2], dark[:, 1]))
    assert np.all(np.abs((hue - dark_hue + 180) % 360 - 180) < 3)
    # ...and stay readable on the dark page: lighter than the page by a clear margin.
    assert np.all(dark[:, 0] > plots._hex_lightness(plots.DARK_BACKGROUND) + 0.3)


def png(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(pixels, "RGB").save(buffer, format="PNG")
    return buffer.getvalue()


def test_the_dark_png_maps_each_colour_to_one_colour_and_keeps_the_size():
    from PIL import Image

    rng = np.random.default_rng(1)
    palette = rng.integers(0, 256, size=(6, 3)).astype(np.uint8)
    pixels = palette[rng.integers(0, 6, size=(20, 30))]
    light = plots.light_rendering(png(pixels))
    dark = plots.png_bytes(plots.dark_rendering(light))
    assert plots.png_size(dark) == (30, 20)
    # Six colours fit a palette exactly: the light rendering is the drawn image.
    assert np.array_equal(np.asarray(light.convert("RGBA").convert("RGB")), pixels)
    out = np.asarray(Image.open(io.BytesIO(dark)).convert("RGBA").convert("RGB"))
    for color in palette:
        where = (pixels == color).all(axis=2)
        assert len(np.unique(out[where], axis=0)) == 1  # a legend's colour is its line's
        assert np.array_equal(out[where][0], plots.dark_colors(color[None])[0])
    again = plots.png_bytes(plots.dark_rendering(plots.light_rendering(png(pixels))))
    assert again == dark  # the same bytes every time


def drawn_plot() -> bytes:
    """A plot as a page draws one: thin lines of several colours, a pale band, text."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(4, 2.5), dpi=100)
    x = np.linspace(0, 10, 400)
    ax.axvspan(0, 3, color="0.93", label="a pale band")
    for k, width in enumerate((0.6, 1.0, 1.5, 0.8)):
        ax.plot(x, np.sin(x + k) * (k + 1), linewidth=width, label=f"line {k}")
    ax.legend(fontsize=6)
    ax.set_title("A plot as drawn")
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", metadata={"Software": "matplotlib"})
    plt.close(fig)
    return buffer.getvalue()


def test_the_palette_keeps_what_a_reader_sees_and_drops_the_metadata():
    from PIL import Image

    drawn = drawn_plot()
    light = plots.light_rendering(drawn)
    out = plots.png_bytes(light)
    assert light.mode == "P" and b"Software" not in out
    before = np.asarray(Image.open(io.BytesIO(drawn)).convert("RGB")).astype(int)
    after = np.asarray(light.convert("RGBA").convert("RGB")).astype(int)
    moved = np.abs(before - after).max(axis=2)
    # Anti-aliased edges may move a little; no region does, and nothing moves far.
    assert (moved > 12).mean() < 0.01 and moved.max() <= 60
    # Every flat colour of the figure (a thin line's, the pale band's, the paper's)
    # is in the palette exactly: a line drawn in few pixels does not fade away.
    colours, counts = np.unique(before.reshape(-1, 3), axis=0, return_counts=True)
    flat = colours[counts >= 150]
    palette = np.array(light.getpalette("RGB")).reshape(-1, 3)
    missing = [c for c in flat if np.abs(palette - c).max(axis=1).min() > 3]
    assert len(flat) >= 6 and not missing, missing
    assert len(out) < 0.6 * len(drawn)  # and it is what makes the site lighter


@pytest.mark.parametrize("bad", [b"GIF89a" + bytes(30), b""])
def test_png_size_refuses_what_is_not_a_png(bad):
    with pytest.raises(ValueError):
        plots.png_size(bad)


# --- the transform ---------------------------------------------------------------------------

def page_with_a_plot(tmp_path, caption: str | None):
    """A doctree as myst-nb leaves a plot cell when a page is read, and its PNG."""
    from types import SimpleNamespace

    from docutils import nodes
    from docutils.frontend import get_default_settings
    from docutils.parsers.rst import Parser
    from docutils.utils import new_document
    from PIL import Image

    Image.new("RGB", (40, 20), "white").save(tmp_path / "abc.png")
    document = new_document("page.md", get_default_settings(Parser))
    document.settings.env = SimpleNamespace(
        docname="glossary/page", relfn2path=lambda uri, docname: (uri, str(tmp_path / uri)),
        config=SimpleNamespace(language="en"),
        dependencies=[], note_dependency=lambda path: document.settings.env.dependencies.append(path))
    bundle = nodes.container("", nodes.container("", nodes.image(uri="abc.png"),
                                                 mime_type="image/png"), nb_element="mime_bundle")
    shown = nodes.figure("", bundle, nodes.caption("", caption)) if caption else bundle
    output = nodes.container("", shown, nb_element=plots.OUTPUT_ELEMENT)
    document += nodes.container("", output, nb_element="cell_code")
    return document


def test_a_plot_gets_its_caption_as_alt_text_two_sized_renderings_and_the_note(tmp_path):
    from docutils import nodes

    document = page_with_a_plot(tmp_path, "What the plot shows, in a sentence.")
    plots.PlotFigures(document).apply()
    figure = next(document.findall(nodes.figure))
    images = list(figure.findall(nodes.image))
    assert [i.parent["classes"] for i in images] == [["only-light"], ["only-dark"]]
    for image in images:
        assert image["alt"] == "What the plot shows, in a sentence."
        assert (image["width"], image["height"], image["loading"]) == ("40", "20", "lazy")
        assert (tmp_path / image["uri"]).is_file()
    assert plots.PLOT_CLASS in figure["classes"]
    assert document.settings.env.dependencies == [plots.__file__]  # read again when it changes
    note = next(figure.findall(nodes.raw))
    assert note.astext() == f'<p class="only-dark {plots.DARK_NOTE_CLASS}">{plots.DARK_NOTE}</p>'


def test_a_plot_without_a_caption_is_an_error(tmp_path, caplog):
    from docutils import nodes

    document = page_with_a_plot(tmp_path, None)
    plots.PlotFigures(document).apply()
    assert "a plot without a caption" in caplog.text
    assert [i["uri"] for i in document.findall(nodes.image)] == ["abc.png"]  # left as it was
