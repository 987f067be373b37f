"""A warm template for notebook kernels: import the heavy libraries once, fork per page.

Importing TensorFlow costs seconds per process, and stock myst-nb starts a new
kernel process per page. This server imports TensorFlow, Keras, NumPy,
matplotlib and ipykernel once, then, for each kernel asked for, forks a child
that becomes an ordinary ipykernel on the given connection file. Each page so
still runs in its own new process, with nothing of other pages in it, and
``fork`` is copy-on-write: children share the imported code's memory.

What the template must not do is start TensorFlow's runtime (its thread pools
do not survive ``fork``): it only imports. The project's own modules are never
imported here, so a child always loads them fresh from disk.

Protocol: one JSON request per connection on a Unix socket,
``{"argv": [...], "env": {...}, "cwd": "..."}`` → ``{"pid": N}``;
``{"status": N}`` → ``{"returncode": code}`` (``null`` while kernel N runs, or
if it is unknown); ``{"quit": true}`` stops the server. It also stops when the
process that started it dies, on SIGTERM, or after ``--idle`` seconds without
a request and without a running kernel. Whenever it stops, it kills the
kernels still running, so that none outlives the build. Ctrl-C in the
terminal is the build's to handle: the server ignores SIGINT.

Run it as a script with ``python -P``: the folder it is in
(``glossary_site/engine/``) is then not put on ``sys.path``, so a library's
``import build`` can never pick up a project file while the template imports
it, and no module of this project is loaded into the kernels.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import time

# Imported by the template so that every child starts with them loaded
# (the default of the config value ``glossary_warm_modules``).
WARM_MODULES = (
    "numpy",
    "matplotlib",
    "tensorflow",
    "keras",
    "ipykernel.kernelapp",
    "ipykernel.ipkernel",
)


def warm_up(modules: tuple[str, ...] = WARM_MODULES) -> None:
    import importlib

    # TensorFlow imports matplotlib, which fixes its backend from MPLBACKEND on
    # import; a kernel sets that variable to the inline backend when it starts,
    # before any user code. Do the same here, or figures would never display.
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")

    for name in modules:
        importlib.import_module(name)
    # Everything imported so far (TensorFlow alone is hundreds of thousands of
    # objects) moves to the permanent generation: a kernel's full collections
    # then skip it instead of walking it again and again (about 0.2 s each),
    # and forked kernels leave those shared pages untouched (CPython's advice
    # for a process that forks workers; see gc.freeze).
    import gc

    gc.collect()
    gc.freeze()


def thread_count() -> int:
    """Threads of this process as the OS sees them (Python's count misses C threads)."""
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:  # no /proc: trust Python's view
        import threading

        return threading.active_count()


def become_kernel(request: dict) -> None:
    """In the forked child: turn into the kernel ``argv`` describes. Never returns."""
    try:
        os.setsid()  # own process group: interrupts and kills reach only this kernel
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # `python -m ipykernel_launcher` puts the working directory first on
        # sys.path, before PYTHONPATH (the template, run with -P, has neither
        # its own folder nor the working directory there).
        sys.path.insert(0, request["cwd"])
        argv = request["argv"]
        # ipykernel read JPY_PARENT_PID when the template imported it, so say it
        # here: the kernel exits when the server goes away (and the server when
        # the build does), so no kernel outlives a killed build.
        args = [
            *argv[argv.index("ipykernel_launcher") + 1:],
            f"--IPKernelApp.parent_handle={os.getppid()}",
        ]
        sys.argv = ["ipykernel_launcher", *args]
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=args)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 0
    except BaseException:  # noqa: BLE001 - report and leave, never return to the server loop
        import traceback

        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


class Kernels:
    """The kernels this server forked: which still run, and how the others ended."""

    def __init__(self) -> None:
        self.running: set[int] = set()
        self.returncodes: dict[int, int] = {}

    def reap(self, *_signal_args) -> None:
        """SIGCHLD: collect every child that ended, at once (a waiting provisioner polls)."""
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.running.discard(pid)
            self.returncodes[pid] = os.waitstatus_to_exitcode(status)

    def kill_all(self) -> None:
        for pid in list(self.running):
            # the kernel, and what it started in its own group (it called setsid())
            for kill in (os.kill, os.killpg):
                try:
                    kill(pid, signal.SIGKILL)
                except OSError:
                    pass


