"""Sphinx extension for the glossary site.

It reads :mod:`glossary_examples._lib.registry`, so term names, Chinese names,
sections, related terms and claim texts are written once:

- every page ``glossary/<slug>`` gets the label ``<slug>`` (``{ref}`dropout```);
- ``{glossary-index}`` lists the terms by section with a toctree per section;
- ``{related-terms}`` links a page's related terms (checked by the build);
- ``{run-locally}`` shows the command that runs a page's example;
- ``{claim} <id>`` renders a verdict box (see :mod:`glossary_site.claims`);
- ``{claims-list}`` lists every claim box of the site.

The build engine: :mod:`~glossary_site.kernels` (warm kernels),
:mod:`~glossary_site.deps` (cache invalidation), :mod:`~glossary_site.scheduling`
(parallel reading page by page), :mod:`~glossary_site.reuse` (no-change builds
write nothing), :mod:`~glossary_site.execution` (failures name page and cell),
:mod:`~glossary_site.streams` (stable stream outputs). Every place that
patches or reaches into Sphinx, myst-nb, jupyter-cache or jupyter_client is in
:mod:`~glossary_site.upstream`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx.application import Sphinx


def setup(app: Sphinx) -> dict:
    # Imported here, not above: ``python -m glossary_site.build`` (the command
    # that supervises a build) imports this package, and needs none of it.
    from . import autolink, claims, deps, execution, kernels, reuse, scheduling, streams, terms, upstream

    # Every patch of a dependency checks its target first: an upgrade that
    # moved one stops the build here, with a sentence, not later in silence.
    upstream.check_targets()
    streams.install()
    deps.setup(app)
    kernels.setup(app)
    scheduling.setup(app)
    reuse.setup(app)
    terms.setup(app)
    autolink.setup(app)
    execution.setup(app)
    claims.setup(app)
    app.add_css_file("glossary.css")
    # env_version: bump when what the extension stores or reads changes, so
    # existing doctrees are discarded and every page is read again.
    return {
        "version": "1",
        "env_version": 2,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
