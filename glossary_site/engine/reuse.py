"""Write nothing again when nothing changed; write every page when anything did.

``glossary_site.engine.publish`` writes into an empty staging folder, or, when the last
good site was written under the same :func:`site_key` (extension code,
configuration, static files, pins, options), into a copy of it
(``glossary_reused_site = True``, set with ``-D``).

- If no page is read again and none is removed, the copy is already the site
  this build would write: Sphinx finds every page up to date and writes none.
  (A no-change build of the 49 pages drops from about 4.8 s to about 1.8 s.)
- If any page is read again or removed, the copy is emptied and every page is
  written, exactly as into an empty folder. Sphinx's own incremental writing
  would rewrite only the changed pages and keep, say, another page's sidebar
  or the claims page as they were, or a removed page's HTML: a stale site is
  worse than a few seconds.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment

from .. import settings, upstream

# sphinx-build options that change what is logged or the exit status, never the HTML
LOG_ONLY_OPTIONS = frozenset({
    "-q", "--quiet", "-Q", "--silent", "-v", "-vv", "-vvv", "--verbose", "-W",
    "--fail-on-warning", "--keep-going", "-T", "--show-traceback", "-N", "--no-color",
    "--color",
})


def output_options(extra: list[str]) -> list[str]:
    """The options of ``extra`` that can change the written site.

    >>> output_options(["-W", "--keep-going", "-q", "-D", "language=zh_CN"])
    ['-D', 'language=zh_CN']
    """
    return [a for a in extra if a not in LOG_ONLY_OPTIONS]


def site_key(root: Path, extra: list[str]) -> str:
    """A hash of what shapes the written HTML but Sphinx does not track.

    Sphinx notices changed pages, their dependencies and its configuration,
    not this project's extension code, static files, pinned versions or the
    command-line options. A site written under another key is never reused.
    """
    digest = hashlib.sha256(repr((sys.version, output_options(extra))).encode())
    files = [root / "conf.py", root / "requirements.lock",
             *(root / "glossary_site").rglob("*"), *(settings.source_dir(root) / "_static").rglob("*")]
    for path in sorted(f for f in files if f.is_file() and "__pycache__" not in f.parts):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _changed(app: Sphinx, *args) -> None:
    app.glossary_pages_changed = True  # main process: these events precede parallel reading


def _before_read(app: Sphinx, env: BuildEnvironment, docnames: list[str]) -> None:
    if docnames:
        _changed(app)


def _write_all_if_changed(app: Sphinx, env: BuildEnvironment) -> list[str]:
    """After reading: empty the reused copy and have every page written, if anything changed."""
    if not (app.config.glossary_reused_site and getattr(app, "glossary_pages_changed", False)):
        return []
    for entry in app.outdir.iterdir():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    return sorted(env.found_docs)


def _mystnb_css_before_pages(app: Sphinx, builder) -> None:
    """Put myst-nb's stylesheet in place before pages are written, not after.

    Sphinx adds a checksum (``?v=…``) to a stylesheet link only if the file is
    already in the output folder when the page is written; myst-nb copies its
    own at ``build-finished``. Without this, pages written into an empty
    folder would link it without the checksum and pages written into a reused
    copy with it: the same site, two different texts.
    """
    if builder.format == "html":
        upstream.copy_mystnb_stylesheet(app)


def setup(app: Sphinx) -> None:
    # rebuild="": whether the site was reused changes neither the pages nor the environment
    app.add_config_value("glossary_reused_site", False, "", types=[bool])
    app.connect("env-purge-doc", _changed)
    app.connect("env-before-read-docs", _before_read)
    app.connect("env-updated", _write_all_if_changed)
    app.connect("write-started", _mystnb_css_before_pages)
