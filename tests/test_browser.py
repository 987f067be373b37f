"""The built site in a real browser: the system's headless Chromium, driven by Playwright.

What only a browser shows: every page loads with no request to another host,
no console error and no math left unrendered (it is typeset when the site is
built: no MathJax runs in the browser); the search finds each term; every term
page's downloads resolve; a copy button copies exactly the code; a link to a
term shows the term's names and summary on hover, keyboard focus and tap; a
term page weighs at most 500 KB, no page's layout shifts as it loads, and on a
phone no formula is cut off.

The site (``conftest.built_site``) is served by ``http.server`` on a loopback
port rather than opened as ``file:`` URLs: clipboard permissions are granted
to an origin, and ``http://127.0.0.1`` is a secure one (``file:`` pages have an
opaque origin); a download "resolves" when the server answers 200, as it would
for a reader; and "another host" is simply any other origin.

Each check is one test over every page, listing all its failures together,
not a test per page: pytest-xdist's ``loadscope`` hands out the modules with
the most tests first, and a module of 177 tests started at once and kept its
worker waiting for the site build instead of running the engine tests
meanwhile (cold ``make test``: 6 min 3 s, against 4 min 12 s as it is now).

One Chromium and one browser context for the module. Playwright's async API,
on an event loop the module keeps, loads several pages at once: a page's time
is the browser's own work (scripts, layout), which waits on nothing else.
Chromium is the system's (``GLOSSARY_CHROMIUM``, or ``chromium`` on ``PATH``;
``make test`` installs it when it can). Without one every test here fails with
the line saying what to install: a browser test is never skipped.
"""

from __future__ import annotations

import ast
import asyncio
import doctest
import functools
import http.server
import itertools
import json
import re
import sys
import threading
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

from glossary_examples._lib import registry
from glossary_site import settings
from glossary_site.myst import code_cells

from .conftest import ROOT

pytestmark = pytest.mark.browser

SLUGS = [t.slug for t in registry.TERMS]
PAGES = ["index.html", "claims.html", "concept-map.html", "genindex.html", "search.html",
         *(f"glossary/{slug}.html" for slug in SLUGS)]
# Pages in flight at once. All 59 pages on 2 busy cores: one at a time 62 s, two
# 34 s, four 31 s, eight 26 to 30 s; beyond four it is noise.
IN_FLIGHT = 4
# Any host but the local server resolves to nothing, at once: a request to another
# host fails in the test instead of hanging or, on an open network, succeeding.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
# TeX that was not typeset: a delimiter still in the text is unrendered math.
RAW_TEX = ("$$", "\\(", "\\[", "\\begin{")


# --- The server and the browser ---------------------------------------------------------

class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


class QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        # A page closed while a font was still loading hangs up on the server:
        # no traceback for that; anything else is printed as usual.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def site_url(built_site):
    """The built site, served on a loopback port: its base URL, ending in ``/``."""
    handler = functools.partial(QuietHandler, directory=str(built_site))
    server = QuietServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


@dataclass
class Browser:
    """One Chromium, one context (clipboard allowed), the loop their API runs on, the site."""

    loop: asyncio.AbstractEventLoop
    context: object  # playwright.async_api.BrowserContext
    base: str  # the site's URL
    site: Path  # the site's folder

    def run(self, coroutine):
        return self.loop.run_until_complete(coroutine)


@pytest.fixture(scope="module")
def browser(request):
    try:
        executable = settings.chromium()
    except settings.SettingError as missing:
        pytest.fail(str(missing), pytrace=False)
    # Only now the site (minutes when cold): no browser, no waiting for a build.
    site_url = request.getfixturevalue("site_url")
    from playwright.async_api import async_playwright

    loop = asyncio.new_event_loop()
    playwright = loop.run_until_complete(async_playwright().start())
    chromium = loop.run_until_complete(playwright.chromium.launch(
        executable_path=executable, args=[*settings.CHROMIUM_ARGS, OFFLINE]))
    context = loop.run_until_complete(chromium.new_context(
        permissions=["clipboard-read", "clipboard-write"]))
    yield Browser(loop, context, site_url, request.getfixturevalue("built_site"))
    loop.run_until_complete(chromium.close())
    loop.run_until_complete(playwright.stop())
    loop.close()


# --- Every page: requests, console, math --------------------------------------------------

@dataclass
class Visit:
    """What one page did while it loaded, and what it shows once its fonts are in."""

    foreign: list[str] = field(default_factory=list)  # requests to another host
    errors: list[str] = field(default_factory=list)  # console errors, exceptions, failed loads
    math_errors: list[str] = field(default_factory=list)  # MathJax's, or a MathJax script
    raw_tex: list[str] = field(default_factory=list)  # TeX left in the text, in context
    downloads: list[str] = field(default_factory=list)  # a.glossary-download, absolute
    layout: dict = field(default_factory=dict)  # at 1280 px, scrolled through: see LAYOUT


# After load: the fonts the formulas use are loaded (or failed) when the document's
# fonts are ready. Math is typeset at build (glossary_site/math_render.py), where a
# bad formula fails the build; were MathJax to run here after all (a script left
# in a page), its errors would show as an merror, or, for an undefined macro, as
# its own name in red. Text outside code is where TeX must not be left.
AFTER_LOAD = """async () => {
  await document.fonts.ready;
  const prose = document.body.cloneNode(true);
  prose.querySelectorAll("pre, code, script, style").forEach((n) => n.remove());
  return {
    mathErrors: [
      ...(window.MathJax ? ["MathJax runs in the browser"] : []),
      ...[...document.querySelectorAll("mjx-merror")].map(
        (e) => e.getAttribute("data-mjx-error") || e.textContent),
      ...[...document.querySelectorAll('mjx-assistive-mml mtext[mathcolor="red"]')].map(
        (e) => `undefined macro ${e.textContent}`),
    ],
    text: prose.textContent,
    downloads: [...document.querySelectorAll("a.glossary-download")].map((a) => a.href),
  };
}"""


def local(url: str, base: str) -> bool:
    # data: and blob: URLs are made inside the page: no request leaves it.
    return url.startswith(base) or urlsplit(url).scheme in ("data", "blob")


