"""Each page runs its module's ``PAGE``: the same functions, in the same order.

A term's sequence is declared once, as ``PAGE`` at the end of its module; the
CLI's ``run`` follows it (``glossary_examples._lib.page``), and the page's
code cells must call exactly it. Static: this reads the pages' code cells and
the modules' source, and runs no example.

A code cell holds calls of three shapes, one per prefix; the first cell starts
by importing the module:

    from glossary_examples import dropout      (first cell, then a blank line)
    dropout.show_example()                     show_  prints
    dropout.plot_thinned_networks();           plot_  returns a figure
    print(dropout.check_dropout_ensemble())    check_ returns a ClaimCheck
"""

from __future__ import annotations

import ast
import re

import pytest

from glossary_examples._lib import registry
from glossary_site.myst import code_cells

from .conftest import ROOT

SLUGS = [t.slug for t in registry.TERMS]
SHAPES = {"show_": "{m}.{f}()", "plot_": "{m}.{f}();", "check_": "print({m}.{f}())"}
CALL = re.compile(r"^(?:print\()?(\w+)\.((show|plot|check)_\w+)\(\)\)?;?$")


def page_calls(page: str, text: str, module: str) -> tuple[list[tuple[int, str]], list[str]]:
    """The functions a page's code cells call, with their cell's line, and the problems."""
    calls, problems = [], []
    cells = code_cells(text)
    if not cells:
        return [], [f"{page}: no code cells"]
    for number, cell in enumerate(cells):
        lines = cell.source.splitlines()
        if number == 0:
            expected = [f"from glossary_examples import {module}", ""]
            if lines[:2] == expected:
                lines = lines[2:]
            else:
                problems.append(
                    f"{page}:{cell.line}: the first cell must start with"
                    f" 'from glossary_examples import {module}' and a blank line"
                )
        if not lines:
            problems.append(f"{page}:{cell.line}: an empty code cell")
        for line in lines:
            m = CALL.match(line)
            shape = m and SHAPES[m[3] + "_"].format(m=module, f=m[2])
            if not m or m[1] != module or line != shape:
                want = f"; a {m[3]}_ function is called as {shape}" if m and m[1] == module else ""
                problems.append(
                    f"{page}:{cell.line}: {line!r} is not a call of {module}.show_*(),"
                    f" {module}.plot_*(); or print({module}.check_*()){want}"
                )
                continue
            calls.append((cell.line, m[2]))
    return calls, problems


def declared_page(module_file: str, source: str) -> tuple[list[str], list[str]]:
    """The names in the module's ``PAGE``, and the problems with them."""
    tree = ast.parse(source)
    functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
    assigns = [
        n for n in tree.body
        if isinstance(n, ast.Assign) and any(getattr(t, "id", None) == "PAGE" for t in n.targets)
    ]
    if len(assigns) != 1:
        return [], [f"{module_file}: PAGE must be assigned once, not {len(assigns)} times"]
    node = assigns[0]
    if node is not tree.body[-1]:
        return [], [f"{module_file}:{node.lineno}: PAGE must be the module's last statement"]
    if not (
        isinstance(node.value, ast.Tuple) and all(isinstance(e, ast.Name) for e in node.value.elts)
    ):
        return [], [f"{module_file}:{node.lineno}: PAGE must be a tuple of function names"]
    names = [e.id for e in node.value.elts]
    problems = []
    for name in names:
        fn = functions.get(name)
        if fn is None:
            problems.append(
                f"{module_file}: PAGE lists {name}, which is not a function defined in it"
            )
            continue
        if fn.args.args or fn.args.posonlyargs or fn.args.kwonlyargs:
            # the page calls it without arguments; defaults are fine, required ones are not
            required = len(fn.args.args) - len(fn.args.defaults)
            required += sum(d is None for d in fn.args.kw_defaults)
            if required:
                problems.append(f"{module_file}:{fn.lineno}: {name}() has required parameters")
        returns = ast.unparse(fn.returns) if fn.returns else None
        if name.startswith("check_") and returns != "ClaimCheck":
            problems.append(f"{module_file}:{fn.lineno}: {name}() is not annotated -> ClaimCheck")
        if name.startswith("show_") and returns != "None":
            problems.append(f"{module_file}:{fn.lineno}: {name}() is not annotated -> None")
        if not name.startswith(tuple(SHAPES)):
            problems.append(
                f"{module_file}: PAGE lists {name}, which is not show_, plot_ or check_"
            )
    if len(set(names)) != len(names):
        problems.append(f"{module_file}: PAGE lists a function twice")
    return names, problems


def claim_ids_checked(source: str, function: str) -> list[str]:
    """The literal ids of the ``ClaimCheck(...)`` calls in one function of ``source``."""
    fn = next(
        n for n in ast.parse(source).body if isinstance(n, ast.FunctionDef) and n.name == function
    )
    return [
        node.args[0].value for node in ast.walk(fn)
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "ClaimCheck"
        and node.args and isinstance(node.args[0], ast.Constant)
    ]


