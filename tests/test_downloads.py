"""Every page's download runs without this project and reproduces the page.

The unit tests check the pieces (the code of each term as one program, MyST
made plain). The slow test runs every downloaded notebook of the session's
built site in a kernel that cannot import ``glossary_examples`` (nor myst-nb,
which a reader's Jupyter does not have), in an environment without the
build's variables, and compares every output with the one the page shows.
"""

from __future__ import annotations

import ast
import json
import os
import re
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest

from glossary_examples._lib import registry
from glossary_site import downloads, standalone

SLUGS = [t.slug for t in registry.TERMS]


# --- unit: the pieces ------------------------------------------------------------------

@pytest.mark.parametrize("slug", SLUGS)
def test_the_code_of_each_page_is_one_program_without_the_package(slug):
    code = standalone.flatten(registry.term(slug).module)
    program = "\n".join(code.imports) + "\n" + code.source
    tree = ast.parse(program)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"relative import left: {ast.unparse(node)}"
            assert not (node.module or "").startswith("glossary_examples"), ast.unparse(node)
        if isinstance(node, ast.Import):
            assert not any(a.name.startswith("glossary_examples") for a in node.names)
    defined = [n.name for n in tree.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))]
    assert len(defined) == len(set(defined)), "a function is defined twice"
    # everything the page calls is there
    for fn in _page_functions(slug):
        assert fn in defined, f"{fn} missing from {slug}'s download"


def _page_functions(slug: str) -> list[str]:
    module = registry.term(slug).module
    text = (downloads.standalone.ROOT.parent / "docs" / "glossary" / f"{slug}.md").read_text()
    from glossary_site.myst import code_cells

    return sorted({name for cell in code_cells(text)
                   for name in re.findall(rf"\b{module}\.(\w+)\(", cell.source)})


def test_flatten_refuses_a_name_defined_twice(tmp_path, monkeypatch):
    pkg = tmp_path / "glossary_examples"
    (pkg / "_lib").mkdir(parents=True)
    (pkg / "_lib" / "helpers.py").write_text("STEPS = 5\ndef total():\n    return STEPS\n")
    (pkg / "term.py").write_text("from ._lib.helpers import total\nSTEPS = 7\nprint(total())\n")
    monkeypatch.setattr(standalone, "ROOT", pkg)
    with pytest.raises(standalone.FlattenError, match="'STEPS' is defined by both _lib.helpers and term"):
        standalone.flatten("term")


def test_flatten_keeps_only_what_is_used_and_renames_aliases(tmp_path, monkeypatch):
    pkg = tmp_path / "glossary_examples"
    (pkg / "_lib").mkdir(parents=True)
    (pkg / "_lib" / "helpers.py").write_text(
        "import math\nimport json\nSEEDS = 5\ndef unused():\n    return json.dumps(1)\n"
        "def spread(xs):\n    return math.fsum(xs) / SEEDS\n")
    (pkg / "term.py").write_text(
        '"""Doc."""\nfrom __future__ import annotations\nimport numpy as np\n'
        "from ._lib.helpers import SEEDS as N, spread\nfrom ._lib import runtime\n"
        "def mean():\n    return spread(np.ones(N))\n")
    monkeypatch.setattr(standalone, "ROOT", pkg)
    code = standalone.flatten("term")
    assert code.imports == ["import math", "import numpy as np"]
    assert "unused" not in code.source and "json" not in code.source
    assert code.source.index("def spread") < code.source.index("N = SEEDS") < code.source.index("def mean")
    namespace: dict = {}
    exec("\n".join(code.imports) + "\n" + code.source, namespace)
    assert namespace["mean"]() == 1.0


def test_the_set_up_cell_is_the_packages_set_up_written_out():
    cell = downloads.setup_cell()
    assert cell.startswith("from __future__ import annotations\n")
    for line in ('os.environ.setdefault("OMP_NUM_THREADS", "1")',
                 'os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")',
                 "tf.config.threading.set_intra_op_parallelism_threads(1)",
                 "tf.config.experimental.enable_op_determinism()",
                 "keras.utils.disable_interactive_logging()"):
        assert line in cell
    assert cell.index("os.environ") < cell.index("import keras")  # before TensorFlow loads
    assert "glossary_examples" not in cell
    compile(cell, "setup", "exec")


