"""Which versions, and which commit, produced the outputs: one line on every term page.

Readers who get other numbers ask first which TensorFlow the page used. The
line names Python, TensorFlow, Keras and NumPy (the build's kernels run in
the build's own environment) and the commit with its date. The date is the
commit's, not the clock's, so two builds of one commit are byte-identical.

The facts are a configuration value (``glossary_provenance``, read from the
environment and git once, when the configuration is loaded) that Sphinx
tracks for HTML: a new commit rewrites every page, though no page is executed
again.

>>> sentence({"python": "3.11.7", "tensorflow": "2.21.0", "keras": "3.15.1",
...           "numpy": "2.4.6", "commit": "3113de5a1b2c", "date": "2026-11-30"})
'Outputs computed when the site was built, with Python 3.11.7, TensorFlow 2.21.0, Keras 3.15.1 and NumPy 2.4.6, from commit 3113de5a1b2c (of 2026-11-30).'
>>> sentence({"python": "3.11.7", "tensorflow": "2.21.0", "keras": "3.15.1",
...           "numpy": "2.4.6", "commit": "", "date": ""})[-37:]
'NumPy 2.4.6, from a copy outside git.'
"""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes

if TYPE_CHECKING:
    from sphinx.application import Sphinx

PROVENANCE_CLASS = "provenance"
# Sphinx's documented class for text the search index leaves out: the versions
# are on every page, so "TensorFlow" or "NumPy" would otherwise match them all.
NO_SEARCH = "no-search"
# The distribution that provides each module: the CPU-only TensorFlow wheel
# where it exists, the regular one elsewhere (pyproject.toml).
# matplotlib and scikit-learn are not in the sentence, but a download names them.
DISTRIBUTIONS = {"tensorflow": ("tensorflow-cpu", "tensorflow"), "keras": ("keras",),
                 "numpy": ("numpy",), "matplotlib": ("matplotlib",),
                 "scikit-learn": ("scikit-learn",)}


def _version(candidates: tuple[str, ...]) -> str:
    for name in candidates:
        try:
            return importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            continue
    return "not installed"


def _git(root: Path, *args: str) -> str:
    try:
        out = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def facts(root: Path) -> dict[str, str]:
    """Versions of this environment, and the commit checked out at ``root`` ('' outside git)."""
    found = {"python": platform.python_version()}
    found.update({module: _version(dists) for module, dists in DISTRIBUTIONS.items()})
    inside = (root / ".git").exists()
    found["commit"] = _git(root, "rev-parse", "--short=12", "HEAD") if inside else ""
    found["date"] = _git(root, "log", "-1", "--format=%cs") if found["commit"] else ""
    # Uncommitted changes: the outputs are not that commit's.
    found["dirty"] = bool(found["commit"]) and bool(
        _git(root, "status", "--porcelain", "--untracked-files=no"))
    return found


def sentence(f: dict[str, str]) -> str:
    """The provenance sentence, in the edition's language."""
    from .i18n import _

    versions = {"python": f["python"], "tensorflow": f["tensorflow"], "keras": f["keras"],
                "numpy": f["numpy"]}
    if not f["commit"]:
        message = _("Outputs computed when the site was built, with Python {python}, "
                    "TensorFlow {tensorflow}, Keras {keras} and NumPy {numpy}, from a copy "
                    "outside git.")
    elif f.get("dirty"):
        message = _("Outputs computed when the site was built, with Python {python}, "
                    "TensorFlow {tensorflow}, Keras {keras} and NumPy {numpy}, from commit "
                    "{commit} with uncommitted changes (of {date}).")
    else:
        message = _("Outputs computed when the site was built, with Python {python}, "
                    "TensorFlow {tensorflow}, Keras {keras} and NumPy {numpy}, from commit "
                    "{commit} (of {date}).")
    return str(message).format(**versions, commit=f["commit"], date=f["date"])


def add_line(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Under a term page's names line (or its title): the provenance sentence."""
    from .terms import NAMES_CLASS, slug_of

    if slug_of(docname) is None:
        return
    para = nodes.paragraph("", sentence(app.config.glossary_provenance), classes=[PROVENANCE_CLASS, NO_SEARCH])
    names = next(iter(doctree.findall(
        lambda n: isinstance(n, nodes.paragraph) and NAMES_CLASS in n["classes"])), None)
    if names is not None:
        names.parent.insert(names.parent.index(names) + 1, para)
        return
    title = next(iter(doctree.findall(nodes.title)))
    title.parent.insert(title.parent.index(title) + 1, para)


def read_facts(app: Sphinx, config) -> None:
    """Fill ``glossary_provenance`` for this build (a value set in conf.py wins)."""
    if not config.glossary_provenance:
        config.glossary_provenance = facts(Path(app.confdir))


def setup(app: Sphinx) -> None:
    # "html": a change rewrites every page (Sphinx's build info), re-reads none.
    app.add_config_value("glossary_provenance", {}, "html", types=[dict])
    app.connect("config-inited", read_facts)
    app.connect("doctree-resolved", add_line)