def mismatches(page: str, text: str, module: str, module_file: str, source: str) -> list[str]:
    """Every way the page's code cells and the module's PAGE disagree (empty: they match)."""
    calls, problems = page_calls(page, text, module)
    names, declared = declared_page(module_file, source)
    problems += declared
    for i, ((line, called), name) in enumerate(zip(calls, names), start=1):
        if called != name:
            problems.append(
                f"{page}:{line}: call {i} is {module}.{called}() but PAGE entry {i}"
                f" in {module_file} is {name}"
            )
            break  # after the first difference, every later one is noise
    else:
        for line, called in calls[len(names):]:
            problems.append(f"{page}:{line}: {module}.{called}() is not in PAGE in {module_file}")
        for name in names[len(calls):]:
            problems.append(
                f"{page}: PAGE in {module_file} lists {name}, which the page never calls"
            )
    return problems


@pytest.mark.parametrize("slug", SLUGS)
def test_page_cells_run_exactly_the_modules_page(slug):
    module = registry.term(slug).module
    page, module_file = f"docs/glossary/{slug}.md", f"glossary_examples/{module}.py"
    problems = mismatches(
        page, (ROOT / page).read_text(encoding="utf-8"),
        module, module_file, (ROOT / module_file).read_text(encoding="utf-8"),
    )
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("slug", SLUGS)
def test_the_page_checks_each_claim_of_its_term_once(slug):
    t = registry.term(slug)
    source = (ROOT / "glossary_examples" / f"{t.module}.py").read_text(encoding="utf-8")
    names, _ = declared_page(f"glossary_examples/{t.module}.py", source)
    checks = [n for n in names if n.startswith("check_")]
    assert sorted(checks) == sorted(f"check_{c.id.replace('-', '_')}" for c in t.claims)
    for name in checks:
        # the ClaimCheck it returns carries the claim id its name promises
        claim_id = name.removeprefix("check_").replace("_", "-")
        assert claim_ids_checked(source, name) == [claim_id], name


# --- the check can fail ----------------------------------------------------

MODULE = '''
def show_example() -> None:
    print("example")


def plot_curve():
    return None


def check_demo_claim() -> ClaimCheck:
    return ClaimCheck("demo-claim", "holds", {})


PAGE = (show_example, plot_curve, check_demo_claim)
'''

IN_ORDER = ["demo.show_example()", "demo.plot_curve();", "print(demo.check_demo_claim())"]
SWAPPED = ["demo.show_example()", "print(demo.check_demo_claim())", "demo.plot_curve();"]


def page_text(calls: list[str], first: str = "from glossary_examples import demo\n\n") -> str:
    """A tiny page: a title, then one code cell per call (cell fences on lines 3, 9, 13, ...)."""
    cells = [
        f"```{{code-cell}} ipython3\n{first if i == 0 else ''}{call}\n```\n"
        for i, call in enumerate(calls)
    ]
    return "# Demo\n\n" + "\n".join(cells)


def run_mismatches(calls: list[str], module_source: str = MODULE, **kwargs) -> list[str]:
    return mismatches(
        "docs/glossary/demo.md", page_text(calls, **kwargs),
        "demo", "glossary_examples/demo.py", module_source,
    )


def test_a_page_that_calls_page_in_order_matches():
    assert run_mismatches(IN_ORDER) == []


def test_two_entries_swapped_name_the_page_the_cell_line_and_both_functions():
    assert page_text(SWAPPED).splitlines()[8] == "```{code-cell} ipython3"  # line 9
    assert run_mismatches(SWAPPED) == [
        "docs/glossary/demo.md:9: call 2 is demo.check_demo_claim() but PAGE entry 2"
        " in glossary_examples/demo.py is plot_curve"
    ]


def test_a_call_in_the_wrong_shape_is_named():
    calls = [*IN_ORDER[:2], "demo.check_demo_claim()"]
    assert run_mismatches(calls) == [
        "docs/glossary/demo.md:13: 'demo.check_demo_claim()' is not a call of demo.show_*(),"
        " demo.plot_*(); or print(demo.check_*()); a check_ function is called as"
        " print(demo.check_demo_claim())",
        "docs/glossary/demo.md: PAGE in glossary_examples/demo.py lists check_demo_claim,"
        " which the page never calls",
    ]


def test_a_missing_import_and_an_unknown_function_are_named():
    source = MODULE.replace("PAGE = (show_example,", "PAGE = (show_examples,")
    assert run_mismatches(IN_ORDER, source, first="") == [
        "docs/glossary/demo.md:3: the first cell must start with"
        " 'from glossary_examples import demo' and a blank line",
        "glossary_examples/demo.py: PAGE lists show_examples,"
        " which is not a function defined in it",
        "docs/glossary/demo.md:3: call 1 is demo.show_example() but PAGE entry 1"
        " in glossary_examples/demo.py is show_examples",
    ]


def test_a_check_without_its_annotation_is_named():
    source = MODULE.replace("def check_demo_claim() -> ClaimCheck:", "def check_demo_claim():")
    assert run_mismatches(IN_ORDER, source) == [
        "glossary_examples/demo.py:10: check_demo_claim() is not annotated -> ClaimCheck"
    ]
