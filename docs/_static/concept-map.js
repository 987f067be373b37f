/*
 * The concept map (glossary_site/maps.py): pointing at a box, or giving it keyboard focus,
 * brings out its edges (what to learn first, what to read next) and fades the others.
 * Where the map is wider than the screen, it starts scrolled to its middle, where the
 * first terms are. Without the script the map is the same, all edges alike.
 */
"use strict";
(() => {
  const svg = document.querySelector("svg.concept-map-svg");
  if (!svg) return;
  const frame = svg.closest(".concept-map-scroll");
  if (frame) frame.scrollLeft = (frame.scrollWidth - frame.clientWidth) / 2;
  const edges = [...svg.querySelectorAll(".cm-edges path[data-edge]")];
  const light = (slug) => {
    svg.classList.toggle("cm-focus", slug !== null);
    for (const edge of edges) {
      const [source, target] = edge.dataset.edge.split(" ");
      edge.classList.toggle("cm-in", slug !== null && target === slug);
      edge.classList.toggle("cm-out", slug !== null && source === slug);
    }
  };
  for (const node of svg.querySelectorAll(".cm-node")) {
    const slug = node.dataset.slug;
    node.addEventListener("pointerenter", () => light(slug));
    node.addEventListener("pointerleave", () => light(null));
    node.addEventListener("focus", () => light(slug));
    node.addEventListener("blur", () => light(null));
  }
})();
