"""Time one page's examples: each function of the module's PAGE, after TensorFlow is imported.

    .venv/bin/python tools/time_page.py dropout [relu ...]

Figures are drawn too (as the site's build does) and closed. The build's own
timing of every page is in ``_build/bench.json`` (``make bench``).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from glossary_examples._lib import registry, runtime  # noqa: E402


def main(slugs: list[str]) -> None:
    # Importing runtime loaded and configured TensorFlow (counted before the first page).
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    for slug in slugs:
        module = importlib.import_module(f"glossary_examples.{registry.term(slug).module}")
        total = 0.0
        for fn in module.PAGE:
            start = time.perf_counter()
            with contextlib.redirect_stdout(io.StringIO()):
                result = fn()
            if hasattr(result, "savefig"):
                result.canvas.draw()
                plt.close(result)
            seconds = time.perf_counter() - start
            total += seconds
            print(f"{slug:>28}  {fn.__name__:<40} {seconds:6.2f} s")
        print(f"{slug:>28}  {'total':<40} {total:6.2f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
