"""MathJax 3, run at build time in an embedded V8 (``mini-racer``): TeX in, CommonHTML out.

The pages carry their formulas already typeset: no MathJax in the browser, no
layout shift when it would have finished, and only the fonts a page uses are
downloaded. The JavaScript is MathJax's own (the ``es5`` components that the
``sphinx-mathjax-offline`` distribution ships), loaded component by component
into V8 as MathJax's node example does with ``require``; nothing of it reaches
the site but its web fonts.

:class:`Engine` runs V8 in this process. Sphinx forks its parallel readers and
writers, and V8 does not survive a fork (its platform threads stay behind in
the parent), so the build uses :class:`EngineProcess`: the same engine in a
child Python (``python -m glossary_site.mathjax_engine``), one per Sphinx
process that needs it, speaking JSON lines on its standard streams.

What it reaches of MathJax beyond its documented API is an entry of
:mod:`glossary_site.upstream` ("mathjax at build").

A formula comes back as a :class:`Rendered`: the CHTML markup (with MathJax's
assistive MathML inside, which screen readers read), the CSS rules it needs on
top of :meth:`Engine.base_rules`, and its width in em (for the display
formulas that may scroll on a phone).
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from . import upstream

# The es5 tree of the sphinx-mathjax-offline distribution (MathJax 3.2.2).
MATHJAX_DIR = Path(importlib.util.find_spec("sphinx-mathjax-offline").origin).parent / "static" / "mathjax"
FONTS_DIR = MATHJAX_DIR / "output" / "chtml" / "fonts" / "woff-v2"
# In load order: what MathJax's loader would fetch for input/tex-full + output/chtml.
COMPONENTS = ("core", "adaptors/liteDOM", "input/tex-full", "output/chtml",
              "output/chtml/fonts/tex", "a11y/assistive-mml")
# Stands for the fonts' folder in the CSS: each page puts its own relative path there.
FONT_URL = "@MATHJAX_FONTS@"

# MathJax's configuration. TeX packages: all of tex-full's except ``noerrors``
# and ``noundefined``, which would typeset a bad formula as red text instead of
# failing; and ``autoload``/``require``, which would fetch files at typeset time.
CONFIG = """
var window = this;
var MathJax = {
  loader: {load: [], require: function (name) { throw new Error("no require: " + name); }},
  startup: {typeset: false, adaptor: "liteAdaptor", document: "", input: ["tex"], output: "chtml"},
  tex: {
    packages: {"[-]": ["noerrors", "noundefined", "autoload", "require"]},
    formatError: function (jax, error) { throw error; }
  },
  chtml: {fontURL: "%s", adaptiveCSS: true}
};
""" % FONT_URL

# The functions Python calls (GLOSSARY.render, GLOSSARY.base): they reach
# into MathJax beyond its documented API, so they are an entry of upstream.py.
DRIVER = upstream.MATHJAX_DRIVER


def fingerprint() -> str:
    """What a rendered formula depends on besides its TeX: a cache key prefix."""
    parts = [upstream.mathjax_version(MATHJAX_DIR), CONFIG, DRIVER, *COMPONENTS]
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:16]


def split_rules(css: str) -> list[str]:
    """MathJax's stylesheet text, one rule per item (it separates rules by a blank line)."""
    return [rule.strip() for rule in css.split("\n\n") if rule.strip()]


class TexError(ValueError):
    """MathJax could not typeset the formula: its message (``Undefined control sequence \\foo``)."""


@dataclass(frozen=True)
class Rendered:
    html: str  # <mjx-container ...> with the assistive MathML inside
    rules: tuple[str, ...]  # CSS rules beyond the base rules, in MathJax's order
    width: float  # in em


class Engine:
    """MathJax in a V8 of this process. Never use it in a process that may fork."""

    def __init__(self) -> None:
        from py_mini_racer import MiniRacer

        self._v8 = MiniRacer()
        self._v8.eval(CONFIG)
        self._v8.eval((MATHJAX_DIR / "startup.js").read_text(encoding="utf-8"))
        # Marked as loaded before they are: the loader then never fetches them.
        self._v8.eval(f"MathJax.loader.preLoad({', '.join(json.dumps(c) for c in COMPONENTS)});")
        for component in COMPONENTS:
            self._v8.eval((MATHJAX_DIR / f"{component}.js").read_text(encoding="utf-8"))
        self._v8.eval("MathJax.startup.defaultReady();")
        self._v8.eval(DRIVER)
        self._base = split_rules(json.loads(self._v8.eval("GLOSSARY.base()"))["css"])

    def base_rules(self) -> list[str]:
        """The CSS every page with a formula needs: MathJax's common rules and @font-faces."""
        return list(self._base)

    def render(self, tex: str, display: bool) -> Rendered:
        answer = json.loads(self._v8.eval(
            f"GLOSSARY.render({json.dumps(tex)}, {json.dumps(display)})", timeout_sec=60))
        if "error" in answer:
            raise TexError(answer["error"])
        base = set(self._base)
        rules = tuple(r for r in split_rules(answer["css"]) if r not in base)
        return Rendered(answer["html"], rules, round(answer["width"], 3))


class EngineProcess:
    """The :class:`Engine` in a child process: safe in a process that forks, or was forked."""

    def __init__(self) -> None:
        self._child = subprocess.Popen(
            [sys.executable, "-m", __name__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            text=True, encoding="utf-8", env={**os.environ, "PYTHONPATH": _import_path()})
        self._base = self._ask({"base": True})["rules"]

    def _ask(self, request: dict) -> dict:
        self._child.stdin.write(json.dumps(request) + "\n")
        self._child.stdin.flush()
        line = self._child.stdout.readline()
        if not line:
            raise RuntimeError(f"the MathJax process stopped (exit code {self._child.wait()})")
        return json.loads(line)

    def base_rules(self) -> list[str]:
        return list(self._base)

    def render(self, tex: str, display: bool) -> Rendered:
        answer = self._ask({"tex": tex, "display": display})
        if "error" in answer:
            raise TexError(answer["error"])
        return Rendered(answer["html"], tuple(answer["rules"]), answer["width"])

    def close(self) -> None:
        self._child.stdin.close()
        self._child.wait()


def _import_path() -> str:
    """This checkout's packages first, then whatever the parent had: the child imports the same code."""
    here = str(Path(__file__).resolve().parent.parent)
    return os.pathsep.join([here, *filter(None, [os.environ.get("PYTHONPATH")])])


def main() -> None:
    """Serve :class:`EngineProcess`: one JSON request per line in, one answer per line out."""
    engine = Engine()
    for line in sys.stdin:
        request = json.loads(line)
        if request.get("base"):
            answer = {"rules": engine.base_rules()}
        else:
            try:
                r = engine.render(request["tex"], request["display"])
                answer = {"html": r.html, "rules": list(r.rules), "width": r.width}
            except TexError as bad:
                answer = {"error": str(bad)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()
    sys.stdout.flush()
    # V8's threads would keep the interpreter from exiting: leave at once.
    os._exit(0)


if __name__ == "__main__":
    main()
