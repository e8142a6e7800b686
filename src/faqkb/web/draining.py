"""Stopping gracefully on SIGTERM: finish what is being answered, take nothing new.

``docker stop``, systemd and a rolling upgrade stop a server with SIGTERM. Waitress would
die at once, cutting off the answers it was sending; :func:`drain_on_sigterm` makes a
server process instead:

1. say it is stopping: :data:`DRAINING` is set, and ``/healthz`` answers 503
   (``"draining"``) on the connections still open;
2. close its listening sockets, so that new connections go to another replica (a load
   balancer retries a refused connection elsewhere; see ``deploy/haproxy.cfg``);
3. close each kept-alive connection as soon as it is idle, and answer the requests in
   progress;
4. return from ``server.run()`` once no connection is left, or after
   :data:`DRAIN_SECONDS` whatever is left.

The steps run in waitress's own loop (through its trigger), never in the signal handler.
"""

from __future__ import annotations

import signal
import threading
import time
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer

DRAINING = threading.Event()
DRAIN_SECONDS = 20.0
_STEP_SECONDS = 0.05


def drain_on_sigterm(server: Any, timeout: float = DRAIN_SECONDS) -> None:
    """Make SIGTERM stop ``server`` (a waitress server, not yet serving) gracefully."""
    socket_map: dict[int, Any] = getattr(server, "map", None) or getattr(server, "_map", {})
    listeners = [d for d in socket_map.values() if isinstance(d, BaseWSGIServer)]
    if not listeners:
        return
    trigger = listeners[0].trigger

    def stopping(signum: int, frame: object) -> None:
        if DRAINING.is_set():
            return
        DRAINING.set()
        deadline = time.monotonic() + timeout
        trigger.pull_trigger(lambda: _stop_listening(socket_map))
        threading.Thread(target=_drain, args=(trigger, socket_map, deadline), daemon=True,
                         name="faqkb-drain").start()

    signal.signal(signal.SIGTERM, stopping)


def _stop_listening(socket_map: dict[int, Any]) -> None:
    for listener in [d for d in socket_map.values() if isinstance(d, BaseWSGIServer)]:
        # The dispatcher's own close, not the server's, which would close the trigger too.
        wasyncore.dispatcher.close(listener)


def _drain(trigger: Any, socket_map: dict[int, Any], deadline: float) -> None:
    """Close idle connections until none is left (or time is up), then stop the loop."""
    done = threading.Event()

    def step() -> None:
        channels = [d for d in socket_map.values() if isinstance(d, HTTPChannel)]
        for channel in channels:
            if not channel.requests and not channel.total_outbufs_len \
                    and channel.request is None:
                channel.handle_close()
        if time.monotonic() >= deadline or not any(
                isinstance(d, HTTPChannel) for d in socket_map.values()):
            wasyncore.close_all(socket_map)  # an empty map ends waitress's loop
            done.set()

    while not done.wait(_STEP_SECONDS):
        try:
            trigger.pull_trigger(step)
        except OSError:  # the loop has ended: its trigger is closed
            return
