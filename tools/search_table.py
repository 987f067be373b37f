"""Run every search case through the built site's search page in Chromium; print the table.

    python tools/search_table.py [--html _build/html] [--review-only] [--failures-only]

Each case of ``tests/search_queries.py`` (every name of every term, and the
review's 73 queries) is typed as a reader would: ``search.html?q=...`` is
opened, the search is left to finish (Sphinx writes its status line, or the
glossary's message for a search that found nothing), and the result links are
read in order. The rank of a case is the position of its page among the pages
found (a page listed twice, for its text and for one of its sections, counts
once). Exit status 1 if a case's page is missing or ranked below its
``max_rank``.

The site is served by ``http.server`` on a free port of 127.0.0.1, and the
browser is the system's Chromium (``/usr/bin/chromium``), started as the tests
start it.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import threading
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.search_queries import REVIEW_QUERIES, SearchCase, search_cases  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
# The search has finished: Sphinx wrote its status, or the glossary's miss message shows.
FINISHED = """() => {
  const status = document.querySelector("#search-results p.search-summary");
  const miss = document.getElementById("glossary-search-miss");
  return (status && status.textContent !== "") || (miss && !miss.hidden);
}"""
RESULT_LINKS = "() => [...document.querySelectorAll('#search-results ul.search li > a')].map(a => a.href)"


def serve(folder: Path) -> tuple[http.server.ThreadingHTTPServer, str]:
    handler = functools.partial(_QuietHandler, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # one line per request would drown the table
        pass


def page_of(url: str, base: str) -> str:
    """``glossary/dropout`` for ``http://.../glossary/dropout.html#anchor``."""
    path = urlsplit(url).path.removeprefix(urlsplit(base).path).lstrip("/")
    return path.removesuffix(".html")


def found_pages(page, base: str, query: str) -> list[str]:
    """The pages the search page lists for ``query``, in order, each once."""
    page.goto(f"{base}/search.html?q={quote(query)}")
    page.wait_for_function(FINISHED, timeout=15_000)
    pages = []
    for url in page.evaluate(RESULT_LINKS):
        name = page_of(url, base)
        if name not in pages:
            pages.append(name)
    return pages


def rank(case: SearchCase, pages: list[str]) -> int | None:
    target = f"glossary/{case.slug}"
    return pages.index(target) + 1 if target in pages else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--review-only", action="store_true",
                        help="only the review's 73 queries")
    parser.add_argument("--failures-only", action="store_true",
                        help="print only the cases that fail (and the totals)")
    args = parser.parse_args(argv)
    if not (args.html / "search.html").is_file():
        print(f"error: no search.html in {args.html}; build the site first", file=sys.stderr)
        return 2

    cases = search_cases()
    if args.review_only:
        review = {q for q, _, _ in REVIEW_QUERIES}
        cases = [c for c in cases if c.query in review]

    from playwright.sync_api import sync_playwright

    server, base = serve(args.html)
    rows = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page()
            for case in cases:
                pages = found_pages(page, base, case.query)
                rows.append((case, rank(case, pages), pages))
            browser.close()
    finally:
        server.shutdown()

    failed = 0
    print(f"{'query':<34} {'expected page':<32} {'rank':>4} {'max':>3}  top 3")
    for case, got, pages in rows:
        ok = got is not None and got <= case.max_rank
        failed += not ok
        if ok and args.failures_only:
            continue
        shown = "—" if got is None else str(got)
        top = ", ".join(p.removeprefix("glossary/") for p in pages[:3]) or "(nothing found)"
        mark = "" if ok else "  FAIL"
        print(f"{case.query:<34} {case.slug:<32} {shown:>4} {case.max_rank:>3}  {top}{mark}")
    first = sum(got == 1 for _, got, _ in rows)
    top3 = sum(got is not None and got <= 3 for _, got, _ in rows)
    missed = sum(got is None for _, got, _ in rows)
    print(f"\n{len(rows)} queries: {first} first, {top3} in the top 3, {missed} missed;"
          f" {failed} failing their case")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
