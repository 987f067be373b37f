"""The built site in headless Chromium, part two: accessibility, weight and plots.

axe-core on every page, Chinese marked as Chinese, keyboard-scrollable blocks; page
weight, layout shift and formulas on a phone; plots' alt text, size, phone and dark
renderings. The server, the browser and the shared page visits are those of
``tests/test_browser.py`` (its module docstring says how they work), imported here.

A module of its own so that pytest-xdist's ``loadscope`` gives these checks to the
other test process: one module held every browser check and kept one process busy
for minutes (cold ``make test``: the browser module alone outlasted all the others).
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

import pytest

from glossary_examples._lib import registry
from glossary_site.myst import code_cells

from .conftest import ROOT
from .test_browser import (  # noqa: F401  (browser, site_url, visits: fixtures)
    COPY_PAGE, COUNT_SHIFTS, DESKTOP, IN_FLIGHT, LAYOUT, PAGES, PHONE, SCREENS, Browser,
    browser, site_url, table, visits,
)

pytestmark = pytest.mark.browser


# --- Accessibility: axe-core on every page, Chinese marked as Chinese, scrollable blocks ---
#
# axe-core (Deque's engine, the axe.min.js that axe-playwright-python vendors; pinned in
# requirements.lock) is put into the test browser's pages only, never into the site. Every
# page is loaded once on a desktop and once on a phone, a few at a time:
# - desktop, light theme: every axe rule; then the dark theme: the colour rules again (the
#   theme changes colours only);
# - phone, light theme: the rules whose outcome the layout decides (which blocks scroll,
#   how big a tap target is) on every page; every rule on two pages (the phone's header
#   and menu are the same on all). A run of every rule costs twice a run of the colour
#   rules and four times one of these: the whole audit is the slowest of this module;
# - on the desktop load, every text node with Chinese in it must be inside lang="zh…"
#   (glossary_site/zh_lang.py), the term preview's popover shown, and the search page with
#   a search's results.
# No serious or critical violation is allowed, whatever its source (the site, Sphinx, furo);
# each is listed with its page, screen, theme, rule and the selectors of its elements.

from axe_playwright_python.base import AXE_SCRIPT  # noqa: E402  (this section's own import)

from glossary_site import zh_lang  # noqa: E402

AXE_BLOCKING = ("serious", "critical")
AXE_COLOUR_RULES = ["color-contrast", "link-in-text-block"]
AXE_LAYOUT_RULES = ["scrollable-region-focusable", "target-size", "meta-viewport"]
PHONE_EVERY_RULE = {"index.html", f"glossary/{registry.TERMS[0].slug}.html"}
# The search page is checked with a search's results on it (they are Chinese too).
AUDITED = {path: path for path in PAGES} | {"search.html": "search.html?" + urlencode({"q": "暂退法"})}


def js_class(characters: str) -> str:
    """A Python regex character class's contents (``zh_lang.HAN``...) in JavaScript ``u`` syntax."""
    return "".join(c if c == "-" else f"\\u{{{ord(c):x}}}" for c in characters)


