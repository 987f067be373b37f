"""The build engine: a Sphinx extension that makes myst-nb's builds fast and trustworthy.

Listed in ``conf.py``'s ``extensions`` after ``glossary_site``; without it the
same ``conf.py`` is stock myst-nb (the benchmark's baseline, ``tools/bench.py``).
It changes how pages are executed and written, never what a page says.

The extension (its ``setup`` below):

- :mod:`.kernels` with :mod:`.forkserver`: warm kernels forked from a template
  that imported TensorFlow once;
- :mod:`.deps`: a page re-executes when a module its cells import changes;
- :mod:`.scheduling`: parallel readers take one page at a time;
- :mod:`.reuse`: a build with nothing changed writes nothing;
- :mod:`.streams`: a cell's printed output renders the same in every build.

The build command, ``python -m glossary_site.engine.build`` (``make docs``):

- :mod:`.build` supervises, :mod:`.publish` runs Sphinx and publishes only a
  site built without error; :mod:`.lock` (one build at a time),
  :mod:`.interrupts` (Ctrl-C and kills), :mod:`.jobs` (how many readers).

Every patch of, or reach into, a dependency is in :mod:`glossary_site.upstream`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sphinx.application import Sphinx


def setup(app: Sphinx) -> dict:
    # Imported here: the build command imports this package and needs none of it.
    from .. import upstream
    from . import deps, kernels, reuse, scheduling, streams

    # Every patch of a dependency checks its target first: an upgrade that
    # moved one stops the build here, with a sentence, not later in silence.
    upstream.check_targets(upstream.ENGINE_ENTRIES)
    streams.install()
    deps.setup(app)
    kernels.setup(app)
    scheduling.setup(app)
    reuse.setup(app)
    return {
        "version": "1",
        # Bump when what the engine keeps in the environment changes.
        "env_version": 1,
        "parallel_read_safe": True,
        "parallel_write_safe": True,
    }
