"""Serving from several processes: each runs waitress on the listening socket it inherits.

Python runs one thread at a time in a process, so a single waitress process keeps
one core busy however many threads it has. :func:`run_workers` forks that many
worker processes after the socket is bound; the kernel hands each new connection to
one of them. Each worker creates its own app (and knowledge base, index searchers
and result memory): nothing open is shared across a fork. The parent only supervises:
it replaces a worker that dies and stops them all on SIGINT or SIGTERM; a worker whose
parent is killed outright stops by itself.

POSIX only (it forks); the ``serve`` command falls back to one process elsewhere.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

import waitress
from waitress.server import BaseWSGIServer

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run_workers(server: Any, make_app: Callable[[], Any], workers: int, threads: int) -> None:
    """Serve the sockets ``server`` listens on from ``workers`` forked processes."""
    sockets = [d.socket for d in server._map.values() if isinstance(d, BaseWSGIServer)]
    children: set[int] = set()
    stopping = False

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            _kill(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in _STOP_SIGNALS}
    try:
        while not stopping:
            while len(children) < workers and not stopping:
                children.add(_fork(sockets, make_app, threads))
            try:
                pid, _ = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            children.discard(pid)
        for pid in list(children):
            _kill(pid, signal.SIGTERM)
        for pid in list(children):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.close()


def _fork(sockets: list[Any], make_app: Callable[[], Any], threads: int) -> int:
    pid = os.fork()
    if pid:
        return pid
    status = 0
    try:
        for sig in _STOP_SIGNALS:
            signal.signal(sig, signal.SIG_DFL)
        _exit_with(os.getppid())
        worker = waitress.create_server(make_app(), sockets=sockets, threads=threads,
                                        ident="faqkb")
        worker.run()
    except BaseException:  # noqa: BLE001 - a worker must never return into the parent's code
        status = 1
    finally:
        os._exit(status)


def _exit_with(parent: int) -> None:
    """End this worker when its parent is gone (killed outright, it cannot stop us)."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, name="faqkb-parent-watch", daemon=True).start()


def _kill(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass
