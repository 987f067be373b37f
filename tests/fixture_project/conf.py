"""A tiny project that the tests build in seconds (``tests/fixture.py`` copies it).

Both extensions of the real site, as in the top-level ``conf.py``, but pages
import the small package ``tinypkg`` instead of ``glossary_examples``, and the
warm kernels' template imports NumPy instead of TensorFlow. Its one term page,
``glossary/dropout.md``, is written from the registry when it is copied, so
that it always has the registry's title, sections and claims.
"""

import json
import os
from pathlib import Path

from glossary_site import settings

project = "fixture"
extensions = ["myst_nb", "glossary_site", "glossary_site.engine"]
myst_enable_extensions = ["dollarmath", "colon_fence"]  # math, as the real site
html_theme = "basic"
html_search_language = "zh"  # as the real site: Chinese search, with the registry's names
locale_dirs = ["../locales/"]  # as the real site: a catalog per page (tests/test_translations.py)
gettext_compact = False

nb_execution_mode = "cache"
nb_execution_cache_path = str(settings.cache_dir(Path(__file__).parent))
nb_execution_raise_on_error = False
nb_execution_show_tb = False
nb_output_stderr = "error"
nb_merge_streams = True
nb_execution_in_temp = False
nb_execution_timeout = settings.cell_timeout()

glossary_kernels = settings.kernels()
glossary_package = "tinypkg"
glossary_warm_modules = ["numpy", "ipykernel.kernelapp", "ipykernel.ipkernel"]
glossary_only = ["dropout"]  # the fixture's one term page

# Where each page was read: the process id, and whether that process's
# connections to the execution cache are serialised (tests/test_upstream.py).
READS = os.path.join(os.path.dirname(__file__), "_build", "reads")


def _record_read(app, docname, source):
    from jupyter_cache import get_cache

    from glossary_site import upstream

    serialised = False
    # (Opening a cache creates it: readers creating one at once collide,
    # sphinx-doc/sphinx#12481. The engine creates it before readers start.)
    if os.path.exists(os.path.join(app.config.nb_execution_cache_path, "global.db")):
        cache = get_cache(app.config.nb_execution_cache_path)
        try:
            serialised = upstream.cache_transactions_serialised(cache)
        finally:
            upstream.close_cache(cache)
    import myst_nb.core.render
    import myst_nb.core.utils
    import sphinx.builders
    import sphinx.util.parallel

    patched = {  # is the project's replacement in place where Sphinx and myst-nb call it?
        "streams": myst_nb.core.render.coalesce_streams is not myst_nb.core.utils.coalesce_streams,
        "chunks": sphinx.builders.make_chunks is not sphinx.util.parallel.make_chunks,
    }
    os.makedirs(READS, exist_ok=True)
    with open(os.path.join(READS, docname.replace("/", "-") + ".json"), "w") as f:
        json.dump({"pid": os.getpid(), "serialised": serialised, "patched": patched}, f)


def setup(app):
    app.connect("source-read", _record_read)
