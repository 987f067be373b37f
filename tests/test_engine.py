"""The build engine: re-execution, warm and fresh kernels, reuse of the last site.

Every test works on a temporary copy of the project and reads the build log
for the pages myst-nb executed (``<page>.md: Executing notebook``).
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
from glossary_examples._lib import registry

from glossary_site.engine.publish import SITE_KEY
from glossary_site.engine.kernels import SERVER_SCRIPT

from .conftest import copy_project, edit, run_build

TWO = {"GLOSSARY_ONLY": "dropout,neuron"}
EXECUTED = re.compile(r"/docs/(\S+)\.md: Executing notebook")

# Extra pages for the copy: a `:load:`ed file, and a page that asks for a fresh
# kernel next to one that does not (each prints whether TensorFlow was already
# imported when the page started: it is in a warm kernel, not in a fresh one).
LOADED_PAGE = """---
orphan: true
file_format: mystnb
kernelspec:
  name: python3
  display_name: Python 3
---
# Loaded

```{code-cell} ipython3
:load: ../loaded_example.py
```
"""
KERNEL_PAGE = """---
orphan: true
file_format: mystnb
kernelspec:
  name: python3
  display_name: Python 3
%s---
# Kernel

```{code-cell} ipython3
import sys  # %s
print("tensorflow preloaded:", "tensorflow" in sys.modules)
```
"""


def build(project: Path, env: dict | None = None) -> set[str]:
    """Build quietly but for myst-nb's log; return the pages it executed."""
    result = run_build(project, env={**TWO, **(env or {})}, quiet=False)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "doing serial read" not in result.stdout + result.stderr
    return set(EXECUTED.findall(result.stdout + result.stderr))


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Path:
    root = copy_project(tmp_path_factory.mktemp("engine") / "p")
    (root / "loaded_example.py").write_text('print("loaded file, version 1")\n')
    (root / "docs" / "loaded.md").write_text(LOADED_PAGE)
    # (different code: the cache would otherwise serve one page's outputs to the other)
    fresh = "glossary:\n  fresh_kernel: true\n"
    (root / "docs" / "fresh.md").write_text(KERNEL_PAGE % (fresh, "fresh"))
    flow = "glossary: {fresh_kernel: true}\n"  # the same in YAML's flow style
    (root / "docs" / "fresh-flow.md").write_text(KERNEL_PAGE % (flow, "fresh, flow style"))
    (root / "docs" / "warm.md").write_text(KERNEL_PAGE % ("", "warm"))
    return root


def page_text(project: Path, page: str) -> str:
    html = project / "_build" / "html" / f"{page}.html"
    return BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser").get_text()


def test_reexecutes_exactly_the_pages_whose_code_changed(project):
    pages = {"glossary/dropout", "glossary/neuron", "loaded", "fresh", "fresh-flow", "warm"}
    assert build(project) == pages, "cold build executes every page"
    assert build(project) == set(), "no change, no execution"

    edit(project / "docs/glossary/dropout.md", "## Pitfalls\n", "## Pitfalls\n\nEdited prose.\n")
    assert build(project) == set(), "prose only"
    assert "Edited prose." in page_text(project, "glossary/dropout")

    edit(project / "docs/glossary/dropout.md", "dropout.show_cross_check()",
         "dropout.show_cross_check()  # edited cell")
    assert build(project) == {"glossary/dropout"}, "the page's own code"

    edit(project / "glossary_examples/dropout.py", '"""Print what the page shows',
         '"""Print what the page shows (edited)')
    assert build(project) == {"glossary/dropout"}, "the module the page imports"

    edit(project / "glossary_examples/_lib/report.py", "def fmt(", "# edited\ndef fmt(")
    assert build(project) == {"glossary/dropout", "glossary/neuron"}, "a module imported transitively"

    (project / "loaded_example.py").write_text('print("loaded file, version 2")\n')
    assert build(project) == {"loaded"}, "a :load:ed file"
    assert "loaded file, version 2" in page_text(project, "loaded")

    with (project / "requirements.lock").open("a") as f:
        f.write("# a dependency changed\n")
    assert build(project) == pages, "the locked dependency versions"
    assert build(project) == set()


