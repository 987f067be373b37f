"""The build engine, on the fixture project: re-execution, warm and fresh kernels, reuse.

Every build here is of a copy of ``tests/fixture_project`` (seconds each: its
warm kernels import NumPy, not TensorFlow) and reads the build log for the
pages myst-nb executed (``<page>.md: Executing notebook``).
"""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from glossary_examples import ONE_THREAD_ENV
from glossary_site.engine import reuse
from glossary_site.engine.kernels import SERVER_SCRIPT
from glossary_site.engine.publish import SITE_KEY

from .conftest import edit, log, run_build
from .fixture import MODULE, PAGE, make_fixture

pytestmark = pytest.mark.engine

EXECUTED = re.compile(r"/docs/(\S+)\.md: Executing notebook")
NOTEBOOKS = {"glossary/dropout", "other", "loaded", "warm", "streams"}
WARM_NUMPY = "numpy,ipykernel.kernelapp,ipykernel.ipkernel"  # a template without TensorFlow


def build(project: Path, env: dict | None = None) -> set[str]:
    """Build, logging myst-nb's lines; return the pages it executed."""
    result = run_build(project, env=env, quiet=False)
    assert result.returncode == 0, log(result)[-3000:]
    assert "doing serial read" not in log(result)
    return set(EXECUTED.findall(log(result)))


def engine_project(dest: Path) -> Path:
    """The fixture with the engine's pages (but those with a fresh kernel: seconds each)."""
    project = make_fixture(dest, engine_pages=True, kernel_pages=False)
    (project / "requirements.lock").write_text("# the pinned versions\n")
    return project


def page_text(project: Path, page: str) -> str:
    html = project / "_build" / "html" / f"{page}.html"
    return BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").get_text()


def test_reexecutes_exactly_the_pages_whose_code_changed(tmp_path):
    project = engine_project(tmp_path / "p")
    assert build(project) == NOTEBOOKS, "cold build executes every page"
    assert build(project) == set(), "no change, no execution"

    edit(project / PAGE, "## Pitfalls\n", "## Pitfalls\n\nEdited prose.\n")
    assert build(project) == set(), "prose only"
    assert "Edited prose." in page_text(project, "glossary/dropout")

    edit(project / PAGE, "dropout.show_example()", "dropout.show_example()  # edited cell")
    (project / "loaded_example.py").write_text('print("loaded file, version 2")\n')
    assert build(project) == {"glossary/dropout", "loaded"}, "the page's own code; a :load:ed file"
    assert "loaded file, version 2" in page_text(project, "loaded")

    edit(project / MODULE, "def show_example", "# edited\ndef show_example")
    assert build(project) == {"glossary/dropout"}, "the module the page imports"

    edit(project / "tinypkg/report.py", "def line(", "# edited\ndef line(")
    assert build(project) == {"glossary/dropout"}, "a module imported transitively"

    with (project / "requirements.lock").open("a") as f:
        f.write("# a dependency changed\n")
    assert build(project) == NOTEBOOKS, "the locked dependency versions"


def test_a_page_can_ask_for_a_fresh_kernel(engine_site):
    project = engine_site[0]
    assert "numpy preloaded: False" in page_text(project, "fresh")
    assert "numpy preloaded: False" in page_text(project, "fresh-flow"), "YAML's flow style too"
    assert "numpy preloaded: True" in page_text(project, "warm")


def test_pages_with_the_same_code_are_warned_about(tmp_path):
    """jupyter-cache keys a record on code alone: two such pages would share one."""
    project = make_fixture(tmp_path / "p")
    other = (project / "docs" / "other.md").read_text()
    (project / "docs" / "twin.md").write_text(other.replace("---\n# Other", "orphan: true\n---\n# Twin"))
    result = run_build(project)
    assert result.returncode != 0, "a warning fails the build (-W)"
    assert "has the same code cells as" in log(result), log(result)


def site_files(html: Path) -> dict[str, tuple[int, bytes]]:
    """Every file of a built site: modification time and content."""
    return {str(p.relative_to(html)): (p.stat().st_mtime_ns, p.read_bytes())
            for p in html.rglob("*") if p.is_file()}


