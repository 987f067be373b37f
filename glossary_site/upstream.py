"""Every place this project replaces, or reaches into, a dependency's internals.

The rest of ``glossary_site`` (the content extension and ``glossary_site.engine``)
uses Sphinx, myst-nb, jupyter-cache and jupyter_client through their
documented extension points only (events,
directives, config values, kernel provisioners, the jupyter-cache API), and
calls this module for everything else. Each entry below says what it touches,
why, and what upstream change would retire it, and comes with a check that its
target is still what the entry expects. :func:`check_targets` runs them
when the extension that uses them is set up: after an upgrade that moved a target, the build
stops with one sentence naming the version the entry was written for, instead
of carrying on with a patch that silently no longer applies.

Replacements (an attribute of another package is reassigned):

- ``streams``: myst-nb's ``coalesce_streams`` in its renderer (stream chunks
  were rstripped one by one, so a print split by a kernel flush rendered as two
  lines, differently from build to build).
- ``chunks``: Sphinx's ``make_chunks`` in its builders (parallel reading one
  page at a time; Sphinx has no setting for the chunk size: sphinx-doc/sphinx#6330).

- ``zh search stemmer``: Sphinx's Chinese search language, registered again
  (``app.add_search_language``, documented) as a subclass whose
  ``language_name`` is "English". Sphinx 9.0.4 names the JavaScript stemmer
  class after the language (``window.Stemmer = ChineseStemmer``), but Chinese
  search ships the English stemmer, whose class is ``EnglishStemmer``: every
  search stopped at a ReferenceError and showed "Searching..." forever
  (sphinx-doc/sphinx#14229; the fix, sphinx-doc/sphinx#14416, names the class
  after the stemmer's file, and retires this entry). The one other use of the
  name is the build log's "dumping search index in English (code: zh)".

- ``glue in translations``: the ``retrieve_glue_data`` that myst-nb's glue
  roles look up in their module. Sphinx's i18n (``sphinx.transforms.i18n``)
  parses each translated message into a document of its own, which has no
  notebook renderer: every ``{glue:text}`` number in a translated paragraph
  failed with "No key ... found in glue data for this document" (the Chinese
  edition). The replacement looks the value up in the notebook of the page
  being read when the document is a translated message's (Sphinx names its
  source ``<page>:<line>:<translated>``), noted as the page's own glue roles
  (the same, in English: ``glossary_site.translations`` checks it) were read.
  In the Chinese edition it pastes a value's Chinese twin (glued under
  ``report.CHINESE_KEY`` for words the code chose, "do not overlap") where
  there is one: the part of this entry that stays ours when upstream
  retires the rest. ``tests/test_translations.py`` holds
  the reproduction for upstream (a MyST-NB page with a glued number, a
  catalog that translates its paragraph). Glue roles that find their
  notebook through the document's settings, or Sphinx keeping the page's
  document attributes in the message's document, would retire this entry.

Reach-ins (no reassignment, but an undocumented surface):

- ``toctree caption level``: the captions of toctrees (the sidebar's section
  names), which Sphinx 9.0.4 writes as ``<p class="caption" role="heading">``
  with no ``aria-level``. ARIA 1.2 requires one for the heading role (axe-core:
  ``aria-required-attr``, critical, on every page; the W3C validator rejects it
  too): sphinx-doc/sphinx#14030. The sidebar's HTML (furo's navigation tree, in
  the template context) gets ``aria-level="2"``, the level ARIA 1.1 implied,
  as sphinx-doc/sphinx#14437 proposes; that fix merged retires this entry.

- ``mathjax at build``: MathJax 3.2.2's es5 components (the tree that
  ``sphinx-mathjax-offline`` ships), evaluated one by one in mini-racer's V8
  by ``glossary_site/mathjax_engine.py`` and marked loaded with the loader's
  ``preLoad``, as MathJax's own node examples do with ``require``. Besides the
  documented ``MathJax.tex2chtml``-level API, :data:`MATHJAX_DRIVER` uses the
  output jax's ``clearCache`` (so that the stylesheet holds exactly one
  formula's CSS) and, to measure a formula's width for the phone layout,
  builds the ``MathItem`` that ``MathDocument.convert`` builds and asks the
  output jax's ``getBBox``. A documented "convert and measure" call upstream
  (MathJax 4's ``MathJax.startup.output`` metrics) would retire the second half.
- ``cache transactions``: jupyter-cache's database, through SQLAlchemy's
  documented event hooks (its recipe "Enabling non-legacy SQLite transactional
  modes"): every transaction on a build's cache starts with ``BEGIN IMMEDIATE``.
  jupyter-cache 1.0.1 runs the two SELECTs of ``records_to_delete`` in pysqlite's
  legacy mode, which gives them no common snapshot: a record another process
  inserted between the two was deleted as "beyond the cache limit" (a parallel
  build crashed with ``KeyError: Notebook file does not exist for cache record``,
  or silently lost a page's outputs). ``tests/test_cache_concurrency.py`` holds
  the reproduction, ready to send upstream.
- ``cache records``: jupyter-cache's ``NbCacheRecord.remove_records`` (to drop a
  record whose notebook file is gone: ``remove_cache`` raises exactly then),
  ``cache.db.dispose()`` and ``PRAGMA journal_mode=WAL``; and how ``create_db``
  makes the database (its tables, then ``__version__.txt``): a build stopped
  between the two left a database without tables, and every later build failed
  with "Unexpected error accessing jupyter cache" until it was deleted by hand.
- ``notebook of a page``: myst-nb's ``create_nb_reader`` with the configuration
  it keeps on the environment, to hash a page the way myst-nb will.
- ``myst-nb stylesheet``: myst-nb's ``add_global_html_resources`` handler, called
  before pages are written rather than at ``build-finished``.
- ``forked kernel``: the attributes jupyter_client's ``LocalProvisioner`` keeps
  about its kernel process, set for a process the fork server started.
- ``page labels``: Sphinx's standard domain ``labels``/``anonlabels``, written
  as ``sphinx.ext.autosectionlabel`` does.
- ``environment pickle``: the file in which Sphinx keeps what it read of every
  page, deleted after a build that did not publish (so that a failure sticks).
- ``glue pastes``: the class myst-nb gives the text a ``{glue:text}`` role
  pastes (``pasted-text``), by which the typed-number check
  (``glossary_site/numbers.py``) tells a number the code computed from one typed
  by hand. myst-nb marks pasted values in no documented way; a documented
  marker (or a node type of its own) upstream would retire this entry.
- ``glue text``: myst-nb's ``format_plain_text``, which formats a glued value
  for ``{glue:text}`key:spec```; a page's download writes the same text into
  its Markdown (``glossary_site/downloads.py``). Public in myst-nb's docs as
  behaviour, not as a function: a documented formatter would retire this entry.
- ``executed notebooks``: the folder in which myst-nb keeps every page's
  executed notebook (``jupyter_execute`` beside the site, recorded in
  ``env.mystnb_config.output_folder``), read for the downloads.
- ``search index entries``: what Sphinx's search index keeps of the index
  entries of pages a build does not write. ``IndexBuilder`` collects a page's
  entries as it writes the page, into the environment, after the environment
  was saved; ``IndexBuilder.load`` (the last build's ``searchindex.js``)
  restores titles and words but not entries. So a build that writes no page
  (the engine's no-change build) dumped a search index without any entry, and
  a search for 暂退法 lost its index-entry match. Before the index is dumped,
  the entries of every page not written are filled in from the index domain's
  (documented) ``entries``, as ``IndexBuilder.feed`` would have. Restoring
  ``indexentries`` in ``IndexBuilder.load`` upstream would retire this entry.
- ``theme fragments``: the values of the template context that furo's
  templates write as HTML, unescaped: the sidebar's navigation tree (furo's own
  ``furo_navigation_tree``), the page's table of contents (``toc``), the titles
  of the previous and next pages, and the site's name (``docstitle``), which
  furo writes into ``<title>`` only through ``|striptags`` (but for its search
  page, which ``docs/_templates/search.html`` overrides). ``glossary_site.zh_lang``
  marks their Chinese as Chinese, ``glossary_site.accessibility`` gives the
  sidebar's captions a heading level. A theme hook to filter the HTML of the
  whole page, or documented names for these, would retire this entry.
- ``search page``: what ``docs/_static/search-miss.js`` reads of the page
  Sphinx's ``searchtools.js`` builds in furo's ``#search-results``: a status
  paragraph ``p.search-summary``, written only when the search has finished,
  and the list of results ``ul.search``. A search that finds nothing then
  shows the glossary's message instead of Sphinx's, which blames spelling and
  has no link. The message is a template (``docs/_templates/search.html``); an
  event or hook for "search finished" upstream would retire this entry. (The
  scorer, ``glossary_site/search_scorer.js``, uses only ``html_search_scorer``,
  Sphinx's documented hook, and is not an entry here.)
- ``theme words``: furo's ``page.html`` as the template loader reads it. Its
  sidebar and theme toggles' ``aria-label`` and its footer's "@pradyunsg's"
  are written as plain English, not through gettext as its other words are:
  the loader (Sphinx's own, through the documented ``template_bridge``)
  wraps exactly these in ``_()`` / ``{% trans %}``, so the Chinese edition
  reads them in Chinese (``locales/zh_CN/LC_MESSAGES/sphinx.po``). Furo
  marking them for translation would retire this entry.
"""

from __future__ import annotations

import importlib.metadata
import inspect
import os
import re
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sphinx.errors import ExtensionError

# The versions each entry was written for and checked against (requirements.lock).
WRITTEN_FOR = {
    "sphinx": "9.0.4",
    "myst-nb": "1.4.0",
    "jupyter-cache": "1.0.1",
    "jupyter_client": "8.10.0",
    "sqlalchemy": "2.1.9",
    "furo": "2025.12.19",
    "sphinx-mathjax-offline": "0.0.2",  # MathJax 3.2.2
}


class UpstreamChanged(ExtensionError):
    """A dependency no longer looks the way one of this module's entries expects."""


def _require(ok: bool, package: str, entry: str, what: str) -> None:
    if not ok:
        installed = importlib.metadata.version(package)
        raise UpstreamChanged(
            f"{package} {installed} is installed, and {what}: the {entry!r} entry of "
            f"glossary_site/upstream.py was written for {package} {WRITTEN_FOR[package]}; "
            "check whether upstream fixed what it works around, then update or drop it"
        )


def _calls(function: Callable, name: str) -> bool:
    """Whether ``function``'s own code looks up the global or attribute ``name``."""
    return name in function.__code__.co_names


# --- streams: myst-nb's stream merge ----------------------------------------------

def _check_streams() -> None:
    import myst_nb.core.render as render
    import myst_nb.core.utils as utils

    _require(
        render.coalesce_streams in (utils.coalesce_streams, _installed.get("streams"))
        and _calls(render.MditRenderMixin._get_nb_code_cell_outputs, "coalesce_streams"),
        "myst-nb", "streams",
        "myst_nb.core.render no longer calls the coalesce_streams it imports from core.utils",
    )


