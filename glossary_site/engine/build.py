"""Build the site: ``python -m glossary_site.engine.build [--project DIR] [sphinx options]``.

Sources in ``docs/``, configuration in the top-level ``conf.py``, doctrees in
``_build/doctrees``, the execution cache in ``_build/jupyter_cache`` and the
HTML in ``_build/html`` (:mod:`glossary_site.settings`). ``--project`` builds
another project of the same layout (the tests' fixture project); the default
is this checkout.

This command supervises the Sphinx process (:mod:`glossary_site.engine.publish`,
which builds into a staging folder and publishes only a good site) and keeps
the promises that need a process outside it:

- **One build at a time** per checkout (:mod:`glossary_site.engine.lock`).
- **Ctrl-C stops it within seconds**, with one line and nothing left running
  (:mod:`glossary_site.engine.interrupts`), and the last good site in place.
- **No leftovers.** Kernels, the fork server, their sockets and connection
  files live in one temporary folder of this checkout's, removed at the end of
  every build, and at the start of the next one if a build was killed.

Pages are read (and executed) in parallel, one process more than the cores
this process may use (:mod:`glossary_site.engine.jobs`).
"""

from __future__ import annotations

import signal

# Ctrl-C while the modules below are still being imported (tenths of a second on a
# busy machine) would end in a traceback: it is noted here instead, and acted on
# when main() can say its one line.
_PENDING: list[int] = []
if __name__ == "__main__":
    for _signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(_signum, lambda signum, frame: _PENDING.append(signum))

import argparse  # noqa: E402 (after the handlers above, on purpose)
import contextlib  # noqa: E402
import hashlib  # noqa: E402
import os  # noqa: E402
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

from .. import settings  # noqa: E402
from . import interrupts  # noqa: E402
from .jobs import default_jobs  # noqa: E402
from .lock import build_lock  # noqa: E402
from .publish import build_dir_of, html_folders, recover  # noqa: E402


def build_temp_dir(root: Path) -> Path:
    """This checkout's temporary folder: short (Unix socket paths are limited to 107 bytes)."""
    tag = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"glossary-{os.getuid()}-{tag}"


def _use_temp_dir(path: Path) -> None:
    """Everything the build's processes put in temporary files goes into ``path``."""
    shutil.rmtree(path, ignore_errors=True)  # a killed build's leftovers
    path.mkdir(mode=0o700)
    (path / "runtime").mkdir()
    os.environ["TMPDIR"] = os.environ[settings.TEMP_ENV] = str(path)
    os.environ["JUPYTER_RUNTIME_DIR"] = str(path / "runtime")  # kernels' connection files


def _clean_up(sphinx: subprocess.Popen | None, root: Path, temp: Path) -> None:
    """However the build ended: nothing of it keeps running, no temporary file stays."""
    # The kernels first: a kernel whose Sphinx vanished under it could abort in libzmq
    # ("Assertion failed: pfd.revents & POLLIN"), on the build's stderr, before it was
    # killed. Again after Sphinx: one may have started meanwhile.
    interrupts.kill_noted_kernels()
    if sphinx is not None:
        # Sphinx, its readers and the fork server: one process group
        with contextlib.suppress(OSError):
            os.killpg(sphinx.pid, signal.SIGKILL)
        sphinx.wait()
    interrupts.kill_noted_kernels()
    html, staging = html_folders(root)
    recover(html)  # stopped between its two renames
    for edition in settings.EDITIONS:
        shutil.rmtree(build_dir_of(staging, edition), ignore_errors=True)
    shutil.rmtree(temp, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m glossary_site.engine.build", allow_abbrev=False,
        usage="%(prog)s [--project DIR] [sphinx-build options]",
    )
    parser.add_argument("--project", type=Path, default=settings.ROOT,
                        help="the folder with conf.py and docs/ (default: this checkout)")
    args, extra = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    root = args.project.resolve()
    if not (root / "conf.py").is_file():
        print(f"error: {root} has no conf.py: not a project to build", file=sys.stderr)
        return 2
    try:
        settings.check_all()
        default_jobs()
    except settings.SettingError as bad:
        print(f"error: {bad}", file=sys.stderr)
        return 2
    html, _ = html_folders(root)
    temp = build_temp_dir(root)
    with interrupts.stop_on_signals():
        try:
            if _PENDING:  # asked to stop before the handlers above were in place
                interrupts.stop(_PENDING[0], None)
            holder = f"the build with process id {os.getpid()}"
            with build_lock(settings.build_dir(root) / ".lock", holder):
                try:
                    _use_temp_dir(temp)
                except OSError as error:
                    print(f"error: cannot use {temp} as the build's temporary folder: {error}",
                          file=sys.stderr)
                    return 2
                sphinx = None
                try:
                    sphinx = subprocess.Popen(
                        [sys.executable, "-m", "glossary_site.engine.publish", str(root), *extra],
                        env={**os.environ, settings.SUPERVISOR_ENV: str(os.getpid())},
                        process_group=0,  # out of reach of the terminal's Ctrl-C
                    )
                    status = sphinx.wait()
                    if status < 0:  # killed from outside (the out-of-memory killer, say)
                        print(f"build failed: the Sphinx process was killed "
                              f"({signal.Signals(-status).name}); {html} still holds the "
                              "last good site", file=sys.stderr)
                        return 1
                    return status
                finally:
                    _clean_up(sphinx, root, temp)
        except interrupts.Interrupted as stop:
            print(f"build interrupted ({stop}); {html} still holds the last good site",
                  file=sys.stderr, flush=True)
            interrupts.end_by_signal(stop.signum)
            return 128 + stop.signum  # not reached


if __name__ == "__main__":
    sys.exit(main())
