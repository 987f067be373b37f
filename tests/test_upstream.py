"""Every patch of a dependency checks its target, and takes effect in a real build.

The real build here is of the fixture project (``tests/fixture.py``: a dozen
small pages, no TensorFlow, seconds). It shows the entries ``streams``,
``chunks``, ``cache transactions``, ``notebook of a page`` and ``myst-nb
stylesheet`` at work, and shows that without the engine extension (the
benchmark's baseline) none of the patches is in place. The other entries are
shown by other tests: ``forked kernel`` (a warm page finds NumPy already
imported, ``test_engine``), ``cache records`` (a record whose notebook is gone
is dropped, ``test_lifecycle``), ``environment pickle`` (a refused page stays
refused, ``test_build_failure``), ``glue pastes`` (a glued number passes the
typed-number check and a typed one does not, ``test_build_failure``),
``page labels`` (related-term links resolve, ``test_site``), ``zh search
stemmer`` (the search page's scripts name the stemmer that exists,
``test_search``), ``search index entries`` (a no-change build's search index
equals a fresh one's, ``test_engine``) and ``search page`` (the message for a
search that finds nothing, ``tools/search_table.py`` and the browser tests).
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from glossary_site import mathjax_engine, upstream

from .conftest import build_env
from .fixture import make_fixture

pytestmark = pytest.mark.engine

STOCK_PAGES = {"index", "claims", "a", "b", "c", "other", "glossary-dropout"}
PAGES = STOCK_PAGES | {"streams", "loaded", "fresh", "fresh-flow", "warm"}  # (engine_pages)


def build_without_engine(dest: Path) -> Path:
    """The fixture built by plain sphinx-build with conf.py minus the engine: stock myst-nb."""
    project = make_fixture(dest)
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-b", "html", "-j", "2", "-q",
         "-D", "extensions=myst_nb,glossary_site", "-c", str(project),
         # Nothing executes (what is looked at is how pages are read), so the
         # claim box has no verdict to check: an error, but not a failed build
         # without -W.
         "-D", "nb_execution_mode=off",
         str(project / "docs"), str(project / "_build" / "html")],
        cwd=project, env=build_env(project), capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return project


def reads(project: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text()) for p in (project / "_build" / "reads").glob("*.json")}


@pytest.fixture(scope="session")  # (not module: pytest -n interleaves modules)
def fixture_site(engine_site) -> Path:
    return engine_site[0]


@pytest.fixture(scope="session")  # (not module: pytest -n interleaves modules)
def stock_site(tmp_path_factory) -> Path:
    return build_without_engine(tmp_path_factory.mktemp("stock") / "p")


def test_chunks_every_page_is_read_in_a_process_of_its_own(fixture_site, stock_site):
    pids = [r["pid"] for r in reads(fixture_site).values()]
    assert len(pids) == len(PAGES) and len(set(pids)) == len(PAGES), "a process per page"
    # Sphinx's own chunks, for contrast: several pages share a process.
    stock = reads(stock_site)
    assert len(stock) == len(STOCK_PAGES) and len({r["pid"] for r in stock.values()}) < len(stock)


def test_the_engine_patches_are_in_place_with_it_and_absent_without_it(fixture_site, stock_site):
    assert {page: r["patched"] for page, r in reads(fixture_site).items()} == dict.fromkeys(
        PAGES, {"streams": True, "chunks": True})
    assert {page: r["patched"] for page, r in reads(stock_site).items()} == dict.fromkeys(
        STOCK_PAGES, {"streams": False, "chunks": False}), "the benchmark's baseline is stock"


def test_cache_transactions_are_serialised_in_every_reader(fixture_site, stock_site):
    assert {page: r["serialised"] for page, r in reads(fixture_site).items()} == dict.fromkeys(
        PAGES, True)
    assert not any(r["serialised"] for r in reads(stock_site).values())


def test_streams_a_print_split_by_a_flush_renders_as_printed(fixture_site):
    from jupyter_cache import get_cache
    from myst_nb.core.utils import coalesce_streams as mystnb_merge

    # The kernel really sent the line in two chunks (jupyter-cache keeps them as sent) ...
    cache = get_cache(fixture_site / "_build" / "jupyter_cache")
    (record,) = [r for r in cache.list_cache_records() if r.uri.endswith("streams.md")]
    outputs = cache.get_cache_bundle(record.pk).nb.cells[0].outputs
    upstream.close_cache(cache)
    assert [o["text"] for o in outputs] == ["first half", ", second half\n"]
    # ... which myst-nb's own merge would render as two lines ...
    assert mystnb_merge([dict(o) for o in outputs])[0]["text"] != "first half, second half\n"
    # ... and the page shows exactly what was printed.
    page = BeautifulSoup((fixture_site / "_build/html/streams.html").read_text(), "html.parser")
    assert [o.get_text() for o in page.select("div.cell_output pre")] == ["first half, second half\n"]


def test_mystnb_stylesheet_is_in_place_before_pages_are_written(fixture_site):
    html = (fixture_site / "_build/html/streams.html").read_text()
    assert re.search(r'_static/mystnb\.[0-9a-f]+\.css\?v=[0-9a-f]+"', html), (
        "a stylesheet present when the page is written gets Sphinx's checksum"
    )


def test_notebook_of_a_page_hashes_as_mystnb_does(fixture_site):
    """deps recorded a fingerprint against the record myst-nb made: same notebook, same hash."""
    from jupyter_cache import get_cache

    cache_dir = fixture_site / "_build" / "jupyter_cache"
    cache = get_cache(cache_dir)
    hashkeys = {r.hashkey for r in cache.list_cache_records()}
    upstream.close_cache(cache)
    fingerprints = json.loads((cache_dir / "glossary-fingerprints.json").read_text())
    assert hashkeys and set(fingerprints) == hashkeys


def _replace(target, name, value):
    return lambda monkeypatch: monkeypatch.setattr(target, name, value)


def _breakers():
    import jupyter_cache.cache.db
    import myst_nb.core.read
    import myst_nb.core.render
    import myst_nb.core.variables
    import myst_nb.sphinx_ext
    import sphinx.application
    import sphinx.builders
    import sphinx.search
    from jupyter_client.provisioning import LocalProvisioner
    from myst_nb.ext.glue import roles
    from sphinx.domains.std import StandardDomain
    from sphinx.writers.html5 import HTML5Translator

    def run(self):  # a paste role that marks its text some other way
        return [], []

    async def launch_kernel(self, cmd, **kwargs):
        return {}

    def visit_title(self, node):  # captions with a level of their own (sphinx-doc/sphinx#14437)
        self.body.append(self.starttag(node, "p", "", CLASS="caption", ROLE="heading", ARIA_LEVEL="2"))

    return {
        "streams": ("myst-nb", _replace(myst_nb.core.render, "coalesce_streams", lambda o: o)),
        "chunks": ("sphinx", _replace(sphinx.builders, "make_chunks", lambda *a: [])),
        "cache transactions": ("jupyter-cache", _replace(jupyter_cache.cache.db, "DB_NAME", "cache.db")),
        "cache records": ("jupyter-cache", _replace(
            jupyter_cache.cache.db.NbCacheRecord, "remove_records", staticmethod(lambda keys, engine: None))),
        "notebook of a page": ("myst-nb", _replace(
            myst_nb.core.read, "create_nb_reader", lambda path, config: None)),
        "myst-nb stylesheet": ("myst-nb", lambda m: m.delattr(myst_nb.sphinx_ext, "add_global_html_resources")),
        "forked kernel": ("jupyter_client", _replace(LocalProvisioner, "launch_kernel", launch_kernel)),
        "page labels": ("sphinx", _replace(StandardDomain, "labels", {})),
        "environment pickle": ("sphinx", lambda m: m.delattr(sphinx.application, "ENV_PICKLE_FILENAME")),
        "glue pastes": ("myst-nb", _replace(roles.PasteTextRole, "run", run)),
        "zh search stemmer": ("sphinx", _replace(
            sphinx.search.IndexBuilder, "get_js_stemmer_code", lambda self: "window.Stemmer = X;")),
        "search index entries": ("sphinx", _replace(
            sphinx.search.IndexBuilder, "load", lambda self, stream, format: self._index_entries)),
        "search page": ("sphinx", _search_summary_renamed),
        "glue text": ("myst-nb", _replace(
            myst_nb.core.variables, "format_plain_text", lambda text: text)),
        "executed notebooks": ("myst-nb", _replace(myst_nb.sphinx_ext, "OUTPUT_FOLDER", "_executed")),
        "toctree caption level": ("sphinx", _replace(HTML5Translator, "visit_title", visit_title)),
        # A sidebar that writes its navigation tree under another name.
        "theme fragments": ("furo", _furo_with(
            "sidebar/navigation.html", "furo_navigation_tree", "furo_sidebar_tree")),
        # A MathJax tree without the components (another MathJax, or none).
        "mathjax at build": ("sphinx-mathjax-offline", _replace(
            mathjax_engine, "MATHJAX_DIR", Path(__file__).parent)),
        # Glue roles that find their values some other way than through the function.
        "glue in translations": ("myst-nb", _replace(
            roles, "retrieve_glue_data", lambda document, key, where=None: None)),
        # A furo that labels its toggles otherwise (translated, say).
        "theme words": ("furo", _furo_with(
            "page.html", 'aria-label="Toggle site navigation sidebar"',
            'aria-label="{{ _(\'Open the navigation\') }}"')),
    }


def _search_summary_renamed(monkeypatch):
    """A Sphinx whose searchtools.js calls its status paragraph something else."""
    import atexit
    import shutil
    import tempfile

    import sphinx

    static = Path("themes", "basic", "static", "searchtools.js")
    code = (Path(sphinx.__file__).parent / static).read_text(encoding="utf-8")
    moved = Path(tempfile.mkdtemp(prefix="glossary-sphinx-"))
    atexit.register(shutil.rmtree, moved, True)
    (moved / static).parent.mkdir(parents=True)
    (moved / static).write_text(code.replace('"search-summary"', '"search-status"'))
    monkeypatch.setattr(sphinx, "__file__", str(moved / "__init__.py"))


def _furo_with(template: str, old: str, new: str):
    """A furo whose ``template`` writes ``new`` where the pinned one writes ``old``."""
    def breaker(monkeypatch):
        import atexit
        import shutil
        import tempfile

        import furo

        theme = Path(furo.__file__).parent / "theme"
        moved = Path(tempfile.mkdtemp(prefix="glossary-furo-"))
        atexit.register(shutil.rmtree, moved, True)
        shutil.copytree(theme, moved / "theme")
        path = moved / "theme" / "furo" / template
        text = path.read_text(encoding="utf-8")
        assert old in text
        path.write_text(text.replace(old, new), encoding="utf-8")
        monkeypatch.setattr(furo, "__file__", str(moved / "__init__.py"))
    return breaker


@pytest.mark.parametrize("entry", list(upstream.CHECKS))
def test_a_moved_target_stops_the_build_with_a_sentence(entry, monkeypatch):
    upstream.CHECKS[entry]()  # as pinned: the target is what the entry expects
    package, breaker = _breakers()[entry]
    breaker(monkeypatch)
    with pytest.raises(upstream.UpstreamChanged) as error:
        upstream.check_targets()
    message = str(error.value)
    assert f"the {entry!r} entry" in message
    assert f"written for {package} {upstream.WRITTEN_FOR[package]}" in message
    assert "\n" not in message


def test_cache_transactions_are_tried_not_assumed(monkeypatch):
    """If SQLAlchemy stopped calling the hooks as expected, the start-up check says so."""
    monkeypatch.setattr(upstream, "_is_serialised", lambda database: False)
    with pytest.raises(upstream.UpstreamChanged) as error:
        upstream.CHECKS["cache transactions"]()
    assert f"written for sqlalchemy {upstream.WRITTEN_FOR['sqlalchemy']}" in str(error.value)


def test_a_cache_database_left_without_its_tables_is_made_again(tmp_path):
    """A build stopped while jupyter-cache was creating its database (the file made, its
    tables not yet) no longer breaks every later build."""
    import sqlite3

    from jupyter_cache import get_cache

    folder = tmp_path / "cache"
    folder.mkdir()
    sqlite3.connect(folder / upstream.CACHE_DB).close()  # the file, no table
    with pytest.raises(RuntimeError, match="may need to be cleared"):
        get_cache(folder).list_cache_records()
    assert upstream.repair_half_made_cache(folder)
    cache = get_cache(folder)
    assert cache.list_cache_records() == []
    upstream.close_cache(cache)
    assert not upstream.repair_half_made_cache(folder)  # a whole cache is left alone
