"""Around the build: interrupts, one build at a time, and what `make clean` removes.

Each test builds a copy of the fixture project (``tests/fixture.py``) with a
few pages added that take seconds to run, so that there is a build to
interrupt while pages execute.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from glossary_site.engine.build import build_temp_dir

from .conftest import ROOT, build_command, build_env, log, run_build
from .fixture import make_fixture

# Builds interrupted, killed or run two at once: seconds of waiting each.
pytestmark = [pytest.mark.engine, pytest.mark.lifecycle]

SLOW_PAGES = ("slow-1", "slow-2", "slow-3", "slow-4")
SLOW_PAGE = """---
orphan: true
file_format: mystnb
kernelspec:
  name: python3
  display_name: Python 3
---
# {name}

```{{code-cell}} ipython3
import time  # {name}
time.sleep(2)
print("slept")
```
"""


def copy_project(dest: Path) -> Path:
    """The fixture project's term page, and pages that each run for two seconds."""
    project = make_fixture(dest)
    docs = project / "docs"
    for page in docs.glob("*.md"):
        page.unlink()  # (what these tests need is time, not pages)
    for name in SLOW_PAGES:
        (docs / f"{name}.md").write_text(SLOW_PAGE.format(name=name))
    (docs / "index.md").write_text("# Slow\n\n```{toctree}\nglossary/dropout\n```\n")
    return project


def cached_pages(cache: Path) -> set[str]:
    """The pages whose executed notebook is in the cache, record and readable file both.

    (A build stopped between the two writes leaves a record without its file:
    the next build drops it and runs the page again.)
    """
    db = cache / "global.db"
    if not db.exists():
        return set()
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            rows = list(conn.execute("select uri, hashkey from nbcache"))
    except sqlite3.Error:
        return set()
    pages = set()
    for uri, hashkey in rows:
        try:
            json.loads((cache / "executed" / hashkey / "base.ipynb").read_text())
        except (OSError, ValueError):
            continue
        pages.add(Path(uri).stem)
    return pages


def processes_in(root: Path) -> list[int]:
    """Processes whose working directory or command line is inside ``root``."""
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or int(proc.name) == os.getpid():
            continue
        try:
            cwd = os.readlink(proc / "cwd")
            cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if str(root) in cwd or str(root) in cmdline:
            found.append(int(proc.name))
    return found


def wait_until_gone(root: Path, seconds: float) -> list[int]:
    deadline = time.monotonic() + seconds
    while processes_in(root) and time.monotonic() < deadline:
        time.sleep(0.2)
    return processes_in(root)


def start_build(project: Path, env: dict | None = None) -> subprocess.Popen:
    """A build in a session of its own: a signal to its group is what Ctrl-C sends."""
    return subprocess.Popen(
        build_command(project), cwd=project, env=build_env(project, env), start_new_session=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def wait_for_first_page(proc: subprocess.Popen, cache: Path) -> None:
    deadline = time.monotonic() + 120
    while not set(SLOW_PAGES) & cached_pages(cache) and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
    assert proc.poll() is None, "the build ended before it could be interrupted"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
@pytest.mark.parametrize("kernels", ["warm", "fresh"])
def test_ctrl_c_stops_the_build_quietly_and_the_next_build_finishes_the_rest(tmp_path, kernels):
    project = copy_project(tmp_path / "p")
    html = project / "_build" / "html"
    html.mkdir(parents=True)
    (html / "index.html").write_text("the last good site")
    cache = project / "_build" / "jupyter_cache"

    proc = start_build(project, {"GLOSSARY_KERNELS": kernels})
    wait_for_first_page(proc, cache)
    interrupted = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, stderr = proc.communicate(timeout=30)
    assert time.monotonic() - interrupted < 10, "stopped within seconds"
    assert proc.returncode == -signal.SIGINT, ("ends by the signal, as a shell expects", stderr)
    assert stderr.strip().splitlines() == [
        f"build interrupted (SIGINT); {html} still holds the last good site"
    ], stderr

    assert wait_until_gone(project, 5) == [], "no reader, kernel or fork server left"
    assert not build_temp_dir(project).exists(), "no socket or temporary folder left"
    assert not (project / "_build" / "html.staging").exists()
    assert (html / "index.html").read_text() == "the last good site"

    finished = cached_pages(cache)
    assert set(SLOW_PAGES) - finished, "interrupted while pages were still to run"
    result = run_build(project, quiet=False)
    assert result.returncode == 0, log(result)
    executed = {Path(line.split(": Executing")[0]).stem
                for line in log(result).splitlines() if ": Executing notebook" in line}
    notebooks = {p.stem for p in (project / "docs").rglob("*.md") if "kernelspec" in p.read_text()}
    assert executed == notebooks - finished, "only what had not finished runs"


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_ctrl_c_at_any_moment_is_one_line_and_nothing_left(tmp_path):
    """Starting up, warming the fork server, reading pages: wherever Ctrl-C lands."""
    project = copy_project(tmp_path / "p")
    html = project / "_build" / "html"
    # Python's own start-up comes first, before any line of the build's: a Ctrl-C in
    # it is Python's (a traceback from its site module), so the delays start after the
    # time an interpreter takes to start here, now (seconds on a loaded machine).
    began = time.monotonic()
    subprocess.run([sys.executable, "-c", "import pathlib, re"], check=True)
    python = time.monotonic() - began
    # starting (importing the build command), warming the fork server, reading pages
    first = python + 0.1
    for delay in (first, python + 0.7, python + 1.5):
        proc = start_build(project)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGINT)
        _, stderr = proc.communicate(timeout=30)
        # The message is a string, not a tuple: pytest shows a string whole, so a
        # traceback in stderr is read in full, not cut to a repr's 240 characters.
        assert proc.returncode == -signal.SIGINT, f"Ctrl-C after {delay} s:\n{stderr}"
        said = stderr.strip().splitlines()
        one_line = [f"build interrupted (SIGINT); {html} still holds the last good site"]
        # On a loaded machine the first Ctrl-C may still land before the interpreter
        # ran a line (the start-up took longer than measured): the process ends as any
        # program does then, silently. Never a traceback.
        assert said == one_line or (delay == first and said == []), \
            f"Ctrl-C after {delay} s:\n{stderr}"
        assert wait_until_gone(project, 5) == [], delay
        assert not build_temp_dir(project).exists(), delay


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="needs /proc")
def test_a_killed_build_leaves_nothing_running_and_the_next_build_completes(tmp_path):
    project = copy_project(tmp_path / "p")
    cache = project / "_build" / "jupyter_cache"
    proc = start_build(project)
    wait_for_first_page(proc, cache)
    os.kill(proc.pid, signal.SIGKILL)  # the build alone: what follows must notice by itself
    proc.communicate()
    assert not (project / "_build" / "html").exists(), "no half-written site is published"
    # Readers die with the build; the fork server notices within a second and kills its kernels.
    assert wait_until_gone(project, 5) == []

    # A record whose notebook file is gone (killed between the two writes).
    notebooks = sorted(cache.glob("executed/*/base.ipynb"))
    assert notebooks
    notebooks[0].unlink()

    result = run_build(project)
    assert result.returncode == 0, log(result)
    for name in SLOW_PAGES:
        page = project / "_build" / "html" / f"{name}.html"
        assert "slept" in page.read_text(encoding="utf-8")
    assert not build_temp_dir(project).exists(), "the killed build's temporary folder is gone"
    with sqlite3.connect(cache / "global.db") as conn:
        assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"