async def visit(browser: Browser, path: str, gate: asyncio.Semaphore) -> Visit:
    async with gate:
        v, loading = Visit(), [True]
        page = await browser.context.new_page()

        def error(text: str) -> None:
            if loading:  # what closing the page cancels is not the page's doing
                v.errors.append(text)

        def console(message) -> None:
            # Chromium asks every server for /favicon.ico by itself (the site declares
            # no icon): its 404 is the browser's, not the page's.
            if message.location.get("url") == browser.base + "favicon.ico":
                return
            if message.type in ("error", "assert"):
                error(f"console: {message.text} ({message.location.get('url')})")

        page.on("request", lambda r: local(r.url, browser.base) or v.foreign.append(r.url))
        page.on("requestfailed", lambda r: error(f"failed: {r.url} ({r.failure})"))
        page.on("response", lambda r: r.status >= 400 and error(f"{r.status}: {r.url}"))
        page.on("pageerror", lambda e: error(f"uncaught: {e}"))
        page.on("console", console)
        await page.add_init_script(COUNT_SHIFTS)
        await page.goto(browser.base + path)
        shown = await page.evaluate(AFTER_LOAD)
        v.layout = await page.evaluate(LAYOUT, True)
        loading.clear()
        await page.close()
        v.math_errors = shown["mathErrors"]
        v.downloads = shown["downloads"]
        text = shown["text"]
        for tex in RAW_TEX:
            at = text.find(tex)
            if at >= 0:
                v.raw_tex.append(" ".join(text[max(0, at - 30):at + 40].split()))
        return v


@pytest.fixture(scope="module")
def visits(browser) -> dict[str, Visit]:
    """Every page of the site, loaded once, a few at a time: path → :class:`Visit`."""

    async def visit_all():
        gate = asyncio.Semaphore(IN_FLIGHT)
        return await asyncio.gather(*(visit(browser, path, gate) for path in PAGES))

    return dict(zip(PAGES, browser.run(visit_all())))


def test_every_page_of_the_site_is_visited(built_site):
    """Every page of the English edition; the Chinese edition has the same pages (its
    templates, scripts and styles are the same: tests/test_site.py checks its pages, and
    the test below loads one in the browser)."""
    on_disk = sorted(p.relative_to(built_site).as_posix() for p in built_site.rglob("*.html"))
    english = [p for p in on_disk if not p.startswith("zh_CN/")]
    assert english == sorted(PAGES)
    assert [p for p in on_disk if p.startswith("zh_CN/")] == sorted(f"zh_CN/{p}" for p in PAGES)


def test_a_chinese_page_shows_its_switch_to_english_on_a_phone_and_a_desktop(browser):
    """The Chinese dropout page: its edition switch is on screen at the top, and leads to
    the English page; the page loads with no error."""

    async def check(viewport):
        context = await browser.context.browser.new_context(viewport=viewport)
        page = await context.new_page()
        errors = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        await page.goto(f"{browser.base}zh_CN/glossary/dropout.html")
        switch = page.locator("p.edition-switch a")
        box = await switch.bounding_box()
        heading = await page.locator("h1").inner_text()
        await switch.click()
        await page.wait_for_load_state()
        landed = page.url
        await context.close()
        return box, heading, landed, errors

    for viewport in (DESKTOP, PHONE):
        box, heading, landed, errors = browser.run(check(viewport))
        assert box is not None and box["y"] < 200 and box["height"] >= 24, (viewport, box)
        assert heading.startswith("暂退法 · Dropout"), heading
        assert landed == f"{browser.base}glossary/dropout.html" and not errors, (landed, errors)


def table(problems: dict[str, list[str]]) -> str:
    """Every failing page with its problems, one per line: all failures at once."""
    return "\n".join(f"{page}:\n" + "\n".join(f"    {p}" for p in found)
                     for page, found in problems.items())


def test_every_page_loads_offline_without_errors(visits):
    problems = {path: [*(f"request to another host: {url}" for url in v.foreign), *v.errors]
                for path, v in visits.items()}
    problems = {path: found for path, found in problems.items() if found}
    assert not problems, f"{len(problems)} of {len(visits)} pages:\n{table(problems)}"


def test_math_is_rendered_on_every_page(visits):
    problems = {path: [*(f"MathJax: {e}" for e in v.math_errors),
                       *(f"TeX left unrendered: {t}" for t in v.raw_tex)]
                for path, v in visits.items()}
    problems = {path: found for path, found in problems.items() if found}
    assert not problems, f"{len(problems)} of {len(visits)} pages:\n{table(problems)}"


# --- Downloads ----------------------------------------------------------------------------

def fetch(url: str) -> bytes:
    """The body of a 200 answer; any other status raises (urllib's HTTPError)."""
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.read()


def download_problems(slug: str, links: list[str]) -> list[str]:
    """What is wrong with a term page's two downloads: its notebook and its script."""
    notebooks = [u for u in links if urlsplit(u).path.endswith(".ipynb")]
    scripts = [u for u in links if urlsplit(u).path.endswith(".py")]
    if not (len(notebooks) == 1 and len(scripts) == 1 and len(links) == 2):
        return [f"not one .ipynb and one .py link: {links}"]
    problems = []
    try:
        url = notebooks[0]
        notebook = json.loads(fetch(url))
        url = scripts[0]
        script = fetch(url).decode("utf-8")
    except (OSError, ValueError) as failed:  # an HTTP error, not JSON, not UTF-8
        return [f"{url}: {failed}"]
    if not notebook.get("nbformat", 0) >= 4:
        problems.append(f"{notebooks[0]}: nbformat {notebook.get('nbformat')}")
    # The page's own code, cell for cell (not some other page's, not a stale copy).
    page = (ROOT / "docs" / "glossary" / f"{slug}.md").read_text(encoding="utf-8")
    downloaded = ["".join(c["source"]).strip() for c in notebook.get("cells", [])
                  if c.get("cell_type") == "code"]
    # After the set-up and the program: the page's cells, without the package's import
    # and with the module's prefix dropped (`dropout.show_example()` → `show_example()`).
    module = registry.term(slug).module
    expected = [re.sub(rf"\b{module}\.", "", "\n".join(
        line for line in c.source.splitlines()
        if line.strip() != f"from glossary_examples import {module}")).strip()
        for c in code_cells(page)]
    if downloaded[2:] != [e for e in expected if e]:
        problems.append(f"{notebooks[0]}: its code cells are not the page's")
    if not script.strip():
        problems.append(f"{scripts[0]}: empty")
    try:
        compile(script, scripts[0], "exec")  # a script a reader can run
    except SyntaxError as bad:
        problems.append(f"{scripts[0]}: not Python: {bad}")
    return problems


