"""A tiny Sphinx project that loads only the build engine's pieces under test.

It checks, in a real build, that each of this project's patches of Sphinx and
myst-nb takes effect (``tests/test_upstream.py``). No TensorFlow: the one
notebook page runs in jupyter's stock kernel.
"""

import json
import os

project = "fixture"
extensions = ["myst_nb"]
nb_execution_mode = "cache"
nb_execution_cache_path = os.path.join(os.path.dirname(__file__), "_build", "jupyter_cache")
nb_merge_streams = True
html_theme = "basic"
# Where each page was read: the process id, and whether that process's
# connections to the execution cache are serialised.
READS = os.path.join(os.path.dirname(__file__), "_build", "reads")


def _record_read(app, docname, source):
    from jupyter_cache import get_cache

    from glossary_site import upstream

    cache = get_cache(app.config.nb_execution_cache_path)
    try:
        serialised = upstream.cache_transactions_serialised(cache)
    finally:
        upstream.close_cache(cache)
    os.makedirs(READS, exist_ok=True)
    with open(os.path.join(READS, docname + ".json"), "w") as f:
        json.dump({"pid": os.getpid(), "serialised": serialised}, f)


def setup(app):
    from glossary_site import deps, reuse, scheduling, streams, upstream

    upstream.check_targets()
    streams.install()
    deps.setup(app)
    scheduling.setup(app)
    reuse.setup(app)
    app.connect("source-read", _record_read)
