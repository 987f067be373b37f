"""Warm kernels for myst-nb, through jupyter_client's kernel provisioners.

The build's kernel spec ``python3`` (``glossary_site/engine/jupyter/kernels``, put
first on ``JUPYTER_PATH`` by :func:`use_project_kernel_spec`) names the
provisioner ``glossary-warm`` (an entry point of this package). It asks the
fork server (:mod:`glossary_site.engine.forkserver`), started once per build, for a
kernel process instead of starting a new Python that imports TensorFlow
again. Kernels talk over Unix sockets (jupyter_client's ``ipc`` transport,
not TCP ports); interrupts on timeout and shutdown are jupyter_client's
``LocalProvisioner`` unchanged.

A page whose front matter says ``glossary: {fresh_kernel: true}`` (or the
same in block style) gets a kernel started the stock way (a new Python
process); so does every page with ``GLOSSARY_KERNELS=fresh`` or when the fork
server cannot start. ``GLOSSARY_KERNELS=stock`` leaves jupyter's own kernel
spec and provisioner in charge, exactly as plain myst-nb. (The benchmark's
baseline goes further: it leaves the whole engine extension out.) Outside
this project's build the pages name the ordinary ``python3`` kernel, so any
myst-nb set-up builds them, only slower.
"""

from __future__ import annotations

import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner
from sphinx.errors import ConfigError
from sphinx.util import logging

from .. import settings, upstream
from ..myst import FrontMatterError, glossary_settings
from . import interrupts
from .forkserver import WARM_MODULES

logger = logging.getLogger(__name__)

SERVER_SCRIPT = Path(__file__).with_name("forkserver.py")


class ForkedKernel:
    """The little of ``subprocess.Popen`` that LocalProvisioner uses.

    The kernel is the fork server's child, not ours: liveness is checked with
    signal 0; the server reaps it when it exits.
    """

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
                return None
            # gone (PermissionError: and the pid already belongs to someone else)
            except (ProcessLookupError, PermissionError):
                self.returncode = _kernel_returncode(self.pid)
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.05)
        return self.returncode  # type: ignore[return-value]

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


