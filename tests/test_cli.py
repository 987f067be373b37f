"""The command line: list, show, run, errors and exit statuses."""

from __future__ import annotations

import subprocess
import sys
import unicodedata

import pytest

from glossary_examples._lib import registry
from glossary_examples._lib.claims import VERDICTS, ClaimCheck
from glossary_examples._lib.page import run_page

from .conftest import ROOT


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "glossary_examples", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )


def test_list_shows_every_term_with_its_chinese_name():
    result = cli("list")
    assert result.returncode == 0
    for t in registry.TERMS:
        line = next(ln for ln in result.stdout.splitlines() if ln.split()[:1] == [t.slug])
        assert t.name in line and t.zh in line
    for s in registry.sections():
        assert f"{s.name} · {s.zh}" in result.stdout


def columns(text: str) -> int:
    """Terminal columns of ``text``: two for a wide (Chinese) character."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def test_list_aligns_its_columns_whatever_the_slug_and_the_script():
    lines = cli("list").stdout.splitlines()
    starts = {"name": set(), "zh": set()}
    for t in registry.TERMS:
        line = next(ln for ln in lines if ln.split()[:1] == [t.slug])
        starts["name"].add(columns(line[:line.index(f" {t.name}") + 1]))
        starts["zh"].add(columns(line[:line.rindex(f" {t.zh}") + 1]))
    # the longest slug (parameters-and-hyperparameters) does not push its line out of line
    assert len(starts["name"]) == 1 and len(starts["zh"]) == 1, starts


def test_show_prints_the_module_source():
    result = cli("show", "dropout")
    assert result.returncode == 0
    source = (ROOT / "glossary_examples" / "dropout.py").read_text(encoding="utf-8")
    assert result.stdout == source


@pytest.mark.parametrize("name", ["暂退法", "Dropout", "丢弃法", "DROPOUT"])
def test_show_takes_any_name_of_the_term(name):
    result = cli("show", name)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (ROOT / "glossary_examples" / "dropout.py").read_text(encoding="utf-8")


@pytest.mark.parametrize("name, slug", [("SGD", "gradient-descent"), ("mini_batch", "batch"),
                                        ("池化层", "pooling")])
def test_run_takes_any_name_of_the_term(name, slug):
    # --mnist belongs to another term: the error names the term the name was resolved to,
    # without running anything
    result = cli("run", name, "--mnist")
    assert result.returncode == 2
    assert result.stderr.strip() == f"error: --mnist goes with handwritten-digits, not {slug}"


@pytest.mark.parametrize("command", ["show", "run"])
def test_unknown_slug_names_the_closest_and_exits_2(command):
    result = cli(command, "dropuot")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "dropuot" in lines[0] and "'dropout'" in lines[0]


@pytest.mark.parametrize("name, closest, slug", [
    ("暂退", "暂退法", "dropout"),
    ("SDG", "SGD", "gradient-descent"),
])
def test_unknown_name_suggests_the_closest_name_and_its_term(name, closest, slug):
    result = cli("run", name)
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert f"'{name}'" in lines[0] and f"'{closest}'" in lines[0] and f"'{slug}'" in lines[0]


def test_a_related_concept_names_the_term_that_explains_it():
    result = cli("show", "LSTM")
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: 'LSTM' is not a term but a related concept, explained on the page of the"
        " term 'recurrent-neural-network'"
    )


def test_unknown_slug_with_nothing_close():
    result = cli("run", "qqqqqqqq")
    assert result.returncode == 2
    assert "unknown term 'qqqqqqqq'" in result.stderr
    assert "did you mean" not in result.stderr


@pytest.mark.parametrize("args", [(), ("frobnicate",), ("run",)])
def test_bad_usage_exits_2(args):
    assert cli(*args).returncode == 2


@pytest.mark.parametrize("args", [("--help",), ("run", "--help"), ("list", "--help")])
def test_help_works(args):
    result = cli(*args)
    assert result.returncode == 0
    assert "usage:" in result.stdout


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def verdict_lines(stdout: str) -> list[str]:
    return [ln for ln in stdout.splitlines() if ln.startswith("verdict[")]


@pytest.mark.site  # a real example, TensorFlow and all
def test_run_prints_the_page_without_drawing():
    result = cli("run", "relu")
    assert result.returncode == 0, result.stderr
    assert result.stderr == "", "TensorFlow noise leaked to stderr"
    # the claims in page order, each with a verdict the claims box can state
    ids = [line.split("]")[0].removeprefix("verdict[") for line in verdict_lines(result.stdout)]
    assert ids == ["relu-faster-training", "relu-sparsity", "relu-activation-rate-2n"]
    assert all(line.split(": ")[1] in VERDICTS for line in verdict_lines(result.stdout))
    assert "saved " not in result.stdout


@pytest.mark.site  # a real example, TensorFlow and all
def test_run_prints_the_example_and_saves_figures(tmp_path):
    result = cli("run", "dropout", "--save-figures", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert verdict_lines(result.stdout) == ["verdict[dropout-ensemble]: conditions"]
    assert result.stderr == "", "TensorFlow noise leaked to stderr"
    png = tmp_path / "dropout-thinned-networks.png"  # <slug>-<plot_ function's name>.png
    assert f"saved {png}" in result.stdout.splitlines()
    assert sorted(tmp_path.iterdir()) == [png]
    assert png.read_bytes()[:8] == PNG_SIGNATURE and png.stat().st_size > 10_000


# --- run_page, on a page of stand-ins (no TensorFlow) -----------------------

def show_words() -> None:
    print("words")


def plot_line():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(2, 2))
    ax.plot([0, 1], [0, 1])
    return fig


def check_demo_claim() -> ClaimCheck:
    return ClaimCheck("demo-claim", "holds", {"measured": 1})


DEMO_PAGE = (show_words, plot_line, check_demo_claim)


def test_run_page_prints_shows_and_checks_and_skips_plots_without_a_folder(capsys):
    assert run_page(DEMO_PAGE, "demo") == []
    assert capsys.readouterr().out == (
        "words\nevidence for demo-claim:\n  measured  1\nverdict[demo-claim]: holds\n"
    )


def test_run_page_saves_figures_in_page_order(tmp_path, capsys):
    import matplotlib.pyplot as plt

    saved = run_page(DEMO_PAGE, "demo", tmp_path)
    assert saved == [tmp_path / "demo-line.png"]
    assert saved[0].read_bytes()[:8] == PNG_SIGNATURE
    printed = capsys.readouterr().out.splitlines()
    assert printed[:2] == ["words", f"saved {tmp_path / 'demo-line.png'}"]
    assert plt.get_fignums() == []  # closed once saved


def test_run_page_refuses_a_result_of_another_kind():
    def show_returns_a_number():
        return 3

    with pytest.raises(TypeError, match=r"show_returns_a_number\(\) returned an object of type int"):
        run_page((show_returns_a_number,), "demo")
