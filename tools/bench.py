"""Benchmark the build against stock myst-nb, in one run on this machine.

    make bench        (or: .venv/bin/python tools/bench.py)

Builds the same pages, each in its own copy of the project with an empty cache:

(a) baseline: stock myst-nb, what a user would have without the engine:
    ``conf.py`` exactly, minus its ``glossary_site.engine`` extension
    (``-D extensions=...``), so no patch or handler of the engine is active:
    jupyter's own kernel per page, myst-nb's own cache, Sphinx's own chunks
    of pages per reader. The same number of parallel readers as (b). One step
    is added, as a user of stock myst-nb would have to: the empty cache is
    created before the build (parallel readers that each create it crash,
    sphinx-doc/sphinx#12481; the engine does this step itself);
(b) this project's build (``python -m glossary_site.engine.build``, both
    editions, as ``make docs``): cold, then a rebuild with no change, then a
    rebuild after editing one module, counting the pages re-executed against
    the pages that import that module;
(c) the English edition alone, cold (``GLOSSARY_EDITIONS=en``): the Chinese
    edition runs no code, so (b) may take at most :data:`EDITIONS_BUDGET` times
    as long, and a no-change rebuild of both at most :data:`NOCHANGE_BUDGET_S`.

Prints a table and writes ``_build/bench.json``, with ``page_seconds``: each
page's execution time in the cold build (as jupyter-cache recorded it; pages
run side by side, so each is a little slower than alone). The budget is a
cold build of at most :data:`COLD_BUDGET_S` and no page over
:data:`PAGE_BUDGET_S` on the 2-core reference machine; the script exits 1 when
it is missed. ``--no-baseline`` skips (a), for a quicker look at (b). Peak memory is the largest
sum over the build's process tree (Sphinx, its parallel readers, the fork
server and the kernels) of each process's proportional set size, so memory
that forked processes share is counted once.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from glossary_site.engine import deps  # noqa: E402
from glossary_site.engine.jobs import default_jobs  # noqa: E402

ENGINE = "glossary_site.engine"

EDIT_MODULE = "vanishing_gradient"
COLD_BUDGET_S = 90.0  # the whole site, cold, on 2 cores
EDITIONS_BUDGET = 1.3  # both editions, cold, against the English one alone
NOCHANGE_BUDGET_S = 5.0  # both editions, nothing changed
PAGE_BUDGET_S = 10.0  # any one page's execution
EXECUTED = re.compile(r"/docs/(\S+)\.md: Executing notebook")
# myst-nb's own timing of each page's execution, kernel start-up included
EXEC_SECONDS = re.compile(r"Executed notebook in ([\d.]+) seconds")


def exec_seconds(log: str) -> float:
    return round(sum(float(s) for s in EXEC_SECONDS.findall(log)), 2)


def copy_project(dest: Path) -> Path:
    ignore = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", ".pytest_cache")
    shutil.copytree(ROOT, dest, ignore=ignore)
    return dest


class PeakMemory:
    """Samples the summed PSS of a process and its descendants."""

    def __init__(self, pid: int, interval: float = 0.25):
        self.root = psutil.Process(pid)
        self.peak = 0
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            total = 0
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                procs = []
            for p in procs:
                try:
                    total += p.memory_full_info().pss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(self.interval)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def timed(cmd: list[str], cwd: Path, env: dict | None = None) -> tuple[float, str, int]:
    """Run a build; return (seconds, its log, peak memory in bytes). Fails loudly."""
    full_env = {**os.environ, "PYTHONPATH": str(cwd), **(env or {})}
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=full_env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    memory = PeakMemory(proc.pid)
    log, _ = proc.communicate()
    seconds = time.perf_counter() - start
    peak = memory.stop()
    if proc.returncode != 0:
        sys.exit(f"build failed in {cwd}:\n{log[-4000:]}")
    return seconds, log, peak


def extensions_without_engine(project: Path) -> list[str]:
    """``conf.py``'s extensions, in order, minus the build engine."""
    from sphinx.config import Config
    from sphinx.util.tags import Tags

    extensions = Config.read(project, overrides={}, tags=Tags()).extensions
    if ENGINE not in extensions:
        sys.exit(f"{project / 'conf.py'} does not list {ENGINE}: nothing to compare")
    return [e for e in extensions if e != ENGINE]


def create_empty_cache(project: Path) -> None:
    """jupyter-cache's database with its tables, before parallel readers open it."""
    from jupyter_cache import get_cache

    cache = get_cache(project / "_build" / "jupyter_cache")
    cache.list_cache_records()  # (creates the tables)
    cache.db.dispose()  # no connection carried into the build


def page_seconds(project: Path) -> dict[str, float]:
    """Each page's execution time, from the cold build's cache, slowest first."""
    from jupyter_cache import get_cache

    cache = get_cache(project / "_build" / "jupyter_cache")
    docs = project / "docs"
    times = {
        Path(r.uri).relative_to(docs).with_suffix("").as_posix():
            round(float(r.data.get("execution_seconds") or 0.0), 2)
        for r in cache.list_cache_records()
    }
    cache.db.dispose()
    return dict(sorted(times.items(), key=lambda kv: (-kv[1], kv[0])))


def baseline_command(project: Path) -> list[str]:
    """sphinx-build with conf.py minus the engine; everything else as the project's build."""
    return [
        sys.executable, "-m", "sphinx", "-b", "html", "-c", str(project),
        "-d", str(project / "_build" / "doctrees"), "-j", str(default_jobs()),
        "-D", f"extensions={','.join(extensions_without_engine(project))}",
        "-W", "--keep-going",
        str(project / "docs"), str(project / "_build" / "html"),
    ]


