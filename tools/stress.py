"""Cold builds in a row, to catch failures that happen only sometimes.

    make stress                      (or: .venv/bin/python tools/stress.py)
    .venv/bin/python tools/stress.py --runs 3 --jobs 4

Each run copies the project (sources only, so the execution cache and the
doctrees start empty) into a temporary folder and builds it the way
``make docs`` does. By default it does 10 runs at the default number of
parallel readers and 10 at twice the usable cores, where races between
readers are likelier. A run passes when the build succeeds *and* the
execution cache then holds one record per page: a build can also succeed
after a reader silently deleted another page's freshly cached outputs (the
next build would execute that page again). It prints one line per run
(passed or failed, seconds, and why a run failed), a summary per setting,
and writes ``_build/stress.json``. Not part of ``make test``: it takes about
half an hour.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IGNORE = shutil.ignore_patterns(".venv", "_build", ".git", "__pycache__", ".pytest_cache")


def usable_cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def first_error(log: str) -> str:
    """The line a reader of the log would look at first."""
    lines = log.splitlines()
    for marker in ("Error", "ERROR", "Exception", "error"):
        for line in lines:
            if marker in line:
                return line.strip()[:300]
    return (lines[-1].strip() if lines else "")[:300]


def cached_records(cache: Path) -> int:
    try:
        with sqlite3.connect(f"file:{cache / 'global.db'}?mode=ro", uri=True) as conn:
            return conn.execute("select count(*) from nbcache").fetchone()[0]
    except sqlite3.Error:
        return 0


def cold_build(jobs: str | None, timeout: float) -> dict:
    """One build of a fresh copy of the project; the copy is removed afterwards."""
    work = Path(tempfile.mkdtemp(prefix="glossary-stress-"))
    try:
        project = work / "p"
        shutil.copytree(ROOT, project, ignore=IGNORE)
        env = {**os.environ, "PYTHONPATH": str(project)}
        env.pop("GLOSSARY_JOBS", None)
        if jobs is not None:
            env["GLOSSARY_JOBS"] = jobs
        start = time.perf_counter()
        try:
            proc = subprocess.run(
                [sys.executable, "-m", "glossary_site.engine.build", "-W", "--keep-going", "-q"],
                cwd=project, env=env, capture_output=True, text=True, timeout=timeout,
            )
            status, log = proc.returncode, proc.stdout + proc.stderr
        except subprocess.TimeoutExpired as exc:
            status, log = -1, f"timed out after {timeout:g} s\n{exc.stderr or ''}"
        seconds = time.perf_counter() - start
        pages = len(list((project / "docs" / "glossary").glob("*.md")))
        records = cached_records(project / "_build" / "jupyter_cache")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    error = first_error(log) if status != 0 else ""
    if status == 0 and records != pages:
        error = f"the build passed, but the cache holds {records} records for {pages} pages"
    return {"passed": not error, "status": status, "seconds": round(seconds, 1),
            "records": records, "pages": pages, "error": error}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="cold builds per setting (10)")
    parser.add_argument(
        "--jobs", action="append",
        help="reader counts to try; 'default' is the build's own choice "
             "(default: 'default' and twice the usable cores)",
    )
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds per build (900)")
    args = parser.parse_args(argv)
    settings = args.jobs or ["default", str(2 * usable_cores())]

    results: dict[str, list[dict]] = {}
    for setting in settings:
        runs = results.setdefault(setting, [])
        for i in range(1, args.runs + 1):
            run = cold_build(None if setting == "default" else setting, args.timeout)
            runs.append(run)
            verdict = "passed" if run["passed"] else f"FAILED (exit {run['status']}): {run['error']}"
            print(f"readers={setting:<8} run {i:>2}/{args.runs}  {run['seconds']:>7.1f} s  {verdict}",
                  flush=True)

    print()
    summary = {}
    for setting, runs in results.items():
        passed = sum(r["passed"] for r in runs)
        times = sorted(r["seconds"] for r in runs)
        summary[setting] = {"passed": passed, "runs": len(runs),
                            "min_s": times[0], "median_s": times[len(times) // 2], "max_s": times[-1]}
        print(f"readers={setting:<8} {passed}/{len(runs)} passed; seconds min {times[0]:.1f}, "
              f"median {times[len(times) // 2]:.1f}, max {times[-1]:.1f}")
    out = ROOT / "_build" / "stress.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"cores": usable_cores(), "summary": summary, "runs": results},
                              indent=2) + "\n")
    print(f"written {out}")
    return 0 if all(s["passed"] == s["runs"] for s in summary.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
