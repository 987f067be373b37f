"""Re-execute a page when, and only when, something its code runs has changed.

jupyter-cache keys a page's outputs on the source of its code cells. That
misses what the cells *import* (``from glossary_examples import dropout``
runs ``dropout.py``, which runs ``runtime.py``...), the files a ``{code-cell}``
``:load:``s, and the installed library versions. So this module:

1. computes a page's *fingerprint*: a hash of every ``glossary_examples``
   module its code imports, transitively (found by reading the ``import``
   statements, so no code runs), of its ``:load:`` files, and of
   ``requirements.lock``;
2. tells Sphinx these files are dependencies of the page
   (``env.note_dependency``), so that editing one makes Sphinx re-read the
   page at all;
3. keeps, next to the cache, which fingerprint each cached notebook was
   executed with (``glossary-fingerprints.json``, written before pages are
   read, under the key each page's notebook has in the cache), and before
   pages are read drops the cache record of a page whose fingerprint changed,
   through jupyter-cache's own API. myst-nb then finds no match and executes
   the page.

Prose edits change neither the code cells nor the fingerprint: nothing runs.

It also makes the cache safe to share between ``sphinx-build -j`` processes
and after a killed build: the database is created, and switched to SQLite's
write-ahead log, once in the main process before any parallel reader starts
(two readers creating its tables at once is sphinx-doc/sphinx#12481); every
transaction on it is atomic and exclusive, so that readers caching pages at
the same time never delete each other's records
(:func:`glossary_site.upstream.serialise_cache_transactions`); and a cache
record whose notebook cannot be read back is removed rather than crashing the
next build.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import importlib.util
import json
import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util import logging

from .. import settings, upstream
from ..myst import FrontMatterError, code_cells, front_matter

logger = logging.getLogger(__name__)

PACKAGE = "glossary_examples"  # the default of the config value ``glossary_package``
FINGERPRINTS = "glossary-fingerprints.json"


def package_dir(package: str = PACKAGE) -> Path:
    spec = importlib.util.find_spec(package)
    assert spec and spec.submodule_search_locations, f"{package} is not importable"
    return Path(next(iter(spec.submodule_search_locations)))


def _imports(tree: ast.AST, importer: str | None, package: str = PACKAGE) -> set[str]:
    """Absolute names of the modules of ``package`` a syntax tree imports.

    ``importer`` is the package containing the importing module (to resolve
    relative imports), None for a notebook cell.
    """
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level and importer:
                base = importer.rsplit(".", node.level - 1)[0] if node.level > 1 else importer
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            # `from package import module` imports a module, not a name
            found |= {f"{module}.{a.name}" for a in node.names}
    return {n for n in found if n == package or n.startswith(package + ".")}


def _module_file(name: str, root: Path) -> Path | None:
    parts = name.split(".")[1:]
    if not parts:
        return root / "__init__.py"
    candidate = root.joinpath(*parts).with_suffix(".py")
    if candidate.is_file():
        return candidate
    package = root.joinpath(*parts, "__init__.py")
    return package if package.is_file() else None


def imported_files(code: str, root: Path | None = None, package: str = PACKAGE) -> list[Path]:
    """The files of every package module ``code`` imports, directly or not.

    >>> names = [p.name for p in imported_files("from glossary_examples._lib import claims")]
    >>> names
    ['__init__.py', '__init__.py', 'claims.py', 'report.py', 'zh_figures.py']
    """
    root = root or package_dir(package)
    try:
        todo = _imports(ast.parse(code), None, package)
    except SyntaxError:  # IPython syntax in a cell: fall back to the words themselves
        todo = set(re.findall(rf"\b{package}(?:\.\w+)*", code))
        todo |= {f"{package}.{m}" for m in re.findall(rf"from {package} import (\w+)", code)}
    seen: dict[str, Path] = {}
    while todo:
        name = todo.pop()
        path = _module_file(name, root) if name not in seen else None
        if path is None:
            continue
        seen[name] = path
        if name != package:  # a submodule runs its package's __init__ first
            todo.add(name.rsplit(".", 1)[0])
        importer = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        todo |= _imports(ast.parse(path.read_text(encoding="utf-8")), importer, package)
    return sorted(set(seen.values()))


def page_dependencies(page: Path, lock: Path | None, root: Path | None = None,
                      package: str = PACKAGE) -> list[Path]:
    """Every file whose change must re-execute ``page``.

    ``root`` is the package's folder (default: where it is imported from).
    """
    files: set[Path] = set()
    for cell in code_cells(page.read_text(encoding="utf-8")):
        files |= set(imported_files(cell.source, root, package))
        if isinstance(cell.options.get("load"), str):
            files.add((page.parent / cell.options["load"]).resolve())
    if lock is not None and lock.is_file():
        files.add(lock)
    return sorted(files)


def fingerprint(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        digest.update(path.name.encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"<missing>")
        digest.update(b"\0")
    return digest.hexdigest()


# --- Sphinx side ----------------------------------------------------------

def _notebook_path(app: Sphinx, docname: str) -> Path | None:
    """The page's file if myst-nb executes it (a kernel in its front matter), else None."""
    path = Path(app.env.doc2path(docname))
    if path.suffix != ".md":
        return None
    try:
        return path if "kernelspec" in front_matter(path.read_text(encoding="utf-8")) else None
    except FrontMatterError:
        return None  # reported where the page is read (engine.kernels.choose_kernel)


