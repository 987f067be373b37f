"""Sphinx configuration: the only one. Build with ``make docs``.

The source directory is ``docs/``; this file sits at the top level and is
passed with ``-c .``. The layout, and every ``GLOSSARY_*`` variable, are read
in ``glossary_site/settings.py``.
"""

import os

from sphinx.errors import ConfigError

from glossary_site import settings

# One BLAS/OpenMP thread, whatever the shell says: a threaded BLAS splits sums
# by the machine's core count (numbers would differ between machines), and the
# warm-kernel template must hold no thread when it forks (a lock held by a
# thread is never released in the child).
from glossary_examples import ONE_THREAD_ENV, TENSORFLOW_ENV  # noqa: E402 - cheap: the package alone

os.environ.update(ONE_THREAD_ENV)
# Kernels inherit the environment of this process: TensorFlow's log lines and
# oneDNN's banner stay off the pages (glossary_examples.TENSORFLOW_ENV).
for _name, _value in TENSORFLOW_ENV.items():
    os.environ.setdefault(_name, _value)
# Figures drawn by kernels: fixed metadata so rebuilds give identical files.
os.environ.setdefault("SOURCE_DATE_EPOCH", "0")
os.environ.setdefault("PYTHONHASHSEED", "0")

project = "Executable glossary of deep learning · 深度学习术语表"
author = "The glossary team"
copyright = "2026, the glossary team"
language = "en"

extensions = [
    "myst_nb",
    "glossary_site",  # the content: term pages, index, claim boxes, failing-cell reports
    # The build engine: warm kernels, invalidation, scheduling, site reuse,
    # streams. Without this line the same pages are built by stock myst-nb,
    # only slower: the benchmark's baseline (tools/bench.py).
    "glossary_site.engine",
    # A copy button on every code block; prompts and outputs are not copied.
    "sphinx_copybutton",
]

exclude_patterns = ["**.ipynb_checkpoints"]
nitpicky = True

# --- MyST ---------------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 2

# --- Execution (myst-nb + jupyter-cache) --------------------------------
nb_execution_mode = "cache"
# Outside _build/html, so publishing the site never ships the cache.
nb_execution_cache_path = str(settings.cache_dir())
# A failing cell is rendered with its traceback instead of aborting Sphinx;
# glossary_site.execution then reports it as an error naming page and cell,
# and -W fails the build.
nb_execution_raise_on_error = False
nb_execution_show_tb = False
nb_output_stderr = "error"  # stray stderr on a page is an error, not decoration
nb_merge_streams = True
nb_execution_in_temp = False

# --- HTML ---------------------------------------------------------------
html_theme = "furo"
html_title = "Deep learning glossary · 深度学习术语表"
# Math is typeset when the site is built, by MathJax 3 run in an embedded V8
# (glossary_site.math_render): pages load no math script, only the web fonts
# their formulas use (which that module adds to html_static_path).
html_math_renderer = "glossary-chtml"
html_static_path = ["docs/_static"]
# The search page's own field and its message for a search that finds nothing.
templates_path = ["docs/_templates"]
# Sphinx's own template loader, but for furo's few words written without gettext
# (its toggles' labels, its footer's credit), which it puts through gettext so the
# Chinese edition translates them (glossary_site/upstream.py, "theme words").
template_bridge = "glossary_site.upstream.theme_templates"
# Chinese search: Sphinx splits the text with jieba (English words are still
# stemmed), so 梯度 finds 梯度下降. glossary_site.search gives jieba a
# dictionary of every name in the registry and Sphinx a scorer that puts the
# page of a name first (html_search_options["dict"], html_search_scorer).
html_search_language = "zh"
html_last_updated_fmt = None

# --- The Chinese edition (glossary_site.translations) -------------------------
# One gettext catalog per page, locales/zh_CN/LC_MESSAGES/<page>.po (relative
# to docs/, as Sphinx reads locale_dirs). The English build is language "en";
# the engine builds the Chinese edition with -D language=zh_CN.
locale_dirs = ["../locales/"]
gettext_compact = False
# Every figure the kernels display is drawn in Chinese too, its texts translated by
# this catalog (glossary_examples/_lib/zh_figures.py); the Chinese edition shows that
# rendering (the engine sets GLOSSARY_EDITION for each edition's build), the English never.
os.environ["GLOSSARY_ZH_FIGURES"] = str(settings.plots_catalog())
from glossary_examples._lib.zh_figures import MIME as _ZH_FIGURE  # noqa: E402 - no import of matplotlib

nb_mime_priority_overrides = [
    ("html", _ZH_FIGURE, 1 if os.environ.get("GLOSSARY_EDITION", "en") != "en" else None),
]
html_show_sourcelink = False
html_copy_source = False
# Copy what a reader runs: ">>> " and "$ " prompts are stripped, lines without
# a prompt in a block that has them (the outputs) are left out; a block without
# prompts is copied whole. Prompts and outputs are found by this pattern in the
# text, not by Pygments' classes: excluding .gp and .go hides the prompts from
# it, so a doctest copied with a blank line for each output, and a console block
# without "$ " (Pygments marks its lines as output, .go) copied as blank lines
# (tests/test_browser.py).
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
copybutton_only_copy_prompt_lines = True
copybutton_exclude = ".linenos"
html_theme_options = {
    "navigation_with_keys": True,
}

# --- Settings from the environment (glossary_site.settings) --------------
try:
    # A code cell that runs longer is interrupted, and its page fails.
    nb_execution_timeout = settings.cell_timeout()
    # Kernels (glossary_site.engine.kernels). warm: forked from a template that
    # imported TensorFlow once (the default); fresh: a new Python per page,
    # through the project's kernel spec; stock: jupyter's own kernel spec and
    # provisioner, as plain myst-nb.
    glossary_kernels = settings.kernels()
    # GLOSSARY_ONLY=dropout,relu builds just those term pages (with the index
    # and the claims page): quick to iterate on one page.
    glossary_only = settings.only()
except settings.SettingError as bad:
    raise ConfigError(str(bad)) from None
if glossary_only:
    from glossary_examples._lib.registry import TERMS

    exclude_patterns += [f"glossary/{t.slug}.md" for t in TERMS if t.slug not in glossary_only]
