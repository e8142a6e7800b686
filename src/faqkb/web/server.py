"""waitress, set up for faqkb: its own error pages carry our headers, and its queue
warning speaks only when requests really wait.

- :func:`create_server`: :func:`waitress.create_server` with faqkb's settings, whose
  connections answer the requests waitress itself refuses (a malformed request line,
  a bad header) with :data:`~faqkb.web.guards.SECURITY_HEADERS` and
  ``Cache-Control: no-store``, as the app answers its own, and send a response's
  headers with its body in one write (waitress sends them apart): a server killed
  mid-answer then leaves a whole answer or none, which a load balancer can retry.
- :func:`quiet_queue_warnings`: waitress logs "Task queue depth is 1" whenever a
  request has to wait for a thread, which a browser fetching a page and its
  stylesheet at once does all the time; the warning is passed on only when
  :data:`QUEUE_WARNING_DEPTH` requests wait, at most once every
  :data:`QUEUE_WARNING_SECONDS`.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import waitress
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import ErrorTask, WSGITask

from faqkb.web.guards import SECURITY_HEADERS

QUEUE_WARNING_DEPTH = 10
QUEUE_WARNING_SECONDS = 10.0
IDENT = "faqkb"


class _SecuredErrorTask(ErrorTask):  # type: ignore[misc]
    """waitress's own error response, with the headers every response of ours carries."""

    def execute(self) -> None:
        # ErrorTask.execute's steps, with our headers added before the body is written
        # (writing sends the headers).
        status, headers, body = self.request.error.to_response(self.channel.server.adj.ident)
        self.status = status
        self.response_headers.extend(headers)
        present = {name.lower() for name, _ in self.response_headers}
        self.response_headers.extend(
            (name, value) for name, value in [*SECURITY_HEADERS.items(),
                                              ("Cache-Control", "no-store")]
            if name.lower() not in present)
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class _OneWriteTask(WSGITask):  # type: ignore[misc]
    """A WSGI task whose headers go out in the same write as the start of the body."""

    def write(self, data: bytes) -> None:
        length = self.content_length
        if self.wrote_header or not data or not self.has_body or self.chunked_response \
                or length is None or self.content_bytes_written + len(data) > length:
            super().write(data)  # waitress's own way, warnings and all
            return
        header = self.build_response_header()
        self.wrote_header: bool = True
        self.content_bytes_written += len(data)
        self.channel.write_soon(header + data)


class _SecuredChannel(HTTPChannel):  # type: ignore[misc]
    error_task_class = _SecuredErrorTask
    task_class = _OneWriteTask


def create_server(app: Any, **settings: Any) -> Any:
    """A waitress server for ``app`` (``settings`` are waitress's), not yet serving."""
    quiet_queue_warnings()
    server = waitress.create_server(app, ident=IDENT, **settings)
    secure_channels(server)
    return server


def secure_channels(server: Any) -> None:
    """Make every listening socket of ``server`` answer waitress's own errors securely."""
    listeners = [server, *getattr(server, "_map", {}).values()]
    for listener in listeners:
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = _SecuredChannel


class _QueueDepthFilter(logging.Filter):
    """Pass "Task queue depth is N" only for a deep queue, and not too often."""

    def __init__(self) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._last = float("-inf")

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args if isinstance(record.args, tuple) else ()
        depth = args[0] if args and isinstance(args[0], int) else QUEUE_WARNING_DEPTH
        if depth < QUEUE_WARNING_DEPTH:
            return False
        with self._lock:
            now = time.monotonic()
            if now - self._last < QUEUE_WARNING_SECONDS:
                return False
            self._last = now
        return True


_queue_filter = _QueueDepthFilter()


def quiet_queue_warnings() -> None:
    """Install the queue-depth filter on waitress's queue logger (once)."""
    logger = logging.getLogger("waitress.queue")
    if _queue_filter not in logger.filters:
        logger.addFilter(_queue_filter)