def test_every_term_page_offers_its_notebook_and_script(visits):
    problems = {slug: download_problems(slug, visits[f"glossary/{slug}.html"].downloads)
                for slug in SLUGS}
    problems = {slug: found for slug, found in problems.items() if found}
    assert not problems, f"{len(problems)} of {len(SLUGS)} term pages:\n{table(problems)}"


# --- Search -------------------------------------------------------------------------------

def slug_of(href: str) -> str:
    """``glossary/dropout.html#definition`` → ``dropout``; ``claims.html`` → ``claims``."""
    return href.split("#")[0].removesuffix(".html").removeprefix("glossary/")


# Sphinx's search lists its results one by one, best first, and never reorders
# them: once the list holds `wanted` pages, their ranks are final. (Waiting for
# the summary line that ends the listing costs 5 ms per result, and a query can
# have fifty.) A query that finds fewer pages ends with the summary line.
RANKED_ENOUGH = """(wanted) => {
  const results = document.getElementById("search-results");
  if (results?.querySelector(".search-summary")?.textContent) return true;
  const links = results ? [...results.querySelectorAll("ul.search > li > a")] : [];
  return new Set(links.map((a) => a.getAttribute("href").split("#")[0])).size >= wanted;
}"""


async def search_lane(browser: Browser, queue: list, ranked: dict) -> None:
    """Search in one tab, query after query, until the shared queue is empty.

    ``ranked[i]``: the pages listed for the i-th query, best first, each once.
    """
    page = await browser.context.new_page()
    while queue:
        index, case = queue.pop()
        await page.goto(browser.base + "search.html?" + urlencode({"q": case.query}))
        await page.wait_for_function(RANKED_ENOUGH, arg=case.max_rank)
        hrefs = await page.eval_on_selector_all(
            "#search-results ul.search > li > a", "links => links.map((a) => a.getAttribute('href'))")
        ranked[index] = list(dict.fromkeys(slug_of(h) for h in hrefs))
    await page.close()


def test_search_finds_each_term(browser):
    """Every query of the table finds its page within its rank; all misses in one table."""
    from .search_queries import search_cases

    cases = search_cases()
    assert cases
    queue, ranked = list(enumerate(cases))[::-1], {}

    async def search_all():
        await asyncio.gather(*(search_lane(browser, queue, ranked) for _ in range(IN_FLIGHT)))

    browser.run(search_all())
    misses = []
    for index, case in enumerate(cases):
        pages = ranked[index]
        rank = pages.index(case.slug) + 1 if case.slug in pages else None
        if rank is None or rank > case.max_rank:
            misses.append((case, rank, pages[:3]))
    # rank '-': not among the pages listed when the ranks were read
    rows = [("query", "expected page", "within", "rank", "first results")] + [
        (repr(c.query), c.slug, str(c.max_rank), str(rank or "-"), ", ".join(top))
        for c, rank, top in misses]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    table = "\n".join("  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths))
                      + "  " + row[4] for row in rows)
    assert not misses, f"{len(misses)} of {len(cases)} searches miss their page:\n{table}"


# --- Copy buttons -------------------------------------------------------------------------

COPY_PAGE = "dropout"
SENTINEL = "(clipboard before the click)"


async def click_copy(page, block) -> str:
    """Hover a code block, click its copy button: what the clipboard then holds."""
    await page.evaluate("(text) => navigator.clipboard.writeText(text)", SENTINEL)
    await block.hover()
    await block.locator("button.copybtn").click()
    for _ in range(40):  # the copy is synchronous in practice; allow it 2 s anyway
        copied = await page.evaluate("() => navigator.clipboard.readText()")
        if copied != SENTINEL:
            return copied
        await asyncio.sleep(0.05)
    raise AssertionError("the copy button put nothing on the clipboard")


def doctest_code(text: str) -> str:
    """What a reader runs from a doctest: its sources, prompts and expected outputs left out."""
    return "".join(e.source for e in doctest.DocTestParser().get_examples(text)).rstrip("\n")


# A code block: its kind (a cell's input, or the class of its wrapper, which names
# its language), its text, and the text of its cell's output, if it is a cell's.
DESCRIBE_BLOCK = """(block) => {
  const output = block.closest(".cell_input")?.closest(".cell")?.querySelector(".cell_output");
  return [
    block.closest(".cell_input") ? "cell" : block.parentElement.className,
    block.querySelector("pre").textContent,
    output ? output.textContent : "",
  ];
}"""


def test_copy_button_copies_exactly_the_code(browser):
    """On a term page: a code cell copies as its source, not its output; a block that
    includes the module's code copies as that code; any other block copies whole."""
    page_source = (ROOT / "docs" / "glossary" / f"{COPY_PAGE}.md").read_text(encoding="utf-8")
    cells = [c.source.rstrip("\n") for c in code_cells(page_source)
             if not {"remove-cell", "remove-input"} & set(c.options.get("tags", []))]
    module = (ROOT / "glossary_examples" / f"{registry.term(COPY_PAGE).module}.py").read_text(
        encoding="utf-8")

    async def copy_all():
        page = await browser.context.new_page()
        await page.goto(f"{browser.base}glossary/{COPY_PAGE}.html")
        # The claims' evidence is folded: open it as a reader would, to reach its code.
        summaries = page.locator("details.claim-evidence > summary")
        for i in range(await summaries.count()):
            await summaries.nth(i).click()
        found = []
        blocks = page.locator("div.highlight:not(.cell_output div.highlight)")
        for i in range(await blocks.count()):
            block = blocks.nth(i)
            kind, text, output = await block.evaluate(DESCRIBE_BLOCK)
            found.append((kind, text, output, await click_copy(page, block)))
        await page.close()
        return found

    found = browser.run(copy_all())
    copied_cells = [(copied, output) for kind, _, output, copied in found if kind == "cell"]
    assert [copied for copied, _ in copied_cells] == cells
    for copied, output in copied_cells:
        assert not output.strip() or output.strip() not in copied
    others = [(kind, text, copied) for kind, text, _, copied in found if kind != "cell"]
    for kind, text, copied in others:
        # No prompts in these blocks: the copy is the block's text, every line of it.
        assert copied == text.removesuffix("\n"), kind
    # The functions the page shows with literalinclude, copied as the module has them.
    included = [copied for kind, _, copied in others if "highlight-default" in kind]
    assert included and all(copied in module for copied in included)
    # And the "Run it yourself" commands, whole.
    assert any("highlight-console" in kind for kind, _, _ in others)


