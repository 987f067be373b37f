/*
 * A block that scrolls can be scrolled with the keyboard.
 *
 * Code, outputs and wide tables scroll sideways when they are wider than the
 * column (on a phone, most of them). A mouse or a finger scrolls them; a
 * keyboard can only scroll what has focus, and a <pre> takes none. So each
 * block of the article that can scroll on this screen, and only those (a stop
 * for Tab on every block would make the keyboard's way through a page long),
 * gets tabindex="0" with role="group" and a name ("Code", "Output", "Table",
 * "Formula") for a screen reader to announce when it has focus; arrow keys
 * then scroll it. (A group, not a region: twenty landmarks named "Output"
 * would crowd a screen reader's list of the page's landmarks.) Checked again when the window is resized, when a folded
 * claim's evidence is opened, once fonts are in and whenever the article
 * changes size (math typeset, for one). A block that no longer scrolls loses what this gave it.
 */
"use strict";
(() => {
  const article = document.querySelector("article");
  if (!article) return;
  const MARK = "data-scroll-region"; // what this script added, to take away again
  // Elements that may scroll: code and output blocks, furo's table wrappers, display math.
  const CANDIDATES = "pre, div.table-wrapper, div.output, div.math, mjx-container[display='true'], .katex-display";
  const SCROLLS = new Set(["auto", "scroll"]);

  const nameOf = (block) => {
    if (block.closest(".cell_output, .output")) return "Output";
    if (block.matches("pre")) return "Code";
    if (block.querySelector("table")) return "Table";
    if (block.matches("div.math, mjx-container, .katex-display")) return "Formula";
    return "Scrollable content";
  };

  const scrolls = (block) => {
    if (block.scrollWidth <= block.clientWidth + 1 && block.scrollHeight <= block.clientHeight + 1) {
      return false;
    }
    const style = getComputedStyle(block);
    return (block.scrollWidth > block.clientWidth + 1 && SCROLLS.has(style.overflowX))
      || (block.scrollHeight > block.clientHeight + 1 && SCROLLS.has(style.overflowY));
  };

  // conf.py turns on Sphinx's navigation_with_keys: ← and → anywhere on the page
  // open the previous and next pages (doctools.js, a keydown listener on the
  // document). In a block that scrolls sideways they must scroll it instead: they
  // stop here, before the document hears them, and the browser scrolls the block.
  const keepArrows = (event) => {
    if (event.key === "ArrowLeft" || event.key === "ArrowRight") event.stopPropagation();
  };

  const update = () => {
    for (const block of article.querySelectorAll(CANDIDATES)) {
      const marked = block.hasAttribute(MARK);
      if (scrolls(block)) {
        if (marked || block.hasAttribute("tabindex")) continue; // focusable already
        block.setAttribute(MARK, "");
        block.tabIndex = 0;
        block.setAttribute("role", "group");
        block.setAttribute("aria-label", nameOf(block));
        block.addEventListener("keydown", keepArrows);
      } else if (marked) {
        block.removeEventListener("keydown", keepArrows);
        block.removeAttribute(MARK);
        block.removeAttribute("tabindex");
        block.removeAttribute("role");
        block.removeAttribute("aria-label");
      }
    }
  };

  let pending = false;
  const soon = () => {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      update();
    });
  };

  update();
  window.addEventListener("resize", soon);
  window.addEventListener("load", soon);
  document.addEventListener("toggle", soon, true); // <details> (toggle does not bubble)
  document.fonts.ready.then(soon);
  // Math typeset, images loaded, anything else that changes the article's size.
  new ResizeObserver(soon).observe(article);
})();