def replace_stream_merge(merge: Callable) -> None:
    """Have myst-nb's renderer merge stream outputs with ``merge``."""
    import myst_nb.core.render

    _check_streams()
    myst_nb.core.render.coalesce_streams = merge
    _installed["streams"] = merge


# --- chunks: how Sphinx splits pages between parallel processes ------------------

def _check_chunks() -> None:
    import sphinx.builders
    import sphinx.util.parallel

    _require(
        sphinx.builders.make_chunks in (sphinx.util.parallel.make_chunks, _installed.get("chunks"))
        and _calls(sphinx.builders.Builder._read_parallel, "make_chunks"),
        "sphinx", "chunks",
        "sphinx.builders.Builder._read_parallel no longer calls sphinx.builders.make_chunks",
    )


def replace_chunking(make_chunks: Callable) -> None:
    """Have Sphinx's builders split pages with ``make_chunks``.

    (Sphinx's own stays where it is defined, ``sphinx.util.parallel.make_chunks``.)
    """
    import sphinx.builders

    _check_chunks()
    sphinx.builders.make_chunks = make_chunks
    _installed["chunks"] = make_chunks


# --- cache transactions: jupyter-cache's database, through SQLAlchemy events ------

_SERIALISED: set[str] = set()  # real paths of the cache databases concerned


def _check_cache_transactions() -> None:
    import tempfile

    from jupyter_cache import get_cache
    from jupyter_cache.cache import db

    _require(
        _calls(db.create_db, "create_engine") and db.DB_NAME == "global.db",
        "jupyter-cache", "cache transactions",
        "jupyter_cache.cache.db.create_db no longer makes an SQLAlchemy engine on global.db",
    )
    # The hooks themselves, tried on a throw-away cache: SQLAlchemy must still
    # call them with the database's file name, and begin a transaction through them.
    _listen()
    with tempfile.TemporaryDirectory(prefix="glossary-check-") as folder:
        database = os.path.realpath(Path(folder) / db.DB_NAME)
        _SERIALISED.add(database)
        cache = get_cache(folder)
        try:
            works = cache_transactions_serialised(cache)
        finally:
            close_cache(cache)
            _SERIALISED.discard(database)
    _require(works, "sqlalchemy", "cache transactions",
             "a session on jupyter-cache's database no longer holds SQLite's write lock "
             "from its first statement (the do_connect and begin hooks did not take effect)")


def _is_serialised(database: str | None) -> bool:
    return bool(database) and os.path.realpath(database) in _SERIALISED


def _on_connect(dialect, connection_record, cargs, cparams) -> None:
    """SQLAlchemy ``do_connect``: take pysqlite's own BEGIN handling off our cache's connections."""
    if dialect.name == "sqlite" and cargs and _is_serialised(str(cargs[0])):
        cparams["isolation_level"] = None  # pysqlite emits no BEGIN of its own
        cparams["timeout"] = 60.0  # wait up to a minute for another reader's transaction


def _on_begin(connection) -> None:
    """SQLAlchemy ``begin``: one snapshot and one writer per transaction."""
    if connection.dialect.name == "sqlite" and _is_serialised(connection.engine.url.database):
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _listen() -> None:
    """Register the hooks on SQLAlchemy's ``Engine`` class, once per process."""
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    if not event.contains(Engine, "do_connect", _on_connect):
        event.listen(Engine, "do_connect", _on_connect)
        event.listen(Engine, "begin", _on_begin)


def serialise_cache_transactions(cache_path: str | os.PathLike) -> None:
    """Make every transaction on the jupyter-cache at ``cache_path`` atomic and exclusive.

    The hooks act only on the databases named here. Processes forked
    afterwards (Sphinx's parallel readers) inherit them.
    """
    from jupyter_cache.cache.db import DB_NAME

    _listen()
    _SERIALISED.add(os.path.realpath(Path(cache_path) / DB_NAME))


def cache_transactions_serialised(cache: Any) -> bool:
    """Whether a session on the cache's database holds SQLite's write lock from its first statement.

    Tried, not inferred: inside a session that has only read, a second
    connection asks for the write lock without waiting. In pysqlite's legacy
    mode it gets it (the session has no transaction yet); serialised, it does not.
    """
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    with Session(cache.db) as session:
        session.execute(text("SELECT 1"))
        probe = sqlite3.connect(cache.db.url.database, timeout=0, isolation_level=None)
        try:
            probe.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError:  # "database is locked"
            return True
        finally:
            probe.close()
    return False


