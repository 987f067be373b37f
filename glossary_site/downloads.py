"""Every term page as a notebook and a script that run without this project.

A reader who downloads ``dropout.ipynb`` (or ``dropout.py``) gets the page
top to bottom, prose included, and runs it in plain Jupyter or Python with
only NumPy, TensorFlow, Keras, matplotlib and scikit-learn installed:

1. a title cell: where the notebook comes from, what to install, and the
   provenance line;
2. the set-up the package does on import, written out: one thread, quiet
   TensorFlow, deterministic ops, no progress bars;
3. the project code the page calls, as one program
   (:func:`glossary_site.standalone.flatten`: the term module and the helpers
   it uses, no ``glossary_examples`` import left);
4. the page itself: its prose as Markdown (directives and roles made plain:
   glued numbers written in, claim boxes as quotes, the shown functions as
   code blocks) and its code cells with the outputs this build computed.

The script is the same notebook written by jupytext (``py:percent``).
``tests/test_downloads.py`` runs every notebook in a kernel that cannot import
``glossary_examples`` and compares its outputs with the page's.

The files are written at ``build-finished`` into ``<site>/downloads/``, from
the executed notebooks myst-nb keeps beside the site, and linked from each
page's "Run it yourself" box (:func:`fill_run_locally`).
"""

from __future__ import annotations

import ast
import functools
import json
import re
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
from docutils import nodes
from sphinx.errors import ExtensionError
from sphinx.util import logging

from glossary_examples import ONE_THREAD_ENV, TENSORFLOW_ENV
from glossary_examples._lib import registry

from . import provenance, standalone, upstream
from .i18n import N_, _

if TYPE_CHECKING:
    from sphinx.application import Sphinx

FOLDER = "downloads"
LINK_CLASS = "glossary-download"
KINDS = (("ipynb", N_("Notebook")), ("py", N_("Python script")))
GLUE_MIME = "application/papermill.record/"
RUNTIME = standalone.ROOT / "_lib" / "runtime.py"
# What a download needs: the distribution to pip-install, and its key in provenance.facts.
REQUIREMENTS = (("numpy", "numpy"), ("tensorflow", "tensorflow"), ("keras", "keras"),
                ("matplotlib", "matplotlib"), ("scikit-learn", "scikit-learn"))


@functools.cache
def requires_python() -> str:
    """The Python versions the project supports, as pyproject.toml says: ``>=3.11``."""
    import tomllib

    with open(standalone.ROOT.parent / "pyproject.toml", "rb") as f:
        return tomllib.load(f)["project"]["requires-python"]


logger = logging.getLogger(__name__)


class DownloadError(ExtensionError):
    """A page that cannot be turned into a standalone notebook."""


# --- the set-up cell -----------------------------------------------------------------

def _configure_body() -> str:
    """The body of ``runtime.configure_tensorflow``, read from its source (no TensorFlow loads)."""
    text = RUNTIME.read_text(encoding="utf-8")
    fn = next(n for n in ast.parse(text).body
              if isinstance(n, ast.FunctionDef) and n.name == "configure_tensorflow")
    lines = text.splitlines(keepends=True)
    first = fn.body[1] if isinstance(fn.body[0], ast.Expr) else fn.body[0]  # after the docstring
    return textwrap.dedent("".join(lines[first.lineno - 1: fn.end_lineno]))


def setup_cell() -> str:
    """What ``import glossary_examples`` and its runtime module do, as plain code."""
    env = "\n".join(f'os.environ.setdefault("{k}", "{v}")' for k, v in
                    {**ONE_THREAD_ENV, **TENSORFLOW_ENV}.items())
    return (
        "from __future__ import annotations\n\n"
        "import os\n\n"
        "# Before NumPy and TensorFlow load: one BLAS/OpenMP thread (sums add up in the\n"
        "# same order on every machine), no TensorFlow C++ log lines, no oneDNN fused\n"
        "# kernels (they reorder float additions), Keras on TensorFlow.\n"
        f"{env}\n\n"
        "import absl.logging\nimport keras\nimport tensorflow as tf\n\n"
        + _configure_body()
    )


# --- Markdown: MyST made plain ----------------------------------------------------------

_FENCE = re.compile(r"^```\{(?P<name>[\w-]+)\}(?P<arg>[^\n]*)\n(?P<body>.*?)^```[ \t]*$",
                    re.M | re.S)
