"""The glossary's content: a Sphinx extension that turns the term registry into pages.

It reads :mod:`glossary_examples._lib.registry`, so term names, Chinese names,
sections, related terms and claim texts are written once:

- :mod:`.terms`: every page ``glossary/<slug>`` gets the label ``<slug>``, and
  its title and section order are checked; ``{glossary-index}``,
  ``{related-terms}`` and ``{run-locally}``;
- :mod:`.autolink`: the first mention of another term links to its page;
- :mod:`.reading_path`: a path through the terms: "Before this" and "Read
  next" under each title, from the prerequisite graph, and the index's
  ``{start-here}`` box;
- :mod:`.previews`: every link to a term page carries the term's names and
  summary, shown on hover, focus and tap by ``_static/term-preview.js``;
- :mod:`.claims`: ``{claim} <id>`` verdict boxes, checked against the verdict
  the page's code printed, and ``{claims-list}``;
- :mod:`.claim_layout`: each box before its evidence, the evidence folded,
  and a line at the top of the page listing its claims;
- :mod:`.execution`: a failing example is a build error naming page and cell;
- :mod:`.numbers`: a measured number typed by hand into the prose is a build
  error (numbers come from the code, through myst-nb's glue);
- :mod:`.sources`: a caption naming the file of every function a page shows;
- :mod:`.maps`: the concept map page (the prerequisite graph as an SVG that
  :mod:`.concept_map` lays out) and each term's neighbourhood map;
- :mod:`.plots`: every plot with its caption as alt text, a dark rendering for
  the dark theme, its size reserved, and a link to the full-size file;
- :mod:`.provenance`: the versions and commit behind the outputs, on every page;
- :mod:`.math_render`: every formula typeset by MathJax at build time
  (:mod:`.mathjax_engine` runs it), so the pages load no math script;
- :mod:`.code_spans`: highlighted code without the spans that draw nothing
  different (checked against the styles on every build);
- :mod:`.translations`: after an English build, how much of each page the
  Chinese edition's catalogs translate (``_build/translations.json``);
- :mod:`.editions`: every page links to its twin in the other edition;
- :mod:`.i18n`: the extension's own words (and the registry's texts) in the
  edition's language, from the catalog ``glossary-site.po``;
- :mod:`.downloads`: every page as a notebook and a script that run without
  this project (:mod:`.standalone` gathers the code they need);
- :mod:`.search`: every name of every term in the general index and the
  search index, a jieba dictionary of them for Chinese search, and a search
  scorer that puts the page of a name first;
- :mod:`.zh_lang`: Chinese text marked as Chinese (``lang="zh-Hans"``), on the
  page and in what the theme writes around it;
- :mod:`.accessibility`: heading levels for the sidebar's captions, and
  keyboard access to every block that scrolls.

Shared by this extension and the build engine (:mod:`glossary_site.engine`, a
second extension in ``conf.py``): :mod:`.myst` (the one reader of a page's
MyST source), :mod:`.settings` (layout and ``GLOSSARY_*`` variables) and
:mod:`.upstream` (every patch of, or reach into, a dependency).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx.application import Sphinx


def setup(app: Sphinx) -> dict:
    # Imported here, not above: the build command imports this package (for
    # glossary_site.engine) and needs none of it.
    from . import (accessibility, autolink, claim_layout, claims, code_spans, downloads,
                   editions, execution, i18n, maps, math_render, numbers, plots, previews, provenance,
                   reading_path, search, sources, terms, translations, upstream, zh_lang)

    upstream.check_targets(upstream.CONTENT_ENTRIES)
    i18n.setup(app)  # first: the other modules' words are in its catalog
    terms.setup(app)
    autolink.setup(app)
    reading_path.setup(app)
    execution.setup(app)
    claims.setup(app)
    claim_layout.setup(app)
    numbers.setup(app)
    provenance.setup(app)
    sources.setup(app)
    downloads.setup(app)
    search.setup(app)
    previews.setup(app)
    maps.setup(app)
    plots.setup(app)
    zh_lang.setup(app)
    accessibility.setup(app)
    math_render.setup(app)
    code_spans.setup(app)
    translations.setup(app)
    editions.setup(app)
    app.add_css_file("glossary.css")
    # env_version: bump when what the extension stores or reads changes, so
    # existing doctrees are discarded and every page is read again.
    return {
        "version": "1",
        "env_version": 10,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
