"""Plots that a screen reader, a phone and the dark theme can use.

A page's plot is a code cell whose output is a matplotlib figure, saved by
myst-nb as a PNG. The cell gives it a caption in its metadata
(``mystnb: figure: caption:``, myst-nb's documented way), and myst-nb wraps
the image in a figure with that caption. When a page is read, this module
turns each such image into what the page shows:

- **alt text**: the caption's text (myst-nb would use the file's path, so a
  screen reader read out a hash); a plot without a caption is an error
  naming page and line;
- **two renderings**, chosen by Furo's ``only-light`` / ``only-dark`` classes
  (which follow the theme switch, and ``prefers-color-scheme`` when the theme
  is "auto"): the figure as drawn, and a dark one made from its pixels
  (:func:`dark_rendering`: lightness inverted, hue and chroma kept). Both are
  ``loading="lazy"``, so the hidden one is never fetched;
- **their size** as ``width``/``height`` attributes: the browser reserves the
  space before the file arrives (no layout shift), and Sphinx links a sized
  image to its file (``html_scaled_image_link``), so a tap or click opens
  the plot at full size, without JavaScript;
- **a palette of at most 256 colours** (libimagequant, the library behind
  pngquant; no dithering, quality 90 of 100): a plot is a few flat colours
  and their anti-aliased edges, so the eye sees no change, while the file
  weighs a third of the drawn one (both renderings of the site's 76 plots:
  8.3 MB as drawn, 2.7 MB in palettes). The dark rendering maps the light
  one's palette, so it has the same pixels and colour for colour the same
  mapping; the fraction of pixels that moved by more than 12 of 255 in any
  channel is tested (``tests/test_plots.py``).

It all happens when a page is read, from the PNGs in the execution cache: no
figure is drawn again, and the downloads keep the figures as the kernel drew
them. (The caption is cell metadata, which jupyter-cache's key includes:
writing or editing a caption executes that page again, once.)
The files are named after the plot and this module's code, and written
atomically: two parallel readers writing the same plot write the same bytes,
two builds give identical files, and a page read again reuses its plots' files.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from docutils import nodes
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

from .i18n import N_, _

if TYPE_CHECKING:
    from sphinx.application import Sphinx

logger = logging.getLogger(__name__)

# This module's own code: part of every file's name, so that a change to how the
# renderings are made gives new files, and an unchanged plot is not processed again.
_CODE = Path(__file__).read_bytes()
# The element myst-nb marks a code cell's outputs with.
OUTPUT_ELEMENT = "cell_code_output"
PLOT_CLASS = "glossary-plot"
DARK_NOTE_CLASS = "glossary-plot-note"
# Said under every plot in the dark theme only: its colours are not the ones drawn.
DARK_NOTE = N_("Dark theme: lightness inverted (black shows as light), hues kept.")

# --- Colour: OKLab (Björn Ottosson, 2020), a space where lightness is one axis -----------

_RGB_TO_LMS = np.array([[0.4122214708, 0.5363325363, 0.0514459929],
                        [0.2119034982, 0.6806995451, 0.1073969566],
                        [0.0883024619, 0.2817188376, 0.6299787005]])
_LMS_TO_LAB = np.array([[0.2104542553, 0.7936177850, -0.0040720468],
                        [1.9779984951, -2.4285922050, 0.4505937099],
                        [0.0259040371, 0.7827717662, -0.8086757660]])


def to_oklab(rgb: np.ndarray) -> np.ndarray:
    """sRGB in 0..1, shape (n, 3), to OKLab (L from 0, black, to 1, white).

    >>> to_oklab(np.array([[1.0, 1.0, 1.0], [0.0, 0.0, 0.0]])).round(3).tolist()
    [[1.0, 0.0, -0.0], [0.0, 0.0, 0.0]]
    """
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return np.cbrt(linear @ _RGB_TO_LMS.T) @ _LMS_TO_LAB.T


def _oklab_to_linear(lab: np.ndarray) -> np.ndarray:
    return ((lab @ np.linalg.inv(_LMS_TO_LAB).T) ** 3) @ np.linalg.inv(_RGB_TO_LMS).T


def from_oklab(lab: np.ndarray) -> np.ndarray:
    """OKLab to sRGB in 0..1.

    A colour outside sRGB keeps its lightness and hue and loses chroma until it
    fits (bisection on the chroma), rather than being clipped channel by
    channel, which would change its lightness too.
    """
    def fits(scale: np.ndarray) -> np.ndarray:
        linear = _oklab_to_linear(np.column_stack([lab[:, 0], lab[:, 1:] * scale[:, None]]))
        return np.all((linear >= -1e-6) & (linear <= 1 + 1e-6), axis=1)

    low, high = np.zeros(len(lab)), np.ones(len(lab))
    inside = fits(high)
    for _step in range(20):  # the largest chroma that fits, to about 1e-6 of the original
        middle = (low + high) / 2
        ok = fits(middle)
        low, high = np.where(ok, middle, low), np.where(ok, high, middle)
    scale = np.where(inside, 1.0, low)
    linear = np.clip(_oklab_to_linear(np.column_stack([lab[:, 0], lab[:, 1:] * scale[:, None]])),
                     0, 1)
    return np.where(linear <= 0.0031308, linear * 12.92, 1.055 * linear ** (1 / 2.4) - 0.055)


def _hex_lightness(color: str) -> float:
    rgb = np.array([[int(color[i:i + 2], 16) / 255 for i in (1, 3, 5)]])
    return float(to_oklab(rgb)[0, 0])


# The dark theme's page colours (Furo's --color-background-primary and
# --color-foreground-primary): white paper becomes the page, black ink its text.
DARK_BACKGROUND = "#131416"
DARK_FOREGROUND = "#cfd0d0"
# Lightness below KNEE (text, lines, saturated colours) lands between the text's
# lightness and MIDDLE; above it (paper, pale fills) between MIDDLE and the page's.
# Two straight pieces, one decreasing function: a lighter colour always becomes a
# darker one, so the order of a colour scale is kept (reversed; the dark range is
# narrower, so neighbouring greys may round to one), while a mid-lightness line
# (orange, L 0.73) stays readable on the page.
KNEE, MIDDLE = 0.75, 0.58


def dark_lightness(lightness: np.ndarray) -> np.ndarray:
    """The dark rendering's OKLab lightness for each lightness of the drawn figure.

    >>> dark_lightness(np.array([0.0, 0.75, 1.0])).round(3).tolist()  # ink, knee, paper
    [0.857, 0.58, 0.191]
    """
    fg, bg = _hex_lightness(DARK_FOREGROUND), _hex_lightness(DARK_BACKGROUND)
    ink = fg - (fg - MIDDLE) * (lightness / KNEE)
    paper = MIDDLE - (MIDDLE - bg) * ((lightness - KNEE) / (1 - KNEE))
    return np.where(lightness <= KNEE, ink, paper)


def dark_colors(rgb: np.ndarray) -> np.ndarray:
    """Each colour (uint8, shape (n, 3)) as the dark rendering shows it.

    Lightness goes through :func:`dark_lightness`; hue and chroma (OKLab's a
    and b) are kept, so a blue line stays blue and a legend's blue is the
    line's blue.

    >>> dark_colors(np.array([[255, 255, 255], [0, 0, 0]], dtype=np.uint8)).tolist()
    [[20, 20, 20], [208, 208, 208]]
    """
    lab = to_oklab(rgb / 255.0)
    lab[:, 0] = dark_lightness(lab[:, 0])
    return np.round(from_oklab(lab) * 255).astype(np.uint8)


# libimagequant's settings: the best palette of at most 256 colours that reaches
# this quality (0-100, its own scale; 100 spends all 256 colours), no dithering
# (a dithered flat colour is noise that compresses badly).
PALETTE_COLOURS, PALETTE_QUALITY = 256, 90


def light_rendering(png: bytes):
    """The figure as drawn, in a palette of at most 256 colours (a Pillow "P" image)."""
    import imagequant
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        rgba = image.convert("RGBA")
    # The raw-bytes call, not quantize_pil_image: that one copies the pixels in a
    # Python loop (seconds a plot) through an API Pillow deprecates.
    indices, palette = imagequant.quantize_raw_rgba_bytes(
        rgba.tobytes(), rgba.width, rgba.height, dithering_level=0.0,
        max_colors=PALETTE_COLOURS, min_quality=0, max_quality=PALETTE_QUALITY)
    out = Image.frombytes("P", rgba.size, indices)
    out.putpalette(palette, rawmode="RGBA")
    return out


def dark_rendering(light):
    """The dark rendering of :func:`light_rendering`'s image: each palette colour
    through :func:`dark_colors`, the pixels (palette indices) and alpha unchanged.

    The same colour always maps to the same colour, wherever it is in the
    figure (line, legend, colour bar, image), so what matches in the figure
    as drawn matches in its dark rendering.
    """
    palette = np.array(light.getpalette("RGBA"), dtype=np.uint8).reshape(-1, 4)
    palette[:, :3] = dark_colors(palette[:, :3])
    dark = light.copy()
    dark.putpalette(palette.ravel().tolist(), "RGBA")
    return dark


def png_bytes(image) -> bytes:
    """The image as a PNG with no metadata (no date, no software), compressed hardest."""
    buffer = io.BytesIO()
    # No pnginfo: Pillow writes no text chunks, so the bytes depend on the pixels alone
    # (and a palette image's transparency, which Pillow keeps as its tRNS chunk).
    image.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def png_size(png: bytes) -> tuple[int, int]:
    """(width, height) in pixels, from the PNG header."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