_ROLE = re.compile(r"\{(?P<name>[\w:-]+)\}`(?P<text>[^`]*)`")
_LEFTOVER = re.compile(r"\{[\w:-]+\}`|^```\{", re.M)


def _options(body: str) -> tuple[dict[str, str], str]:
    opts, rest = {}, body.splitlines(keepends=True)
    while rest and rest[0].startswith(":"):
        key, _, value = rest.pop(0)[1:].partition(":")
        opts[key.strip()] = value.strip()
    return opts, "".join(rest).strip("\n")


def _pyobject_source(path: Path, name: str) -> str:
    """What ``literalinclude :pyobject: name`` shows: the definition, decorators included."""
    text = path.read_text(encoding="utf-8")
    for node in ast.parse(text).body:
        if getattr(node, "name", None) == name:
            return standalone.statement_text(text.splitlines(keepends=True), node).rstrip("\n")
    raise DownloadError(f"{path.name}: no top-level {name}")


def plain_markdown(text: str, slug: str, glued: dict[str, str], page_dir: Path) -> str:
    """A page's MyST Markdown as Markdown any notebook viewer shows."""
    term = registry.term(slug)

    def directive(m: re.Match) -> str:
        name, arg = m["name"], m["arg"].strip()
        opts, body = _options(m["body"])
        if name == "literalinclude":
            source = _pyobject_source((page_dir / arg).resolve(), opts["pyobject"])
            return f"```python\n{source}\n```"
        if name == "claim":
            claim = next(c for c in term.claims if c.id == arg)
            from .claims import VERDICT_LABELS

            quoted = "\n".join("> " + line if line else ">" for line in body.splitlines())
            return (f"> **Source claim** · verdict: **{VERDICT_LABELS[opts['verdict']]}**\n>\n"
                    f"> *“{claim.text}”*\n>\n{quoted}")
        if name == "related-terms":
            from .terms import RELATION_LABELS, relation_groups

            return "\n\n".join(
                f"**{RELATION_LABELS[kind]}**\n\n"
                + "\n".join(f"- {other.title} — {other.summary}" for other in related)
                for kind, related in relation_groups(slug))
        if name == "run-locally":
            return ("This file is that: it runs top to bottom, in Jupyter or with `python`,"
                    " with the packages named at the top, and prints what the page prints"
                    " (Jupyter also shows the figures; a plain `python` run draws them but"
                    " does not show them).")
        raise DownloadError(f"{slug}: no plain form for the directive {{{name}}}")

    def role(m: re.Match) -> str:
        name, inner = m["name"], m["text"]
        if name == "glue:text":
            key, _, spec = inner.rpartition(":") if ":" in inner else (inner, "", "")
            if key not in glued:
                raise DownloadError(f"{slug}: no glued value {key!r}")
            return upstream.glue_text(glued[key], spec)
        if name == "ref":
            label = re.match(r"(?P<text>.*?)\s*<(?P<target>[^>]+)>$", inner)
            if label:
                return label["text"]
            try:
                return registry.term(inner).title
            except registry.UnknownTermError:
                return inner
        if name == "nolink":
            return inner
        raise DownloadError(f"{slug}: no plain form for the role {{{name}}}")

    out = _ROLE.sub(role, _FENCE.sub(directive, text))
    left = _LEFTOVER.search(out)
    if left:
        raise DownloadError(f"{slug}: MyST syntax left in the download: {out[left.start():][:60]!r}")
    return out


# --- the notebook ---------------------------------------------------------------------

def _glued(executed: nbformat.NotebookNode) -> dict[str, str]:
    """The text/plain of every value the page glued, by key."""
    values = {}
    for cell in executed.cells:
        for output in cell.get("outputs", []):
            name = output.get("metadata", {}).get("scrapbook", {}).get("name")
            if name is not None:
                values[name] = output["data"][GLUE_MIME + "text/plain"]
    return values


