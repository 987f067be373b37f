"""Math typeset at build: MathJax in V8 (``mathjax_engine``), the Sphinx renderer
(``math_render``) and the fonts cut to what the pages draw (``math_fonts``).

The unit tests start MathJax once for the module (a second or so); the engine
tests build the fixture project with a formula on a page.
"""

from __future__ import annotations

import shutil

import pytest
from fontTools.ttLib import TTFont

from glossary_site import math_fonts, math_render, mathjax_engine

from .conftest import edit, log, run_build
from .fixture import make_fixture


@pytest.fixture(scope="module")
def engine():
    process = mathjax_engine.EngineProcess()
    yield process
    process.close()


# Every kind of formula the site's pages use, and a bit of MathML each must give.
KINDS = {
    r"\mathbb{E}[\tilde h_i] = \frac{1}{1-p} \sum_i x_i":
        ('<mi mathvariant="double-struck">E</mi>', "<mfrac>", "∑"),
    r"\operatorname{ReLU}(z) = \max(0, z)": ("<mi>ReLU</mi>", "<mo data-mjx-texclass=\"OP\""),
    r"f(z) = \begin{cases} z & z > 0 \\ 0 & \text{otherwise} \end{cases}":
        ("<mtable", "<mtext>otherwise</mtext>"),
    r"\begin{aligned} a &= b \\ \dfrac{\partial L}{\partial w} &= \mathbf{x} \end{aligned}":
        ("<mtable", "∂", '<mi mathvariant="bold">x</mi>'),
    r"\prod_{l>k} \lVert W_l \rVert \left( \hat y - y \right)^2 \mathcal{L}":
        ("∏", "‖", '<mo data-mjx-texclass="OPEN">(</mo>', 'mathvariant="script"'),
}


@pytest.mark.parametrize("tex", list(KINDS))
def test_each_kind_of_formula_is_typeset_with_its_mathml(engine, tex):
    rendered = engine.render(tex, display=True)
    assert rendered.html.startswith('<mjx-container class="MathJax" jax="CHTML" display="true"')
    # The typeset part is hidden from screen readers, which read the MathML beside it.
    assert 'aria-hidden="true"' in rendered.html and "<mjx-assistive-mml" in rendered.html
    for part in KINDS[tex]:
        assert part in rendered.html, part
    # Its characters' CSS comes with it: each mjx-c class has its rule.
    classes = set(mathjax_engine_classes(rendered.html))
    rules = "\n".join(rendered.rules)
    assert classes and all(f"mjx-c.{c}" in rules for c in classes), classes
    assert rendered.width > 2


def mathjax_engine_classes(html: str) -> list[str]:
    import re

    return re.findall(r'<mjx-c class="(mjx-c[0-9A-F]+)', html)


def test_inline_math_is_inline_and_narrower_than_its_display(engine):
    inline = engine.render(r"\sum_i x_i", display=False)
    display = engine.render(r"\sum_i x_i", display=True)
    assert 'display="true"' not in inline.html
    assert 0 < inline.width < display.width + 1e-9
    # The base rules (common to every page) are not repeated in a formula's own.
    assert not set(inline.rules) & set(engine.base_rules())
    assert any("@font-face" in r and mathjax_engine.FONT_URL in r for r in engine.base_rules())


@pytest.mark.parametrize("tex, message", [
    (r"\foo x", r"Undefined control sequence \foo"),
    (r"\frac{1}{", "Missing close brace"),
    (r"\begin{cases} a \end{align}", r"\begin{cases} ended with \end{align}"),
])
def test_a_bad_formula_raises_with_mathjax_s_message(engine, tex, message):
    with pytest.raises(mathjax_engine.TexError, match=message.replace("\\", "\\\\").replace("{", "\\{")
                       .replace("}", "\\}")):
        engine.render(tex, display=False)
    assert engine.render("x", display=False).html  # and the engine carries on


def test_the_disk_cache_answers_without_mathjax(tmp_path, monkeypatch, engine):
    first = math_render.render(r"a^2 + b^2", False, tmp_path)
    assert list(tmp_path.rglob("*.json"))

    def no_engine():
        raise AssertionError("MathJax started for a cached formula")

    monkeypatch.setattr(math_render, "_get_engine", no_engine)
    assert math_render.render(r"a^2 + b^2", False, tmp_path) == first