def _dependencies(app: Sphinx, path: Path) -> list[Path]:
    lock = settings.requirements_lock(Path(app.confdir))
    found = page_dependencies(path, lock, package=app.config.glossary_package)
    # The kernels draw every figure in Chinese too, with this catalog's translations:
    # a new translation re-executes the pages (glossary_examples/_lib/zh_figures.py).
    plots = settings.plots_catalog(Path(app.confdir))
    return sorted({*found, plots}) if plots.is_file() else found


@contextlib.contextmanager
def _open_cache(app: Sphinx) -> Iterator[Any]:
    """The build's jupyter-cache, its database connections closed on leaving.

    The main process must hold no open SQLite connection when Sphinx forks its
    parallel readers (SQLite: never carry a connection across ``fork()``). A
    reader that inherits one closes it when it is garbage-collected, and that
    close drops the POSIX locks of the reader's own connection to the same
    file; two readers then write at once and the database is corrupted
    ("database disk image is malformed", seen in CI). SQLAlchemy keeps closed
    sessions' connections open in its pool until the engine is disposed.
    """
    from jupyter_cache import get_cache

    cache = get_cache(app.config.nb_execution_cache_path)
    try:
        yield cache
    finally:
        upstream.close_cache(cache)


def _fingerprints_file(app: Sphinx) -> Path:
    return Path(app.config.nb_execution_cache_path) / FINGERPRINTS


def _load_fingerprints(app: Sphinx) -> dict[str, list[str | None]]:
    """{notebook hash key: [fingerprint, page]}; an unreadable file: nothing known.

    (Files written before the page was recorded hold the fingerprint alone.)
    """
    try:
        data = json.loads(_fingerprints_file(app).read_text())
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: [v, None] if isinstance(v, str) else v for k, v in data.items()
            if isinstance(v, str) or (isinstance(v, list) and len(v) == 2)}


def _save_fingerprints(app: Sphinx, data: dict[str, list[str | None]]) -> None:
    path = _fingerprints_file(app)
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
        os.replace(tmp, path)  # atomic: a killed build leaves the old file or the new one
    finally:
        tmp.unlink(missing_ok=True)


