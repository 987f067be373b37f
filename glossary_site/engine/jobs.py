"""How many pages to read (and execute) at once: the cores and memory this process may use."""

from __future__ import annotations

import math
import os

from .. import settings

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
    asked = settings.jobs()
    if asked is not None:
        return asked
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
