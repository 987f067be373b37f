"""Screenshots of built pages in headless Chromium, at desktop and phone widths.

    .venv/bin/python tools/screenshot.py glossary/dropout.html index.html --out _build/shots

Uses the project's own Playwright (in the venv: ``make venv``) with the system's
Chromium, the one the browser tests use (``GLOSSARY_CHROMIUM``, or ``chromium``
on ``PATH``; Debian: ``apt-get install chromium fonts-noto-cjk``, without a CJK
font Chinese text shows as boxes). Serves ``_build/html`` on a loopback port
while it works.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import threading
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from glossary_site import settings  # noqa: E402

WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("pages", nargs="+", help="paths under _build/html")
    parser.add_argument("--out", type=Path, default=ROOT / "_build" / "shots")
    parser.add_argument("--html", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--chromium", help="the browser (default: as the browser tests find it)")
    parser.add_argument("--full-page", action="store_true")
    parser.add_argument("--theme", choices=("light", "dark"), default="light",
                        help="the colour scheme the browser asks for (Furo's theme is 'auto')")
    parser.add_argument("--scroll-to", metavar="SELECTOR",
                        help="scroll the first element matching SELECTOR into view first")
    args = parser.parse_args()
    try:
        chromium = args.chromium or settings.chromium()
    except settings.SettingError as missing:
        parser.exit(1, f"{missing}\n")
    args.out.mkdir(parents=True, exist_ok=True)

    handler = functools.partial(QuietHandler, directory=str(args.html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium,
                                        args=list(settings.CHROMIUM_ARGS))
            for name, (w, h) in WIDTHS.items():
                page = browser.new_page(viewport={"width": w, "height": h},
                                        color_scheme=args.theme)
                for path in args.pages:
                    page.goto(base + path, wait_until="networkidle")
                    if args.scroll_to:
                        page.locator(args.scroll_to).first.evaluate(
                            "(e) => e.scrollIntoView({block: 'start'})")
                        page.wait_for_timeout(300)  # lazy images start loading once in view
                        page.wait_for_load_state("networkidle")
                    stem = path.replace('/', '_').replace('.html', '')
                    shot = args.out / f"{stem}-{name}{'-dark' if args.theme == 'dark' else ''}.png"
                    page.screenshot(path=str(shot), full_page=args.full_page)
                    print(shot)
                page.close()
            browser.close()
    finally:
        server.shutdown()


if __name__ == "__main__":
    main()
