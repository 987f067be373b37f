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
  what this one refused. So a build marks the doctrees as unpublished before
  Sphinx starts and clears the mark only once its site is published; a build
  that finds the mark (after a failed, interrupted or killed build) deletes the
  environment, and reads every page again (from the execution cache: about
  10 s for 49 pages; a page whose code failed is not in the cache, so it runs
  again). Warnings are always errors (``-W``): the refusals are logged as
  errors, which fail a Sphinx build only then.
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

from . import interrupts, kernels, upstream
from .jobs import JobsError, default_jobs
from .lock import build_lock
from .reuse import site_key

ROOT = Path(__file__).resolve().parent.parent
UNPUBLISHED = "glossary-unpublished"  # in the doctrees: the last build did not publish
SITE_KEY = ".glossary-site-key"  # inside the site, like Sphinx's own .buildinfo
# Always on: a refused page is logged as an error, which fails a build only with -W.
REQUIRED_OPTIONS = ("-W", "--keep-going")


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


def forget_unpublished_environment(doctrees: Path) -> None:
    """Delete what Sphinx read in a build that did not publish (failed, interrupted, killed)."""
    if (doctrees / UNPUBLISHED).exists():
        upstream.environment_pickle(doctrees).unlink(missing_ok=True)


def build_temp_dir(root: Path) -> Path:
    """This checkout's temporary folder: short (Unix socket paths are limited to 107 bytes)."""
    tag = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"glossary-{os.getuid()}-{tag}"


def _use_temp_dir(path: Path) -> None:
    """Everything this build and its processes put in temporary files goes into ``path``."""
    shutil.rmtree(path, ignore_errors=True)  # a killed build's leftovers
    path.mkdir(mode=0o700)
    (path / "runtime").mkdir()
    os.environ["TMPDIR"] = os.environ[kernels.TEMP_ENV] = str(path)
    os.environ["JUPYTER_RUNTIME_DIR"] = str(path / "runtime")  # kernels' connection files
    tempfile.tempdir = None  # re-read TMPDIR


def _build(root: Path, extra: list[str], html: Path, staging: Path) -> int:
    doctrees = root / "_build" / "doctrees"
    recover(html)
    shutil.rmtree(staging, ignore_errors=True)  # left by a killed build
    forget_unpublished_environment(doctrees)
    doctrees.mkdir(parents=True, exist_ok=True)
    (doctrees / UNPUBLISHED).touch()
    key = site_key(root, extra)
    reuse = (html / SITE_KEY).is_file() and (html / SITE_KEY).read_text() == key
    if reuse:
        # copy2 keeps modification times: Sphinx sees the pages as up to date
        shutil.copytree(html, staging, symlinks=True)
    status = build_main(sphinx_args(root, staging, [*extra, "-D", f"glossary_reused_site={int(reuse)}"]))
    if status != 0:
        print(f"build failed; {html} still holds the last good site", file=sys.stderr)
        return status
    (staging / SITE_KEY).write_text(key)
    with interrupts.deferred():  # two renames and a mark: all or, after a kill, recover()
        publish(staging, html)
        (doctrees / UNPUBLISHED).unlink()
    return 0


def _clean_up(staging: Path, temp: Path) -> None:
    """Whatever the build ended with: nothing of it keeps running, no temporary file stays."""
    with interrupts.deferred():
        interrupts.kill_sphinx_children()
        kernels.stop_all_servers()
        kernels.kill_fresh_kernels()
        shutil.rmtree(staging, ignore_errors=True)
        shutil.rmtree(temp, ignore_errors=True)


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    extra = list(sys.argv[1:] if argv is None else argv)
    extra += [option for option in REQUIRED_OPTIONS if option not in extra]
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
                except OSError as error:
                    print(f"error: cannot use {temp} as the build's temporary folder: {error}",
                          file=sys.stderr)
                    return 2
                try:
                    return _build(root, extra, html, staging)
                finally:
                    _clean_up(staging, temp)
        except interrupts.BuildInterrupted as stop:
            print(f"build interrupted ({stop}); {html} still holds the last good site",
                  file=sys.stderr, flush=True)
            interrupts.end_by_signal(stop.signum)
            return 128 + stop.signum  # not reached


if __name__ == "__main__":
    sys.exit(main())