def prompt_block_page(built_site: Path) -> str | None:
    """A page of the site with a ``>>>`` block (as Pygments marks its prompt), if any."""
    for html in sorted(built_site.rglob("*.html")):
        if '<span class="gp">&gt;&gt;&gt; </span>' in html.read_text(encoding="utf-8"):
            return html.relative_to(built_site).as_posix()
    return None


def test_copy_button_leaves_out_prompts_and_outputs(browser):
    """A doctest block copies as the code alone: no ``>>>``/``...``, no expected output.

    The site shows no such block today (its doctests stay in the modules), so the
    test adds one to the dropout page as it is served: that module's own doctest,
    highlighted by Sphinx's highlighter as a ``pycon`` block, the markup a
    literalinclude of it would get. The page's scripts, and the configuration in
    ``conf.py``, are the site's. Once the site has a block of its own, that is used.
    """
    from sphinx.highlighting import PygmentsBridge

    path = prompt_block_page(browser.site)
    injected = None
    if path is None:
        path = f"glossary/{COPY_PAGE}.html"
        docstring = ast.get_docstring(ast.parse(
            (ROOT / "glossary_examples" / f"{registry.term(COPY_PAGE).module}.py").read_text(
                encoding="utf-8")))
        doctest_text = docstring[docstring.index(">>> "):] + "\n"
        injected = ('<div class="highlight-pycon notranslate">'
                    + PygmentsBridge("html").highlight_block(doctest_text, "pycon") + "</div>")

    async def copy_prompt_block():
        page = await browser.context.new_page()
        if injected:
            async def add_block(route):
                response = await route.fetch()
                body = (await response.text()).replace("</h1>", "</h1>" + injected, 1)
                await route.fulfill(response=response, body=body)

            await page.route(browser.base + path, add_block)
        await page.goto(browser.base + path)
        block = page.locator("div.highlight:has(span.gp)").first
        text = await block.locator("pre").text_content()
        copied = await click_copy(page, block)
        await page.close()
        return text, copied

    text, copied = browser.run(copy_prompt_block())
    assert ">>> " in text
    assert copied == doctest_code(text)


# --- Term previews ------------------------------------------------------------------------

PREVIEW_PAGE = "dropout"
# A link to another term in the page's running text (an autolink or a {ref}).
TERM_LINK = "article p:not(.related-terms p, .reading-path p) span.term-preview > a"
PHONE = {"width": 390, "height": 844}
# (at this size the first link Tab reaches is below the fold: focus scrolls the page)
DESKTOP = {"width": 1280, "height": 900}
# The popover, the links that name it, and what it shows, as the page has them now.
PREVIEW_STATE = """() => {
  const tip = document.querySelector("[role=tooltip]");
  const box = tip ? tip.getBoundingClientRect() : null;
  const shown = !!tip && !tip.hidden && box.width > 0;
  const style = tip && getComputedStyle(tip);
  return {
    shown,
    id: tip ? tip.id : null,
    name: shown ? tip.querySelector(".term-preview-name").textContent : null,
    href: shown ? tip.querySelector("a").href : null,
    summary: shown ? tip.querySelector(".term-preview-summary").textContent : null,
    describedBy: [...document.querySelectorAll("[aria-describedby]")].map(
      (e) => [e.href, e.getAttribute("aria-describedby")]),
    box: shown ? [box.left, box.top, box.right, box.bottom] : null,
    link: shown ? (([r]) => [r.left, r.top, r.right, r.bottom])(
      document.querySelector("[aria-describedby]").getClientRects()) : null,
    viewport: [document.documentElement.clientWidth, document.documentElement.clientHeight],
    colors: shown ? [style.color, style.backgroundColor] : null,
    titles: document.querySelectorAll("span.term-preview[title]").length,
  };
}"""


# Focus by Tab scrolls the page to the link, smoothly (furo: scroll-behavior: smooth),
# and the popover follows it; read it once the page has stood still for a few frames.
SCROLL_SETTLED = """() => new Promise((resolve) => {
  let last = null, still = 0;
  const tick = () => {
    if (window.scrollY === last) still += 1; else { still = 0; last = window.scrollY; }
    if (still >= 3) resolve(); else requestAnimationFrame(tick);
  };
  tick();
})"""


def page_name(href: str) -> str:
    """``http://…/glossary/relu.html#relu`` → ``relu``; ``../index.html`` → ``index``."""
    return urlsplit(href).path.rsplit("/", 1)[-1].removesuffix(".html")


def expected_preview(href: str) -> tuple[str, str]:
    t = registry.term(page_name(href))
    return f"{t.name} · {t.zh}", t.summary


