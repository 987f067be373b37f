"""Build the site: ``python -m glossary_site.build [extra sphinx-build options]``.

Sources in ``docs/``, configuration in the top-level ``conf.py``, doctrees in
``_build/doctrees``, the execution cache in ``_build/jupyter_cache`` (set in
``conf.py``) and the HTML in ``_build/html``. Around Sphinx, this command
keeps four promises:

- **The last good site stays.** The HTML is built into ``_build/html.staging``
  and moved into place only when the build succeeds: a failed, interrupted or
  killed build leaves ``_build/html`` as it was. The key of the code that wrote
  a site (:func:`glossary_site.reuse.site_key`) is a file inside it, so it moves
  with the site. When that key matches, the staging folder starts as a copy of
  the last good site, and a build in which no page changed writes nothing again.
- **A failure sticks.** Sphinx keeps its environment (what it read of every
  page) in ``environment.pickle`` even when the build fails, and would not read
  a failed page again until its source changes: the next build would publish
  what this one refused. So the environment is kept only from a build that
  succeeded; after any other build (failed, interrupted, killed), the next one
  reads every page again (from the execution cache: about 10 s for 49 pages,
  and a page whose code failed is not in the cache, so it runs again).
- **One build at a time** per checkout (:mod:`glossary_site.lock`).
- **Ctrl-C stops it within seconds**, with one line and nothing left running
  (:mod:`glossary_site.interrupts`). Kernels, the fork server and their sockets
  live in one temporary folder of this checkout's, removed at the end of every
  build, and at the start of the next one if a build was killed.

Pages are read (and executed) in parallel, one process more than the cores
this process may use (:mod:`glossary_site.jobs`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from pathlib import Path

from sphinx.cmd.build import build_main

from . import interrupts, kernels
from .jobs import JobsError, default_jobs
from .lock import build_lock
from .reuse import site_key

ROOT = Path(__file__).resolve().parent.parent
ENVIRONMENT = "environment.pickle"  # Sphinx's name for it
GOOD_ENVIRONMENT = "glossary-good-environment"  # digest of the last successful build's pickle
SITE_KEY = ".glossary-site-key"  # inside the site, like Sphinx's own .buildinfo


def sphinx_args(root: Path, outdir: Path, extra: list[str] | None = None) -> list[str]:
    """The sphinx-build arguments for the project at ``root``."""
    return [
        "-b", "html",
        "-c", str(root),
        "-d", str(root / "_build" / "doctrees"),
        "-j", str(default_jobs()),
        *(extra or []),
        str(root / "docs"),
        str(outdir),
    ]


def publish(staging: Path, html: Path) -> None:
    """Replace ``html`` by ``staging``: two renames, each atomic."""
    old = html.with_name(html.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if html.exists():
        html.rename(old)
    staging.rename(html)
    shutil.rmtree(old, ignore_errors=True)


def recover(html: Path) -> None:
    """A build killed between the two renames left the old site aside: restore it."""
    old = html.with_name(html.name + ".old")
    if old.exists() and not html.exists():
        old.rename(html)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def forget_environment_unless_good(doctrees: Path) -> bool:
    """Delete Sphinx's pickled environment unless the last build to write it succeeded.

    Returns whether it was deleted (every page will be read again).
    """
    pickle, stamp = doctrees / ENVIRONMENT, doctrees / GOOD_ENVIRONMENT
    if not pickle.exists():
        return False
    if stamp.is_file() and stamp.read_text() == _digest(pickle):
        return False
    pickle.unlink()
    return True


def remember_good_environment(doctrees: Path) -> None:
    pickle = doctrees / ENVIRONMENT
    if pickle.exists():
        (doctrees / GOOD_ENVIRONMENT).write_text(_digest(pickle))


def build_temp_dir(root: Path) -> Path:
    """This checkout's temporary folder: short (Unix socket paths are limited to 107 bytes)."""
    tag = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"glossary-{tag}"


def _use_temp_dir(path: Path) -> None:
    """Everything this build and its processes put in temporary files goes into ``path``."""
    shutil.rmtree(path, ignore_errors=True)  # a killed build's leftovers
    path.mkdir(mode=0o700)
    (path / "runtime").mkdir()
    os.environ["TMPDIR"] = str(path)
    os.environ["JUPYTER_RUNTIME_DIR"] = str(path / "runtime")  # kernels' connection files
    tempfile.tempdir = None  # re-read TMPDIR


def _build(root: Path, extra: list[str], html: Path, staging: Path) -> int:
    doctrees = root / "_build" / "doctrees"
    recover(html)
    shutil.rmtree(staging, ignore_errors=True)  # left by a killed build
    forget_environment_unless_good(doctrees)
    key = site_key(root, extra)
    reuse = (html / SITE_KEY).is_file() and (html / SITE_KEY).read_text() == key
    if reuse:
        # copy2 keeps modification times: Sphinx sees the pages as up to date
        shutil.copytree(html, staging, symlinks=True)
    status = build_main(sphinx_args(root, staging, [*extra, "-D", f"glossary_reused_site={int(reuse)}"]))
    if status != 0:
        shutil.rmtree(staging, ignore_errors=True)
        print(f"build failed; {html} still holds the last good site", file=sys.stderr)
        return status
    remember_good_environment(doctrees)
    (staging / SITE_KEY).write_text(key)
    publish(staging, html)
    return 0


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    extra = list(sys.argv[1:] if argv is None else argv)
    try:
        default_jobs()
    except JobsError as bad:
        print(f"error: {bad}", file=sys.stderr)
        return 2
    html = root / "_build" / "html"
    staging = html.with_name(html.name + ".staging")
    temp = build_temp_dir(root)
    with interrupts.stop_on_signals():
        try:
            with build_lock(root / "_build" / ".lock", f"the build with process id {os.getpid()}"):
                try:
                    _use_temp_dir(temp)
                    return _build(root, extra, html, staging)
                finally:
                    # after an interrupt: stop what still runs, then remove what it used
                    interrupts.end_child_processes()
                    kernels.stop_all_servers()
                    shutil.rmtree(staging, ignore_errors=True)
                    shutil.rmtree(temp, ignore_errors=True)
        except interrupts.BuildInterrupted as stop:
            print(f"build interrupted ({stop}); {html} still holds the last good site",
                  file=sys.stderr, flush=True)
            interrupts.end_by_signal(stop.signum)
            return 128 + stop.signum  # not reached


if __name__ == "__main__":
    sys.exit(main())
