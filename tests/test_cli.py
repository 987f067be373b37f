"""The command line: list, show, run, errors and exit statuses."""

from __future__ import annotations

import subprocess
import sys

import pytest

from glossary_examples._lib import registry

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


def test_show_prints_the_module_source():
    result = cli("show", "dropout")
    assert result.returncode == 0
    source = (ROOT / "glossary_examples" / "dropout.py").read_text(encoding="utf-8")
    assert result.stdout == source


@pytest.mark.parametrize("command", ["show", "run"])
def test_unknown_slug_names_the_closest_and_exits_2(command):
    result = cli(command, "dropuot")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert "dropuot" in lines[0] and "'dropout'" in lines[0]


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


def test_run_prints_the_example_and_saves_figures(tmp_path):
    result = cli("run", "dropout", "--save-figures", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert "verdict[dropout-ensemble]: " in result.stdout
    assert result.stderr == "", "TensorFlow noise leaked to stderr"
    pngs = sorted(tmp_path.glob("dropout-*.png"))
    assert pngs and all(p.stat().st_size > 10_000 for p in pngs)
    assert pngs[0].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
