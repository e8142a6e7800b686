"""Serving from several processes: each runs waitress on the listening socket it inherits.

Python runs one thread at a time in a process, so a single waitress process keeps
one core busy however many threads it has. :func:`run_workers` forks that many
worker processes after the socket is bound; the kernel hands each new connection to
one of them. Each worker creates its own app (and knowledge base, index searchers
and result memory): nothing open is shared across a fork. The parent only supervises:
it replaces a worker that dies and stops them all on SIGINT or SIGTERM; a worker whose
parent is killed outright stops by itself. Workers that keep dying as they start
(an app that cannot be created, say) are restarted ever more slowly; after
:data:`START_FAILURES` such deaths in a row (about 10 s of trying), while no worker
is serving, the parent gives up with a clear error rather than forking in a loop.
While some workers serve, it keeps replacing the others.

POSIX only (it forks); the ``serve`` command falls back to one process elsewhere.
"""

from __future__ import annotations

import contextlib
import gc
import os
import select
import signal
import sys
import threading
import time
from collections.abc import Callable
from typing import Any

from waitress.server import BaseWSGIServer

from faqkb.errors import FaqkbError
from faqkb.web.draining import drain_on_sigterm
from faqkb.web.server import create_server

_STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
START_SECONDS = 5.0  # a worker dying sooner than this after its start failed to start
START_FAILURES = 8  # failed starts in a row (none serving) before the parent gives up
MAX_BACKOFF = 2.0  # seconds between restarts, at most
READY_SECONDS = 60.0  # the longest the first workers are waited for before serving


def run_workers(server: Any, make_app: Callable[[], Any], workers: int, threads: int,
                on_ready: Callable[[], None] = lambda: None) -> None:
    """Serve the sockets ``server`` listens on from ``workers`` forked processes;
    ``on_ready`` runs once the first ones are all ready to serve (or READY_SECONDS
    passed): clients that connect at once then find every worker accepting, rather
    than the first one ready taking every connection.

    Raises :class:`FaqkbError` when the workers keep failing as they start.
    """
    sockets = [d.socket for d in server._map.values() if isinstance(d, BaseWSGIServer)]
    children: dict[int, float] = {}  # pid: when it started
    stopping = False
    failures = 0
    gave_up: FaqkbError | None = None

    def stop(signum: int, frame: object) -> None:
        nonlocal stopping
        stopping = True
        for pid in list(children):
            _kill(pid, signal.SIGTERM)

    previous = {sig: signal.signal(sig, stop) for sig in _STOP_SIGNALS}
    ready: tuple[int, int] | None = os.pipe()  # each first worker writes a byte to it
    try:
        while not stopping:
            while len(children) < workers and not stopping:
                children[_fork(sockets, make_app, threads, ready)] = time.monotonic()
            if ready is not None:
                os.close(ready[1])
                _await(ready[0], workers, lambda: stopping)
                os.close(ready[0])
                ready = None
                if not stopping:
                    on_ready()
            try:
                pid, _ = os.wait()
            except ChildProcessError:
                break
            except InterruptedError:
                continue
            started = children.pop(pid, None)
            if started is None or stopping:
                continue
            now = time.monotonic()
            failures = failures + 1 if now - started < START_SECONDS else 0
            serving = any(now - since >= START_SECONDS for since in children.values())
            if failures >= START_FAILURES and not serving:
                gave_up = FaqkbError(f"the worker processes keep failing as they start "
                                     f"({failures} in a row); see the messages above")
                break
            time.sleep(min(0.1 * 2 ** failures, MAX_BACKOFF) if failures else 0.0)
        for pid in list(children):
            _kill(pid, signal.SIGTERM)
        for pid in list(children):
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    finally:
        if ready is not None:
            for end in ready:
                with contextlib.suppress(OSError):
                    os.close(end)
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.close()
    if gave_up is not None:
        raise gave_up


def _await(readable: int, count: int, stopping: Callable[[], bool]) -> None:
    """Wait until ``count`` bytes came through the pipe ``readable``, its writers all
    closed it, ``stopping()`` says to stop, or READY_SECONDS passed."""
    deadline = time.monotonic() + READY_SECONDS
    received = 0
    while received < count and not stopping() and time.monotonic() < deadline:
        found, _, _ = select.select([readable], [], [], 0.2)
        if found:
            chunk = os.read(readable, count)
            if not chunk:  # every worker wrote or died
                return
            received += len(chunk)


def _fork(sockets: list[Any], make_app: Callable[[], Any], threads: int,
          ready: tuple[int, int] | None) -> int:
    # What the parent holds (its modules, the English word list) is moved out of the
    # collector's reach first, so a worker's collections never write to those pages and
    # the workers keep sharing them with the parent.
    gc.freeze()
    pid = os.fork()
    if pid:
        return pid
    status = 0
    try:
        for sig in _STOP_SIGNALS:
            signal.signal(sig, signal.SIG_DFL)
        _exit_with(os.getppid())
        worker = create_server(make_app(), sockets=sockets, threads=threads)
        drain_on_sigterm(worker)  # the parent passes SIGTERM on: finish, then stop
        if ready is not None:
            os.close(ready[0])
            with contextlib.suppress(OSError):
                os.write(ready[1], b"+")
            os.close(ready[1])
        worker.run()
    except BaseException as exc:  # noqa: BLE001 - a worker must never return into the parent's code
        status = 1
        try:
            print(f"faqkb worker {os.getpid()}: {type(exc).__name__}: {exc}", file=sys.stderr,
                  flush=True)
        except BaseException:  # noqa: BLE001, S110 - nowhere left to report it
            pass
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
