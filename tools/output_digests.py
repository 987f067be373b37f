"""Digests of every page's executed outputs, from a built site.

    python tools/output_digests.py [_build/html] > digests.json
    python tools/output_digests.py --compare before.json after.json

A restructuring of the code must not change what any page computed: build
before and after, and compare. The digest of a page covers, in page order,
every cell's output as rendered (text, tables, tracebacks) and the bytes of
every image it shows, so a changed number or a changed pixel changes it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from bs4 import BeautifulSoup


def page_digest(html_file: Path) -> tuple[str, int]:
    """The SHA-256 of a page's cell outputs, and how many outputs it has."""
    soup = BeautifulSoup(html_file.read_text(encoding="utf-8"), "html.parser")
    digest = hashlib.sha256()
    outputs = soup.select("div.cell_output")
    for output in outputs:
        digest.update(str(output).encode())
        for img in output.find_all("img"):
            digest.update((html_file.parent / img["src"]).read_bytes())
    return digest.hexdigest(), len(outputs)


def site_digests(html_dir: Path) -> dict[str, dict]:
    pages = sorted((html_dir / "glossary").glob("*.html"))
    return {
        p.stem: dict(zip(("sha256", "outputs"), page_digest(p), strict=True)) for p in pages
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("html_dir", nargs="?", type=Path, default=Path("_build/html"))
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args(argv)
    if args.compare:
        before, after = (json.loads(p.read_text()) for p in args.compare)
        differ = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
        same = len(before.keys() & after.keys()) - len([k for k in differ if k in before and k in after])
        print(f"{same} pages identical, {len(differ)} differ" + (f": {', '.join(differ)}" if differ else ""))
        return 1 if differ else 0
    json.dump(site_digests(args.html_dir), sys.stdout, indent=1, sort_keys=True)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