# --- cache records: jupyter-cache's database and records --------------------------

def _check_cache_records() -> None:
    from jupyter_cache.cache import db
    from jupyter_cache.cache.db import NbCacheRecord
    from jupyter_cache.cache.main import JupyterCacheBase

    creation = inspect.getsource(db.create_db)
    _require(
        callable(getattr(NbCacheRecord, "remove_records", None))
        and list(inspect.signature(NbCacheRecord.remove_records).parameters) == ["pks", "db"]
        and isinstance(inspect.getattr_static(JupyterCacheBase, "db"), property)
        and db.DB_NAME == CACHE_DB
        and 0 <= creation.find("create_all") < creation.find(CACHE_VERSION_FILE),
        "jupyter-cache", "cache records",
        "NbCacheRecord.remove_records(pks, db), the cache's db property, or how create_db "
        f"makes {CACHE_DB} (its tables, then {CACHE_VERSION_FILE}) changed",
    )


CACHE_DB = "global.db"  # jupyter-cache's database in its folder
CACHE_VERSION_FILE = "__version__.txt"  # written by create_db once the tables exist


def repair_half_made_cache(folder: Path) -> bool:
    """A cache whose database a stopped build left without its tables: removed (it held
    nothing: the tables come first). Whether it was."""
    database = Path(folder) / CACHE_DB
    if not database.exists() or (Path(folder) / CACHE_VERSION_FILE).exists():
        return False
    for path in Path(folder).glob(f"{CACHE_DB}*"):  # with SQLite's -wal and -shm files
        path.unlink()
    return True


def remove_cache_record(cache: Any, pk: int) -> None:
    """Drop a record, even one whose notebook file is gone (``remove_cache`` raises then)."""
    from jupyter_cache.cache.db import NbCacheRecord

    NbCacheRecord.remove_records([pk], cache.db)


def close_cache(cache: Any) -> None:
    """Close every database connection the cache's SQLAlchemy engine keeps in its pool."""
    cache.db.dispose()


def use_write_ahead_log(cache: Any) -> None:
    """SQLite's write-ahead log: readers never wait for a writer.

    On the DBAPI connection, outside any transaction: SQLite cannot change the
    journal mode inside one, and SQLAlchemy would begin one.
    """
    raw = cache.db.raw_connection()
    try:
        raw.driver_connection.execute("PRAGMA journal_mode=WAL")
    finally:
        raw.close()


# --- notebook of a page: the notebook myst-nb hashes ------------------------------

def _check_notebook_reader() -> None:
    from myst_nb.core.read import create_nb_reader

    _require(
        list(inspect.signature(create_nb_reader).parameters)
        == ["path", "md_config", "nb_config", "content"],
        "myst-nb", "notebook of a page",
        "myst_nb.core.read.create_nb_reader(path, md_config, nb_config, content) changed",
    )


def check_notebook_config(env: Any) -> None:
    """After myst-nb's ``builder-inited``: the configuration it keeps on the environment."""
    _require(
        hasattr(env, "myst_config") and hasattr(env, "mystnb_config"),
        "myst-nb", "notebook of a page",
        "myst-nb no longer keeps myst_config and mystnb_config on the Sphinx environment",
    )


def notebook_of_page(env: Any, path: Path):
    """The notebook myst-nb makes of a page (before execution), as jupyter-cache will hash it."""
    from myst_nb.core.read import create_nb_reader

    text = path.read_text(encoding="utf-8")
    reader = create_nb_reader(str(path), env.myst_config, env.mystnb_config, text)
    return reader.read(text)


# --- myst-nb stylesheet ------------------------------------------------------------

def _check_mystnb_css() -> None:
    from myst_nb import sphinx_ext

    handler = getattr(sphinx_ext, "add_global_html_resources", None)
    _require(
        handler is not None and list(inspect.signature(handler).parameters) == ["app", "exception"],
        "myst-nb", "myst-nb stylesheet",
        "myst_nb.sphinx_ext.add_global_html_resources(app, exception) is gone or changed",
    )


def copy_mystnb_stylesheet(app: Any) -> None:
    """Copy myst-nb's stylesheet into the output now (myst-nb does it at build-finished)."""
    from myst_nb.sphinx_ext import add_global_html_resources

    (Path(app.builder.outdir) / "_static").mkdir(parents=True, exist_ok=True)
    add_global_html_resources(app, None)


# --- forked kernel: what LocalProvisioner knows of its kernel process -------------

_PROCESS_ATTRIBUTES = ("process", "pid", "pgid", "cwd")


# What LocalProvisioner uses of its process (a subprocess.Popen): the kernel
# object that stands in for one must offer all of it (win32_interrupt_event
# only on Windows, where there is no fork and so no forked kernel).
PROCESS_METHODS = frozenset({"poll", "wait", "send_signal", "kill", "terminate",
                             "pid", "returncode", "stdin", "stdout", "stderr",
                             "win32_interrupt_event"})