def _request(path: str, message: dict, timeout: float = 30.0) -> dict:
    """One request to the fork server; OSError or ValueError when it cannot answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall((json.dumps(message) + "\n").encode())
        return json.loads(s.makefile("r").readline())


def _kernel_returncode(pid: int) -> int:
    """How a forked kernel ended, as its parent (the fork server) saw it; -1 if unknown."""
    path = os.environ.get(settings.FORKSERVER_ENV)
    try:
        code = _request(path, {"status": pid}, timeout=5)["returncode"] if path else None
    except (OSError, ValueError, KeyError):
        code = None
    return -1 if code is None else code


class WarmProvisioner(LocalProvisioner):
    """LocalProvisioner whose kernels are forked from the warm template.

    Its kernels talk over Unix sockets (the ``ipc`` transport), not TCP: with
    TCP, jupyter_client picks "free" ports in the reader process and the kernel
    binds them later, and two parallel readers can pick the same port
    ("Address already in use", seen with ``-j 2``).
    """

    async def pre_launch(self, **kwargs: Any) -> dict[str, Any]:
        km = self.parent
        if km is not None and km.transport != "ipc":
            km.transport = "ipc"
            km.cache_ports = False
            # socket files glossary-kernel-<id>-1..5 in the build's temporary
            # folder, removed at shutdown (and with the folder after a kill)
            km.ip = os.path.join(tempfile.gettempdir(), f"glossary-kernel-{uuid.uuid4().hex[:16]}")
        return await super().pre_launch(**kwargs)

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        path = os.environ.get(settings.FORKSERVER_ENV)
        if not path or os.environ.get(settings.FRESH_KERNEL_ENV) or "ipykernel_launcher" not in cmd:
            return await self._launch_fresh(cmd, **kwargs)
        env = kwargs.get("env") or dict(os.environ)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        try:
            reply = _request(path, {"argv": cmd, "env": env, "cwd": cwd})
        except (OSError, ValueError) as exc:  # the server is gone: start the stock way
            logger.warning("warm kernel unavailable (%s); starting a fresh one", exc,
                           type="glossary", subtype="kernels")
            return await self._launch_fresh(cmd, **kwargs)
        upstream.adopt_kernel_process(self, ForkedKernel(reply["pid"]), reply["pid"], cwd)
        interrupts.note_kernel(self.pid)
        return self.connection_info

    async def _launch_fresh(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        """A kernel started the stock way (in a session of its own), noted like a forked one."""
        info = await super().launch_kernel(cmd, **kwargs)
        interrupts.note_kernel(self.pid)
        return info

    async def cleanup(self, restart: bool = False) -> None:
        """The kernel has ended: an interrupted build need not end it (see interrupts)."""
        pid = self.pid
        await super().cleanup(restart)
        if pid is not None:
            interrupts.forget_kernel(pid)


class ForkServer:
    """Start, and stop, the fork server of one build.

    Its socket lives in a folder of its own under the build's temporary
    folder; :meth:`stop` removes both.
    """

    def __init__(self, warm: list[str] | tuple[str, ...]) -> None:
        self.dir = tempfile.mkdtemp(prefix="glossary-fork-")
        self.path = os.path.join(self.dir, "server.sock")
        read_fd, write_fd = os.pipe()
        # A script, not ``-m``: importing this package would load Sphinx and the
        # project's modules into every kernel; ``-P`` keeps this folder off
        # sys.path. It stays in the build's process group, which an
        # interrupted build kills as a whole.
        self.process = subprocess.Popen(
            [sys.executable, "-P", str(SERVER_SCRIPT), self.path,
             "--parent", str(os.getpid()), "--status-fd", str(write_fd),
             "--warm", ",".join(warm)],
            stdin=subprocess.DEVNULL,
            pass_fds=[write_fd],
        )
        os.close(write_fd)
        self.status = os.fdopen(read_fd)
        _servers.add(self)

    def wait_ready(self, timeout: float = 120.0) -> str:
        """Empty once the template has imported everything and listens, else what went wrong."""
        ready, _, _ = select.select([self.status], [], [], timeout)
        line = self.status.readline().strip() if ready else f"not ready after {timeout:g} s"
        if line == "ready" and os.path.exists(self.path):
            return ""
        return line or f"exited with status {self.process.poll()}"

    def stop(self) -> None:
        """Ask the server to quit (it kills any kernel still running), then clean up."""
        try:
            _request(self.path, {"quit": True}, timeout=5)
        except (OSError, ValueError):  # not listening (yet, or any more), or no reply
            self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.status.close()
        shutil.rmtree(self.dir, ignore_errors=True)
        _servers.discard(self)


_servers: set[ForkServer] = set()


def stop_all_servers() -> None:
    """Stop every fork server this process started (when the build finishes)."""
    for server in list(_servers):
        server.stop()
    os.environ.pop(settings.FORKSERVER_ENV, None)


def wants_fresh_kernel(page_text: str) -> bool:
    """Whether a page's front matter asks for a kernel of its own.

    >>> wants_fresh_kernel("---\\nglossary:\\n  fresh_kernel: true\\n---\\n# T\\n")
    True
    >>> wants_fresh_kernel("---\\nglossary: {fresh_kernel: true}\\n---\\n# T\\n")
    True
    >>> wants_fresh_kernel("---\\nkernelspec:\\n  name: python3\\n---\\n")
    False
    """
    return glossary_settings(page_text).get("fresh_kernel", False)


def use_project_kernel_spec(app) -> None:
    """The build's ``python3`` kernel spec names this module's provisioner."""
    if app.config.glossary_kernels == "stock":
        return  # jupyter's own python3 kernel, exactly as stock myst-nb runs it
    ours = str(Path(__file__).with_name("jupyter"))
    others = [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p and p != ours]
    os.environ["JUPYTER_PATH"] = os.pathsep.join([ours, *others])


def start_server(app, env, docnames) -> None:
    """Main process, before pages are read (and before -j forks readers).

    Only when a page will execute: a build served from the cache pays nothing.
    """
    if app.config.glossary_kernels != "warm" or app.config.nb_execution_mode == "off":
        return
    will_execute = getattr(env, "glossary_will_execute", None)
    if will_execute is None:  # not in cache mode: every notebook page executes
        will_execute = docnames
    if not will_execute or _servers:
        return
    server = ForkServer(app.config.glossary_warm_modules)
    problem = server.wait_ready()
    if problem:
        server.stop()
        logger.warning("warm kernels unavailable (%s); starting a fresh kernel per page",
                       problem, type="glossary", subtype="kernels")
        return
    os.environ[settings.FORKSERVER_ENV] = server.path


def choose_kernel(app, docname: str, source: list[str]) -> None:
    """Reader process: a page may ask for a fresh kernel in its front matter."""
    try:
        fresh = wants_fresh_kernel(source[0])
    except FrontMatterError as exc:
        logger.error("%s", exc, location=docname, type="glossary", subtype="front-matter")
        fresh = False
    if fresh:
        os.environ[settings.FRESH_KERNEL_ENV] = "1"
    else:
        os.environ.pop(settings.FRESH_KERNEL_ENV, None)


def stop_server(app, exception) -> None:
    stop_all_servers()


def check_kernel_mode(app, config) -> None:
    """``glossary_kernels`` is one of the documented modes, or no build.

    (conf.py reads it from ``GLOSSARY_KERNELS`` through :mod:`glossary_site.settings`,
    which checks it too; this covers ``-D glossary_kernels=...``.)
    """
    if config.glossary_kernels not in settings.KERNEL_MODES:
        raise ConfigError(
            f"glossary_kernels must be one of {', '.join(settings.KERNEL_MODES)}, "
            f"not {config.glossary_kernels!r}"
        )


def setup(app) -> None:
    # conf.py sets it from GLOSSARY_KERNELS; check_kernel_mode rejects anything else
    app.add_config_value("glossary_kernels", "warm", "", types=frozenset({str}))
    # What every warm kernel starts with loaded; a change shows in the next build.
    app.add_config_value("glossary_warm_modules", list(WARM_MODULES), "", types=[list])
    app.connect("config-inited", check_kernel_mode)
    # after glossary_site.engine.deps has decided which pages will execute
    app.connect("builder-inited", use_project_kernel_spec)
    app.connect("env-before-read-docs", start_server, priority=900)
    app.connect("source-read", choose_kernel)
    app.connect("build-finished", stop_server)
