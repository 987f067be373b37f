/*
 * A term's names and one-line summary, where the reader meets a link to it.
 *
 * glossary_site/previews.py wraps every link to a term page in
 * <span class="term-preview" title="Name · 中文名 — summary"> (the browser's own
 * tooltip when this script does not run; the names come before the first " — ",
 * which no name holds: tests/test_site.py). This script shows one popover (role="tooltip",
 * named by the link's aria-describedby while it is shown):
 * - mouse: while the pointer is over the link or the popover;
 * - keyboard: while the link has keyboard focus (:focus-visible, so the focus
 *   a click or a tap gives a link shows nothing by itself);
 * - touch: the first tap on a link shows it instead of following the link; a
 *   second tap on the same link, or a tap on the popover's link, follows it; a
 *   tap anywhere else closes it.
 * Escape closes it. It is placed under the link (above when there is no room
 * below) and kept inside the viewport.
 */
"use strict";
(() => {
  const links = [...document.querySelectorAll("span.term-preview > a[href]")];
  if (!links.length) return;

  const MARGIN = 8; // px between the popover and the viewport's edges, and the link
  const HIDE_DELAY = 200; // ms: time to move the pointer from the link onto the popover

  const tip = document.createElement("div");
  tip.id = "term-preview-tip";
  tip.className = "term-preview-tip";
  tip.setAttribute("role", "tooltip");
  tip.hidden = true;
  const heading = document.createElement("a");
  heading.className = "term-preview-name";
  heading.tabIndex = -1; // not a stop of its own for Tab: the link it describes is
  const summary = document.createElement("span");
  summary.className = "term-preview-summary";
  tip.append(heading, summary);
  document.body.appendChild(tip);

  let current = null; // the link the popover describes
  let hideTimer = null;
  let lastPointer = "mouse"; // the pointer type of the last pointerdown

  const cancelHide = () => {
    clearTimeout(hideTimer);
    hideTimer = null;
  };

  const place = (link) => {
    // The first line of a link that wraps: the popover belongs to where it starts.
    const box = link.getClientRects()[0] || link.getBoundingClientRect();
    const width = document.documentElement.clientWidth;
    const height = document.documentElement.clientHeight;
    tip.style.left = "0px";
    tip.style.top = "0px";
    const own = tip.getBoundingClientRect();
    let left = Math.min(box.left, width - own.width - MARGIN);
    left = Math.max(MARGIN, left);
    let top = box.bottom + MARGIN;
    if (top + own.height > height - MARGIN && box.top - MARGIN - own.height >= MARGIN) {
      top = box.top - MARGIN - own.height;
    }
    tip.style.left = `${left + window.scrollX}px`;
    tip.style.top = `${top + window.scrollY}px`;
  };

  // Text with its runs of Chinese in <span lang="zh-Hans">, as the build marks the
  // pages (glossary_site/zh_lang.py): a screen reader reads them in Chinese.
  const CHINESE = /[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u{20000}-\u{3134f}\u3000-\u303f\uff00-\uffef]+/gu;
  const setText = (element, text) => {
    element.textContent = "";
    let at = 0;
    for (const run of text.matchAll(CHINESE)) {
      if (run.index > at) element.append(text.slice(at, run.index));
      const span = document.createElement("span");
      span.lang = "zh-Hans";
      span.textContent = run[0];
      element.append(span);
      at = run.index + run[0].length;
    }
    if (at < text.length) element.append(text.slice(at));
  };

  const show = (link) => {
    cancelHide();
    if (current === link && !tip.hidden) return;
    if (current) current.removeAttribute("aria-describedby");
    const text = described.get(link);
    setText(heading, text.names);
    heading.href = link.href;
    setText(summary, text.summary);
    current = link;
    link.setAttribute("aria-describedby", tip.id);
    tip.hidden = false;
    place(link);
    // Focus by Tab scrolls the link into view after the focus event: place it again
    // once the page has moved, on the side of the link that is then on screen.
    requestAnimationFrame(() => current === link && place(link));
  };

  const hide = () => {
    cancelHide();
    tip.hidden = true;
    if (current) current.removeAttribute("aria-describedby");
    current = null;
  };

  const hideSoon = () => {
    cancelHide();
    hideTimer = setTimeout(hide, HIDE_DELAY);
  };

  const described = new Map(); // link -> {names, summary}, from its span's title
  for (const link of links) {
    const [names, ...rest] = link.parentElement.title.split(" — ");
    described.set(link, { names, summary: rest.join(" — ") });
    // The popover says it now; two tooltips at once would cover each other.
    link.parentElement.removeAttribute("title");
    link.addEventListener("pointerenter", (e) => {
      if (e.pointerType === "mouse") show(link);
    });
    link.addEventListener("pointerleave", (e) => {
      if (e.pointerType === "mouse" && !link.matches(":focus-visible")) hideSoon();
    });
    link.addEventListener("focus", () => {
      if (link.matches(":focus-visible")) show(link);
    });
    link.addEventListener("blur", () => {
      if (current === link) hideSoon();
    });
    link.addEventListener("click", (e) => {
      // A first tap shows the popover; a second tap on the same link follows it.
      if (lastPointer === "touch" && (current !== link || tip.hidden)) {
        e.preventDefault();
        show(link);
      }
    });
  }

  tip.addEventListener("pointerenter", (e) => {
    if (e.pointerType === "mouse") cancelHide();
  });
  tip.addEventListener("pointerleave", (e) => {
    if (e.pointerType === "mouse") hideSoon();
  });
  document.addEventListener("pointerdown", (e) => {
    lastPointer = e.pointerType;
    // A tap or click outside the link and the popover closes it.
    if (current && !tip.contains(e.target) && !current.contains(e.target)) hide();
  }, true);
  document.addEventListener("keydown", (e) => {
    if (e.key === "Escape" && current) hide();
  });
  window.addEventListener("resize", () => current && place(current));
  window.addEventListener("scroll", () => current && place(current), { passive: true });
})();