def test_display_tex_is_what_sphinx_mathjax_would_typeset():
    from docutils import nodes

    def block(text, **attributes):
        node = nodes.math_block(text, text)
        node.attributes.update(attributes)
        return node

    assert math_render.display_tex(block("a = b")) == "a = b"
    assert math_render.display_tex(block(r"a &= b \\ c &= d")) == r"\begin{split}a &= b \\ c &= d\end{split}"
    assert math_render.display_tex(block("a = b\n\nc = d")) == (
        r"\begin{align}\begin{aligned}a = b\\c = d\end{aligned}\end{align}")
    assert math_render.display_tex(block(r"\begin{align*}a\end{align*}", nowrap=True)) == (
        r"\begin{align*}a\end{align*}")


def test_fonts_are_cut_to_the_characters_each_draws(engine, tmp_path):
    x = engine.render("x", display=False)  # Math-Italic's x
    bold = engine.render(r"\mathbf{W}", display=False)  # Main-Bold's W
    # As a build writes them: MathJax's common rules (the @font-faces, the variants'
    # families) in the shared stylesheet, the formulas' own rules in the page.
    site = tmp_path / "html"
    (site / "_static").mkdir(parents=True)
    common = "\n".join(math_render.compact(r) for r in engine.base_rules())
    (site / "_static" / math_fonts.SHARED_CSS).write_text(common, encoding="utf-8")
    css = "\n".join(math_render.compact(r) for r in [*x.rules, *bold.rules])
    (site / "page.html").write_text(f'<style id="glossary-math">\n{css}\n</style>', encoding="utf-8")
    drawn = math_fonts.characters(site)
    assert drawn["MathJax_Math-Italic.woff"] == {"x"}
    assert drawn["MathJax_Main-Bold.woff"] == {"W"}
    fonts = math_fonts.subset_fonts(drawn, tmp_path / "cache")
    italic = TTFont(fonts / "MathJax_Math-Italic.woff")
    assert ord("x") in italic.getBestCmap() and ord("y") not in italic.getBestCmap()
    whole = mathjax_engine.FONTS_DIR / "MathJax_Math-Italic.woff"
    assert (fonts / "MathJax_Math-Italic.woff").stat().st_size < whole.stat().st_size / 4
    assert math_fonts.subset_fonts(drawn, tmp_path / "cache") == fonts  # cached


# --- Builds of the fixture project -----------------------------------------------------

@pytest.mark.engine
def test_a_formula_mathjax_cannot_typeset_fails_the_build_naming_page_and_formula(tmp_path):
    project = make_fixture(tmp_path / "p")
    page = project / "docs" / "a.md"
    page.write_text("# Page a\n\nProse only.\n\nGood: $x^2$.\n\n$$\n\\frac{1}{2} \\foo\n$$\n",
                    encoding="utf-8")
    result = run_build(project)
    assert result.returncode != 0
    where = "docs/a.md:7: ERROR: formula could not be typeset: Undefined control sequence \\foo: \\frac{1}{2} \\foo"
    assert where in log(result), log(result)

    again = run_build(project)  # nothing changed: the failure sticks
    assert again.returncode != 0 and where in log(again), log(again)

    edit(page, "\\foo", "\\cdot 3")
    fixed = run_build(project)
    assert fixed.returncode == 0, log(fixed)
    html = (project / "_build" / "html" / "a.html").read_text(encoding="utf-8")
    assert html.count("<mjx-container") == 2 and '<style id="glossary-math">' in html
    assert "mathjax" not in html.split("<style", 1)[0].lower()  # no script, no stylesheet link
    assert 'href="_static/glossary-math.css' in html  # MathJax's common rules, shared
    assert "MJXZERO" in (project / "_build" / "html" / "_static" / math_fonts.SHARED_CSS).read_text()
    fonts = project / "_build" / "html" / "_static" / math_fonts.FOLDER
    assert (fonts / "MathJax_Main-Regular.woff").is_file()
    shutil.rmtree(project)
