"""A term module as one standalone program: its code and exactly the project code it uses.

A page's download must run where this project is not installed. A term module
imports a few helpers from ``glossary_examples._lib`` (``table``,
``ClaimCheck``, ``Spread``…) and sometimes functions of another term
(``batch`` trains ``epoch``'s networks). :func:`flatten` follows those
relative imports and copies, in dependency order, only the top-level
statements that the module reaches, with the third-party imports they need
hoisted in front. Nothing is imported or run here: the modules are read as
source, so the Sphinx process never loads TensorFlow.

Copying into one namespace is only safe when no two pieces define the same
name differently; :func:`flatten` refuses such a clash (:class:`FlattenError`)
rather than let one definition silently replace the other.

>>> import textwrap
>>> code = flatten("dropout")
>>> "def table(" in code.source and "def dropout_once(" in code.source
True
>>> "from ." in code.source, "configure_tensorflow" in code.source
(False, False)
>>> code.imports
['import functools', 'import itertools', 'import keras', 'import numpy as np', 'from dataclasses import dataclass', 'from typing import Any, Mapping']
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

PACKAGE = "glossary_examples"
ROOT = Path(__file__).resolve().parent.parent / PACKAGE
# Imported only for what importing them does (TensorFlow's set-up); a download
# starts with the same set-up written out (see glossary_site.downloads).
SET_UP_ONLY = {"_lib.runtime": {"configure_tensorflow"}}


class FlattenError(ValueError):
    """The module's code cannot be made into one namespace: a name is defined twice."""


@dataclass(frozen=True)
class Standalone:
    imports: list[str]  # third-party and standard-library imports, one per line, sorted
    source: str  # the project's code, in dependency order, ending with the module's own


@dataclass
class _Statement:
    module: str
    node: ast.stmt
    text: str
    defines: set[str]
    uses: set[str]


def statement_text(lines: list[str], node: ast.stmt) -> str:
    """The source lines of a top-level statement, its decorators included."""
    start = node.lineno - 1
    if getattr(node, "decorator_list", None):
        start = node.decorator_list[0].lineno - 1
    return "".join(lines[start:node.end_lineno])


def _module_path(module: str) -> Path:
    return ROOT.joinpath(*module.split(".")).with_suffix(".py")


def _resolve(module: str, node: ast.ImportFrom) -> str:
    """The module a relative import names, relative to the package root."""
    base = module.split(".")[: -node.level]
    return ".".join(base + ([node.module] if node.module else []))


def _names_bound(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return {(a.asname or a.name).split(".")[0] for a in node.names}
    targets = []
    if isinstance(node, ast.Assign):
        targets = node.targets
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    return {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}


class _Module:
    """One module of the package, read as source."""

    def __init__(self, module: str):
        self.name = module
        text = _module_path(module).read_text(encoding="utf-8")
        lines = text.splitlines(keepends=True)
        tree = ast.parse(text)
        self.statements: list[_Statement] = []
        # name -> (module, name there), for names this module imports from the package
        self.relative: dict[str, tuple[str, str]] = {}
        body = tree.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # the module docstring: its doctests are for the package
        for node in body:
            if isinstance(node, ast.ImportFrom) and node.module == "__future__":
                continue
            if isinstance(node, ast.ImportFrom) and node.level:
                target = _resolve(module, node)
                for alias in node.names:
                    if (target + "." + alias.name) in {m for m in SET_UP_ONLY}:
                        continue  # `from ._lib import runtime`: the set-up, not code
                    if _module_path(target + "." + alias.name).exists():
                        raise FlattenError(
                            f"{module}: `from {'.' * node.level}{node.module or ''} import {alias.name}`"
                            " imports a module; import the names it uses instead")
                    self.relative[alias.asname or alias.name] = (target, alias.name)
                continue
            segment = statement_text(lines, node)
            uses = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            self.statements.append(_Statement(module, node, segment, _names_bound(node), uses))

    def defining(self, name: str) -> list[_Statement]:
        return [s for s in self.statements if name in s.defines]


def flatten(term_module: str) -> Standalone:
    """The code of ``glossary_examples.<term_module>`` and everything it uses from the package."""
    modules: dict[str, _Module] = {}
    chosen: dict[str, list[_Statement]] = {}  # module -> statements, in file order
    aliases: list[str] = []
    order: list[str] = []  # modules in the order their code must run (dependencies first)

    def module(name: str) -> _Module:
        if name not in modules:
            modules[name] = _Module(name)
        return modules[name]

    def include(mod: _Module, statements: list[_Statement]) -> None:
        wanted = chosen.setdefault(mod.name, [])
        pending = [s for s in statements if s not in wanted]
        while pending:
            stmt = pending.pop()
            if stmt in wanted:
                continue
            wanted.append(stmt)
            for name in stmt.uses:
                if name in stmt.defines and not isinstance(stmt.node, (ast.FunctionDef, ast.ClassDef)):
                    continue
                if name in mod.relative:
                    source_module, source_name = mod.relative[name]
                    if source_name in SET_UP_ONLY.get(source_module, ()):
                        continue
                    dep = module(source_module)
                    found = dep.defining(source_name)
                    if not found:
                        raise FlattenError(f"{mod.name}: {source_name} not found in {source_module}")
                    include(dep, found)
                    if name != source_name:
                        line = f"{name} = {source_name}"
                        if line not in aliases:
                            aliases.append(line)
                    if dep.name not in order:
                        order.append(dep.name)
                else:
                    pending.extend(s for s in mod.defining(name) if s not in wanted)

    main = module(term_module)
    include(main, list(main.statements))

    # Dependencies first: a module is placed before every module that imports from it.
    def depth(name: str, seen=()) -> int:
        deps = {m for m, _ in modules[name].relative.values() if m in chosen}
        return 1 + max((depth(d, seen + (name,)) for d in deps if d not in seen), default=0)

    ordered = sorted((m for m in chosen if m != term_module), key=lambda m: (depth(m), m))
    ordered.append(term_module)

    plain: set[str] = set()  # "import x" / "import x as y"
    from_imports: dict[str, set[str]] = {}  # module -> "name" / "name as alias"
    pieces: list[str] = []
    owner: dict[str, _Statement] = {}
    for name in ordered:
        mod = modules[name]
        for stmt in sorted(chosen[name], key=lambda s: s.node.lineno):
            if isinstance(stmt.node, ast.Import):
                plain.add(ast.unparse(stmt.node))
                continue
            if isinstance(stmt.node, ast.ImportFrom):
                from_imports.setdefault(stmt.node.module, set()).update(
                    a.name + (f" as {a.asname}" if a.asname else "") for a in stmt.node.names)
                continue
            for defined in stmt.defines:
                other = owner.get(defined)
                if other is not None and other.text != stmt.text:
                    raise FlattenError(
                        f"{term_module}: '{defined}' is defined by both {other.module} and"
                        f" {stmt.module}; rename one so the page's code fits one namespace")
                owner[defined] = stmt
            if stmt.text not in pieces:
                pieces.append(stmt.text)
        if name == ordered[-2:][0] and name != term_module:
            # names the module imports under another name, before its own code
            pieces.extend(a + "\n" for a in aliases)
    source = "\n\n".join(p.rstrip("\n") for p in pieces) + "\n"
    imports = sorted(plain, key=lambda line: line.split()[1]) + [
        f"from {module} import {', '.join(sorted(names))}" for module, names in sorted(from_imports.items())]
    return Standalone(imports, source)