def executed_page(app: Sphinx, docname: str) -> nbformat.NotebookNode:
    """The page's notebook with the outputs this build showed.

    myst-nb writes each page's notebook beside the site, but in cache mode
    without its outputs; they are merged in from the execution cache
    (jupyter-cache's public API), glue records included.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import RetrievalError

    path = upstream.executed_notebooks(app) / f"{docname}.ipynb"
    if not path.exists():
        raise DownloadError(f"{docname}: no executed notebook at {path}")
    try:
        _, merged = get_cache(app.config.nb_execution_cache_path).merge_match_into_notebook(
            nbformat.read(path, as_version=4))
    except (RetrievalError, KeyError) as missing:
        raise DownloadError(f"{docname}: its outputs are not in the execution cache ({missing})") from None
    return merged


def _shown_outputs(outputs: list) -> list:
    """A cell's outputs without myst-nb's glue records (invisible on the page), and each
    figure without its Chinese rendering (the Chinese edition's; a reader's own run of
    the download draws the figure once)."""
    from glossary_examples._lib.zh_figures import MIME as CHINESE_FIGURE

    shown = []
    for o in outputs:
        if o.get("output_type") == "display_data" and all(
                k.startswith(GLUE_MIME) for k in o.get("data", {})):
            continue
        if CHINESE_FIGURE in o.get("data", {}):
            o = nbformat.from_dict({**o, "data": {k: v for k, v in o["data"].items()
                                                  if k != CHINESE_FIGURE},
                                    "metadata": {k: v for k, v in o.get("metadata", {}).items()
                                                 if k != CHINESE_FIGURE}})
        shown.append(o)
    return shown


def requirements(facts: dict[str, str], sep: str = " ") -> str:
    """The pip arguments of a download: ``numpy==2.4.6 tensorflow==2.21.0 …``."""
    return sep.join(f"{dist}=={facts[key]}" for dist, key in REQUIREMENTS)


def notebook(slug: str, executed: nbformat.NotebookNode, facts: dict[str, str],
             page_dir: Path) -> nbformat.NotebookNode:
    """The download of ``glossary/<slug>``, from the page's executed notebook."""
    term = registry.term(slug)
    module = term.module
    try:
        code = standalone.flatten(module)
    except standalone.FlattenError as bad:
        raise DownloadError(str(bad)) from None
    glued = _glued(executed)
    new = nbformat.v4.new_notebook()
    new.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                    "language_info": {"name": "python"}}
    header = (
        f"# {term.title}\n\n"
        f"The page *{term.title}* of the executable glossary of deep learning, as a notebook"
        " that runs on its own: the code the page calls is in the cells below, not in a"
        " package. Run it top to bottom; it prints what the page prints, and in Jupyter it"
        " shows the page's figures too.\n\n"
        f"Needs Python `{requires_python()}` and these packages (the versions the page was"
        " built with):\n\n"
        f"```\npip install {requirements(facts)}\n```\n\n"
        f"{provenance.sentence(facts)}"
    )
    cells = [nbformat.v4.new_markdown_cell(header),
             nbformat.v4.new_code_cell(setup_cell()),
             nbformat.v4.new_markdown_cell(
                 f"The code the page calls: the module `glossary_examples/{module}.py` of the"
                 " glossary's repository and the helpers it imports from the project, as one"
                 " program. The page shows the functions it is about; the rest is here."),
             nbformat.v4.new_code_cell("\n".join(code.imports) + "\n\n\n" + code.source.rstrip("\n"))]
    call = re.compile(rf"\b{re.escape(module)}\.")
    for cell in executed.cells:
        if cell.cell_type == "markdown":
            text = plain_markdown(cell.source, slug, glued, page_dir)
            if text.startswith(f"# {term.title}"):
                text = text[len(f"# {term.title}"):].lstrip("\n")
            if text.strip():
                cells.append(nbformat.v4.new_markdown_cell(text))
        elif cell.cell_type == "code":
            lines = [line for line in cell.source.splitlines()
                     if line.strip() != f"from glossary_examples import {module}"]
            source = call.sub("", "\n".join(lines)).strip("\n")
            if "glossary_examples" in source:
                raise DownloadError(f"{slug}: a code cell still uses glossary_examples: {source!r}")
            outputs = _shown_outputs(cell.get("outputs", []))
            if not source:
                if outputs:
                    raise DownloadError(f"{slug}: a cell with only the import shows output")
                continue
            new_cell = nbformat.v4.new_code_cell(source)
            new_cell.outputs = outputs
            new_cell.execution_count = cell.get("execution_count")
            cells.append(new_cell)
            # A plot's caption (the page shows it under the figure) follows its cell.
            caption = cell.metadata.get("mystnb", {}).get("figure", {}).get("caption")
            if caption:
                text = plain_markdown(str(caption), slug, glued, page_dir).strip()
                cells.append(nbformat.v4.new_markdown_cell(f"*Figure:* {text}"))
    for number, cell in enumerate(cells):
        cell.id = f"{slug}-{number}"  # stable ids: two builds give the same file
    new.cells = cells
    return new


