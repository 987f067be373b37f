"""Everything the build takes from outside the code: the checkout's layout and ``GLOSSARY_*``.

The user's settings, all optional (``README.md`` documents them):

=========================  ==================================================
``GLOSSARY_KERNELS``       ``warm`` (default), ``fresh`` or ``stock``
``GLOSSARY_JOBS``          parallel readers; default: usable cores + 1, within memory
``GLOSSARY_ONLY``          comma-separated term slugs: a partial build
``GLOSSARY_CELL_TIMEOUT``  seconds a code cell may run (default 120)
``GLOSSARY_EDITIONS``      ``en,zh_CN`` (default), ``en`` or ``zh_CN``: the
                           editions a build writes (``make docs-en``, ``docs-zh``)
``GLOSSARY_CHROMIUM``      the browser of the browser tests and tools (default:
                           ``chromium`` on ``PATH``); the build needs none
=========================  ==================================================

Each is read and checked here and nowhere else; a bad value is one sentence
naming the variable. The build's processes also pass a few values to each other
through the environment; their names are here too (``*_ENV``), so that every
``GLOSSARY_*`` name the project uses is in this file.

>>> kernels({"GLOSSARY_KERNELS": "Warm"})
Traceback (most recent call last):
...
glossary_site.settings.SettingError: GLOSSARY_KERNELS must be one of warm, fresh, stock, not 'Warm'
>>> only({"GLOSSARY_ONLY": "dropout, relu,"})
['dropout', 'relu']
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping
from pathlib import Path

# --- The checkout ---------------------------------------------------------------------
# The one place that knows the layout. conf.py sits at the top (``-c ROOT``) and
# the sources in docs/; everything the build writes is under _build/.
ROOT = Path(__file__).resolve().parent.parent
SOURCE = "docs"
BUILD = "_build"


def build_dir(root: Path = ROOT) -> Path:
    return root / BUILD


def source_dir(root: Path = ROOT) -> Path:
    return root / SOURCE


def doctrees_dir(root: Path = ROOT, edition: str = "en") -> Path:
    """What Sphinx read of every page: one folder per edition (their texts differ)."""
    return build_dir(root) / ("doctrees" if edition == "en" else f"doctrees-{edition}")


LOCALES = "locales"  # the translations' catalogs: Sphinx's locale_dirs (conf.py)
PLOTS_CATALOG = "glossary-plots"  # the catalog of the figures' texts


def catalog_dir(root: Path = ROOT, language: str = "zh_CN") -> Path:
    return root / LOCALES / language / "LC_MESSAGES"


def catalog_path(name: str, root: Path = ROOT, language: str = "zh_CN") -> Path:
    """A gettext catalog: a page's (``glossary/dropout``), or the extension's, or the plots'."""
    return catalog_dir(root, language) / f"{name}.po"


def plots_catalog(root: Path = ROOT) -> Path:
    """The catalog of the Chinese edition's plot texts (glossary_examples/_lib/zh_figures.py)."""
    return catalog_path(PLOTS_CATALOG, root)


def cache_dir(root: Path = ROOT) -> Path:
    """jupyter-cache's folder: outside the site, so publishing never ships it."""
    return build_dir(root) / "jupyter_cache"


def math_dir(root: Path = ROOT) -> Path:
    """Formulas typeset by MathJax at build (glossary_site.math_render), and its fonts cut down."""
    return build_dir(root) / "math"


def math_cache_dir(root: Path = ROOT) -> Path:
    return math_dir(root) / "formulas"



def requirements_lock(root: Path = ROOT) -> Path:
    return root / "requirements.lock"


# --- The user's settings --------------------------------------------------------------
KERNEL_MODES = ("warm", "fresh", "stock")
DEFAULT_CELL_TIMEOUT = 120


class SettingError(ValueError):
    """A ``GLOSSARY_*`` variable with a value the build cannot use."""


def kernels(environ: Mapping[str, str] = os.environ) -> str:
    """``GLOSSARY_KERNELS``: how code cells get their kernel (see ``engine.kernels``)."""
    value = environ.get("GLOSSARY_KERNELS") or "warm"
    if value not in KERNEL_MODES:
        raise SettingError(
            f"GLOSSARY_KERNELS must be one of {', '.join(KERNEL_MODES)}, not {value!r}"
        )
    return value


def _whole_number(environ: Mapping[str, str], name: str, what: str) -> int | None:
    """The variable as a whole number of 1 or more, None when unset; else one sentence."""
    value = environ.get(name)
    if not value:
        return None
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number < 1:
        raise SettingError(f"{name} must be a whole number of {what} (1 or more), not {value!r}")
    return number


def jobs(environ: Mapping[str, str] = os.environ) -> int | None:
    """``GLOSSARY_JOBS``: the reader count asked for, or None (the build chooses).

    >>> jobs({"GLOSSARY_JOBS": "4"}), jobs({})
    (4, None)
    >>> jobs({"GLOSSARY_JOBS": "auto"})
    Traceback (most recent call last):
    ...
    glossary_site.settings.SettingError: GLOSSARY_JOBS must be a whole number of parallel readers (1 or more), not 'auto'
    """
    return _whole_number(environ, "GLOSSARY_JOBS", "parallel readers")


