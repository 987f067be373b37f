"""Shared helpers: copies of the real project, and one full site build per test run.

No test builds into the checkout's own ``_build``: the session's site is built
in a temporary copy. Tests of the engine and of the content extension build
the small fixture project instead (``tests/fixture.py``).

Markers (``pytest -m ...``; ``make test-fast`` runs ``unit`` and ``engine`` but
not ``lifecycle``):

- ``unit``: no build at all (doctests included): seconds;
- ``engine``: builds of the fixture project: seconds each, no TensorFlow;
- ``lifecycle``: ``engine`` tests that interrupt, kill or queue builds: they
  wait for pages that sleep, so they are left out of ``make test-fast``;
- ``site``: the real project, TensorFlow and all: its site, built once per
  test run (a minute or two, cold), and its examples run end to end;
- ``browser``: that same site served on a loopback port and driven in the
  system's headless Chromium (``tests/test_browser.py``): pages, math, search,
  downloads, copy buttons. In ``make test``, which finds or installs Chromium
  first; without one these tests fail with a line saying what to install,
  they are never skipped;
- ``slow``: minutes; not in ``make test``, run by ``.ci/run`` as a step of its own.

``make`` runs the tests in two processes with ``--dist loadscope``: all the
tests of a module run in the same process, so a fixture the module's tests
share is built once. (pytest-xdist's ``loadgroup``, which would group by
marker, silently does nothing on pytest 9.2: pytest-dev/pytest-xdist#1386.)
The real site, which modules in both processes use, is built once per run
all the same (``built_site``).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from glossary_site import settings

ROOT = Path(__file__).resolve().parent.parent


# --- Building a project: a copy of this one, or the fixture project -----------------

def build_command(project: Path, *extra: str, quiet: bool = True) -> list[str]:
    return [sys.executable, "-m", "glossary_site.engine.build", "--project", str(project),
            "-W", "--keep-going", *(["-q"] if quiet else []), *extra]


def build_env(project: Path, env: dict | None = None) -> dict:
    """The environment of a build: the project's own packages first, as in a checkout.

    The English edition only, unless ``env`` says otherwise: what most tests check
    is the same in both, and the Chinese edition is a second Sphinx run."""
    path = os.pathsep.join([str(project), str(ROOT)])
    return {**os.environ, "PYTHONPATH": path, "GLOSSARY_EDITIONS": "en", **(env or {})}


def run_build(project: Path, *extra: str, env: dict | None = None, quiet: bool = True,
              timeout: float = 300) -> subprocess.CompletedProcess:
    """Build the project as ``make docs`` builds the site; never raises.

    (A cold build of the real site takes minutes: its callers give it more time.)
    """
    return subprocess.run(build_command(project, *extra, quiet=quiet), cwd=project,
                          env=build_env(project, env), capture_output=True, text=True,
                          timeout=timeout)


def log(result: subprocess.CompletedProcess) -> str:
    return result.stdout + result.stderr


def copy_project(dest: Path, with_cache: bool = False) -> Path:
    """A copy of the project's sources; with ``with_cache``, a copy of the checkout's
    execution cache too (read, never written: a warm start where there is one)."""
    ignore = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", ".pytest_cache")
    shutil.copytree(ROOT, dest, ignore=ignore)
    cache = settings.cache_dir(ROOT)
    if with_cache and cache.is_dir():
        shutil.copytree(cache, settings.cache_dir(dest))
    return dest


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in a file, which must contain it."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _build_site(project: Path) -> tuple[bool, str]:
    """Build the full site with warnings as errors in a copy of the project: (ok, log)."""
    copy_project(project, with_cache=True)
    result = run_build(project, env={"GLOSSARY_EDITIONS": ",".join(settings.EDITIONS)},
                       timeout=1800)
    return result.returncode == 0, log(result)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory) -> Path:
    """The full site, built once per test run with warnings as errors, in a copy of the project.

    Each pytest-xdist worker has a session of its own, so a session fixture
    alone would build the site once per worker (two minutes each). The first
    worker to get here builds it, holding a file lock in the run's temporary
    folder that the workers share; the others wait on the lock and use its
    site (pytest-xdist's documented pattern). The outcome is written down
    before the lock is let go, so a failed build fails every worker with the
    same log instead of being tried again.
    """
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # one process: nobody to share with
        project = tmp_path_factory.mktemp("site") / "p"
        ok, build_log = _build_site(project)
    else:
        shared = tmp_path_factory.getbasetemp().parent  # this run's, above every worker's own
        project, outcome = shared / "site" / "p", shared / "site-outcome.json"
        with open(shared / "site.lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # let go when the file closes, or the worker dies
            if outcome.exists():
                ok, build_log = json.loads(outcome.read_text(encoding="utf-8"))
            elif project.exists():  # the worker that started the build died during it
                ok, build_log = False, "the worker that was building the site stopped midway"
            else:
                ok, build_log = False, "the site build raised an exception (see the other worker)"
                try:
                    ok, build_log = _build_site(project)
                finally:  # a timeout, too, is an outcome the other workers must see
                    outcome.write_text(json.dumps([ok, build_log]), encoding="utf-8")
    assert ok, f"site build failed:\n{build_log}"
    return settings.build_dir(project) / "html"


@pytest.fixture(scope="session")
def engine_site(tmp_path_factory):
    """The fixture project with the engine's pages, built cold once: (project, build log).

    Read it, never change it: tests that change a project work on a copy.
    """
    from .fixture import make_fixture

    project = make_fixture(tmp_path_factory.mktemp("engine-site") / "p", engine_pages=True)
    (project / "requirements.lock").write_text("# the pinned versions\n")
    result = run_build(project, quiet=False)
    assert result.returncode == 0, log(result)
    return project, log(result)


def pytest_collection_modifyitems(items) -> None:
    """Doctests and tests of modules without a marker of their own are ``unit`` tests."""
    kinds = {"unit", "engine", "site", "browser", "slow"}
    for item in items:
        if not kinds & {m.name for m in item.iter_markers()}:
            item.add_marker(pytest.mark.unit)