def _write_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` whole or not at all (parallel readers may write one file)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".plot-")
    with os.fdopen(fd, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


# --- The page: each plot's figure ----------------------------------------------------------

def _in_cell_output(node: nodes.Node) -> bool:
    parent = node.parent
    while parent is not None:
        if parent.get("nb_element") == OUTPUT_ELEMENT:
            return True
        parent = parent.parent
    return False


def _shown_in(image: nodes.image, language: str) -> bool:
    """Whether this edition shows the image: a figure's output holds its English PNG and
    its Chinese one (glossary_site/zh_figures.py), and myst-nb keeps one of them."""
    from glossary_examples._lib.zh_figures import MIME as CHINESE

    parent = image.parent
    while parent is not None and "mime_type" not in parent.attributes:
        parent = parent.parent
    if parent is None or parent.parent is None:
        return True
    kinds = {child.get("mime_type") for child in parent.parent.children}
    chinese = language != "en" and CHINESE in kinds
    return parent["mime_type"] == (CHINESE if chinese else parent["mime_type"]) and (
        chinese or parent["mime_type"] != CHINESE)


def plot_images(doctree: nodes.Node, language: str = "en") -> list[nodes.image]:
    """The images of a page's code-cell outputs that this edition shows: its plots."""
    return [image for image in doctree.findall(nodes.image)
            if _in_cell_output(image) and image["uri"].lower().endswith(".png")
            and _shown_in(image, language)]


def _variant(image: nodes.image, uri: str, size: tuple[int, int], alt: str,
             theme: str) -> nodes.container:
    shown = image.deepcopy()
    shown["uri"] = uri
    shown["alt"] = alt
    shown["width"], shown["height"] = str(size[0]), str(size[1])
    shown["loading"] = "lazy"
    return nodes.container("", shown, classes=[f"only-{theme}"])


class PlotFigures(SphinxTransform):
    """Each plot: alt text from its caption, light and dark renderings, sized, linked."""

    default_priority = 800  # after myst-nb built the outputs, before images are collected

    def apply(self, **kwargs) -> None:
        images = plot_images(self.document, self.config.language)
        if images:
            # A page with plots is read again when this module changes (Sphinx compares
            # the modification times of a page's dependencies).
            self.env.note_dependency(__file__)
        for image in images:
            # myst-nb's figure holds the output's mime bundle (the PNG, and a text
            # form that a post-transform drops at write time) and the caption.
            figure = image.parent
            while not isinstance(figure, nodes.figure) and figure.get("nb_element") != OUTPUT_ELEMENT:
                figure = figure.parent
            caption = next(iter(figure.findall(nodes.caption)), None) \
                if isinstance(figure, nodes.figure) else None
            if caption is None or not caption.astext().strip():
                cell = figure.parent
                logger.error("a plot without a caption: give its code cell one "
                             "(mystnb: figure: caption:), the plot's alt text is taken from it",
                             location=(self.env.docname, cell.line or figure.line))
                continue
            alt = " ".join(caption.astext().split())
            _rel, path = self.env.relfn2path(image["uri"], self.env.docname)
            png = Path(path).read_bytes()
            key = hashlib.sha256(png + _CODE).hexdigest()[:16]
            size = png_size(png)
            variants = {}
            names = {theme: f"plot-{key}-{theme}.png" for theme in ("light", "dark")}
            # Named after the plot and this module's code: a file already there
            # holds these very bytes (written atomically), so it is not made again.
            if not all(Path(path).with_name(name).exists() for name in names.values()):
                light = light_rendering(png)
                for theme, rendering in (("light", light), ("dark", dark_rendering(light))):
                    _write_atomically(Path(path).with_name(names[theme]), png_bytes(rendering))
            for theme, name in names.items():
                # The uri as myst-nb wrote it, with the new file's name.
                uri = image["uri"][: image["uri"].rfind("/") + 1] + name
                variants[theme] = _variant(image, uri, size, alt, theme)
            if PLOT_CLASS not in figure["classes"]:
                figure["classes"].append(PLOT_CLASS)
                # Raw HTML, not a paragraph: the same sentence on every plot is not
                # something to search for.
                figure += nodes.raw("", f'<p class="only-dark {DARK_NOTE_CLASS}">{_(DARK_NOTE)}</p>',
                                    format="html")
            image.replace_self([variants["light"], variants["dark"]])


def setup(app: Sphinx) -> None:
    app.add_transform(PlotFigures)
