"""The Chinese rendering of each figure, where the Chinese edition shows it.

While the site is built, the kernels draw every displayed figure twice
(:mod:`glossary_examples._lib.zh_figures`): its PNG, and the same figure with
its texts in Chinese under the mime type ``MIME``, with the figure's English
texts in its metadata. This module is myst-nb's renderer for that mime type
(a ``myst_nb.mime_renderers`` entry point in ``pyproject.toml``, myst-nb's
documented plugin interface): an image, as myst-nb renders a PNG. Which of the
two a page shows is myst-nb's choice by priority (``nb_mime_priority_overrides``
in ``conf.py``): the Chinese edition takes this one, the English never does.

:func:`english_texts` reads the executed notebooks for the texts of every
figure: the messages of the catalog that translates them
(``glossary-plots.po``), counted by the drift report like a page's.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

from glossary_examples._lib.zh_figures import MIME

from . import settings

PLOTS_DOMAIN = settings.PLOTS_CATALOG  # the catalog of the figures' texts


class ChineseFigureRenderer:
    """myst-nb's ``MimeRenderPlugin`` for the Chinese rendering of a figure."""

    # Never chosen unless a build says so (conf.py, for the Chinese edition).
    mime_priority_overrides = [("*", MIME, None)]

    @staticmethod
    def handle_mime(renderer, data, inline: bool):
        if data.mime_type != MIME or inline:
            return None
        # A base64 PNG, exactly as an image/png output holds it.
        return renderer.render_image(dataclasses.replace(data, mime_type="image/png"))


def english_texts(cache_path: str | Path) -> list[str]:
    """Every text of every figure the execution cache holds a Chinese rendering of
    (jupyter-cache's public API: its records' notebooks, with their outputs)."""
    from jupyter_cache import get_cache

    from . import upstream

    cache = get_cache(cache_path)
    found: dict[str, None] = {}
    try:
        for record in sorted(cache.list_cache_records(), key=lambda r: r.uri):
            notebook = cache.get_cache_bundle(record.pk).nb
            for cell in notebook.cells:
                for output in cell.get("outputs", []):
                    for text in output.get("metadata", {}).get(MIME, {}).get("texts", []):
                        found.setdefault(text, None)
    finally:
        upstream.close_cache(cache)
    return list(found)