CHINESE = f"[{js_class(zh_lang.HAN + zh_lang.PUNCTUATION)}]"
# Once math and fonts are in, two frames: scroll-regions.js has looked at the blocks again.
SETTLED = """async () => {
  if (window.MathJax && MathJax.startup) await MathJax.startup.promise;
  await document.fonts.ready;
  await new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done)));
}"""
# Every text node with Chinese in it that has no lang="zh…" around it, with the
# popover of the first link to a term shown (term-preview.js builds it then).
UNMARKED_CHINESE = """(chinese) => {
  const run = new RegExp(chinese, "u");
  const link = document.querySelector("span.term-preview > a");
  if (link) link.dispatchEvent(new PointerEvent("pointerenter", { pointerType: "mouse" }));
  const where = (e) => e.tagName.toLowerCase() + (e.id ? "#" + e.id : "")
    + [...e.classList].map((c) => "." + c).join("");
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let found = 0;
  const unmarked = [];
  for (let text = walker.nextNode(); text; text = walker.nextNode()) {
    const parent = text.parentElement;
    if (!run.test(text.data) || parent.closest("script, style, template")) continue;
    found += 1;
    // (the attribute, not .lang: an SVG element has no lang property, only the attribute)
    if (!(parent.closest("[lang]")?.getAttribute("lang") || "").toLowerCase().startsWith("zh")) {
      const path = [parent, parent.parentElement, parent.parentElement?.parentElement]
        .filter(Boolean).map(where).reverse().join(" > ");
      unmarked.push(`${path}: ${text.data.trim().slice(0, 50)}`);
    }
  }
  document.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape" }));
  return { found, unmarked };
}"""
AXE_RUN = """async (options) => {
  const results = await axe.run(document, { resultTypes: ["violations"], ...options });
  return results.violations.map((v) => ({
    rule: v.id, impact: v.impact, help: v.help,
    targets: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""
SEARCH_DONE = """() => !!document.querySelector("#search-results .search-summary")?.textContent"""


@dataclass
class Audit:
    """What axe and the lang check found on one page."""

    violations: list[tuple[str, dict]] = field(default_factory=list)  # (screen/theme, violation)
    chinese_nodes: int = 0  # text nodes with Chinese in them (desktop load)
    unmarked: list[str] = field(default_factory=list)  # those without lang="zh…" around them


async def audit_page(context, base: str, path: str, screen: str, gate, audit: Audit) -> None:
    async with gate:
        page = await context.new_page()
        await page.goto(base + AUDITED[path])
        if path == "search.html":
            await page.wait_for_function(SEARCH_DONE)
        await page.evaluate(SETTLED)
        if screen == "desktop":
            found = await page.evaluate(UNMARKED_CHINESE, CHINESE)
            audit.chinese_nodes, audit.unmarked = found["found"], found["unmarked"]
        await page.evaluate(AXE_SCRIPT)
        every_rule = screen == "desktop" or path in PHONE_EVERY_RULE
        rules = {} if every_rule else {"runOnly": {"type": "rule", "values": AXE_LAYOUT_RULES}}
        for v in await page.evaluate(AXE_RUN, rules):
            audit.violations.append((f"{screen}, light", v))
        if screen == "desktop":
            await page.evaluate("() => { document.body.dataset.theme = 'dark'; }")  # furo's switch
            only = {"runOnly": {"type": "rule", "values": AXE_COLOUR_RULES}}
            for v in await page.evaluate(AXE_RUN, only):
                audit.violations.append(("desktop, dark", v))
        await page.close()


@pytest.fixture(scope="module")
def audits(browser) -> dict[str, Audit]:
    """Every page audited, on a desktop and on a phone: path → :class:`Audit`."""

    async def audit_all():
        found = {path: Audit() for path in PAGES}
        gate = asyncio.Semaphore(IN_FLIGHT)
        contexts = {screen: await browser.context.browser.new_context(
            viewport={"width": width, "height": height})
            for screen, (width, height) in SCREENS.items()}
        await asyncio.gather(*(audit_page(context, browser.base, path, screen, gate, found[path])
                               for screen, context in contexts.items() for path in PAGES))
        for context in contexts.values():
            await context.close()
        return found

    return browser.run(audit_all())


def test_no_page_has_a_serious_or_critical_accessibility_violation(audits):
    """axe-core, every rule, on every page: desktop and phone, light and dark themes."""
    problems = {
        path: [f"{where}: {v['rule']} ({v['impact']}: {v['help']}) at {', '.join(v['targets'])}"
               for where, v in a.violations if v["impact"] in AXE_BLOCKING]
        for path, a in audits.items()}
    problems = {path: found for path, found in problems.items() if found}
    assert not problems, f"{len(problems)} of {len(audits)} pages:\n{table(problems)}"


def test_chinese_text_is_marked_as_chinese_on_every_page(audits):
    """Every text node with a Chinese character is in an element whose lang is Chinese:
    the page, its sidebar and headers, a term's popover, the search's results."""
    problems = {path: a.unmarked for path, a in audits.items() if a.unmarked}
    assert not problems, f"{len(problems)} of {len(audits)} pages:\n{table(problems)}"
    # Every page names its sections in Chinese (in its sidebar at least): none without.
    assert all(a.chinese_nodes for a in audits.values())


# The blocks of the phone's dropout page that scroll sideways, and what they offer.
SCROLLERS = """() => [...document.querySelectorAll("article pre, article div.table-wrapper")]
  .filter((b) => b.scrollWidth > b.clientWidth + 1 && getComputedStyle(b).overflowX !== "visible")
  .map((b) => ({
    id: b.id, tabIndex: b.tabIndex, role: b.getAttribute("role"), name: b.getAttribute("aria-label"),
    output: !!b.closest(".cell_output"), background: getComputedStyle(b).backgroundImage,
  }))"""


def test_blocks_that_scroll_can_be_scrolled_with_the_keyboard_and_show_it(browser):
    """On a phone every code or output block wider than the screen is a Tab stop with a
    name and a shadow at the edge with more; → scrolls it (and does not open the next
    page). On a desktop, where they fit, the same blocks are not Tab stops."""

    async def interact():
        context = await browser.context.browser.new_context(viewport=PHONE)
        page = await context.new_page()
        await page.goto(f"{browser.base}glossary/{COPY_PAGE}.html")
        await page.evaluate(SETTLED)
        phone = await page.evaluate(SCROLLERS)
        output = page.locator("div.cell_output pre[data-scroll-region]").first
        await output.focus()
        before = await output.evaluate("(b) => b.scrollLeft")
        url = page.url
        for _ in range(5):
            # (→ alone would open the next page: conf.py's navigation_with_keys)
            await page.keyboard.press("ArrowRight")
        try:  # a smooth scroll takes a few frames
            await output.evaluate(
                "(b) => new Promise((done, late) => { const t = Date.now(); const look = () =>"
                " b.scrollLeft > 0 ? done() : Date.now() - t > 2000 ? late() :"
                " requestAnimationFrame(look); look(); })")
        except Exception:
            pass
        after = (await output.evaluate("(b) => b.scrollLeft")) if page.url == url else None
        await page.set_viewport_size(DESKTOP)
        await page.evaluate(SETTLED)
        wide = await page.evaluate(
            "() => [...document.querySelectorAll('[data-scroll-region]')].map((b) => b.id)")
        fitting = await page.evaluate(
            """(ids) => ids.filter((id) => {
                 const b = document.getElementById(id);
                 return b && b.scrollWidth <= b.clientWidth + 1 && b.hasAttribute("tabindex");
               })""", [s["id"] for s in phone if s["id"]])
        await context.close()
        return phone, before, after, wide, fitting

    phone, before, after, wide, fitting = browser.run(interact())
    assert any(s["output"] for s in phone), "no output scrolls on the phone: nothing tested"
    for s in phone:
        assert (s["tabIndex"], s["role"]) == (0, "group") and s["name"] in ("Code", "Output"), s
        assert s["background"].count("gradient") == 4, s  # the covers and the shadows
    assert after is not None, "→ in a block that scrolls opened another page"
    assert after > before == 0
    assert len(wide) < len(phone)
    assert not fitting
# --- Page weight, layout shift, formulas on a phone ---------------------------------------
# Every page at a desktop and a phone width, loaded once per width: what it downloads
# (each URL once, its bytes on disk: http.server sends them uncompressed, so that is
# what travels), how far its content moved while it loaded (Cumulative Layout Shift,
# the layout-shift entries without recent input), and at the phone width whether a
# display formula hides part of itself or anything pushes the page sideways.

WEIGHT_BUDGET = 500 * 1024  # bytes a term page may load in all: HTML, CSS, JS, fonts, images
CLS_BUDGET = 0.1  # "good", by the Web Vitals' threshold
WIDTHS = {"desktop": 1280, "phone": 390}


@dataclass
class Layout:
    weight: dict[str, int]  # URL -> bytes on disk, each URL once
    shift: float
    page_width: int
    hidden: list[dict]  # display formulas wider than their box
    inline: list[str]  # inline formulas past the column's edge


def on_disk(url: str, browser: Browser) -> int:
    path = urlsplit(url).path.removeprefix(urlsplit(browser.base).path)
    target = browser.site / (path or "index.html")
    return target.stat().st_size if target.is_file() else 0


def as_layout(found: dict, browser: Browser) -> Layout:
    urls = dict.fromkeys(u.split("#")[0] for u in found["urls"] if u.startswith(browser.base))
    return Layout({u: on_disk(u, browser) for u in urls}, found["shift"], found["pageWidth"],
                  found["hidden"], found["inline"])


async def lay_out(browser: Browser, context, path: str, gate: asyncio.Semaphore) -> Layout:
    async with gate:
        page = await context.new_page()
        await page.add_init_script(COUNT_SHIFTS)
        await page.goto(browser.base + path, wait_until="load")
        found = await page.evaluate(LAYOUT, False)
        await page.close()
    return as_layout(found, browser)


@pytest.fixture(scope="module")
def layouts(browser, visits) -> dict[str, dict[str, Layout]]:
    """width name -> page -> :class:`Layout`. The desktop's from the shared visits (the
    module's context: Playwright's 1280 × 720); the phone's from a pass of its own."""
    assert WIDTHS["desktop"] == 1280  # Playwright's default viewport, the visits'

    async def phone() -> dict[str, Layout]:
        context = await browser.context.browser.new_context(
            viewport={"width": WIDTHS["phone"], "height": 844})
        gate = asyncio.Semaphore(IN_FLIGHT)
        found = await asyncio.gather(*(lay_out(browser, context, p, gate) for p in PAGES))
        await context.close()
        return dict(zip(PAGES, found))

    return {"desktop": {path: as_layout(v.layout, browser) for path, v in visits.items()},
            "phone": browser.run(phone())}