def test_a_no_change_build_writes_nothing_and_any_change_rewrites_every_page(tmp_path):
    project = make_fixture(tmp_path / "p")
    html = project / "_build" / "html"
    page = "b.html"
    # Without the key of the last site, this build writes into an empty folder.
    (project / "_build" / "html" / SITE_KEY).unlink(missing_ok=True)
    build(project)
    before = site_files(html)
    build(project)  # into a copy of that site
    after = site_files(html)
    assert {k: v[1] for k, v in after.items()} == {k: v[1] for k, v in before.items()}, (
        "a site written into a copy of the last one equals one written into an empty folder"
    )
    assert after[page][0] == before[page][0], "an unchanged page is not written again"

    extra = project / "docs" / "extra.md"
    extra.write_text("---\norphan: true\n---\n# Extra\n\nProse only.\n")
    build(project)
    assert (html / "extra.html").exists()
    assert (html / page).stat().st_mtime_ns > after[page][0], "a change writes every page"
    extra.unlink()
    build(project)
    assert not (html / "extra.html").exists(), "a removed page leaves the site"

    # Sphinx does not track conf.py's code: a site written by other code is not reused
    written = (html / page).stat().st_mtime_ns
    edit(project / "conf.py", '"""', '"""(edited) ')
    build(project)
    assert (html / page).stat().st_mtime_ns > written


def test_the_site_key_covers_the_extensions_code_wherever_it_is_installed(tmp_path):
    """Sphinx does not track the extensions' own code, so the key does (unit check)."""
    names = [name for name, _ in reuse.site_key_files(engine_project(tmp_path / "p"))]
    assert {"conf.py", "requirements.lock", "glossary_site/terms.py",
            "glossary_site/engine/deps.py", "glossary_site/engine/jupyter/kernels/python3/kernel.json"} <= set(names)


def open_files(name: str) -> list[str]:
    """Files of this process whose name ends with ``name``."""
    fds = Path("/proc/self/fd")
    found = []
    for fd in fds.iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.endswith(name):
            found.append(target)
    return found


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_the_main_process_keeps_no_cache_connection_open_when_readers_fork(tmp_path):
    """Parallel readers are forked from the process that prepared the cache.

    An SQLite connection inherited across fork() and closed in the child
    drops the locks of the child's own connection: the database got corrupted
    in CI ("database disk image is malformed"). So after the main process's
    cache work, not one file of the database may be open in it.
    """
    from types import SimpleNamespace

    from glossary_site.engine import deps

    cache_dir = tmp_path / "jupyter_cache"
    config = SimpleNamespace(nb_execution_cache_path=str(cache_dir), nb_execution_mode="cache")
    env = SimpleNamespace(myst_config=None, mystnb_config=None)  # as myst-nb leaves them
    app = SimpleNamespace(config=config, env=env)
    deps.prepare_cache(app)
    db = str(cache_dir / "global.db")  # (other tests' caches may be open in this process)
    with deps._open_cache(app) as cache:
        assert cache.list_cache_records() == []
        assert open_files(db), "the check must see an open connection"
    assert open_files(db) == open_files(db + "-wal") == []
    with sqlite3.connect(cache_dir / "global.db") as conn:
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="a threaded BLAS needs two cores")
def test_the_template_refuses_to_fork_with_a_thread_alive(tmp_path):
    """fork() in a process with threads can hang the child: the template says so and quits."""
    read_fd, write_fd = os.pipe()
    sock = tmp_path / "server.sock"
    proc = subprocess.Popen(
        [sys.executable, "-P", str(SERVER_SCRIPT), str(sock), "--status-fd", str(write_fd),
         "--warm", WARM_NUMPY],
        pass_fds=[write_fd], env={**os.environ, "OPENBLAS_NUM_THREADS": "2"},
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as status:
        line = status.readline()
    assert proc.wait(timeout=120) == 0
    assert line.startswith("unsafe to fork: "), line
    assert not sock.exists()


def test_the_fork_server_outlives_clients_that_go_away(tmp_path):
    """A reader killed mid-request must not take the server, and every running kernel, with it."""
    import socket

    from glossary_site.engine.kernels import _request

    read_fd, write_fd = os.pipe()
    sock = str(tmp_path / "server.sock")
    proc = subprocess.Popen(
        [sys.executable, "-P", str(SERVER_SCRIPT), sock, "--status-fd", str(write_fd),
         "--warm", WARM_NUMPY],
        pass_fds=[write_fd], stderr=subprocess.PIPE, text=True,
        env={**os.environ, **ONE_THREAD_ENV},  # as conf.py sets
    )
    os.close(write_fd)
    with os.fdopen(read_fd) as status:
        assert status.readline().strip() == "ready"
    for garbage in (b"", b"not json\n", b"[1, 2]\n", b'{"status": '):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as client:
            client.connect(sock)
            client.sendall(garbage)  # then goes away without reading an answer
    assert _request(sock, {"status": 12345}) == {"returncode": None}, "still serving"
    assert _request(sock, {"quit": True}) == {"quit": True}
    assert proc.wait(timeout=10) == 0
    assert "Traceback" not in proc.stderr.read()
