"""A broken example or a bad page fails the build, naming page and line, until it is fixed.

Each test builds a copy of the fixture project (``tests/fixture.py``): its
term page has the real template and claim boxes, and its code runs in
seconds, so what is tested is the content extension, not TensorFlow.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from glossary_site.myst import code_cells

from .conftest import edit, log, run_build
from .fixture import MEASURED_SENTENCE, MODULE, PAGE, VERDICT, make_fixture

pytestmark = pytest.mark.engine

CLAIM = "dropout-ensemble"
BROKEN = ("    print(line(\"kept\", 4))\n",
          "    print(line(\"kept\", 4))\n    raise ValueError(\"broken on purpose\")\n")


def site_snapshot(html: Path) -> dict[str, bytes]:
    return {str(p.relative_to(html)): p.read_bytes() for p in html.rglob("*") if p.is_file()}


@pytest.fixture(scope="session")  # (not module: pytest -n interleaves modules)
def built(tmp_path_factory) -> Path:
    """A fixture project built once; tests copy it, cache and all."""
    project = make_fixture(tmp_path_factory.mktemp("failure") / "p")
    result = run_build(project)
    assert result.returncode == 0, log(result)
    return project


@pytest.fixture
def good_site(built, tmp_path) -> tuple[Path, Path, dict[str, bytes]]:
    """A copy of the built fixture: (project, html, the files of its good site)."""
    import shutil

    project = shutil.copytree(built, tmp_path / "p", symlinks=True)
    html = project / "_build" / "html"
    return project, html, site_snapshot(html)


def first_cell_line(project: Path) -> int:
    return code_cells((project / PAGE).read_text(encoding="utf-8"))[0].line


def test_broken_example_fails_the_build_and_keeps_the_last_good_site(good_site):
    project, html, good = good_site
    # The cached outputs must not hide the change: the module is a dependency.
    edit(project / MODULE, *BROKEN)
    result = run_build(project)
    assert result.returncode != 0
    line = first_cell_line(project)
    where = f"{PAGE.as_posix()}:{line}: ERROR: example failed in code cell 1 (dropout.show_example())"
    assert where in log(result), log(result)
    assert "ValueError: broken on purpose" in log(result)
    assert "still holds the last good site" in log(result)
    assert site_snapshot(html) == good
    assert not (project / "_build" / "html.staging").exists()

    # The failure sticks: nothing changed, so the next build fails the same way.
    again = run_build(project)
    assert again.returncode != 0
    assert where in log(again), log(again)
    assert site_snapshot(html) == good

    # Fixed: the build passes and publishes the page with its outputs, no traceback.
    edit(project / MODULE, BROKEN[1], BROKEN[0])
    assert run_build(project).returncode == 0
    published = (html / "glossary" / "dropout.html").read_text(encoding="utf-8")
    assert "kept: 4" in published and "broken on purpose" not in published


def test_every_bad_claim_box_is_named_at_its_line_in_one_build(good_site):
    """Five mistakes on one page: one build (``--keep-going``) reports each at its box."""
    project, html, good = good_site
    edit(project / PAGE, f":verdict: {VERDICT}", ":verdict: holds")
    boxes = {
        f"```{{claim}} {CLAIM}\n:verdict: maybe\n\nText.\n```\n":
            "Invalid option value for 'verdict': maybe",
        "```{claim} dropout-nonexistent\n:verdict: holds\n\nText.\n```\n":
            "unknown claim id 'dropout-nonexistent'",
        "```{claim} relu-sparsity\n:verdict: holds\n\nText.\n```\n":
            "claim 'relu-sparsity' belongs on the page of 'relu'",
        f"```{{claim}} {CLAIM}\n:verdict: {VERDICT}\n\nText.\n```\n":
            f"duplicate claim id '{CLAIM}'",
    }
    edit(project / PAGE, "## Pitfalls\n", "## Pitfalls\n\n" + "\n".join(boxes))
    text = (project / PAGE).read_text(encoding="utf-8")
    lines = text.splitlines()
    original = lines.index(f"```{{claim}} {CLAIM}") + 1
    expected = {original: f"the box says 'holds' but the code computed '{VERDICT}'"}
    for box, message in boxes.items():
        line = text[: text.index(box)].count("\n") + 1
        # (myst-parser reports a bad option at the option's own line)
        expected[line + 1 if "Invalid option" in message else line] = message
    result = run_build(project)
    assert result.returncode != 0
    for line, message in expected.items():
        located = [ln for ln in log(result).splitlines() if message in ln]
        assert any(f"{PAGE.as_posix()}:{line}:" in ln for ln in located), (line, located)
    assert site_snapshot(html) == good


def test_a_refused_verdict_stays_refused_until_fixed(good_site):
    """A box whose verdict differs from the code's is never published by a later build."""
    project, html, good = good_site
    message = f"the box says 'holds' but the code computed '{VERDICT}'"
    edit(project / PAGE, f":verdict: {VERDICT}", ":verdict: holds")
    for attempt in ("after the edit", "again, nothing changed"):
        result = run_build(project)
        assert result.returncode != 0, attempt
        assert message in log(result), (attempt, log(result))
        assert site_snapshot(html) == good, attempt

    edit(project / PAGE, ":verdict: holds", f":verdict: {VERDICT}")
    assert run_build(project).returncode == 0
    box = BeautifulSoup((html / "glossary" / "dropout.html").read_text(encoding="utf-8"),
                        "html.parser").select_one(f"[data-claim='{CLAIM}']")
    assert box["data-verdict"] == VERDICT