def _send(conn: socket.socket, reply: dict) -> None:
    try:
        conn.sendall((json.dumps(reply) + "\n").encode())
    except OSError:
        pass


def _stop(signum, frame) -> None:
    raise SystemExit(128 + signum)


def serve(path: str, parent: int, idle: float, status_fd: int,
          warm: tuple[str, ...] = WARM_MODULES) -> None:
    # The status line goes on a pipe of its own, closed once written: the
    # kernels forked later keep the build's stdout and stderr, as stock
    # kernels do, and never write into a pipe that nobody reads any more
    # (ipykernel echoes a kernel's fd-level output to its original stdout).
    status = os.fdopen(status_fd, "w")

    def report(line: str) -> bool:
        """Tell the build; False if it is gone (killed while we imported)."""
        try:
            status.write(line + "\n")
            status.close()
        except OSError:
            return False
        return os.getppid() == parent

    warm_up(warm)
    # fork() copies only the calling thread: a lock another thread holds at that
    # moment stays locked forever in the child, which then hangs. A library
    # that started a thread pool on import (a threaded BLAS, say) makes the
    # template unsafe; say so, and the build uses fresh kernels instead.
    threads = thread_count()
    if threads != 1:
        report(f"unsafe to fork: {threads} threads after import")
        return
    kernels = Kernels()
    signal.signal(signal.SIGCHLD, kernels.reap)
    signal.signal(signal.SIGTERM, _stop)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    if os.path.exists(path):
        os.unlink(path)
    server.bind(path)
    server.listen(16)
    server.settimeout(1.0)
    if not report("ready"):
        server.close()
        os.unlink(path)
        return
    last = time.monotonic()
    try:
        while os.getppid() == parent and (kernels.running or time.monotonic() - last < idle):
            try:
                conn, _ = server.accept()
            except socket.timeout:
                continue
            last = time.monotonic()
            with conn:
                # A client that is gone, or sends nothing whole, costs it its
                # answer, never the server (and with it every running kernel).
                conn.settimeout(10.0)
                try:
                    request = json.loads(conn.makefile("r").readline())
                except (OSError, ValueError):
                    continue
                if not isinstance(request, dict):
                    continue
                if request.get("quit"):
                    _send(conn, {"quit": True})
                    return
                if "status" in request:
                    kernels.reap()
                    _send(conn, {"returncode": kernels.returncodes.get(request["status"])})
                    continue
                # SIGCHLD waits until the child is counted as running
                signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
                pid = os.fork()
                if pid == 0:
                    server.close()
                    conn.close()
                    become_kernel(request)
                kernels.running.add(pid)
                signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
                _send(conn, {"pid": pid})  # if nobody waits for it, it runs until we stop
    finally:
        kernels.kill_all()
        server.close()
        if os.path.exists(path):
            os.unlink(path)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("socket")
    parser.add_argument("--parent", type=int, default=os.getppid())
    parser.add_argument("--idle", type=float, default=600.0)
    parser.add_argument("--status-fd", type=int, default=1, help="where to say 'ready'")
    parser.add_argument("--warm", default=",".join(WARM_MODULES),
                        help="modules the template imports, comma-separated")
    args = parser.parse_args()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the build handles Ctrl-C, and stops us
    code = 0
    try:
        warm = tuple(name for name in args.warm.split(",") if name)
        serve(args.socket, args.parent, args.idle, args.status_fd, warm)
    except SystemExit as stop:  # SIGTERM
        code = stop.code if isinstance(stop.code, int) else 1
    except BaseException:  # noqa: BLE001 - say what went wrong, then leave as below
        import traceback

        traceback.print_exc()
        code = 1
    # Skip the interpreter's teardown: unloading TensorFlow takes seconds
    # (4 s measured), and the build waits for this process to end.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