def only(environ: Mapping[str, str] = os.environ) -> list[str]:
    """``GLOSSARY_ONLY``: the term slugs of a partial build; empty means all.

    >>> only({"GLOSSARY_ONLY": "dropuot"})
    Traceback (most recent call last):
    ...
    glossary_site.settings.SettingError: GLOSSARY_ONLY: unknown term 'dropuot'; did you mean 'dropout'?
    """
    from glossary_examples._lib import registry

    slugs = [s.strip() for s in environ.get("GLOSSARY_ONLY", "").split(",") if s.strip()]
    for slug in slugs:
        try:
            registry.term(slug)
        except registry.UnknownTermError as unknown:
            raise SettingError(f"GLOSSARY_ONLY: {unknown}") from None
    return slugs


def cell_timeout(environ: Mapping[str, str] = os.environ) -> int:
    """``GLOSSARY_CELL_TIMEOUT``: seconds before a running cell is interrupted.

    >>> cell_timeout({"GLOSSARY_CELL_TIMEOUT": "0"})
    Traceback (most recent call last):
    ...
    glossary_site.settings.SettingError: GLOSSARY_CELL_TIMEOUT must be a whole number of seconds (1 or more), not '0'
    """
    seconds = _whole_number(environ, "GLOSSARY_CELL_TIMEOUT", "seconds")
    return DEFAULT_CELL_TIMEOUT if seconds is None else seconds


# The site's editions: English, the source, at the top of _build/html; the Chinese
# edition, translated from it (glossary_site/translations.py), in _build/html/zh_CN.
EDITIONS = ("en", "zh_CN")
# What an edition's build sets beside its language (conf.py's values are the English
# edition's): the site's name, and the footer's copyright line.
EDITION_CONFIG = {"zh_CN": {"html_title": "深度学习术语表 · Deep learning glossary",
                            "copyright": "2026，术语表编写组"}}


def editions(environ: Mapping[str, str] = os.environ) -> list[str]:
    """``GLOSSARY_EDITIONS``: the editions a build writes, in build order (English first:
    the Chinese edition takes its outputs from the execution cache the English one fills).

    >>> editions({})
    ['en', 'zh_CN']
    >>> editions({"GLOSSARY_EDITIONS": "zh"})
    Traceback (most recent call last):
    ...
    glossary_site.settings.SettingError: GLOSSARY_EDITIONS: unknown edition 'zh' (the editions are en, zh_CN)
    """
    names = [n.strip() for n in environ.get("GLOSSARY_EDITIONS", ",".join(EDITIONS)).split(",")
             if n.strip()]
    for name in names:
        if name not in EDITIONS:
            raise SettingError(f"GLOSSARY_EDITIONS: unknown edition {name!r} "
                               f"(the editions are {', '.join(EDITIONS)})")
    if not names:
        raise SettingError(f"GLOSSARY_EDITIONS names no edition (the editions are {', '.join(EDITIONS)})")
    return [e for e in EDITIONS if e in names]


def check_all(environ: Mapping[str, str] = os.environ) -> None:
    """Every user setting, read once: the build command calls this before anything starts."""
    kernels(environ), jobs(environ), only(environ), cell_timeout(environ), editions(environ)


# --- The browser of the tests and tools ----------------------------------------------
# The system's Chromium, never Playwright's own download (it needs the network).
# One line, for ``make test`` and the browser tests alike, when there is none.
CHROMIUM_MISSING = (
    "no Chromium found: install it (Debian: apt-get install chromium fonts-noto-cjk; "
    "elsewhere the system's chromium package), or set GLOSSARY_CHROMIUM to a Chrome "
    "or Chromium binary"
)
# How Playwright starts it: no sandbox (containers run as root), no GPU, and none of
# Chromium's own traffic to Google (update checks, sync, field trials), which a
# closed network refuses.
CHROMIUM_ARGS = (
    "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
)


def chromium(environ: Mapping[str, str] = os.environ) -> str:
    """``GLOSSARY_CHROMIUM``, or else ``chromium`` on ``PATH``: the browser's executable.

    >>> chromium({"GLOSSARY_CHROMIUM": "/nonexistent/chrome"})
    Traceback (most recent call last):
    ...
    glossary_site.settings.SettingError: GLOSSARY_CHROMIUM is not an executable file: '/nonexistent/chrome'
    >>> chromium({"PATH": "/nonexistent"})
    Traceback (most recent call last):
    ...
    glossary_site.settings.SettingError: no Chromium found: install it (Debian: ...
    """
    value = environ.get("GLOSSARY_CHROMIUM")
    if value:
        found = shutil.which(value, path=environ.get("PATH"))
        if not found:
            raise SettingError(f"GLOSSARY_CHROMIUM is not an executable file: {value!r}")
        return found
    found = shutil.which("chromium", path=environ.get("PATH", ""))
    if not found:
        raise SettingError(CHROMIUM_MISSING)
    return found


# --- Between the build's own processes ------------------------------------------------
EDITION_ENV = "GLOSSARY_EDITION"  # the edition a Sphinx run builds (set by the engine for conf.py)
SUPERVISOR_ENV = "GLOSSARY_SUPERVISOR"  # process id of the build command, for the Sphinx process
TEMP_ENV = "GLOSSARY_TEMP"  # the build's temporary folder
FORKSERVER_ENV = "GLOSSARY_FORKSERVER"  # path of the running fork server's socket
FRESH_KERNEL_ENV = "GLOSSARY_FRESH_KERNEL"  # set while a page that wants a fresh kernel is read