def luminance(css_color: str) -> float:
    """Relative luminance (WCAG 2) of an ``rgb()``/``rgba()`` colour."""
    channels = [int(c) / 255 for c in re.findall(r"[\d.]+", css_color)[:3]]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(colors: list[str]) -> float:
    light, dark = sorted((luminance(c) for c in colors), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def assert_shows(state: dict, href: str) -> None:
    """The popover is shown, describes the link at ``href``, and is readable."""
    assert state["shown"], state
    assert (state["name"], state["summary"]) == expected_preview(href)
    assert state["href"] == href
    assert state["describedBy"] == [[href, state["id"]]]
    left, top, right, bottom = state["box"]
    width, height = state["viewport"]
    assert 0 <= left and right <= width and 0 <= top and bottom <= height, state
    # Next to the link's first line: just under it or just over it.
    _, link_top, _, link_bottom = state["link"]
    assert 0 <= top - link_bottom <= 16 or 0 <= link_top - bottom <= 16, state
    assert contrast(state["colors"]) >= 4.5, state["colors"]


def assert_hidden(state: dict) -> None:
    assert not state["shown"] and state["describedBy"] == [], state


def console_errors(page, base: str) -> list[str]:
    """The page's console errors and uncaught exceptions, as they happen (favicon aside)."""
    errors = []
    page.on("pageerror", lambda e: errors.append(f"uncaught: {e}"))
    page.on("console", lambda m: m.type == "error"
            and m.location.get("url") != base + "favicon.ico" and errors.append(m.text))
    return errors


def test_hover_and_keyboard_focus_show_a_terms_preview(browser):
    """Mouse: the popover while the pointer is on the link; Tab: while the link has focus;
    Escape closes it. Readable in the light and the dark theme; no console error."""

    async def interact():
        page = await browser.context.new_page()
        await page.set_viewport_size(DESKTOP)
        errors = console_errors(page, browser.base)
        await page.goto(f"{browser.base}glossary/{PREVIEW_PAGE}.html")
        states = {"titles": (await page.evaluate(PREVIEW_STATE))["titles"]}
        link = page.locator(TERM_LINK).first
        href = await link.evaluate("(a) => a.href")
        await link.hover()
        states["hover"] = await page.evaluate(PREVIEW_STATE)
        await page.evaluate("() => { document.body.dataset.theme = 'dark'; }")  # furo's switch
        states["dark"] = await page.evaluate(PREVIEW_STATE)
        await page.mouse.move(0, 0)
        await page.wait_for_function("() => document.querySelector('[role=tooltip]').hidden")
        states["away"] = await page.evaluate(PREVIEW_STATE)
        # Tab from the top of the page to the first link to a term (the hover scrolled the
        # page down; back at the top, it is the Before this line's, in view).
        await page.evaluate("() => window.scrollTo({top: 0, behavior: 'instant'})")
        focused = None
        for _ in range(400):
            await page.keyboard.press("Tab")
            focused = await page.evaluate(
                "() => document.activeElement.matches('span.term-preview > a')"
                " ? document.activeElement.href : null")
            if focused:
                break
        await page.evaluate(SCROLL_SETTLED)
        states["focus"] = await page.evaluate(PREVIEW_STATE)
        await page.keyboard.press("Escape")
        states["escape"] = await page.evaluate(PREVIEW_STATE)
        await page.keyboard.press("Tab")  # the next link: its own preview, if it is a term's
        await page.evaluate(SCROLL_SETTLED)
        states["next"] = await page.evaluate(PREVIEW_STATE)
        next_href = await page.evaluate("() => document.activeElement.href")
        await page.close()
        return href, focused, next_href, states, errors

    href, focused, next_href, states, errors = browser.run(interact())
    assert states["titles"] == 0  # the script's popover replaces the browser's tooltip
    assert_shows(states["hover"], href)
    assert_shows(states["dark"], href)
    assert states["dark"]["colors"] != states["hover"]["colors"]  # it follows the theme
    assert_hidden(states["away"])
    assert focused, "Tab never reached a link to a term"
    assert_shows(states["focus"], focused)
    assert_hidden(states["escape"])
    if states["next"]["shown"]:
        assert_shows(states["next"], next_href)
    else:
        assert_hidden(states["next"])
    assert not errors


def test_a_tap_shows_a_terms_preview_and_a_second_tap_follows_the_link(browser):
    """On a phone (390 px, touch): the first tap shows the popover inside the screen and
    stays on the page; a tap elsewhere closes it; tapping the link twice follows it."""

    async def interact():
        context = await browser.context.browser.new_context(
            viewport=PHONE, has_touch=True, is_mobile=True)
        page = await context.new_page()
        errors = console_errors(page, browser.base)
        url = f"{browser.base}glossary/{PREVIEW_PAGE}.html"
        await page.goto(url)
        # The link that starts furthest right: its popover must be moved left to fit.
        starts = await page.eval_on_selector_all(
            TERM_LINK, "(links) => links.map((a) => a.getClientRects()[0].left)")
        link = page.locator(TERM_LINK).nth(starts.index(max(starts)))
        href = await link.evaluate("(a) => a.href")
        await link.scroll_into_view_if_needed()
        states = {"start": max(starts)}
        await link.tap()
        states["tap"] = await page.evaluate(PREVIEW_STATE)
        states["url after tap"] = page.url
        await page.locator("h1").tap()
        states["elsewhere"] = await page.evaluate(PREVIEW_STATE)
        await link.tap()
        states["again"] = await page.evaluate(PREVIEW_STATE)
        async with page.expect_navigation():
            await link.tap()
        states["url after second tap"] = page.url
        # On the new page, the popover's own link is followed by one tap.
        other = page.locator(TERM_LINK).first
        await other.scroll_into_view_if_needed()
        await other.tap()
        tip_link = page.locator("[role=tooltip] a")
        tip_href = await tip_link.evaluate("(a) => a.href")
        async with page.expect_navigation():
            await tip_link.tap()
        states["url after popover tap"] = page.url
        await context.close()
        return url, href, tip_href, states, errors

    url, href, tip_href, states, errors = browser.run(interact())
    assert_shows(states["tap"], href)
    assert states["start"] > PHONE["width"] / 2  # (else the test shows no moving left)
    # Moved left, not squeezed against the right edge: every summary is longer than a
    # line, so the popover is as wide as the screen allows (its margins aside).
    left, _, right, _ = states["tap"]["box"]
    assert right - left >= 0.9 * PHONE["width"], states["tap"]["box"]
    assert states["url after tap"] == url
    assert_hidden(states["elsewhere"])
    assert_shows(states["again"], href)
    assert states["url after second tap"] == href
    assert states["url after popover tap"] == tip_href
    assert not errors
# --- Claims: the verdict first, its evidence folded ----------------------------------------

CLAIM_PAGES = [f"glossary/{t.slug}.html" for t in registry.TERMS if t.claims]
SCREENS = {"desktop": (1280, 900), "phone": (390, 844)}
# Each box's distance below the heading of its section, in screens, once the
# fonts are in (they move the layout).
BOX_OFFSETS = """async () => {
  await document.fonts.ready;
  const y = (el) => el.getBoundingClientRect().top + window.scrollY;
  return [...document.querySelectorAll("div.claim")].map((box) => {
    const heading = box.closest("section").querySelector(":scope > h2, :scope > h3");
    return [box.dataset.claim, (y(box) - y(heading)) / window.innerHeight];
  });
}"""


def test_each_claim_box_is_within_a_screen_of_its_heading(browser):
    """A reader who reaches a claim's heading sees its verdict without scrolling a screen."""

    async def offsets(width: int, height: int) -> dict[str, float]:
        context = await browser.context.browser.new_context(
            viewport={"width": width, "height": height})
        gate = asyncio.Semaphore(IN_FLIGHT)

        async def one(path: str) -> list:
            async with gate:
                page = await context.new_page()
                await page.goto(browser.base + path)
                found = await page.evaluate(BOX_OFFSETS)
                await page.close()
                return found

        found = await asyncio.gather(*(one(path) for path in CLAIM_PAGES))
        await context.close()
        return {claim_id: screens for page in found for claim_id, screens in page}

    expected = {c.id for _, c in registry.all_claims()}
    for name, (width, height) in SCREENS.items():
        measured = browser.run(offsets(width, height))
        assert set(measured) == expected, name
        far = {claim_id: round(s, 2) for claim_id, s in measured.items() if not 0 < s < 1}
        assert not far, f"{name} {width}×{height}: screens from heading to box: {far}"


def test_claim_evidence_opens_on_click_without_javascript(browser):
    """Every fold is closed, hides the check's output, and a click opens it: with
    JavaScript off, so the fold is the browser's own ``<details>``."""

    async def click_all() -> dict[str, list[str]]:
        context = await browser.context.browser.new_context(
            java_script_enabled=False, viewport={"width": 390, "height": 844})
        page = await context.new_page()
        problems = {}
        for path in CLAIM_PAGES:
            await page.goto(browser.base + path)
            folds = page.locator("details.claim-evidence")
            found = [] if await folds.count() else ["no folded evidence"]
            for i in range(await folds.count()):
                fold = folds.nth(i)
                output = fold.locator("div.cell_output").last
                if await fold.get_attribute("open") is not None or await output.is_visible():
                    found.append(f"fold {i + 1} is open before any click")
                await fold.locator("summary").click()
                if not await fold.evaluate("(d) => d.open") or not await output.is_visible():
                    found.append(f"fold {i + 1} did not open on click")
            if found:
                problems[path] = found
        await context.close()
        return problems

    problems = browser.run(click_all())
    assert not problems, table(problems)


# --- A path through the terms: Before this, Read next, related terms, Start here ---------

# Loaded without JavaScript: what is checked here is the page's own layout (furo's
# stylesheet), not a script's work, and a page without MathJax loads in a blink.
PATH_STATE = """() => {
  const shown = (el) => {
    const box = el.getBoundingClientRect(), style = getComputedStyle(el);
    return box.width > 0 && box.height > 0 && style.visibility !== "hidden";
  };
  const links = (p) => p ? [...p.querySelectorAll("a")].map((a) => [a.getAttribute("href"), shown(a)]) : null;
  const line = (selector) => {
    const p = document.querySelector(`div.reading-path p.${selector}`);
    return p && {text: p.textContent, shown: shown(p), links: links(p),
                 bottom: p.getBoundingClientRect().bottom + window.scrollY};
  };
  const definition = [...document.querySelectorAll("article h2")]
    .find((h) => h.textContent.startsWith("Definition"));
  const related = [...document.querySelectorAll("ul.related-terms:not(.related-concepts) > li")]
    .map((li) => {
      const label = li.closest("div.relation-group")?.querySelector("p.relation-label");
      return {href: li.querySelector("a")?.getAttribute("href"),
              label: label && shown(label) ? label.textContent.trim() : null};
    });
  return {
    before: line("path-before"), next: line("path-next"), related,
    definition: definition ? definition.getBoundingClientRect().top + window.scrollY : null,
  };
}"""
# The index: its headings after the title, and the links of its Start here box.
START_STATE = """() => ({
  headings: [...document.querySelectorAll("article h2")].map((h) => h.textContent.replace("¶", "").trim()),
  links: [...document.querySelectorAll("div.start-here a")]
    .filter((a) => a.getBoundingClientRect().width > 0).map((a) => a.getAttribute("href")),
})"""


def path_problems(slug: str, state: dict) -> list[str]:
    """What the page's Before this / Read next lines and related terms get wrong."""
    from glossary_site.reading_path import next_in_order
    from glossary_site.terms import RELATION_LABELS

    found = []
    for key, label in (("before", "Before this"), ("next", "Read next")):
        line = state[key]
        if line is None or not line["shown"]:
            found.append(f"no visible {label} line")
        elif state["definition"] is None or line["bottom"] > state["definition"]:
            found.append(f"the {label} line is not above the Definition heading")
        elif not all(visible for _, visible in line["links"]):
            found.append(f"a link of the {label} line is hidden")
    if found:
        return found
    before = [page_name(href) for href, _ in state["before"]["links"]]
    first = [t.slug for t in registry.before(slug)]
    if first and before != first:
        found.append(f"Before this links {before}, the registry says {first}")
    if not first and (before != ["index"] or "starting point" not in state["before"]["text"]):
        found.append(f"a starting point's Before this line links {before}, not Start here")
    after = [page_name(href) for href, _ in state["next"]["links"]]
    then = [t.slug for t in registry.after(slug)] or [
        t.slug for t in [next_in_order(slug)] if t is not None]
    if after != then:
        found.append(f"Read next links {after}, the registry says {then}")
    if not then and "goal" not in state["next"]["text"]:
        found.append("the last page's Read next line does not say it is the goal")
    kinds = {t.slug: kind for t, kind in registry.relations(slug)}
    shown = {page_name(item["href"]): item["label"] for item in state["related"]}
    if set(shown) != set(kinds):
        found.append(f"related terms {sorted(shown)}, the registry says {sorted(kinds)}")
    for other, label in shown.items():
        if other in kinds and label != RELATION_LABELS[kinds[other]]:
            found.append(f"related term {other} is labelled {label!r}, not"
                         f" {RELATION_LABELS[kinds[other]]!r}")
    return found


def test_every_term_page_shows_its_place_in_the_reading_path(browser):
    """Above the Definition heading, visible: Before this (the registry's before(), or
    Start here for a starting point) and Read next (after(), or the next page, or the
    goal); under Related terms every related term has a visible label saying how it
    relates. The index's first heading after its title is Start here, whose box links
    the worked example."""

    async def states():
        context = await browser.context.browser.new_context(
            java_script_enabled=False, viewport={"width": 1280, "height": 900})
        # The plots are below the Definition and take no part in this: not loaded.
        await context.route(re.compile(r"\.png$"), lambda route: route.abort())
        queue = [(i, f"glossary/{slug}.html", PATH_STATE) for i, slug in enumerate(SLUGS)]
        queue.append((len(SLUGS), "index.html", START_STATE))
        found = {}

        async def lane():  # one tab, page after page
            page = await context.new_page()
            while queue:
                i, path, script = queue.pop()
                await page.goto(browser.base + path)
                found[i] = await page.evaluate(script)
            await page.close()

        await asyncio.gather(*(lane() for _ in range(IN_FLIGHT)))
        await context.close()
        return [found[i] for i in range(len(found))]

    *pages, index = browser.run(states())
    problems = {slug: path_problems(slug, state) for slug, state in zip(SLUGS, pages)}
    problems = {slug: found for slug, found in problems.items() if found}
    assert not problems, f"{len(problems)} of {len(SLUGS)} pages:\n{table(problems)}"
    assert index["headings"][0].startswith("Start here"), index["headings"]
    goal = registry.site_order()[-1].slug
    assert f"glossary/{goal}.html" in {urlsplit(href).path for href in index["links"]}, index
# --- The concept map: readable, boxes apart, links that go, both themes ----------------------

MAP_PAGE = "concept-map.html"
MIN_FONT_PX = 11  # the least rendered size of a box's text
# Every box of the drawing as laid out now: its rectangle on screen, its text's boxes
# and rendered font sizes (CSS size times the SVG's scale), and its fill and text colours;
# and the scrolling frame around the drawing.
MAP_STATE = """() => {
  const svg = document.querySelector("svg.concept-map-svg");
  const scale = svg.getScreenCTM().a;
  const frame = svg.closest(".concept-map-scroll");
  const cue = document.querySelector(".concept-map-scroll-cue");
  const box = (r) => [r.left, r.top, r.right, r.bottom];
  return {
    nodes: [...svg.querySelectorAll(".cm-node")].map((node) => {
      const rect = node.querySelector("rect");
      const texts = [...node.querySelectorAll("text")];
      return {
        slug: node.dataset.slug,
        href: node.href ? node.href.baseVal ?? node.getAttribute("href") : null,
        rect: box(rect.getBoundingClientRect()),
        texts: texts.map((t) => box(t.getBoundingClientRect())),
        fonts: texts.map((t) => parseFloat(getComputedStyle(t).fontSize) * scale),
        colors: [getComputedStyle(rect).fill, getComputedStyle(texts[0]).fill],
      };
    }),
    scrolls: frame.scrollWidth > frame.clientWidth + 1,
    focusable: frame.tabIndex === 0,
    cue: !!cue && cue.getBoundingClientRect().height > 0,
  };
}"""


def overlapping(boxes: dict[str, list[float]]) -> list[str]:
    found = []
    for (a, (l1, t1, r1, b1)), (b, (l2, t2, r2, b2)) in itertools.combinations(boxes.items(), 2):
        if l1 < r2 and l2 < r1 and t1 < b2 and t2 < b1:
            found.append(f"boxes {a} and {b} overlap")
    return found


def map_problems(state: dict) -> list[str]:
    """Everything wrong with the drawing as a reader at this size and theme sees it."""
    problems = []
    nodes = state["nodes"]
    if [n["slug"] for n in nodes] != [t.slug for t in registry.site_order()]:
        problems.append(f"boxes: {[n['slug'] for n in nodes]}")
    problems += overlapping({n["slug"]: n["rect"] for n in nodes})
    for n in nodes:
        # (where the column is too narrow for that, the drawing scrolls instead: below)
        small = [round(f, 2) for f in n["fonts"] if f < MIN_FONT_PX - 0.01]
        if small:
            problems.append(f"{n['slug']}: text at {small} px")
        left, top, right, bottom = n["rect"]
        for tl, tt, tr, tb in n["texts"]:
            if tl < left or tr > right or tt < top or tb > bottom:
                problems.append(f"{n['slug']}: text runs out of its box")
        ratio = contrast(n["colors"])
        if ratio < 4.5:
            problems.append(f"{n['slug']}: text on fill {n['colors']} contrast {ratio:.2f}")
    if state["scrolls"] and not (state["focusable"] and state["cue"]):
        problems.append("the map scrolls sideways without keyboard focus or a visible cue")
    if not state["scrolls"] and state["cue"]:
        problems.append("a cue to scroll a map that does not scroll")
    return problems


def test_the_concept_map_is_readable_at_desktop_and_phone_width_in_both_themes(browser):
    """At 1280 and 390 px, light and dark: boxes apart, text of 11 px or more inside its box
    and contrasting with its fill; where the map is wider than the screen, it scrolls in a
    frame that takes keyboard focus (arrow keys scroll it) under a visible cue."""

    async def measure():
        found = {}
        for name, (width, height) in SCREENS.items():
            page = await browser.context.new_page()
            await page.set_viewport_size({"width": width, "height": height})
            await page.goto(browser.base + MAP_PAGE)
            await page.evaluate("() => document.fonts.ready")
            for theme in ("light", "dark"):
                await page.evaluate(f"() => {{ document.body.dataset.theme = '{theme}'; }}")
                found[(name, theme)] = await page.evaluate(MAP_STATE)
            frame = page.locator(".concept-map-scroll")
            await frame.focus()
            before = await frame.evaluate("(f) => f.scrollLeft")
            await page.keyboard.press("ArrowRight")
            await page.wait_for_timeout(300)  # (a smooth scroll takes a moment)
            found[(name, "keys")] = (before, await frame.evaluate("(f) => f.scrollLeft"))
            await page.close()
        return found

    found = browser.run(measure())
    problems = {f"{name} {theme}": map_problems(state)
                for (name, theme), state in found.items() if theme != "keys"}
    for name in SCREENS:
        before, after = found[(name, "keys")]
        if found[(name, "light")]["scrolls"] and not after > before:
            problems[f"{name} keys"] = ["the arrow key does not scroll the focused map"]
    problems = {k: v for k, v in problems.items() if v}
    assert not problems, table(problems)
    # The phone's screen is narrower than the map: it scrolls there (and the test saw it).
    assert found[("phone", "light")]["scrolls"] and not found[("desktop", "light")]["scrolls"]
    # The theme changes the fills: the dark theme is not the light one's colours.
    light = {n["slug"]: n["colors"] for n in found[("desktop", "light")]["nodes"]}
    dark = {n["slug"]: n["colors"] for n in found[("desktop", "dark")]["nodes"]}
    assert all(light[s] != dark[s] for s in light)


def test_each_box_of_the_concept_map_goes_to_its_terms_page(browser):
    """Every box links to the page whose title is its term's; a click and the keyboard
    (Tab to a box, Enter) follow the link."""

    async def follow():
        page = await browser.context.new_page()
        await page.set_viewport_size(DESKTOP)
        await page.goto(browser.base + MAP_PAGE)
        hrefs = await page.eval_on_selector_all(
            "svg.concept-map-svg a.cm-node",
            "(links) => links.map((a) => [a.dataset.slug, new URL(a.getAttribute('href'), location.href).href])")
        first, last = page.locator("svg.concept-map-svg a.cm-node").first, page.locator(
            "svg.concept-map-svg a.cm-node").last
        async with page.expect_navigation():
            await last.click()
        clicked = page.url
        await page.go_back()
        await first.focus()
        async with page.expect_navigation():
            await page.keyboard.press("Enter")
        entered = page.url
        await page.close()
        return hrefs, clicked, entered

    hrefs, clicked, entered = browser.run(follow())
    expected = [(t.slug, f"{browser.base}glossary/{t.slug}.html") for t in registry.site_order()]
    assert [tuple(pair) for pair in hrefs] == expected
    problems = []
    for slug, url in hrefs:  # each page is there, and is the term's
        title = re.search(r"<h1>(.*?)<a", fetch(url).decode("utf-8"), re.S)
        if not title or registry.term(slug).name not in title[1]:
            problems.append(f"{slug}: {url} is not its page")
    assert not problems, "\n".join(problems)
    assert clicked == expected[-1][1] and entered == expected[0][1]


NEIGHBOURHOOD_STATE = """() => {
  const map = document.querySelector(".neighbourhood-map");
  const col = (c) => map.querySelector(c).getBoundingClientRect();
  const [before, self, after] = [col(".nm-before"), col(".nm-this"), col(".nm-after")];
  return {
    overflow: map.scrollWidth > map.clientWidth + 1,
    inside: map.getBoundingClientRect().right <= document.documentElement.clientWidth,
    sideBySide: before.right <= self.left && self.right <= after.left,
    stacked: before.bottom <= self.top && self.bottom <= after.top,
    colors: [...map.querySelectorAll("li.nm-node")].map((li) => [
      li.querySelector("a, strong").textContent,
      getComputedStyle(li.querySelector("a, strong")).color,
      getComputedStyle(li).backgroundColor,
    ]),
  };
}"""


def test_a_terms_neighbourhood_is_three_columns_on_a_desktop_and_stacked_on_a_phone(browser):
    """Learn first, the term, read next: side by side at 1280 px, one under the other at
    390 px; at neither does it run off the screen; its names contrast with their boxes in
    the light and the dark theme."""

    async def measure():
        found = {}
        for name, (width, height) in SCREENS.items():
            page = await browser.context.new_page()
            await page.set_viewport_size({"width": width, "height": height})
            await page.goto(f"{browser.base}glossary/sigmoid.html")
            found[name] = await page.evaluate(NEIGHBOURHOOD_STATE)
            await page.evaluate("() => { document.body.dataset.theme = 'dark'; }")
            found[f"{name} dark"] = await page.evaluate(NEIGHBOURHOOD_STATE)
            await page.close()
        return found

    found = browser.run(measure())
    assert found["desktop"]["sideBySide"] and not found["desktop"]["overflow"], found
    assert found["phone"]["stacked"] and not found["phone"]["overflow"], found
    assert found["desktop"]["inside"] and found["phone"]["inside"], found
    low = [(where, name, round(contrast([fg, bg]), 2)) for where, state in found.items()
           for name, fg, bg in state["colors"] if contrast([fg, bg]) < 4.5]
    assert not low, low
    assert found["desktop"]["colors"] != found["desktop dark"]["colors"]


# --- What every visit measures (tests/test_browser_pages.py checks it) --------------------

# Before the page's own scripts: layout shifts are counted from the first one.
COUNT_SHIFTS = """window.__glossaryShift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) if (!entry.hadRecentInput) window.__glossaryShift += entry.value;
}).observe({type: "layout-shift", buffered: true});"""
# After load and fonts: the page scrolled through, a screen at a time, if asked
# (whatever loads or moves further down counts too: done at 1280 px, during the
# shared visits), then what it loaded and what the phone sees.
# A display formula that is wider than its box must scroll in it (overflow auto),
# show that it does (the shadow backgrounds of glossary.css) and take keyboard focus.
# An inline formula must end inside the text column.
LAYOUT = """async (scroll) => {
  await document.fonts.ready;
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  for (let y = 0; scroll && y < document.documentElement.scrollHeight; y += innerHeight) {
    scrollTo(0, y);
    await frame();
  }
  scrollTo(0, 0);
  await document.fonts.ready;
  await frame();
  const column = document.querySelector("article")?.getBoundingClientRect().right ?? innerWidth;
  const hidden = [...document.querySelectorAll("div.math")].filter((box) => {
    const inner = box.querySelector("mjx-container");
    return box.scrollWidth > box.clientWidth + 1 || (inner && inner.scrollWidth > inner.clientWidth + 1);
  }).map((box) => {
    const style = getComputedStyle(box);
    return {text: box.textContent.trim().slice(0, 60), scrolls: style.overflowX === "auto",
            cue: style.backgroundImage.includes("gradient"), focusable: box.tabIndex >= 0,
            named: Boolean(box.getAttribute("role") && box.getAttribute("aria-label"))};
  });
  const inline = [...document.querySelectorAll("span.math")]
    .filter((span) => span.getBoundingClientRect().right > column + 1)
    .map((span) => span.textContent.trim().slice(0, 60));
  return {
    shift: window.__glossaryShift,
    urls: [location.href, ...performance.getEntriesByType("resource").map((e) => e.name)],
    pageWidth: document.documentElement.scrollWidth,
    hidden, inline,
  };
}"""
