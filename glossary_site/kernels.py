"""Warm kernels for myst-nb, through jupyter_client's kernel provisioners.

The build's kernel spec ``python3`` (``glossary_site/jupyter/kernels``, put on
``JUPYTER_PATH`` by ``conf.py``) names the provisioner ``glossary-warm``
(an entry point of this package). It asks the fork server
(:mod:`glossary_site.forkserver`), started once per build, for a kernel
process instead of starting a new Python that imports TensorFlow again.
Everything else, the connection file, the ports, interrupts on timeout,
shutdown, is jupyter_client's ``LocalProvisioner`` unchanged.

A page whose front matter says ``glossary: {fresh_kernel: true}`` gets a
kernel started the stock way (a new Python process); so does every page with
``GLOSSARY_KERNELS=fresh`` or when the fork server cannot start.
``GLOSSARY_KERNELS=stock`` leaves jupyter's own kernel spec and provisioner
in charge, exactly as plain myst-nb (the benchmark's baseline). Outside this
project's build the pages name the ordinary ``python3`` kernel, so any
myst-nb set-up builds them, only slower.
"""

from __future__ import annotations

import json
import os
import re
import select
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
from sphinx.util import logging

logger = logging.getLogger(__name__)

SERVER_SCRIPT = Path(__file__).with_name("forkserver.py")
SOCKET_ENV = "GLOSSARY_FORKSERVER"  # path of the running server's socket
FRESH_ENV = "GLOSSARY_FRESH_KERNEL"  # set while a page that wants a fresh kernel is read


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
            except ProcessLookupError:
                self.returncode = 0
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
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
        s.settimeout(timeout)
        s.connect(path)
        s.sendall((json.dumps(message) + "\n").encode())
        return json.loads(s.makefile("r").readline())


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
            # socket files /tmp/glossary-kernel-<id>-1..5, removed at shutdown
            km.ip = os.path.join(tempfile.gettempdir(), f"glossary-kernel-{uuid.uuid4().hex[:16]}")
        return await super().pre_launch(**kwargs)

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        path = os.environ.get(SOCKET_ENV)
        if not path or os.environ.get(FRESH_ENV) or "ipykernel_launcher" not in cmd:
            return await super().launch_kernel(cmd, **kwargs)
        env = kwargs.get("env") or dict(os.environ)
        cwd = str(kwargs.get("cwd") or os.getcwd())
        try:
            reply = _request(path, {"argv": cmd, "env": env, "cwd": cwd})
        except (OSError, ValueError) as exc:  # the server is gone: start the stock way
            logger.warning("warm kernel unavailable (%s); starting a fresh one", exc,
                           type="glossary", subtype="kernels")
            return await super().launch_kernel(cmd, **kwargs)
        self.process = ForkedKernel(reply["pid"])
        self.pid = self.pgid = reply["pid"]  # the child called setsid()
        self.cwd = cwd
        return self.connection_info


class ForkServer:
    """Start, and stop, the fork server of one build."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="glossary-fork-")
        self.path = os.path.join(self.dir, "server.sock")
        read_fd, write_fd = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, str(SERVER_SCRIPT), self.path, "--parent", str(os.getpid()),
             "--status-fd", str(write_fd)],
            stdin=subprocess.DEVNULL,
            pass_fds=[write_fd],
        )
        os.close(write_fd)
        self.status = os.fdopen(read_fd)

    def wait_ready(self, timeout: float = 120.0) -> str:
        """Empty once the template has imported everything and listens, else what went wrong."""
        ready, _, _ = select.select([self.status], [], [], timeout)
        line = self.status.readline().strip() if ready else f"not ready after {timeout:g} s"
        if line == "ready" and os.path.exists(self.path):
            return ""
        return line or f"exited with status {self.process.poll()}"

    def stop(self) -> None:
        try:
            _request(self.path, {"quit": True}, timeout=5)
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.status.close()
        for name in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, name))
        os.rmdir(self.dir)


# --- Sphinx side ----------------------------------------------------------

FRESH_KEY = re.compile(r"^glossary:\s*\n(?:[ \t]+.*\n)*?[ \t]+fresh_kernel:\s*true\s*$", re.M)


def wants_fresh_kernel(page_text: str) -> bool:
    """Whether a page's front matter asks for a kernel of its own.

    >>> wants_fresh_kernel("---\\nglossary:\\n  fresh_kernel: true\\n---\\n# T\\n")
    True
    >>> wants_fresh_kernel("---\\nkernelspec:\\n  name: python3\\n---\\n")
    False
    """
    if not page_text.startswith("---"):
        return False
    end = page_text.find("\n---", 3)
    return bool(FRESH_KEY.search(page_text[: end + 1]))


def use_project_kernel_spec(app) -> None:
    """The build's ``python3`` kernel spec names this module's provisioner."""
    if app.config.glossary_kernels == "stock":
        return  # jupyter's own python3 kernel, exactly as stock myst-nb runs it
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        p for p in (str(Path(__file__).with_name("jupyter")), os.environ.get("JUPYTER_PATH")) if p
    )


def start_server(app, env, docnames) -> None:
    """Main process, before pages are read (and before -j forks readers).

    Only when a page will execute: a build served from the cache pays nothing.
    """
    if app.config.glossary_kernels != "warm" or app.config.nb_execution_mode == "off":
        return
    will_execute = getattr(env, "glossary_will_execute", None)
    if will_execute is None:  # not in cache mode: every notebook page executes
        will_execute = docnames
    if not will_execute or getattr(app, "glossary_fork_server", None):
        return
    server = ForkServer()
    problem = server.wait_ready()
    if problem:
        server.stop()
        logger.warning("warm kernels unavailable (%s); starting a fresh kernel per page",
                       problem, type="glossary", subtype="kernels")
        return
    app.glossary_fork_server = server
    os.environ[SOCKET_ENV] = server.path


def choose_kernel(app, docname: str, source: list[str]) -> None:
    """Reader process: a page may ask for a fresh kernel in its front matter."""
    if wants_fresh_kernel(source[0]):
        os.environ[FRESH_ENV] = "1"
    else:
        os.environ.pop(FRESH_ENV, None)


def stop_server(app, exception) -> None:
    server = getattr(app, "glossary_fork_server", None)
    if server is not None:
        server.stop()
        os.environ.pop(SOCKET_ENV, None)
        app.glossary_fork_server = None


def setup(app) -> None:
    app.add_config_value(
        "glossary_kernels", os.environ.get("GLOSSARY_KERNELS", "warm"), "", types=[str]
    )
    # after glossary_site.deps has decided which pages will execute
    app.connect("builder-inited", use_project_kernel_spec)
    app.connect("env-before-read-docs", start_server, priority=900)
    app.connect("source-read", choose_kernel)
    app.connect("build-finished", stop_server)