def _inputs_digest(app: Sphinx, docname: str, common: bytes) -> str:
    """A hash of everything a page's download is made from, to skip unchanged ones.

    The page's notebook as myst-nb wrote it (its code and prose), and
    ``common``: the package's code, the provenance and this module's code. The
    outputs are not read (that is the costly part): they change only when the
    code or the page does.
    """
    import hashlib

    digest = hashlib.sha256(common)
    digest.update((upstream.executed_notebooks(app) / f"{docname}.ipynb").read_bytes())
    return digest.hexdigest()


def _common_inputs(app: Sphinx) -> bytes:
    import hashlib

    digest = hashlib.sha256(repr(sorted(app.config.glossary_provenance.items())).encode())
    files = sorted(standalone.ROOT.rglob("*.py")) + [standalone.ROOT / "terms.toml",
                                                    Path(__file__), Path(standalone.__file__)]
    for path in files:
        digest.update(str(path.relative_to(standalone.ROOT.parent)).encode() + b"\0" + path.read_bytes())
    return digest.digest()


KEYS = ".keys.json"  # in the downloads folder: the inputs digest each file was written from


def write(app: Sphinx, exception: Exception | None) -> None:
    """Write every term page's notebook and script into the site (those whose inputs changed)."""
    if exception is not None or app.builder.format != "html":
        return
    import jupytext

    from .terms import slug_of

    folder = Path(app.outdir) / FOLDER
    folder.mkdir(exist_ok=True)
    keys_file = folder / KEYS
    old_keys = json.loads(keys_file.read_text()) if keys_file.exists() else {}
    keys = {}
    facts = app.config.glossary_provenance
    common = _common_inputs(app)
    for docname in sorted(app.env.found_docs):
        slug = slug_of(docname)
        if slug is None:
            continue
        key = _inputs_digest(app, docname, common)
        if old_keys.get(slug) == key and all((folder / f"{slug}.{ext}").exists() for ext, _ in KINDS):
            keys[slug] = key
            continue
        try:
            nb = notebook(slug, executed_page(app, docname), facts, Path(app.srcdir, docname).parent)
        except DownloadError as bad:
            # An error, not a crash: with -W the build fails and publishes nothing.
            logger.warning(f"no download for this page: {bad}", location=docname,
                           type="glossary", subtype="download")
            continue
        (folder / f"{slug}.ipynb").write_text(
            json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
        (folder / f"{slug}.py").write_text(jupytext.writes(nb, fmt="py:percent"), encoding="utf-8")
        keys[slug] = key
    for stale in set(old_keys) - set(keys):  # a page removed, or left out of a partial build
        for ext, _kind in KINDS:
            (folder / f"{stale}.{ext}").unlink(missing_ok=True)
    keys_file.write_text(json.dumps(keys, indent=1, sort_keys=True) + "\n")


RUN_LOCALLY_CLASS = "run-locally"


def fill_run_locally(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Put the download links and the pip line at the top of the page's "Run it yourself" box.

    At doctree-resolved, not when the page is read: the versions come from this
    build's environment, and a page read by an earlier build must not keep old ones.
    """
    from .terms import slug_of

    slug = slug_of(docname)
    facts = app.config.glossary_provenance
    for box in doctree.findall(lambda n: isinstance(n, nodes.container)
                               and RUN_LOCALLY_CLASS in n["classes"]):
        links = " · ".join(
            f'<a class="reference {LINK_CLASS}" href="../{FOLDER}/{slug}.{ext}" download>'
            + str(_("{kind} ({extension})")).format(kind=_(label), extension=f"<code>.{ext}</code>")
            + "</a>" for ext, label in KINDS)
        html = '<p class="download-line">' + str(_(
            "Download this page: {links}. Each runs on its own, in Jupyter or plain Python "
            "({python}), with these packages installed (no clone of this project needed):"
        )).format(links=links, python=f"<code>{requires_python()}</code>") + "</p>"
        # One package a line: the line fits a phone, and a shell reads it as one command.
        pip = "pip install \\\n    " + requirements(facts, " \\\n    ")
        box.insert(0, nodes.literal_block(pip, pip, language="console"))
        box.insert(0, nodes.raw("", html, format="html"))


def setup(app: Sphinx) -> None:
    app.connect("doctree-resolved", fill_run_locally)
    app.connect("build-finished", write)
