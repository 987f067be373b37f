"""The Sphinx process of a build: build the site into a staging folder, then publish it.

    python -m glossary_site.engine.publish ROOT [sphinx-build options]

Started by :mod:`glossary_site.engine.build`, which supervises it (one build at a
time, Ctrl-C, clean-up); run on its own it does the same minus those.

- **The last good site stays.** The HTML is built into ``_build/html.staging``
  and moved into place only when the build succeeds: a failed, interrupted or
  killed build leaves ``_build/html`` as it was. The key of the code that wrote
  a site (:func:`glossary_site.engine.reuse.site_key`) is a file inside it, so it moves
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
"""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

from .. import settings, upstream
from . import interrupts
from .jobs import default_jobs

UNPUBLISHED = "glossary-unpublished"  # in the doctrees: the last build did not publish
SITE_KEY = ".glossary-site-key"  # inside the site, like Sphinx's own .buildinfo
# Always on: a refused page is logged as an error, which fails a build only with -W.
REQUIRED_OPTIONS = ("-W", "--keep-going")


def sphinx_args(root: Path, outdir: Path, extra: list[str] | None = None,
                edition: str = "en") -> list[str]:
    """The sphinx-build arguments for the project at ``root``, for one edition."""
    language = [] if edition == "en" else ["-D", f"language={edition}"] + [
        arg for name, value in settings.EDITION_CONFIG[edition].items()
        for arg in ("-D", f"{name}={value}")]
    return [
        "-b", "html",
        "-c", str(root),
        "-d", str(settings.doctrees_dir(root, edition)),
        *language,
        "-j", str(default_jobs()),
        *(extra or []),
        str(settings.source_dir(root)),
        str(outdir),
    ]


def html_folders(root: Path) -> tuple[Path, Path]:
    """(the published site, the staging folder the next site is built in)."""
    html = settings.build_dir(root) / "html"
    return html, html.with_name(html.name + ".staging")


def publish(staging: Path, html: Path) -> None:
    """Replace ``html`` by ``staging``: two renames, each atomic."""
    old = html.with_name(html.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if html.exists():
        html.rename(old)
    staging.rename(html)
    shutil.rmtree(old, ignore_errors=True)


def recover(html: Path) -> None:
    """A build stopped between the two renames left the old site aside: restore it."""
    old = html.with_name(html.name + ".old")
    if old.exists() and not html.exists():
        old.rename(html)


def forget_unpublished_environment(doctrees: Path) -> None:
    """Delete what Sphinx read in a build that did not publish (failed, interrupted, killed)."""
    if (doctrees / UNPUBLISHED).exists():
        upstream.environment_pickle(doctrees).unlink(missing_ok=True)


def edition_dir(site: Path, edition: str) -> Path:
    """Where an edition is in the site: English at the top, the others in a folder each."""
    return site if edition == "en" else site / edition


def build_dir_of(staging: Path, edition: str) -> Path:
    """Where an edition is built: English in the staging folder; another beside it, and
    moved into it once built. (myst-nb writes its executed notebooks beside the output
    folder: built inside the staging folder, an edition would put them in the site.)"""
    return staging if edition == "en" else staging.with_name(f"{staging.name}-{edition}")


def build_and_publish(root: Path, extra: list[str]) -> int:
    """Sphinx's exit status; the site is published if it is 0.

    The editions are built one after the other, English first (its pages fill
    the execution cache the others read): English into the staging folder, each
    other edition beside it (:func:`build_dir_of`) and then moved into it. They
    are published together: an edition that fails keeps every edition of the
    last good site in place. A build of the other editions alone keeps the
    English edition as it was, and needs one to have been built (it runs no code).
    """
    from sphinx.cmd.build import build_main

    from .. import translations
    from .reuse import site_key

    extra = [*extra, *(option for option in REQUIRED_OPTIONS if option not in extra)]
    html, staging = html_folders(root)
    editions = settings.editions()
    english = settings.doctrees_dir(root, "en")
    if "en" not in editions and (not upstream.environment_pickle(english).is_file()
                                 or (english / UNPUBLISHED).exists()):
        # The other editions run no code: their outputs are the English build's.
        print(f"error: the {', '.join(editions)} edition runs no code and takes its outputs "
              "from the English build's execution cache: build the English edition first "
              "(make docs-en, or make docs for both)", file=sys.stderr)
        return 2
    doctrees = [settings.doctrees_dir(root, edition) for edition in editions]
    recover(html)
    for edition in settings.EDITIONS:  # left by a killed build
        shutil.rmtree(build_dir_of(staging, edition), ignore_errors=True)
    for folder in doctrees:
        forget_unpublished_environment(folder)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / UNPUBLISHED).touch()
    key = site_key(root, extra)
    reuse = (html / SITE_KEY).is_file() and (html / SITE_KEY).read_text() == key
    others = [e for e in settings.EDITIONS if e != "en"]

    def copy_english() -> None:
        """The last site's English edition into the staging folder (copy2 keeps
        modification times: Sphinx sees the pages as up to date)."""
        shutil.copytree(html, staging, symlinks=True,
                        ignore=lambda folder, names: others if Path(folder) == html else [])

    if reuse:
        copy_english()
        for edition in others:
            if edition_dir(html, edition).is_dir():
                shutil.copytree(edition_dir(html, edition), build_dir_of(staging, edition),
                                symlinks=True)
    for edition in editions:
        outdir = build_dir_of(staging, edition)
        reused = reuse and outdir.is_dir()
        args = [*extra, "-D", f"glossary_reused_site={int(reused)}"]
        os.environ[settings.EDITION_ENV] = edition  # conf.py: which figures this edition shows
        status = build_main(sphinx_args(root, outdir, args, edition))
        if status != 0:
            for built in settings.EDITIONS:
                shutil.rmtree(build_dir_of(staging, built), ignore_errors=True)
            print(f"build failed ({edition} edition); {html} still holds the last good site",
                  file=sys.stderr)
            return status
    if not staging.is_dir():  # the English edition was not built: as it was
        copy_english()
    for edition in others:
        if build_dir_of(staging, edition).is_dir():
            shutil.rmtree(edition_dir(staging, edition), ignore_errors=True)
            build_dir_of(staging, edition).rename(edition_dir(staging, edition))
    (staging / SITE_KEY).write_text(key)
    publish(staging, html)  # (a kill in between: the next build's recover() puts it right)
    for folder in doctrees:
        (folder / UNPUBLISHED).unlink()
    report = translations.report_path(root)
    if "en" in editions and report.is_file():
        print("\n".join(translations.summary(json.loads(report.read_text(encoding="utf-8")))))
    return 0


def main(argv: list[str] | None = None) -> int:
    root, *extra = sys.argv[1:] if argv is None else argv
    if os.environ.get(settings.SUPERVISOR_ENV):
        interrupts.die_with(int(os.environ[settings.SUPERVISOR_ENV]))
    interrupts.forked_children_die_with_this_process()
    return build_and_publish(Path(root), extra)


if __name__ == "__main__":
    sys.exit(main())
