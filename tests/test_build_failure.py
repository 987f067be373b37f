"""A broken example or a bad claim box fails the build, naming page and cell.

Each test works on a temporary copy of the project and builds only the dropout
page (``GLOSSARY_ONLY``), so the real site and its cache are never touched.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from .conftest import copy_project, edit, run_build

PAGE = Path("docs/glossary/dropout.md")
MODULE = Path("glossary_examples/dropout.py")
ONLY = {"GLOSSARY_ONLY": "dropout"}


def log(result) -> str:
    return result.stdout + result.stderr


def site_snapshot(html: Path) -> dict[str, bytes]:
    return {str(p.relative_to(html)): p.read_bytes() for p in html.rglob("*") if p.is_file()}


def good_site(tmp_path: Path) -> tuple[Path, Path, dict[str, bytes]]:
    """A copy of the project with a good site of the dropout page: (project, html, its files)."""
    project = copy_project(tmp_path / "p", with_cache=True)
    assert run_build(project, env=ONLY).returncode == 0
    html = project / "_build" / "html"
    return project, html, site_snapshot(html)


@pytest.mark.usefixtures("built_site")
def test_broken_example_fails_the_build_and_keeps_the_last_good_site(tmp_path):
    project, html, good = good_site(tmp_path)

    # The cached outputs must not hide the change: the module is a dependency.
    edit(
        project / MODULE,
        '    out = dropout_once(np.arange(1, 9, dtype="float32"))\n',
        '    out = dropout_once(np.arange(1, 9, dtype="float32"))\n'
        '    raise ValueError("broken on purpose")\n',
    )
    result = run_build(project, env=ONLY)
    assert result.returncode != 0
    text = log(result)
    line = next(
        i for i, ln in enumerate((project / PAGE).read_text().splitlines(), 1)
        if ln.startswith("```{code-cell}")
    )
    assert f"{PAGE.as_posix()}:{line}: ERROR: example failed in code cell 1" in text, text
    assert "ValueError: broken on purpose" in text
    assert "still holds the last good site" in text
    assert site_snapshot(html) == good
    assert not (project / "_build" / "html.staging").exists()

    # The failure sticks: nothing changed, so the next build fails the same way.
    again = run_build(project, env=ONLY)
    assert again.returncode != 0
    assert f"{PAGE.as_posix()}:{line}: ERROR: example failed in code cell 1" in log(again), log(again)
    assert site_snapshot(html) == good

    # Fixed: the build passes and publishes the page with its outputs, no traceback.
    edit(project / MODULE, '    raise ValueError("broken on purpose")\n', "")
    assert run_build(project, env=ONLY).returncode == 0
    published = (html / "glossary" / "dropout.html").read_text(encoding="utf-8")
    assert 'class="cell_output' in published and "broken on purpose" not in published


@pytest.mark.usefixtures("built_site")
@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (":verdict: conditions", ":verdict: holds",
         "the box says 'holds' but the code computed 'conditions'"),
        (":verdict: conditions", ":verdict: maybe", "Invalid option value for 'verdict': maybe"),
        ("```{claim} dropout-ensemble", "```{claim} dropout-nonexistent", "unknown claim id"),
        ("```{claim} dropout-ensemble", "```{claim} relu-sparsity",
         "claim 'relu-sparsity' belongs on the page of 'relu'"),
    ],
    ids=["verdict-differs-from-code", "unknown-verdict", "unknown-id", "other-terms-claim"],
)
def test_bad_claim_box_fails_the_build(tmp_path, old, new, message):
    project = copy_project(tmp_path / "p", with_cache=True)
    edit(project / PAGE, old, new)
    result = run_build(project, env=ONLY)
    assert result.returncode != 0
    assert message in log(result), log(result)


@pytest.mark.usefixtures("built_site")
def test_a_refused_verdict_stays_refused_until_fixed(tmp_path):
    """A box whose verdict differs from the code's is never published by a later build."""
    project, html, good = good_site(tmp_path)
    message = "the box says 'holds' but the code computed 'conditions'"

    edit(project / PAGE, ":verdict: conditions", ":verdict: holds")
    for attempt in ("after the edit", "again, nothing changed"):
        result = run_build(project, env=ONLY)
        assert result.returncode != 0, attempt
        assert message in log(result), (attempt, log(result))
        assert site_snapshot(html) == good, attempt

    edit(project / PAGE, ":verdict: holds", ":verdict: conditions")
    assert run_build(project, env=ONLY).returncode == 0
    box = BeautifulSoup((html / "glossary" / "dropout.html").read_text(encoding="utf-8"),
                        "html.parser").select_one("[data-claim='dropout-ensemble']")
    assert box["data-verdict"] == "conditions"


@pytest.mark.usefixtures("built_site")
def test_duplicate_claim_id_fails_the_build(tmp_path):
    project = copy_project(tmp_path / "p", with_cache=True)
    page = project / PAGE
    text = page.read_text(encoding="utf-8")
    box = text[text.index("```{claim} dropout-ensemble"):]
    box = box[: box.index("\n```\n") + 5]
    edit(page, "## Pitfalls", box + "\n## Pitfalls")
    result = run_build(project, env=ONLY)
    assert result.returncode != 0
    assert "duplicate claim id 'dropout-ensemble'" in log(result), log(result)


def test_hanging_example_is_stopped_and_named(tmp_path):
    project = copy_project(tmp_path / "p", with_cache=False)
    edit(
        project / MODULE,
        '    out = dropout_once(np.arange(1, 9, dtype="float32"))\n',
        '    out = dropout_once(np.arange(1, 9, dtype="float32"))\n'
        "    import time; time.sleep(600)\n",
    )
    result = run_build(project, env={**ONLY, "GLOSSARY_CELL_TIMEOUT": "10"})
    assert result.returncode != 0
    assert "example failed in code cell 1" in log(result)
    assert "timed out after 10 s" in log(result)