def project_command() -> list[str]:
    return [sys.executable, "-m", "glossary_site.engine.build", "-W", "--keep-going"]


def main(with_baseline: bool = True) -> int:
    work = Path(tempfile.mkdtemp(prefix="glossary-bench-"))
    try:
        ours = copy_project(work / "project")
        pages = sorted((ours / "docs" / "glossary").glob("*.md"))

        if with_baseline:
            base = copy_project(work / "baseline")
            print(f"baseline: conf.py without {ENGINE} (stock myst-nb), -j {default_jobs()} ...",
                  flush=True)
            create_empty_cache(base)
            baseline_cold, baseline_log, baseline_mem = timed(baseline_command(base), base)
        else:
            baseline_cold, baseline_log, baseline_mem = float("nan"), "", 0
        print("project: cold build ...", flush=True)
        cold, cold_log, cold_mem = timed(project_command(), ours)
        cold_pages = set(EXECUTED.findall(cold_log))
        per_page = page_seconds(ours)
        print("project: no-change rebuild ...", flush=True)
        nochange, log, _ = timed(project_command(), ours)
        nochange_pages = set(EXECUTED.findall(log))

        print("project: cold build of the English edition alone ...", flush=True)
        english = copy_project(work / "english")
        cold_en, _, _ = timed(project_command(), english, env={"GLOSSARY_EDITIONS": "en"})

        module = ours / "glossary_examples" / f"{EDIT_MODULE}.py"
        module.write_text(module.read_text() + "\n# edited by the benchmark\n")
        expected = sorted(
            f"glossary/{p.stem}" for p in pages
            if module in deps.page_dependencies(p, None, root=module.parent)
        )
        print(f"project: rebuild after editing {module.name} ...", flush=True)
        edit_one, log, _ = timed(project_command(), ours)
        reexecuted = sorted(set(EXECUTED.findall(log)))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    result = {
        "pages": len(pages),
        "baseline_cold_s": round(baseline_cold, 2) if with_baseline else None,
        "cold_s": round(cold, 2),
        "cold_english_only_s": round(cold_en, 2),
        "cold_both_vs_english": round(cold / cold_en, 2),
        "nochange_s": round(nochange, 2),
        "edit_one_s": round(edit_one, 2),
        "edit_one_module": f"glossary_examples/{EDIT_MODULE}.py",
        "reexecuted_pages": reexecuted,
        "expected_pages": expected,
        "cold_executed_pages": len(cold_pages),
        "nochange_executed_pages": len(nochange_pages),
        "cold_speedup": round(baseline_cold / cold, 2) if with_baseline else None,
        # summed over pages (pages run two at a time, so these exceed wall time)
        "baseline_page_execution_s": exec_seconds(baseline_log),
        "cold_page_execution_s": exec_seconds(cold_log),
        "baseline_peak_memory_mb": round(baseline_mem / 2**20),
        "cold_peak_memory_mb": round(cold_mem / 2**20),
        "cpus": os.cpu_count(),
        "page_seconds": per_page,
    }
    out = ROOT / "_build" / "bench.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")

    rows = [
        ("baseline cold (conf.py minus the engine)", baseline_cold, "1.00×",
         f"{result['baseline_peak_memory_mb']} MB"),
        ("cold (empty cache), both editions", cold, f"{baseline_cold / cold:.2f}× faster",
         f"{result['cold_peak_memory_mb']} MB"),
        ("cold, the English edition alone", cold_en, f"{baseline_cold / cold_en:.2f}× faster", ""),
        ("no-change rebuild", nochange, f"{baseline_cold / nochange:.1f}× faster", ""),
        (f"after editing {EDIT_MODULE}.py", edit_one, f"{baseline_cold / edit_one:.1f}× faster", ""),
    ]
    print(f"\n{len(pages)} pages, {os.cpu_count()} CPUs")
    print(f"{'build':<46}{'seconds':>9}  {'vs baseline':<16}{'peak memory':>12}")
    for name, seconds, ratio, mem in rows:
        print(f"{name:<46}{seconds:>9.2f}  {ratio:<16}{mem:>12}")
    print(f"\npage execution summed over pages, kernel start included: baseline "
          f"{result['baseline_page_execution_s']:.1f} s, this build {result['cold_page_execution_s']:.1f} s")
    ok = reexecuted == expected
    print(f"\nre-executed after the edit: {', '.join(reexecuted) or 'none'}")
    print(f"pages that import it:       {', '.join(expected)}  -> {'match' if ok else 'MISMATCH'}")
    slow = {page: t for page, t in per_page.items() if t > PAGE_BUDGET_S}
    print("\nslowest pages: " + ", ".join(f"{p} {t:.1f} s" for p, t in list(per_page.items())[:5]))
    editions_met = cold <= EDITIONS_BUDGET * cold_en and nochange <= NOCHANGE_BUDGET_S
    print(f"editions (both cold ≤ {EDITIONS_BUDGET}× the English alone, no-change ≤ "
          f"{NOCHANGE_BUDGET_S:.0f} s): {cold / cold_en:.2f}×, {nochange:.1f} s: "
          + ("met" if editions_met else "MISSED"))
    met = cold <= COLD_BUDGET_S and not slow and editions_met
    print(f"budget (cold ≤ {COLD_BUDGET_S:.0f} s, every page ≤ {PAGE_BUDGET_S:.0f} s): "
          + ("met" if met else "MISSED: " + ", ".join(
              ([f"cold {cold:.1f} s"] if cold > COLD_BUDGET_S else [])
              + [f"{p} {t:.1f} s" for p, t in slow.items()])))
    print(f"written {out}")
    return 0 if met and ok else 1


if __name__ == "__main__":
    sys.exit(main(with_baseline="--no-baseline" not in sys.argv[1:]))
