"""The built site in a real browser: the system's headless Chromium, driven by Playwright.

What only a browser shows: every page loads with no request to another host,
no console error and no math left unrendered once MathJax has finished; the
search finds each term; every term page's downloads resolve; a copy button
copies exactly the code; a link to a term shows the term's names and summary on
hover, keyboard focus and tap.

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
is the browser's own work (scripts, MathJax, layout), which waits on nothing else.
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
PAGES = ["index.html", "claims.html", "genindex.html", "search.html",
         *(f"glossary/{slug}.html" for slug in SLUGS)]
# Pages in flight at once. All 59 pages on 2 busy cores: one at a time 62 s, two
# 34 s, four 31 s, eight 26 to 30 s; beyond four it is noise.
IN_FLIGHT = 4
# Any host but the local server resolves to nothing, at once: a request to another
# host fails in the test instead of hanging or, on an open network, succeeding.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"
# TeX that MathJax would have replaced: a delimiter still in the text is unrendered math.
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
    """What one page did while it loaded, and what it shows once MathJax has finished."""

    foreign: list[str] = field(default_factory=list)  # requests to another host
    errors: list[str] = field(default_factory=list)  # console errors, exceptions, failed loads
    math_errors: list[str] = field(default_factory=list)  # MathJax's messages
    raw_tex: list[str] = field(default_factory=list)  # TeX left in the text, in context
    downloads: list[str] = field(default_factory=list)  # a.glossary-download, absolute


# After load: MathJax (deferred, so already started) has typeset the page when
# its startup promise resolves; the fonts it asked for are loaded (or failed) when
# the document's fonts are ready. A TeX error is an merror; an undefined macro is
# shown by MathJax's noundefined extension as its own name in red, no merror.
# Text outside code is where TeX must not be left.
AFTER_LOAD = """async () => {
  if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
  await document.fonts.ready;
  const prose = document.body.cloneNode(true);
  prose.querySelectorAll("pre, code, script, style").forEach((n) => n.remove());
  return {
    mathErrors: [
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
        await page.goto(browser.base + path)
        shown = await page.evaluate(AFTER_LOAD)
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
    on_disk = sorted(p.relative_to(built_site).as_posix() for p in built_site.rglob("*.html"))
    assert on_disk == sorted(PAGES)


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
TERM_LINK = "article p:not(.related-terms p) span.term-preview > a"
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


def preview_slug(href: str) -> str:
    """``http://…/glossary/relu.html#relu`` → ``relu``."""
    return urlsplit(href).path.rsplit("/", 1)[-1].removesuffix(".html")


def expected_preview(href: str) -> tuple[str, str]:
    t = registry.term(preview_slug(href))
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
        # Tab from the top of the page to the first link to a term.
        focused = None
        for _ in range(400):
            await page.keyboard.press("Tab")
            focused = await page.evaluate(
                "() => document.activeElement.matches('span.term-preview > a')"
                " ? document.activeElement.href : null")
            if focused:
                break
        states["focus"] = await page.evaluate(PREVIEW_STATE)
        await page.keyboard.press("Escape")
        states["escape"] = await page.evaluate(PREVIEW_STATE)
        await page.keyboard.press("Tab")  # the next link: its own preview, if it is a term's
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
# math is typeset and the fonts are in (both move the layout).
BOX_OFFSETS = """async () => {
  if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
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


# --- Plots: alt text, space reserved, legible on a phone, dark in the dark theme ----------
# glossary_site/plots.py: each plot is a figure with a caption, a light and a dark
# rendering (Furo's only-light / only-dark), width and height attributes, and a link
# to its file. Measured at phone width, where a plot is smallest.

PLOT_CELL = re.compile(r"\b\w+\.plot_\w+\(\)")
PLOT_PAGES = {f"glossary/{t.slug}.html": sum(
    len(PLOT_CELL.findall(c.source)) for c in code_cells(
        (ROOT / "docs" / "glossary" / f"{t.slug}.md").read_text(encoding="utf-8")))
    for t in registry.TERMS}
PLOT_PAGES = {path: count for path, count in PLOT_PAGES.items() if count}
# The page whose plots are also measured in a screenshot: several plots, one a claim's evidence.
RENDERED_PAGE = "glossary/sigmoid.html"
# A plot in the dark theme: its mean relative luminance, and the share of its pixels
# near white (measured below: light renderings about 0.8 and 0.8, dark ones about
# 0.05 and 0).
DARK_MEAN_LUMINANCE, NEAR_WHITE, NEAR_WHITE_SHARE = 0.35, 0.8, 0.1

# Each plot's figure, as shown: the visible rendering (the other is display: none),
# loaded (scrolled to: the images are lazy), with what a reader and a screen reader get.
# Closed evidence folds are opened first: some plots are a claim's evidence.
PLOTS_SHOWN = """async ([nearWhite]) => {
  // The image file's pixels, as drawn on a canvas: [mean relative luminance, share near white].
  const fileLuminance = (img) => {
    const canvas = document.createElement("canvas");
    [canvas.width, canvas.height] = [img.naturalWidth, img.naturalHeight];
    const context = canvas.getContext("2d");
    context.drawImage(img, 0, 0);
    const data = context.getImageData(0, 0, canvas.width, canvas.height).data;
    const linear = Array.from({length: 256}, (_, c) => (c /= 255) <= 0.04045
      ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    let sum = 0, white = 0;
    for (let i = 0; i < data.length; i += 4) {
      const y = 0.2126 * linear[data[i]] + 0.7152 * linear[data[i + 1]] + 0.0722 * linear[data[i + 2]];
      sum += y;
      white += y >= nearWhite;
    }
    const n = data.length / 4;
    return [sum / n, white / n];
  };
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  const shown = [];
  for (const figure of document.querySelectorAll("figure.glossary-plot")) {
    const visible = [...figure.querySelectorAll("img")].filter((i) => i.getClientRects().length);
    const img = visible[0];
    if (img) {
      img.scrollIntoView({block: "center"});
      img.loading = "eager";  // load it now, whatever the browser thinks of the viewport
      await img.decode().catch(() => null);  // a broken image: naturalWidth 0, reported
    }
    shown.push({
      visible: visible.length,
      caption: figure.querySelector("figcaption .caption-text")?.textContent ?? "",
      alt: img?.getAttribute("alt") ?? "",
      variant: img?.closest(".only-dark") ? "dark" : img?.closest(".only-light") ? "light" : "",
      src: img?.currentSrc ?? "",
      href: img?.closest("a")?.href ?? "",
      natural: img?.naturalWidth ?? 0,
      client: img?.clientWidth ?? 0,
      light: img?.naturalWidth ? fileLuminance(img) : null,
    });
  }
  return shown;
}"""
# Before any image has arrived: the box each visible plot image takes, and its attributes.
PLOT_BOXES = """() => {
  document.querySelectorAll("details").forEach((d) => { d.open = true; });
  return [...document.querySelectorAll("figure.glossary-plot img")]
  .filter((i) => i.getClientRects().length)
  .map((i) => ({complete: i.complete && i.naturalWidth > 0,
                width: i.getBoundingClientRect().width, height: i.getBoundingClientRect().height,
                attrs: [i.getAttribute("width"), i.getAttribute("height")]}));
}"""


def mean_luminance(png: bytes) -> tuple[float, float]:
    """(mean relative luminance, share of pixels at least NEAR_WHITE) of a screenshot."""
    import io

    import numpy as np
    from PIL import Image

    rgb = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")) / 255
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    y = linear @ [0.2126, 0.7152, 0.0722]
    return float(y.mean()), float((y >= NEAR_WHITE).mean())


async def plots_on_pages(browser: Browser, scheme: str, rendered: str) -> dict:
    """Every plot page at phone width in ``scheme``, loaded once each: path → (the plot
    images' boxes before any arrived, [(each figure as shown, luminance of its
    screenshot for the plots of the page ``rendered``, else None)])."""
    context = await browser.context.browser.new_context(viewport=PHONE, color_scheme=scheme)
    # Math is not what is measured here, and typesetting it is most of a page's load.
    await context.route("**/mathjax/**", lambda route: route.abort())
    gate = asyncio.Semaphore(IN_FLIGHT)

    async def one(path: str) -> tuple[list, list]:
        async with gate:
            page = await context.new_page()
            # Image requests are held, unanswered, until the boxes are measured (a
            # refused image would be a broken one, which Chromium sizes by its alt text).
            held, measured = [], []

            async def hold(route) -> None:
                await route.continue_() if measured else held.append(route)

            await page.route("**/_images/*", hold)
            await page.goto(browser.base + path, wait_until="domcontentloaded")
            boxes = await page.evaluate(PLOT_BOXES)
            measured.append(True)
            for route in held:
                await route.continue_()
            shown = await page.evaluate(PLOTS_SHOWN, [NEAR_WHITE])
            found = [(plot, None) for plot in shown]
            if path == rendered:
                # The plots as rendered, on one page (a CSS rule could still show them
                # light); every page's plots share that markup and style, and every
                # plot's file is measured in PLOTS_SHOWN. JPEG: much quicker than PNG.
                images = page.locator("figure.glossary-plot img:visible")
                for i in range(await images.count()):
                    shot = await images.nth(i).screenshot(type="jpeg", quality=80)
                    found[i] = (shown[i], mean_luminance(shot))
            await page.close()
            return boxes, found

    found = await asyncio.gather(*(one(path) for path in PLOT_PAGES))
    await context.close()
    return dict(zip(PLOT_PAGES, found))


@pytest.fixture(scope="module")
def dark_phone(browser) -> dict:
    """Every plot page at phone width in the dark theme (the system's; Furo's "auto")."""
    return browser.run(plots_on_pages(browser, "dark", rendered=RENDERED_PAGE))


@pytest.fixture(scope="module")
def dark_phone_plots(dark_phone) -> dict:
    """path → [(each plot as shown, its screenshot's luminance or None)]."""
    return {path: plots for path, (_, plots) in dark_phone.items()}


def counted(path: str, plots: list) -> list[str]:
    """A problem unless the page shows a captioned plot figure for each of its plot cells."""
    return [] if len(plots) == PLOT_PAGES[path] else [
        f"{len(plots)} captioned plots, {PLOT_PAGES[path]} plot cells"]


def test_every_plot_has_its_caption_as_alt_text(dark_phone_plots):
    problems = {}
    for path, plots in dark_phone_plots.items():
        found = counted(path, plots)
        for n, (plot, _) in enumerate(plots, 1):
            caption = " ".join(plot["caption"].split())
            if plot["visible"] != 1:
                found.append(f"plot {n}: {plot['visible']} images shown, not one")
            elif not caption or plot["alt"] != caption:
                found.append(f"plot {n}: alt {plot['alt'][:60]!r} is not its caption {caption[:60]!r}")
            elif re.search(r"\.(png|svg|webp)\b|_images/", plot["alt"]):
                found.append(f"plot {n}: alt is a file name: {plot['alt'][:60]!r}")
        if found:
            problems[path] = found
    assert not problems, table(problems)


def test_every_plot_is_legible_on_a_phone_through_its_full_size_link(dark_phone_plots):
    """At 390 px a plot is shrunk to the column; it is served at twice the pixels it
    occupies or more (sharp when zoomed), and a tap opens its file at full size."""
    problems = {}
    for path, plots in dark_phone_plots.items():
        found = counted(path, plots)
        for n, (plot, _) in enumerate(plots, 1):
            if not plot["natural"] >= 2 * plot["client"] > 0:
                found.append(f"plot {n}: {plot['natural']} px wide, shown at {plot['client']} px")
            if not plot["href"] or plot["href"] != plot["src"]:
                found.append(f"plot {n}: not linked to its file ({plot['href']!r})")
        if found:
            problems[path] = found
    assert not problems, table(problems)


def test_no_plot_is_a_white_block_in_the_dark_theme(dark_phone_plots):
    problems = {}
    for path, plots in dark_phone_plots.items():
        found = counted(path, plots)
        for n, (plot, rendered) in enumerate(plots, 1):
            if plot["variant"] != "dark":
                found.append(f"plot {n}: the {plot['variant'] or 'unmarked'} rendering is shown")
            measured = [("file", plot["light"])]
            if path == RENDERED_PAGE:
                measured.append(("as rendered", rendered))
            for what, light in measured:
                if light is None or light[0] > DARK_MEAN_LUMINANCE or light[1] > NEAR_WHITE_SHARE:
                    found.append(f"plot {n} ({what}): mean luminance, share near white: {light}")
        if found:
            problems[path] = found
    assert not problems, table(problems)


def test_the_theme_switch_chooses_the_plots_rendering(browser):
    """Furo's own switch (stored in localStorage) overrides the system's scheme."""

    async def variants(scheme: str, theme: str) -> list[str]:
        context = await browser.context.browser.new_context(viewport=PHONE, color_scheme=scheme)
        await context.add_init_script(f"localStorage.setItem('theme', '{theme}')")
        page = await context.new_page()
        await page.goto(browser.base + "glossary/dropout.html")
        shown = await page.evaluate(PLOTS_SHOWN, [NEAR_WHITE])
        await context.close()
        return [p["variant"] for p in shown]

    assert browser.run(variants("light", "dark")) == ["dark"]
    assert browser.run(variants("dark", "light")) == ["light"]


def test_plot_images_reserve_their_space_before_they_load(dark_phone):
    """With every plot image held back by the server, each already takes its final box."""
    problems = {}
    for path, (images, _) in dark_phone.items():
        found = [] if len(images) == PLOT_PAGES[path] else [
            f"{len(images)} plot images shown, {PLOT_PAGES[path]} plot cells"]
        for n, box in enumerate(images, 1):
            w, h = (int(a or 0) for a in box["attrs"])
            if box["complete"]:
                found.append(f"plot {n}: loaded although its file was held back")
            elif not (w and h and box["width"] > 0
                      and abs(box["height"] - box["width"] * h / w) <= 1.5):
                found.append(f"plot {n}: box {box['width']:.0f}×{box['height']:.0f} before load,"
                             f" attributes {box['attrs']}")
        if found:
            problems[path] = found
    assert not problems, table(problems)
