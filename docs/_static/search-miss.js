/*
 * Search page: when a search finds nothing, show the glossary's message
 * (#glossary-search-miss, in docs/_templates/search.html) in place of Sphinx's
 * sentence. Sphinx's searchtools.js fills #search-results with a status
 * paragraph (p.search-summary), written once the search has finished, and a
 * list of results (ul.search); glossary_site/upstream.py checks that it still
 * does ("search page").
 */
"use strict";
(() => {
  const results = document.getElementById("search-results");
  const miss = document.getElementById("glossary-search-miss");
  if (!results || !miss) return;

  // Whether the search has finished (and, if it found nothing, the message is shown).
  const showIfMissed = () => {
    const status = results.querySelector("p.search-summary");
    const list = results.querySelector("ul.search");
    if (!status || !status.textContent || !list) return false;
    if (list.children.length) return true;
    const query = new URLSearchParams(window.location.search).get("q") || "";
    miss.querySelector(".glossary-search-query").textContent = query;
    status.hidden = true;
    results.appendChild(miss);
    miss.hidden = false;
    return true;
  };

  if (showIfMissed()) return;
  const watch = new MutationObserver(() => {
    if (showIfMissed()) watch.disconnect();
  });
  watch.observe(results, { childList: true, subtree: true, characterData: true });
})();
