"""List the measured-looking numbers typed into pages' prose, without building.

    .venv/bin/python tools/typed_numbers.py docs/glossary/dropout.md [...]

A quick check while writing a page: it reads the MyST text with markdown-it
(myst-parser's parser) and applies the build's rule
(:data:`glossary_site.numbers.MEASURED`) to running text, skipping code,
math, roles (``{glue:text}`...```) and directives other than prose boxes such
as ``{claim}``. The build's check, on the parsed doctree, is the final word.
Exit status 1 when something was found.
"""

from __future__ import annotations

import sys
from pathlib import Path

from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.myst_role import myst_role_plugin

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from glossary_site.numbers import MEASURED  # noqa: E402

PROSE_DIRECTIVES = {"{claim}", "{note}", "{admonition}", "{tip}", "{warning}"}
PARSER = MarkdownIt("commonmark").use(dollarmath_plugin).use(myst_role_plugin)


def found(text: str, offset: int = 0) -> list[tuple[int, str]]:
    hits = []
    for token in PARSER.parse(text):
        line = offset + (token.map[0] + 1 if token.map else 0)
        if token.type == "fence":
            if token.info.split()[:1] and token.info.split()[0] in PROSE_DIRECTIVES:
                body = "".join(
                    "\n" if ln.startswith(":") else ln
                    for ln in token.content.splitlines(keepends=True)
                )
                hits += found(body, line)
            continue
        if token.type == "inline":
            for child in token.children or []:
                if child.type == "text":
                    hits += [(line, m.group().strip()) for m in MEASURED.finditer(child.content)]
    return hits


def main(paths: list[str]) -> int:
    status = 0
    for path in paths:
        text = Path(path).read_text(encoding="utf-8")
        if text.startswith("---"):  # front matter: blank it, keep line numbers
            end = text.index("\n---", 3) + 4
            text = "\n" * text[:end].count("\n") + text[end:]
        for line, number in found(text):
            print(f"{path}:{line}: {number!r} typed by hand")
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
