"""Every page links to the same page in the site's other edition.

The English edition is at the top of the site, the Chinese one in ``zh_CN/``
(:mod:`glossary_site.engine.publish` builds both). Each page gets, in its
template context, the link to its twin (``glossary_edition_switch``, which
``docs/_templates/edition-switch.html`` writes at the top of the content, on a
phone too), and in its head a ``<link rel="alternate" hreflang>`` to it.
"""

from __future__ import annotations

from sphinx.application import Sphinx

from .settings import EDITIONS

# How each edition is named where the other links to it, and its language tag.
LABELS = {"en": ("English", "en"), "zh_CN": ("中文版", "zh-Hans")}


def twin_href(pagename: str, language: str, other: str) -> str:
    """The relative URL, from page ``pagename`` of edition ``language``, of the same
    page in edition ``other``.

    >>> twin_href("glossary/dropout", "en", "zh_CN")
    '../zh_CN/glossary/dropout.html'
    >>> twin_href("glossary/dropout", "zh_CN", "en")
    '../../glossary/dropout.html'
    >>> twin_href("index", "zh_CN", "en")
    '../index.html'
    """
    up = pagename.count("/") + (0 if language == "en" else 1)
    into = "" if other == "en" else f"{other}/"
    return "../" * up + into + f"{pagename}.html"


def add_switch(app: Sphinx, pagename: str, templatename: str, context: dict, doctree) -> None:
    language = app.config.language if app.config.language in EDITIONS else "en"
    other = "zh_CN" if language == "en" else "en"
    label, tag = LABELS[other]
    href = twin_href(pagename, language, other)
    context["glossary_edition_switch"] = {"href": href, "label": label, "lang": tag,
                                          "hreflang": tag}
    context["metatags"] = context.get("metatags", "") + (
        f'\n<link rel="alternate" hreflang="{tag}" href="{href}">')


def setup(app: Sphinx) -> None:
    app.connect("html-page-context", add_switch)