def _check_provisioner() -> None:
    import re

    from jupyter_client.provisioning import LocalProvisioner

    code = LocalProvisioner.launch_kernel.__code__
    used = set(re.findall(r"self\.process\.(\w+)", inspect.getsource(LocalProvisioner)))
    _require(
        all(hasattr(LocalProvisioner, a) for a in _PROCESS_ATTRIBUTES)
        and all(a in code.co_names for a in _PROCESS_ATTRIBUTES)
        and used <= PROCESS_METHODS,
        "jupyter_client", "forked kernel",
        "LocalProvisioner no longer records process, pid, pgid and cwd in launch_kernel, or "
        f"uses more of its process than {sorted(PROCESS_METHODS)}",
    )


def adopt_kernel_process(provisioner: Any, process: Any, pid: int, cwd: str) -> None:
    """Record a kernel process the way ``LocalProvisioner.launch_kernel`` does."""
    provisioner.process = process
    provisioner.pid = provisioner.pgid = pid  # the kernel called setsid(): its own group
    provisioner.cwd = cwd


# --- environment pickle: where Sphinx keeps what it read ------------------------------

def _check_environment_pickle() -> None:
    import sphinx.application

    _require(
        isinstance(getattr(sphinx.application, "ENV_PICKLE_FILENAME", None), str)
        and _calls(sphinx.application.Sphinx._init_env, "ENV_PICKLE_FILENAME"),
        "sphinx", "environment pickle",
        "Sphinx no longer loads its environment from doctreedir / ENV_PICKLE_FILENAME",
    )


def environment_pickle(doctrees: Path) -> Path:
    """The file from which the next build loads what this one read of every page."""
    from sphinx.application import ENV_PICKLE_FILENAME

    return doctrees / ENV_PICKLE_FILENAME


# --- page labels: Sphinx's standard domain ------------------------------------------

def _check_labels() -> None:
    from sphinx.domains.std import StandardDomain

    _require(
        all(isinstance(inspect.getattr_static(StandardDomain, a), property)
            for a in ("labels", "anonlabels")),
        "sphinx", "page labels",
        "StandardDomain.labels and .anonlabels are no longer properties over the domain data",
    )


def set_page_label(env: Any, label: str, docname: str, node_id: str, title: str) -> str | None:
    """Point ``{ref}`label``` at a page's title; returns the page that had the label before."""
    domain = env.domains.standard_domain
    previous = domain.labels.get(label)
    domain.anonlabels[label] = docname, node_id
    domain.labels[label] = docname, node_id, title
    return previous[0] if previous and previous[0] != docname else None


# --- glue pastes: how myst-nb marks a value pasted by {glue:text} --------------------

GLUE_PASTE_CLASS = "pasted-text"


def _check_glue_pastes() -> None:
    from myst_nb.ext.glue import crossref, roles

    marker = f'classes=["{GLUE_PASTE_CLASS}"]'
    _require(
        marker in inspect.getsource(roles.PasteTextRole.run)
        and marker in inspect.getsource(crossref),
        "myst-nb", "glue pastes",
        f"its {{glue:text}} role no longer marks pasted text with the class {GLUE_PASTE_CLASS!r}",
    )


def glue_paste_class() -> str:
    """The class of the inline node in which myst-nb pastes a glued value."""
    return GLUE_PASTE_CLASS


# --- glue in translations: {glue:text} in a translated message --------------------

TRANSLATED_SUFFIX = ":<translated>"  # Sphinx's source name of a translated message's document
_page_renderers: dict[str, Any] = {}  # docname -> the notebook renderer of the page being read


def _check_glue_in_translations() -> None:
    import sphinx.transforms.i18n as i18n
    from myst_nb.ext.glue import roles, utils

    original = _installed.get("glue in translations original", utils.retrieve_glue_data)
    _require(
        roles.retrieve_glue_data in (utils.retrieve_glue_data, _installed.get("glue in translations"))
        and list(inspect.signature(original).parameters) == ["document", "key"]
        and _calls(roles.PasteTextRole.run, "retrieve_glue_data")
        and "nb_renderer" in inspect.getsource(original)
        and "RetrievalError" in inspect.getsource(original),
        "myst-nb", "glue in translations",
        "its glue roles no longer call retrieve_glue_data(document, key) from their module, "
        "reading the document's nb_renderer",
    )
    _require(
        TRANSLATED_SUFFIX in inspect.getsource(i18n._publish_msgstr)
        and i18n.Locale.default_priority == 20,
        "sphinx", "glue in translations",
        f"sphinx.transforms.i18n no longer names a translated message's document "
        f"'...{TRANSLATED_SUFFIX}', or its Locale transform moved from priority 20",
    )


def forget_page_renderer(docname: str) -> None:
    _page_renderers.pop(docname, None)