def test_myst_is_made_plain(tmp_path):
    page = tmp_path / "p.md"
    page.write_text("")
    text = (
        "The gap is {glue:text}`gap:.2f`, over {glue:text}`n:d` seeds, see"
        " {ref}`the optimizer <optimizer>` and {ref}`epoch`; {nolink}`bias` stays.\n\n"
        "```{literalinclude} ../../glossary_examples/dropout.py\n:pyobject: dropout_once\n```\n\n"
        "```{claim} dropout-ensemble\n:verdict: conditions\n\n**Half right.** Because.\n```\n"
    )
    out = downloads.plain_markdown(text, "dropout", {"gap": "0.12345", "n": "5"},
                                   Path(downloads.standalone.ROOT.parent / "docs" / "glossary"))
    assert "The gap is 0.12, over 5 seeds, see the optimizer and Epoch · 轮次; bias stays." in out
    assert "```python\ndef dropout_once(" in out
    assert "> **Source claim** · verdict: **Holds under conditions**" in out
    assert "> **Half right.** Because." in out
    assert registry.term("dropout").claims[0].text in out


def test_myst_without_a_plain_form_is_an_error():
    with pytest.raises(downloads.DownloadError, match="no plain form for the role {math}"):
        downloads.plain_markdown("{math}`x`", "dropout", {}, Path("."))
    with pytest.raises(downloads.DownloadError, match="no glued value 'gap'"):
        downloads.plain_markdown("{glue:text}`gap:.2f`", "dropout", {}, Path("."))


# --- slow: every download, run without the project ------------------------------------

# A kernel as a reader has it: neither this project's package nor myst-nb can be imported.
BLOCKING_KERNEL = ("import sys; sys.modules['glossary_examples'] = None; sys.modules['myst_nb'] = None; "
                   "from ipykernel import kernelapp; kernelapp.launch_new_instance()")
# The build sets these for its kernels; a reader's Jupyter does not.
BUILD_ONLY_ENV = ("PYTHONHASHSEED", "SOURCE_DATE_EPOCH", "PYTHONPATH", "TF_CPP_MIN_LOG_LEVEL",
                  "TF_ENABLE_ONEDNN_OPTS", "KERAS_BACKEND", "OPENBLAS_NUM_THREADS",
                  "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def shown(outputs) -> list:
    """Outputs as a page shows them: consecutive stream chunks merged (nb_merge_streams)."""
    merged: list = []
    for out in outputs:
        if out["output_type"] == "stream":
            if merged and merged[-1][0] == "stream" and merged[-1][1] == out["name"]:
                merged[-1] = ("stream", out["name"], merged[-1][2] + out["text"])
            else:
                merged.append(("stream", out["name"], out["text"]))
        elif out["output_type"] == "error":
            merged.append(("error", out["ename"], out["evalue"]))
        else:
            merged.append((out["output_type"], dict(out["data"])))
    return merged


def run_download(path: Path, workdir: Path) -> list[str]:
    """Execute the notebook at ``path`` afresh; the differences from its stored outputs."""
    from nbclient import NotebookClient

    page = nbformat.read(path, as_version=4)
    fresh = nbformat.read(path, as_version=4)
    for cell in fresh.cells:
        if cell.cell_type == "code":
            cell.outputs = []
    NotebookClient(fresh, kernel_name="reader", timeout=600, allow_errors=True,
                   resources={"metadata": {"path": str(workdir)}}).execute()
    problems = []
    for number, (a, b) in enumerate(zip(page.cells, fresh.cells)):
        if a.cell_type == "code" and shown(a.outputs) != shown(b.outputs):
            problems.append(f"{path.name} cell {number} ({a.source.splitlines()[0][:50]!r}):"
                            f" page {str(shown(a.outputs))[:300]} / download {str(shown(b.outputs))[:300]}")
    return problems


@pytest.mark.slow
def test_every_download_runs_without_the_project_and_reproduces_its_page(built_site, tmp_path,
                                                                          monkeypatch):
    spec = tmp_path / "jupyter" / "kernels" / "reader"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-c", BLOCKING_KERNEL, "-f", "{connection_file}"],
        "display_name": "Python 3 without the glossary", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    for name in BUILD_ONLY_ENV:
        monkeypatch.delenv(name, raising=False)
    notebooks = sorted((built_site / "downloads").glob("*.ipynb"))
    assert sorted(p.stem for p in notebooks) == sorted(SLUGS)
    for p in notebooks:
        assert (p.with_suffix(".py")).read_text().startswith("# ---\n# jupyter:")
    workdir = tmp_path / "run"
    workdir.mkdir()
    # Two at a time: the machines that run this have two cores.
    with ThreadPoolExecutor(max_workers=min(2, os.cpu_count() or 1)) as pool:
        problems = [p for found in pool.map(lambda nb: run_download(nb, workdir), notebooks)
                    for p in found]
    assert not problems, "downloads that do not reproduce their page:\n" + "\n".join(problems)
