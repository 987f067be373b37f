// A display formula wider than the column scrolls sideways in its box, which takes
// keyboard focus (glossary_site/math_render.py). Sphinx's navigation_with_keys makes
// the left and right arrows "previous page" and "next page" on the whole document
// (doctools.js, a keydown listener on the document); inside a focused formula they
// scroll it instead: the event stops at the formula, its default (scrolling) stays.
document.querySelectorAll("div.glossary-display-math[tabindex]").forEach((formula) => {
  formula.addEventListener("keydown", (event) => {
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") event.stopPropagation();
  });
});