def read_glue_in_translations() -> None:
    """Have myst-nb's glue roles find a translated message's values in its page's notebook.

    In the Chinese edition a value glued with a Chinese twin (``glue`` of a
    ``Phrase`` or a ``Spread``, under ``CHINESE_KEY``) pastes the twin.
    """
    from myst_nb.core.variables import RetrievalError
    from myst_nb.ext.glue import roles, utils

    from glossary_examples._lib.report import CHINESE_KEY

    _check_glue_in_translations()
    if "glue in translations" in _installed:
        return
    original = utils.retrieve_glue_data

    def retrieve_glue_data(document, key):
        env = getattr(document.settings, "env", None)
        if env is None:
            return original(document, key)
        if str(document.get("source", "")).endswith(TRANSLATED_SUFFIX):
            # (Such a document may have a renderer of its own, for the message parsed
            # as a notebook without outputs: the page's holds the values.)
            renderer = _page_renderers.get(env.docname)
            if renderer is not None:
                own = document.attributes.get("nb_renderer")
                document["nb_renderer"] = renderer
                try:
                    if env.config.language == "zh_CN":
                        # Words the code chose ("do not overlap") have a Chinese twin.
                        try:
                            return original(document, CHINESE_KEY.format(name=key))
                        except RetrievalError:
                            pass
                    return original(document, key)
                finally:  # the document is pickled with the page's nodes: no renderer in it
                    if own is None:
                        document.attributes.pop("nb_renderer", None)
                    else:
                        document["nb_renderer"] = own
        elif "nb_renderer" in document:
            # The page itself, while myst-nb parses it (it removes the renderer from the
            # document at the end): the same roles in English came first.
            _page_renderers[env.docname] = document["nb_renderer"]
        return original(document, key)

    roles.retrieve_glue_data = retrieve_glue_data
    _installed["glue in translations"] = retrieve_glue_data
    _installed["glue in translations original"] = original


def _check_glue_text() -> None:
    from myst_nb.core import variables

    _require(
        callable(getattr(variables, "format_plain_text", None))
        and list(inspect.signature(variables.format_plain_text).parameters) == ["text", "fmt_spec"],
        "myst-nb", "glue text",
        "myst_nb.core.variables.format_plain_text(text, fmt_spec) is gone or changed",
    )


def glue_text(text: str, spec: str) -> str:
    """The text ``{glue:text}`key:spec``` pastes for a value whose text/plain is ``text``."""
    from myst_nb.core.variables import format_plain_text

    return format_plain_text(text, spec or "s")


def _check_executed_notebooks() -> None:
    import dataclasses

    from myst_nb import sphinx_ext
    from myst_nb.core.config import NbParserConfig

    _require(
        "output_folder" in {f.name for f in dataclasses.fields(NbParserConfig)}
        and getattr(sphinx_ext, "OUTPUT_FOLDER", None) == "jupyter_execute",
        "myst-nb", "executed notebooks",
        "myst-nb no longer keeps executed notebooks in its output_folder (jupyter_execute)",
    )


def executed_notebooks(app) -> Path:
    """The folder of the executed notebooks, ``<docname>.ipynb`` each."""
    return Path(app.env.mystnb_config.output_folder)
# --- zh search stemmer: the JavaScript class Sphinx names for Chinese search ----------

def _check_zh_stemmer() -> None:
    from sphinx.search import IndexBuilder
    from sphinx.search.zh import SearchChinese

    _require(
        SearchChinese.js_stemmer_rawcode == "english-stemmer.js"
        and "{self.lang.language_name}Stemmer" in inspect.getsource(IndexBuilder.get_js_stemmer_code),
        "sphinx", "zh search stemmer",
        "sphinx.search.IndexBuilder no longer names the stemmer's JavaScript class after the"
        " search language's language_name (sphinx-doc/sphinx#14229 fixed?)",
    )


def chinese_search_language() -> type:
    """Sphinx's zh search language, naming the JavaScript stemmer class it ships."""
    from sphinx.search.zh import SearchChinese

    _check_zh_stemmer()

    class ChineseWithEnglishStemmer(SearchChinese):
        # Latin words are stemmed by english-stemmer.js, whose class is EnglishStemmer.
        language_name = "English"

    return ChineseWithEnglishStemmer


# --- search index entries: the entries of pages a build did not write -------------------

def _check_search_index_entries() -> None:
    from sphinx.search import IndexBuilder

    feed = inspect.getsource(IndexBuilder.feed)
    _require(
        "env._search_index_index_entries" in inspect.getsource(IndexBuilder.__init__)
        and "self._index_entries[docname] = sorted(_index_entries)" in feed
        and "split_index_msg(entry_type, value)" in feed
        and "_index_entries" not in inspect.getsource(IndexBuilder.load),
        "sphinx", "search index entries",
        "sphinx.search.IndexBuilder no longer keeps a page's index entries in"
        " env._search_index_index_entries when it writes the page, or its load() now"
        " restores them",
    )


def restore_search_index_entries(env: Any) -> None:
    """Put the index entries of the pages not written in this build back in the search index."""
    from sphinx.util.index_entries import split_index_msg

    kept = env._search_index_index_entries  # the IndexBuilder's own dict of them
    for docname, entries in env.domains.index_domain.entries.items():
        if docname in kept or docname not in env.all_docs:
            continue
        rows: set[tuple[str, str, str]] = set()
        for entry_type, value, target_id, main, _category in entries:  # as IndexBuilder.feed
            try:
                words = split_index_msg(entry_type, value)
            except ValueError:
                continue
            if entry_type in {"see", "seealso"}:
                rows.add((words[0], target_id or "", main))
            rows |= {(word, target_id or "", main) for word in words}
        kept[docname] = sorted(rows)


# --- theme fragments: the template context's HTML that furo writes as it is -----------