def test_a_second_build_waits_for_the_first(tmp_path):
    project = copy_project(tmp_path / "p")
    first = start_build(project)
    lock = project / "_build" / ".lock"
    holder = f"the build with process id {first.pid}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and first.poll() is None:
        if lock.exists() and lock.read_text() == holder:
            break
        time.sleep(0.05)
    assert first.poll() is None, "the first build ended before the second started"
    second = run_build(project)
    out, err = first.communicate(timeout=600)
    assert first.returncode == 0, out + err
    assert second.returncode == 0, log(second)
    assert f"waiting for {holder} to finish" in second.stderr
    assert "slept" in (project / "_build/html/slow-1.html").read_text()


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("GLOSSARY_KERNELS", "Warm", "GLOSSARY_KERNELS must be one of warm, fresh, stock, not 'Warm'"),
    ("GLOSSARY_JOBS", "auto",
     "GLOSSARY_JOBS must be a whole number of parallel readers (1 or more), not 'auto'"),
    ("GLOSSARY_CELL_TIMEOUT", "1m",
     "GLOSSARY_CELL_TIMEOUT must be a whole number of seconds (1 or more), not '1m'"),
    ("GLOSSARY_ONLY", "dropout,reul", "GLOSSARY_ONLY: unknown term 'reul'; did you mean 'relu'?"),
])
def test_a_bad_setting_stops_the_build_in_one_line(tmp_path, variable, value, message):
    project = make_fixture(tmp_path / "p")
    result = run_build(project, env={variable: value})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [f"error: {message}"], result.stderr
    assert not (project / "_build").exists(), "stopped before anything ran"


@pytest.mark.skipif(shutil.which("make") is None, reason="needs make")
def test_make_clean_keeps_the_execution_cache_and_clean_cache_does_not(tmp_path):
    shutil.copy(ROOT / "Makefile", tmp_path)
    built = tmp_path / "_build"
    for name in ("html/index.html", "html.staging/x", "doctrees/environment.pickle",
                 "jupyter_cache/global.db", "jupyter_execute/x.png", ".lock", "bench.json"):
        (built / name).parent.mkdir(parents=True, exist_ok=True)
        (built / name).write_text("x")
    subprocess.run(["make", "-s", "clean"], cwd=tmp_path, check=True)
    assert sorted(p.relative_to(built).as_posix() for p in built.rglob("*")) == [
        ".lock", "jupyter_cache", "jupyter_cache/global.db"
    ]
    subprocess.run(["make", "-s", "clean-cache"], cwd=tmp_path, check=True)
    assert [p.name for p in built.iterdir()] == [".lock"], "the lock of a running build stays"
