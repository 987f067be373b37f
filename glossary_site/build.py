"""Build the site: ``python -m glossary_site.build [extra sphinx-build options]``.

The one place that knows the layout: sources in ``docs/``, configuration in
the top-level ``conf.py``, doctrees in ``_build/doctrees``, the execution cache
in ``_build/jupyter_cache`` (set in ``conf.py``) and the HTML in
``_build/html``.

The HTML is built into ``_build/html.staging`` and moved into place only when
the build succeeds, so ``_build/html`` always holds the last good site: a
failed, interrupted or killed build leaves it as it was. The staging folder
starts as a copy of the last good site when that was written by the same
extension code, configuration and options, so a build in which no page
changed writes nothing again (:mod:`glossary_site.reuse`). Pages are read
(and executed) in parallel, one process more than the cores this process may
use (:mod:`glossary_site.jobs`).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from sphinx.cmd.build import build_main

from .jobs import default_jobs
from .reuse import site_key

ROOT = Path(__file__).resolve().parent.parent


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


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    extra = list(sys.argv[1:] if argv is None else argv)
    html = root / "_build" / "html"
    staging = html.with_name(html.name + ".staging")
    key_file = html.with_name(html.name + ".key")  # the key the site in html was written with
    recover(html)
    shutil.rmtree(staging, ignore_errors=True)  # left by a killed build
    key = site_key(root, extra)
    reuse = html.is_dir() and key_file.is_file() and key_file.read_text() == key
    if reuse:
        # copy2 keeps modification times: Sphinx sees the pages as up to date
        shutil.copytree(html, staging, symlinks=True)
    status = build_main(sphinx_args(root, staging, [*extra, "-D", f"glossary_reused_site={int(reuse)}"]))
    if status == 0:
        publish(staging, html)
        key_file.write_text(key)
    else:
        shutil.rmtree(staging, ignore_errors=True)
        print(f"build failed; {html} still holds the last good site", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