# Context value → how furo's templates write it (each must still be written so).
THEME_FRAGMENTS = {
    "furo_navigation_tree": ("sidebar/navigation.html", "{{ furo_navigation_tree }}"),
    "toc": ("page.html", "{{ toc }}"),
    "next": ("page.html", "{{ next.title }}"),
    "prev": ("page.html", "{{ prev.title }}"),
    "docstitle": ("sidebar/brand.html", "{{ docstitle if docstitle else project }}"),
}
# Every use of docstitle in furo's templates, as it is written: HTML in the page,
# stripped of its tags in <title>, and raw in search.html's <title> (overridden).
_DOCSTITLE_USES = {
    "{{ docstitle if docstitle else project }}", "{% if not docstitle %}",
    "{{ docstitle|striptags|e }}</title>", "{{ docstitle }}</title>",
}


def _check_theme_fragments() -> None:
    import furo

    theme = Path(furo.__file__).parent / "theme" / "furo"
    templates = {p.relative_to(theme).as_posix(): p.read_text(encoding="utf-8")
                 for p in theme.rglob("*.html")}
    uses = {m.group() for text in templates.values() for m in re.finditer(
        r"\{[{%][^}]*\bdocstitle\b[^}]*[}%]\}(?:</title>)?", text)}
    _require(
        all(written in templates.get(name, "") for name, written in THEME_FRAGMENTS.values())
        and uses <= _DOCSTITLE_USES
        and "{{ docstitle }}</title>" in templates.get("search.html", ""),
        "furo", "theme fragments",
        "furo's templates no longer write furo_navigation_tree, toc, next.title, prev.title"
        " and docstitle as they did (or use docstitle elsewhere)",
    )


def theme_fragments() -> tuple[str, ...]:
    """The names of the context values furo's templates write as HTML."""
    return tuple(THEME_FRAGMENTS)


# --- theme words: furo's words that its templates write without gettext ---------------

# In furo's page.html, as written there -> the same through the theme's gettext (the
# "sphinx" catalog, where its other words are: locales/zh_CN/LC_MESSAGES/sphinx.po).
THEME_WORDS = {
    f'aria-label="{label}"': f'aria-label="{{{{ _({label!r}) }}}}"'
    for label in ("Toggle site navigation sidebar", "Toggle table of contents sidebar",
                  "Toggle Light / Dark / Auto color theme")
} | {
    # The footer's credit: furo translates "Made with", "Sphinx and" and "Furo", not this.
    """<a class="muted-link" href="https://pradyunsg.me">@pradyunsg</a>'s""":
    """{% trans %}<a class="muted-link" href="https://pradyunsg.me">@pradyunsg</a>'s{% endtrans %}""",
}


def _furo_page() -> Path:
    import furo

    return Path(furo.__file__).parent / "theme" / "furo" / "page.html"


def _check_theme_words() -> None:
    text = _furo_page().read_text(encoding="utf-8")
    _require(
        all(written in text for written in THEME_WORDS),
        "furo", "theme words",
        "furo's page.html no longer writes its sidebar and theme toggles' aria-labels and"
        " its footer's credit as it did",
    )


def theme_templates():
    """Sphinx's template loader (the ``template_bridge`` conf.py names), with furo's
    fixed words in its page.html through gettext, so an edition translates them."""
    from sphinx.jinja2glue import BuiltinTemplateLoader

    page = _furo_page().resolve()

    class ThemeTemplates(BuiltinTemplateLoader):
        def get_source(self, environment, template):
            source, filename, uptodate = super().get_source(environment, template)
            if filename and Path(filename).resolve() == page:
                for written, translatable in THEME_WORDS.items():
                    source = source.replace(written, translatable)
            return source, filename, uptodate

    return ThemeTemplates()


# --- toctree caption level: the heading level of Sphinx's toctree captions ------------

# An element with role="heading" and no aria-level: its start tag, up to the ">".
_LEVELLESS_HEADING = re.compile(r"<(p|span|div)(?=[^>]*\srole=\"heading\")(?![^>]*\saria-level=)")


def _check_toctree_caption() -> None:
    from sphinx.writers.html5 import HTML5Translator

    code = inspect.getsource(HTML5Translator.visit_title)
    _require(
        "CLASS='caption', ROLE='heading'" in code and "aria" not in code.lower(),
        "sphinx", "toctree caption level",
        "sphinx.writers.html5.HTML5Translator.visit_title no longer writes toctree captions"
        " as role=\"heading\" without aria-level (sphinx-doc/sphinx#14030 fixed?)",
    )


def toctree_caption_levels(html: str, level: int = 2) -> str:
    """``html`` with ``aria-level`` on every ``role="heading"`` that lacks one.

    >>> toctree_caption_levels('<p class="caption" role="heading"><span>Basics</span></p>')
    '<p aria-level="2" class="caption" role="heading"><span>Basics</span></p>'
    """
    return _LEVELLESS_HEADING.sub(lambda m: f'<{m.group(1)} aria-level="{level}"', html)


# --- search page: the page Sphinx's searchtools.js builds ------------------------------

# What search-miss.js relies on, as written in Sphinx's searchtools.js.
SEARCH_PAGE = (
    'document.getElementById("search-results")',
    'searchSummary.classList.add("search-summary")',
    'searchList.classList.add("search")',
)