def test_a_number_typed_into_the_prose_fails_the_build_until_it_is_glued(good_site):
    """Measured numbers come from the code: a typed one is refused, at its line, every build."""
    project, html, good = good_site
    published = BeautifulSoup((html / "glossary" / "dropout.html").read_text(encoding="utf-8"),
                              "html.parser")
    assert "The kept fraction was 0.50 in this run." in published.get_text(" ", strip=True)

    typed = ("The kept fraction was 0.4951 in this run, 49.5 % of the units; "
             "$p = 0.5$ and `rate=0.5` are fine, so is §7.12.")
    edit(project / PAGE, MEASURED_SENTENCE, typed)
    line = (project / PAGE).read_text(encoding="utf-8").splitlines().index(typed) + 1
    for attempt in ("after the edit", "again, nothing changed"):
        result = run_build(project)
        assert result.returncode != 0, attempt
        errors = [ln for ln in log(result).splitlines() if "[glossary.typed-number]" in ln]
        assert [e.split(" in the prose")[0].split("ERROR: ")[1] for e in errors] == [
            "the number '0.4951'", "the number '49.5 %'"], errors
        assert all(e.startswith(f"{PAGE.as_posix()}:{line}: ERROR:") or
                   f"/{PAGE.as_posix()}:{line}: ERROR:" in e for e in errors), errors
        assert site_snapshot(html) == good, attempt

    edit(project / PAGE, typed, MEASURED_SENTENCE)
    assert run_build(project).returncode == 0


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("## Formula\n", "## Formulas\n",
         "section 'Formulas' where the template has 'Formula'"),
        ("## Run it yourself\n", "## Run it yourself\n\nText.\n\n## Notes\n",
         "section 'Notes' after the template's last section"),
    ],
    ids=["renamed", "extra"],
)
def test_a_page_off_the_template_fails_the_build_at_the_line(good_site, old, new, message):
    """With a title off the registry, and a verdict only in shown source: one build, three errors."""
    project, _, _ = good_site
    edit(project / PAGE, old, new)
    edit(project / PAGE, "# Dropout · ", "# Drop-out · ")
    # Only what the code printed counts, not a `verdict[...]` line in a code block.
    edit(project / PAGE, f'print(dropout.check("{CLAIM}", "{VERDICT}"))', "print('no verdict')")
    edit(project / PAGE, "## Pitfalls\n", f"## Pitfalls\n\n```text\nverdict[{CLAIM}]: {VERDICT}\n```\n")
    lines = (project / PAGE).read_text(encoding="utf-8").splitlines()
    title = message.split("'")[1]
    line = lines.index(f"## {title}") + 1
    result = run_build(project)
    assert result.returncode != 0
    assert f"{PAGE.as_posix()}:{line}: ERROR: {message}; a term page has the sections " \
           "Definition, Formula," in log(result), log(result)
    assert "title 'Drop-out · " in log(result) and "does not match the registry's 'Dropout · " \
        in log(result), log(result)
    assert f"no executed output prints 'verdict[{CLAIM}]: ...'" in log(result), log(result)


def test_hanging_example_is_stopped_and_named(good_site):
    project, _, _ = good_site
    edit(project / MODULE, BROKEN[0], BROKEN[0] + "    import time; time.sleep(600)\n")
    result = run_build(project, env={"GLOSSARY_CELL_TIMEOUT": "2"})
    assert result.returncode != 0
    assert "example failed in code cell 1 (dropout.show_example())" in log(result)
    assert "timed out after 2 s" in log(result)
