"""Shared fixtures: the project root and one full site build per test session."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"


def build_command(*extra: str, quiet: bool = True) -> list[str]:
    return [sys.executable, "-m", "glossary_site.engine.build", "-W", "--keep-going",
            *(["-q"] if quiet else []), *extra]


def build_env(root: Path, env: dict | None = None) -> dict:
    """The environment of a build of the project copy at ``root``."""
    return {**os.environ, "PYTHONPATH": str(root), **(env or {})}


def run_build(
    root: Path, *extra: str, env: dict | None = None, quiet: bool = True
) -> subprocess.CompletedProcess:
    """Build the site at ``root`` the way ``make docs`` does; never raises."""
    return subprocess.run(
        build_command(*extra, quiet=quiet),
        cwd=root,
        env=build_env(root, env),
        capture_output=True,
        text=True,
        timeout=1800,
    )


def copy_project(dest: Path, with_cache: bool = False) -> Path:
    """A copy of the project (sources only; optionally the execution cache)."""
    ignore = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", ".pytest_cache")
    shutil.copytree(ROOT, dest, ignore=ignore)
    cache = ROOT / "_build" / "jupyter_cache"
    if with_cache and cache.is_dir():
        shutil.copytree(cache, dest / "_build" / "jupyter_cache")
    return dest


def edit(path: Path, old: str, new: str) -> None:
    """Replace the first ``old`` in a file, which must contain it."""
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="session")
def built_site() -> Path:
    """The full site, built once with warnings as errors."""
    result = run_build(ROOT)
    assert result.returncode == 0, f"site build failed:\n{result.stdout}\n{result.stderr}"
    return HTML