def prepare_cache(app: Sphinx) -> None:
    """Create the cache once, in WAL mode, and drop records that cannot be read.

    Its transactions are made atomic and exclusive first, in this process, so
    that the parallel readers forked from it inherit that.
    """
    if app.config.nb_execution_mode != "cache":
        return
    upstream.check_notebook_config(app.env)
    Path(app.config.nb_execution_cache_path).mkdir(parents=True, exist_ok=True)
    if upstream.repair_half_made_cache(app.config.nb_execution_cache_path):
        logger.info("removed the execution cache's half-made database (a build was stopped "
                    "while it was being created)")
    upstream.serialise_cache_transactions(app.config.nb_execution_cache_path)
    with _open_cache(app) as cache:
        upstream.use_write_ahead_log(cache)
        for record in cache.list_cache_records():
            try:
                cache.get_cache_bundle(record.pk)
            except Exception as exc:  # noqa: BLE001 - any unreadable record is dropped
                # expected after a killed build: recover, do not fail the build
                logger.info("dropping unreadable cache record %s (%s)", record.pk, exc)
                upstream.remove_cache_record(cache, record.pk)
        # jupyter-cache keeps each notebook in executed/<hashkey>/ and refuses to
        # write into a folder that exists: remove the folders no record owns
        # (left by a build killed between its database write and its file write).
        owned = {r.hashkey for r in cache.list_cache_records()}
        executed = Path(cache.path) / "executed"
    for folder in executed.iterdir() if executed.is_dir() else []:
        if folder.name not in owned:
            shutil.rmtree(folder, ignore_errors=True)


def invalidate_changed(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    """Before reading: drop the cached outputs of pages whose dependencies changed."""
    if app.config.nb_execution_mode != "cache":
        return
    with _open_cache(app) as cache:
        _invalidate(app, env, cache, docnames)


def _invalidate(app: Sphinx, env: BuildEnvironment, cache: Any, docnames: list[str]) -> None:
    """Drop stale records; note which pages will execute; save every page's fingerprint now.

    A page's fingerprint is saved under the key its notebook will have in the
    cache *before* it executes, so that a build interrupted after some pages
    ran leaves each of their records with the fingerprint it ran with: the
    next build executes only the pages that had not finished. A fingerprint
    whose page then fails, or never runs, names no record and is harmless.
    """
    known = _load_fingerprints(app)
    pending: dict[str, list[str | None]] = {}
    env.glossary_will_execute = []
    for docname in docnames:
        path = _notebook_path(app, docname)
        if path is None:
            continue
        current = fingerprint(_dependencies(app, path))
        notebook = upstream.notebook_of_page(app.env, path)
        _, hashkey = cache.create_hashed_notebook(notebook)
        other = (pending.get(hashkey) or known.get(hashkey) or [None, None])[1]
        if other not in (None, docname) and other in env.found_docs:
            # jupyter-cache keys a record on the code alone: two such pages would
            # share one record, and two readers writing it at once can collide.
            logger.warning("%s has the same code cells as %s: they would share one cache "
                           "record; make the code of one of them differ", docname, other,
                           location=docname, type="glossary", subtype="cache")
        pending[hashkey] = [current, docname]
        try:
            record = cache.match_cache_notebook(notebook)
        except KeyError:
            record = None
        if record is not None and known.get(record.hashkey, [None])[0] != current:
            logger.info("%s: dependencies changed, re-executing", docname)
            cache.remove_cache(record.pk)
            record = None
        if record is None:
            env.glossary_will_execute.append(docname)
    live = {r.hashkey for r in cache.list_cache_records()}
    _save_fingerprints(app, {**{k: v for k, v in known.items() if k in live}, **pending})


def note_dependencies(app: Sphinx, doctree) -> None:
    """Sphinx re-reads a page when a file its code runs changes."""
    docname = app.env.current_document.docname
    path = _notebook_path(app, docname)
    if path is None:
        return
    for dep in _dependencies(app, path):
        app.env.note_dependency(str(dep))


def setup(app: Sphinx) -> None:
    # The package whose modules pages import (a test project uses a small one).
    app.add_config_value("glossary_package", PACKAGE, "env", types=[str])
    app.connect("builder-inited", prepare_cache)
    app.connect("env-before-read-docs", invalidate_changed)
    app.connect("doctree-read", note_dependencies)
