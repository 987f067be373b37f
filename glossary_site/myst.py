"""The one reader of a page's MyST source, outside Sphinx: front matter and code cells.

Front matter is YAML between ``---`` lines, read with a YAML parser; code cells
are found by markdown-it, the parser myst-parser itself uses, so a fence
inside another fence or an indented one is not mistaken for a cell. Whatever
needs a page's cells before Sphinx reads it (the engine's invalidation, the
static checks of the tests) reads them here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from markdown_it import MarkdownIt


class FrontMatterError(ValueError):
    """Front matter that is not a YAML mapping, or a ``glossary`` key this project does not know."""


def front_matter(text: str) -> dict[str, Any]:
    """The YAML mapping at the top of a MyST page, or ``{}`` when it has none.

    Block and flow style are the same YAML:

    >>> front_matter("---\\nglossary:\\n  fresh_kernel: true\\n---\\n# T\\n")
    {'glossary': {'fresh_kernel': True}}
    >>> front_matter("---\\nglossary: {fresh_kernel: true}\\n---\\n# T\\n")
    {'glossary': {'fresh_kernel': True}}
    >>> front_matter("# No front matter\\n")
    {}
    """
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip() != "---":
        return {}
    for end, line in enumerate(lines[1:], start=1):
        if line.rstrip() == "---":
            break
    else:
        raise FrontMatterError("the front matter has no closing '---' line")
    try:
        data = yaml.safe_load("".join(lines[1:end]))
    except yaml.YAMLError as exc:
        raise FrontMatterError(f"the front matter is not valid YAML: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise FrontMatterError("the front matter is not a YAML mapping")
    return data


# The project's own front-matter settings, under the key ``glossary``, and their types.
GLOSSARY_SETTINGS = {"fresh_kernel": bool}


def glossary_settings(text: str) -> dict[str, Any]:
    """The page's ``glossary:`` settings, checked: unknown keys and wrong types are errors.

    >>> glossary_settings("---\\nglossary: {fresh_kernel: true}\\n---\\n")
    {'fresh_kernel': True}
    >>> glossary_settings("---\\nglossary:\\n  fresh_kernel: yes please\\n---\\n")
    Traceback (most recent call last):
    ...
    glossary_site.myst.FrontMatterError: glossary.fresh_kernel must be true or false, not 'yes please'
    """
    settings = front_matter(text).get("glossary") or {}
    if not isinstance(settings, dict):
        raise FrontMatterError("glossary: in the front matter must be a mapping")
    for key, value in settings.items():
        if key not in GLOSSARY_SETTINGS:
            known = ", ".join(sorted(GLOSSARY_SETTINGS))
            raise FrontMatterError(f"unknown front-matter setting glossary.{key} (known: {known})")
        if not isinstance(value, GLOSSARY_SETTINGS[key]):
            raise FrontMatterError(f"glossary.{key} must be true or false, not {value!r}")
    return settings


# --- Code cells -------------------------------------------------------------------------

@dataclass(frozen=True)
class CodeCell:
    """One ``{code-cell}`` of a page."""

    line: int  # 1-based line of the opening fence
    options: dict[str, Any]  # ``:key: value`` lines, or a ``---`` YAML block, at the top
    source: str  # the code, without the options


def _split_options(body: str) -> tuple[dict[str, Any], str]:
    lines = body.splitlines(keepends=True)
    if lines and lines[0].rstrip() == "---":
        for end, line in enumerate(lines[1:], start=1):
            if line.rstrip() == "---":
                options = yaml.safe_load("".join(lines[1:end])) or {}
                return options, "".join(lines[end + 1:])
        raise FrontMatterError("a code cell's options block has no closing '---' line")
    count = 0
    while count < len(lines) and lines[count].startswith(":"):
        count += 1
    options = yaml.safe_load("".join(line[1:] for line in lines[:count])) or {} if count else {}
    return options, "".join(lines[count:])


def code_cells(text: str) -> list[CodeCell]:
    """The code cells of a MyST page, in order.

    >>> page = "---\\nkernelspec: {name: python3}\\n---\\n# T\\n\\n```{code-cell} ipython3\\n:load: a.py\\nprint(1)\\n```\\n"
    >>> code_cells(page)
    [CodeCell(line=6, options={'load': 'a.py'}, source='print(1)\\n')]
    >>> code_cells("````md\\n```{code-cell}\\nnot a cell\\n```\\n````\\n")
    []
    """
    lines = text.splitlines(keepends=True)
    if lines and lines[0].rstrip() == "---":  # front matter: blank it, keep the line numbers
        for end, line in enumerate(lines[1:], start=1):
            if line.rstrip() == "---":
                lines[: end + 1] = ["\n"] * (end + 1)
                break
    cells = []
    for token in MarkdownIt("commonmark").parse("".join(lines)):
        if token.type == "fence" and token.level == 0 and token.info.split()[:1] == ["{code-cell}"]:
            options, source = _split_options(token.content)
            cells.append(CodeCell(token.map[0] + 1, options, source))
    return cells