def test_every_term_page_weighs_at_most_500_kb(layouts):
    problems = {}
    for path in PAGES:
        if not path.startswith("glossary/"):
            continue
        for name, found in layouts.items():
            weight = found[path].weight
            total = sum(weight.values())
            if total > WEIGHT_BUDGET:
                heaviest = sorted(weight.items(), key=lambda item: -item[1])[:4]
                problems.setdefault(path, []).append(
                    f"{name}: {total // 1024} KB; heaviest: "
                    + ", ".join(f"{urlsplit(u).path.rsplit('/', 1)[-1][:40]} {n // 1024} KB"
                                for u, n in heaviest))
    assert not problems, f"{len(problems)} term pages over {WEIGHT_BUDGET // 1024} KB:\n{table(problems)}"


def test_no_page_shifts_its_layout_as_it_loads(layouts):
    problems = {path: [f"cumulative layout shift {found.shift:.3f} at 1280 px"]
                for path, found in layouts["desktop"].items() if found.shift >= CLS_BUDGET}
    assert not problems, f"{len(problems)} of {len(PAGES)} pages:\n{table(problems)}"


def test_on_a_phone_no_formula_hides_part_of_itself_and_no_page_is_wider_than_the_screen(layouts):
    problems = {}
    for path, found in layouts["phone"].items():
        wrong = [f"the page is {found.page_width} px wide"] if found.page_width > WIDTHS["phone"] else []
        for formula in found.hidden:
            missing = [what for what in ("scrolls", "cue", "focusable", "named") if not formula[what]]
            if missing:
                wrong.append(f"display formula wider than its box, without {', '.join(missing)}: "
                             f"{formula['text']}")
        wrong += [f"inline formula past the column's edge: {text}" for text in found.inline]
        if wrong:
            problems[path] = wrong
    assert not problems, f"{len(problems)} of {len(PAGES)} pages:\n{table(problems)}"


def test_a_wide_formula_scrolls_with_the_arrow_keys_and_the_page_stays(browser):
    """Focused, a formula that scrolls moves with the arrow keys, which elsewhere
    turn the page (Sphinx's navigation_with_keys)."""

    async def scroll() -> tuple[str, str, list[int]]:
        context = await browser.context.browser.new_context(viewport={"width": 390, "height": 844})
        page = await context.new_page()
        url = browser.base + "glossary/forward-propagation.html"
        await page.goto(url)
        formula = page.locator("div.glossary-display-math[tabindex='0']").first
        await formula.focus()
        lefts = [await formula.evaluate("(box) => box.scrollLeft")]
        for key in ("ArrowRight", "ArrowRight", "ArrowLeft"):
            await page.keyboard.press(key)
            await page.wait_for_timeout(150)  # smooth scrolling
            lefts.append(await formula.evaluate("(box) => box.scrollLeft"))
        after = page.url
        await context.close()
        return url, after, lefts

    url, after, lefts = browser.run(scroll())
    assert after == url
    assert lefts[0] == 0 and lefts[2] > lefts[1] > 0 and lefts[3] < lefts[2], lefts
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