def test_a_page_can_ask_for_a_fresh_kernel(project):
    if not (project / "_build" / "html" / "fresh.html").exists():
        build(project)
    assert "tensorflow preloaded: False" in page_text(project, "fresh")
    assert "tensorflow preloaded: False" in page_text(project, "fresh-flow")
    assert "tensorflow preloaded: True" in page_text(project, "warm")


def site_files(html: Path) -> dict[str, tuple[int, bytes]]:
    """Every file of a built site: modification time and content."""
    return {str(p.relative_to(html)): (p.stat().st_mtime_ns, p.read_bytes())
            for p in html.rglob("*") if p.is_file()}


def test_a_no_change_build_writes_nothing_and_any_change_rewrites_every_page(project):
    html = project / "_build" / "html"
    page = "glossary/neuron.html"
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

    # Sphinx does not track the extension's code: a site written by other code is not reused
    written = (html / page).stat().st_mtime_ns
    edit(project / "glossary_site" / "terms.py", '"""', '"""(edited) ')
    build(project)
    assert (html / page).stat().st_mtime_ns > written


def cell_outputs(html: Path) -> list[str]:
    """Every cell output of a page: text as shown, images by their content-hash name."""
    doc = BeautifulSoup(html.read_text(encoding="utf-8"), "html.parser")
    outputs = []
    for out in doc.select("div.cell_output"):
        outputs.append(out.get_text())
        outputs += [Path(img["src"]).name for img in out.select("img")]
    return outputs


def test_fresh_kernels_and_warm_kernels_give_identical_outputs(built_site, tmp_path):
    """A cold build with a fresh kernel per page (stock myst-nb's way) shows
    exactly what the site built with warm kernels shows: the same text and the
    same image bytes (image files are named by their content's hash). It is
    also a second cold build, so this checks that builds are deterministic."""
    project = copy_project(tmp_path / "p")
    result = run_build(project, env={"GLOSSARY_KERNELS": "fresh"})
    assert result.returncode == 0, result.stdout + result.stderr
    for t in registry.TERMS:
        warm = cell_outputs(built_site / "glossary" / f"{t.slug}.html")
        fresh = cell_outputs(project / "_build" / "html" / "glossary" / f"{t.slug}.html")
        assert fresh == warm, t.slug


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

    from glossary_site import deps

    cache_dir = tmp_path / "jupyter_cache"
    config = SimpleNamespace(nb_execution_cache_path=str(cache_dir), nb_execution_mode="cache")
    env = SimpleNamespace(myst_config=None, mystnb_config=None)  # as myst-nb leaves them
    app = SimpleNamespace(config=config, env=env)
    deps.prepare_cache(app)
    with deps._open_cache(app) as cache:
        assert cache.list_cache_records() == []
        assert open_files("global.db"), "the check must see an open connection"
    assert open_files("global.db") == open_files("global.db-wal") == []
    with sqlite3.connect(cache_dir / "global.db") as conn:
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="a threaded BLAS needs two cores")
def test_the_template_refuses_to_fork_with_a_thread_alive(tmp_path):
    """fork() in a process with threads can hang the child: the template says so and quits."""
    read_fd, write_fd = os.pipe()
    sock = tmp_path / "server.sock"
    proc = subprocess.Popen(
        [sys.executable, "-P", str(SERVER_SCRIPT), str(sock), "--status-fd", str(write_fd)],
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
        [sys.executable, "-P", str(SERVER_SCRIPT), sock, "--status-fd", str(write_fd)],
        pass_fds=[write_fd], stderr=subprocess.PIPE, text=True,
        env={**os.environ, **ONE_THREAD_ENV, "TF_CPP_MIN_LOG_LEVEL": "3"},  # as conf.py sets
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
