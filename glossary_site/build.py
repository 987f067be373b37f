"""Build the site: ``python -m glossary_site.build [extra sphinx-build options]``.

The one place that knows the layout: sources in ``docs/``, configuration in
the top-level ``conf.py``, doctrees in ``_build/doctrees``, the execution cache
in ``_build/jupyter_cache`` (set in ``conf.py``) and the HTML in
``_build/html``.

The HTML is built into ``_build/html.staging`` and moved into place only when
the build succeeds, so ``_build/html`` always holds the last good site: a
failed, interrupted or killed build leaves it as it was. The staging folder
starts as a copy of the last good site when that was written by the same
extension code, configuration and options (:func:`site_key`), so a build in
which no page changed writes nothing again (:mod:`glossary_site.reuse`). Pages are read (and
executed) in parallel, one process per core this process may use
(:func:`default_jobs`; ``GLOSSARY_JOBS=N`` overrides it).
"""

from __future__ import annotations

import hashlib
import math
import os
import shutil
import sys
from pathlib import Path

from sphinx.cmd.build import build_main

ROOT = Path(__file__).resolve().parent.parent
# What one reader process and the kernel it drives hold at their peak, bytes
# (measured: about 0.6 GB with TensorFlow loaded, plus headroom).
MEMORY_PER_JOB = 1.5 * 2**30


def _read(path: str) -> str:
    try:
        with open(path, encoding="ascii") as f:
            return f.read().strip()
    except OSError:
        return ""


def cgroup_cpu_limit() -> float | None:
    """The CPU quota of this process's cgroup, in cores, or None if unlimited."""
    quota, _, period = _read("/sys/fs/cgroup/cpu.max").partition(" ")  # cgroup v2
    if not period:  # cgroup v1
        quota, period = (_read("/sys/fs/cgroup/cpu/cpu.cfs_quota_us"),
                         _read("/sys/fs/cgroup/cpu/cpu.cfs_period_us"))
    try:
        cores = int(quota) / int(period)
    except ValueError:  # "max", missing files
        return None
    return cores if cores > 0 else None


def available_memory() -> float | None:
    """Bytes this process may still use: the cgroup limit or MemAvailable."""
    limits = []
    limit, usage = _read("/sys/fs/cgroup/memory.max"), _read("/sys/fs/cgroup/memory.current")
    if limit.isdigit():
        limits.append(int(limit) - (int(usage) if usage.isdigit() else 0))
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemAvailable:"):
            limits.append(int(line.split()[1]) * 1024)
    return min(limits) if limits else None


def default_jobs() -> int:
    """Parallel readers: one more than the cores this process may really use, within memory.

    One more, because a reader also parses and renders, and waits on its
    kernel's messages, while the core it would use is free (cold build of the
    49 pages on 2 cores: 74 and 79 s with 3 readers, 83 and 90 s with 2).
    Not ``-j auto``: Sphinx counts the host's cores, and in a container limited
    to 2 of a host's 64 it would start 64 readers, each with a TensorFlow
    kernel, which then share 2 cores and run into the cell timeout.
    """
    if os.environ.get("GLOSSARY_JOBS"):
        return max(1, int(os.environ["GLOSSARY_JOBS"]))
    cores: float = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
        else (os.cpu_count() or 1)
    quota = cgroup_cpu_limit()
    if quota is not None:
        cores = min(cores, math.ceil(quota))
    jobs = cores + 1
    memory = available_memory()
    if memory is not None:
        jobs = min(jobs, memory // MEMORY_PER_JOB)
    return max(1, int(jobs))


def sphinx_args(root: Path, outdir: Path, extra: list[str] | None = None) -> list[str]:
    """The sphinx-build arguments for the project at ``root``."""
    return [
        "-b", "html",
        "-c", str(root),
        "-d", str(root / "_build" / "doctrees"),
        "-j", str(default_jobs()),
        *(extra or []),
        str(root / "docs"),
        str(outdir),
    ]


def publish(staging: Path, html: Path) -> None:
    """Replace ``html`` by ``staging``: two renames, each atomic."""
    old = html.with_name(html.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if html.exists():
        html.rename(old)
    staging.rename(html)
    shutil.rmtree(old, ignore_errors=True)


def recover(html: Path) -> None:
    """A build killed between the two renames left the old site aside: restore it."""
    old = html.with_name(html.name + ".old")
    if old.exists() and not html.exists():
        old.rename(html)


# sphinx-build options that change what is logged or the exit status, never the HTML
LOG_ONLY_OPTIONS = frozenset({
    "-q", "--quiet", "-Q", "--silent", "-v", "-vv", "-vvv", "--verbose", "-W",
    "--fail-on-warning", "--keep-going", "-T", "--show-traceback", "-N", "--no-color",
    "--color",
})


def output_options(extra: list[str]) -> list[str]:
    """The options of ``extra`` that can change the written site.

    >>> output_options(["-W", "--keep-going", "-q", "-D", "language=zh_CN"])
    ['-D', 'language=zh_CN']
    """
    return [a for a in extra if a not in LOG_ONLY_OPTIONS]


def site_key(root: Path, extra: list[str]) -> str:
    """A hash of what shapes the written HTML but Sphinx does not track.

    Sphinx notices changed pages, their dependencies and its configuration,
    not this project's extension code, static files, pinned versions or the
    command-line options. A site written under another key is never reused.
    """
    digest = hashlib.sha256(repr((sys.version, output_options(extra))).encode())
    files = [root / "conf.py", root / "requirements.lock",
             *(root / "glossary_site").rglob("*"), *(root / "docs" / "_static").rglob("*")]
    for path in sorted(f for f in files if f.is_file() and "__pycache__" not in f.parts):
        digest.update(str(path.relative_to(root)).encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    extra = list(sys.argv[1:] if argv is None else argv)
    html = root / "_build" / "html"
    staging = html.with_name(html.name + ".staging")
    key_file = html.with_name(html.name + ".key")  # the key the site in html was written with
    recover(html)
    shutil.rmtree(staging, ignore_errors=True)  # left by a killed build
    key = site_key(root, extra)
    reuse = html.is_dir() and key_file.is_file() and key_file.read_text() == key
    if reuse:
        # copy2 keeps modification times: Sphinx sees the pages as up to date
        shutil.copytree(html, staging, symlinks=True)
    status = build_main(sphinx_args(root, staging, [*extra, "-D", f"glossary_reused_site={int(reuse)}"]))
    if status == 0:
        publish(staging, html)
        key_file.write_text(key)
    else:
        shutil.rmtree(staging, ignore_errors=True)
        print(f"build failed; {html} still holds the last good site", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
