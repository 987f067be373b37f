/*
 * The glossary's search scorer: Sphinx's html_search_scorer. glossary_site/search.py
 * writes it into the build with, above this line, GLOSSARY_NAMES (every term
 * page's names, normalised, 1 marking a related concept) and GLOSSARY_SEPARATORS
 * (what registry.normalise drops: spaces, hyphens, dashes, underscores).
 *
 * Sphinx scores a page by where the query's words occur (an index entry, a
 * title, the text). A glossary's reader types a name, so on top of that:
 * - the query is one of a term's names (any language or case, with or without
 *   separators): that page comes first;
 * - it is the name of a related concept: the page that explains it comes next;
 * - it is half or more of a name (梯度 of 梯度下降, "dense" of "dense layer"):
 *   the pages with such names rise, the more of their names it covers the more.
 * Only a hit on the page itself (no anchor) is lifted, not one on a section.
 */
var Scorer = {
  // Sphinx 9.0.4's own weights (searchtools.js): this object replaces its default one.
  objNameMatch: 11,
  objPartialMatch: 6,
  objPrio: { 0: 15, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,

  // Far above anything Sphinx gives (an index entry the query equals scores 100).
  nameMatch: 1000,
  conceptMatch: 500,
  partialName: 100,  // times the part of the name the query covers
  partialConcept: 50,
  coverage: 10,  // times the summed parts of all names that contain the query

  score: (result) => {
    const [docname, _title, anchor, _descr, score] = result;
    const names = GLOSSARY_NAMES[docname];
    if (!names || anchor !== "") return score;
    return score + glossaryNameScore(names, glossaryQuery());
  },
};

// The query as the names were normalised: NFKC, lowercase, no separators.
// (The search page is search.html?q=..., the form Sphinx's search box submits.)
const glossaryQuery = () =>
  (new URLSearchParams(window.location.search).get("q") || "")
    .normalize("NFKC")
    .toLowerCase()
    .replace(GLOSSARY_SEPARATORS, "");

const glossaryNameScore = (names, query) => {
  if (query.length < 2) return 0; // one letter is part of too many names
  let best = 0;
  let covered = 0;
  for (const [name, concept] of names) {
    if (name === query) {
      best = Math.max(best, concept ? Scorer.conceptMatch : Scorer.nameMatch);
    } else if (name.includes(query)) {
      const part = query.length / name.length;
      covered += part;
      if (2 * query.length >= name.length) {
        const weight = concept ? Scorer.partialConcept : Scorer.partialName;
        best = Math.max(best, Math.round(weight * part));
      }
    }
  }
  return best + (best ? Math.round(Scorer.coverage * covered) : 0);
};
