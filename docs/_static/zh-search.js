/*
 * Search results: Chinese text marked as Chinese, as the build marks it on the
 * pages (glossary_site/zh_lang.py). Sphinx's searchtools.js writes the results
 * (titles, snippets) into #search-results as plain text; each run of Chinese
 * characters added there is wrapped in <span lang="zh-Hans">, so a screen
 * reader reads 暂退法 in Chinese, not with the page's English voice.
 */
"use strict";
(() => {
  const results = document.getElementById("search-results");
  if (!results) return;
  // The same characters as zh_lang.RUN: CJK ideographs and CJK punctuation.
  const CHINESE = "[\\u3400-\\u4dbf\\u4e00-\\u9fff\\uf900-\\ufaff\\u{20000}-\\u{3134f}\\u3000-\\u303f\\uff00-\\uffef]+";
  const HAS = new RegExp(CHINESE, "u");
  // Two: a test() with a global regex moves its lastIndex, where matchAll() would then start.
  const RUN = new RegExp(CHINESE, "gu");

  const mark = (root) => {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const found = [];
    for (let text = walker.nextNode(); text; text = walker.nextNode()) {
      if (HAS.test(text.data) && !text.parentElement.closest('[lang^="zh"]')) found.push(text);
    }
    for (const text of found) {
      const pieces = document.createDocumentFragment();
      let at = 0;
      for (const run of text.data.matchAll(RUN)) {
        if (run.index > at) pieces.append(text.data.slice(at, run.index));
        const span = document.createElement("span");
        span.lang = "zh-Hans";
        span.textContent = run[0];
        pieces.append(span);
        at = run.index + run[0].length;
      }
      if (at < text.data.length) pieces.append(text.data.slice(at));
      text.replaceWith(pieces);
    }
  };

  mark(results);
  new MutationObserver((changes) => {
    for (const change of changes) {
      if (change.type === "characterData") mark(change.target.parentElement);
      for (const node of change.addedNodes) {
        if (node.nodeType === Node.ELEMENT_NODE) mark(node);
        else if (node.nodeType === Node.TEXT_NODE && node.parentElement) mark(node.parentElement);
      }
    }
  }).observe(results, { childList: true, subtree: true, characterData: true });
})();