def _check_search_page() -> None:
    import furo
    import sphinx

    tools = (Path(sphinx.__file__).parent / "themes" / "basic" / "static" / "searchtools.js")
    code = tools.read_text(encoding="utf-8")
    finish = code[code.find("const _finishSearch"):code.find("const _displayNextItem")]
    _require(
        all(part in code for part in SEARCH_PAGE)
        # the status is written in _finishSearch, and nowhere else
        and code.count("Search.status.innerText =") == finish.count("Search.status.innerText =") > 0,
        "sphinx", "search page",
        "searchtools.js no longer builds p.search-summary and ul.search in #search-results,"
        " with the status written only when the search has finished",
    )
    page = Path(furo.__file__).parent / "theme" / "furo" / "search.html"
    _require(
        '<div id="search-results"></div>' in page.read_text(encoding="utf-8"),
        "furo", "search page", "furo's search.html no longer has <div id=\"search-results\">",
    )



# --- mathjax at build: MathJax's es5 components in V8 ---------------------------------

MATHJAX_WRITTEN_FOR = "3.2.2"
# In MathJax 3.2.2's es5 output/chtml.js, as minified there: what MATHJAX_DRIVER calls.
MATHJAX_REACHED = ("prototype.clearCache=function(){this.cssStyles.clear()",
                   "prototype.getBBox=function(")

# Each function returns a JSON string: V8 objects handed to Python must not
# outlive their context (mini-racer hangs at exit otherwise).
MATHJAX_DRIVER = """
var GLOSSARY = (function () {
  var startup = MathJax.startup, adaptor = startup.adaptor;
  function sheet() { return adaptor.textContent(MathJax.chtmlStylesheet()); }
  function render(tex, display) {
    try {
      // Fresh CSS state: the stylesheet then holds exactly what this formula needs.
      startup.output.clearCache();
      // What MathDocument.convert does (MathJax.tex2chtml), keeping the item to measure it.
      var doc = startup.document;
      var item = new doc.options.MathItem(tex, doc.inputJax[0], display);
      item.setMetrics(16, 8, 1000000, 1000000, 1);
      item.convert(doc);
      var box = startup.output.getBBox(item, doc);
      return JSON.stringify({html: adaptor.outerHTML(item.typesetRoot), css: sheet(),
                             width: box.w * box.rscale});
    } catch (error) {
      return JSON.stringify({error: String(error.message || error)});
    }
  }
  function base() { startup.output.clearCache(); return JSON.stringify({css: sheet()}); }
  return {render: render, base: base};
})();
"""


def mathjax_version(tree: Path) -> str:
    """The version MathJax's core component declares (``core.js``: ``VERSION="3.2.2"``)."""
    import re

    try:
        found = re.search(r'VERSION="([0-9.]+)"', (tree / "core.js").read_text(encoding="utf-8"))
    except OSError:
        return "missing"
    return found.group(1) if found else "unknown"


def _check_mathjax_at_build() -> None:
    from . import mathjax_engine

    tree = mathjax_engine.MATHJAX_DIR
    chtml = tree / "output" / "chtml.js"
    _require(
        mathjax_version(tree) == MATHJAX_WRITTEN_FOR
        and all((tree / f"{c}.js").is_file() for c in ("startup", *mathjax_engine.COMPONENTS))
        and mathjax_engine.FONTS_DIR.is_dir()
        and all(part in chtml.read_text(encoding="utf-8") for part in MATHJAX_REACHED),
        "sphinx-mathjax-offline", "mathjax at build",
        f"its MathJax is {mathjax_version(tree)}, not {MATHJAX_WRITTEN_FOR} with the es5"
        " components, web fonts and output-jax methods that mathjax_engine.py uses",
    )

# --------------------------------------------------------------------------------------

_installed: dict[str, Callable] = {}

CHECKS = {
    "streams": _check_streams,
    "chunks": _check_chunks,
    "cache transactions": _check_cache_transactions,
    "cache records": _check_cache_records,
    "notebook of a page": _check_notebook_reader,
    "myst-nb stylesheet": _check_mystnb_css,
    "forked kernel": _check_provisioner,
    "page labels": _check_labels,
    "environment pickle": _check_environment_pickle,
    "glue pastes": _check_glue_pastes,
    "glue text": _check_glue_text,
    "executed notebooks": _check_executed_notebooks,
    "zh search stemmer": _check_zh_stemmer,
    "search index entries": _check_search_index_entries,
    "search page": _check_search_page,
    "toctree caption level": _check_toctree_caption,
    "theme fragments": _check_theme_fragments,
    "mathjax at build": _check_mathjax_at_build,
    "glue in translations": _check_glue_in_translations,
    "theme words": _check_theme_words,
}


# The entries each extension relies on: it checks them when it is set up.
CONTENT_ENTRIES = ("page labels", "glue pastes", "glue text", "executed notebooks",
                   "zh search stemmer", "search index entries", "search page",
                   "toctree caption level", "theme fragments", "mathjax at build",
                   "glue in translations", "theme words")
ENGINE_ENTRIES = tuple(name for name in CHECKS if name not in CONTENT_ENTRIES)


def check_targets(entries: tuple[str, ...] = tuple(CHECKS)) -> None:
    """Run these entries' checks; the first that fails stops the build with its sentence."""
    for name in entries:
        CHECKS[name]()
