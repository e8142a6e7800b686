"""Recording events without making anyone wait: a queue, and one writer thread per process.

:meth:`EventRecorder.record` only puts an event in a queue: it never touches the database,
so a search never waits for a write, however slow or broken the database is. A writer thread
takes what is queued and adds it to the :class:`~faqkb.insights.store.InsightsStore` in
batches, one short transaction each (the store tries a busy database again for a while).
When a batch cannot be written (the database stayed locked, is read-only, cannot be created,
or the disk is full), it is dropped with one log line; so are events that find the queue
full. While failures go on, at most one line a minute says how many more were dropped.
The writer also forgets events past the retention period, once an hour.

The thread starts with the first event in whichever process records it, so a recorder made
before a fork works in each child. At exit, what is queued is written (for a moment at most).
"""

from __future__ import annotations

import atexit
import logging
import os
import queue
import threading
import time

from faqkb.errors import InsightsError
from faqkb.insights.events import OpenEvent, SearchEvent, Vote, current_hour
from faqkb.insights.store import InsightsStore

Event = SearchEvent | OpenEvent | Vote
MAX_PENDING = 10_000  # events queued at most; more are dropped (the database is stuck)
MAX_BATCH = 500  # events written in one transaction at most
LOG_EVERY = 60.0  # seconds between lines about events dropped while failures go on
EXIT_SECONDS = 2.0  # what may be spent at exit writing what is queued
_log = logging.getLogger("faqkb.insights")
_STOP = object()


class EventRecorder:
    """Writes events to ``store`` from a thread of its own; :meth:`record` never blocks."""

    def __init__(self, store: InsightsStore, *, max_pending: int = MAX_PENDING,
                 max_batch: int = MAX_BATCH) -> None:
        self.store = store
        self.max_pending = max_pending
        self.max_batch = max_batch
        self.written = 0  # events written by this process
        self.dropped = 0  # events this process could not write
        self._lock = threading.Lock()
        self._pid = -1
        self._queue: queue.Queue[object] = queue.Queue(max_pending)
        self._thread: threading.Thread | None = None
        self._unreported = 0  # dropped since the last line about it
        self._last_line = -LOG_EVERY
        self._pruned_hour = -1
        self._closed = False

    def record(self, event: Event) -> None:
        """Queue ``event`` for writing; if the queue is full, drop it (never wait)."""
        if self._closed:
            return
        try:
            self._running().put_nowait(event)
        except queue.Full:
            self._drop(1, "too many events are waiting for the database")

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until the events recorded so far are written or dropped; False on timeout."""
        with self._lock:
            writing = self._thread is not None and self._pid == os.getpid() \
                and self._thread.is_alive()
        if not writing:
            return True
        done = threading.Event()
        try:
            self._queue.put(done, timeout=timeout)
        except queue.Full:
            return False
        return done.wait(timeout)

    def close(self, timeout: float | None = EXIT_SECONDS) -> None:
        """Write what is queued (for up to ``timeout`` seconds) and stop the writer."""
        atexit.unregister(self.close)
        with self._lock:
            self._closed = True
            thread = self._thread if self._pid == os.getpid() else None
        if thread is not None and thread.is_alive():
            try:
                self._queue.put(_STOP, timeout=timeout)
            except queue.Full:
                return
            thread.join(timeout)

    # -- the writer -------------------------------------------------------------------

    def _running(self) -> queue.Queue[object]:
        with self._lock:
            if self._pid != os.getpid():  # first use, or a child after a fork
                self._pid = os.getpid()
                self._queue = queue.Queue(self.max_pending)
                self._thread = threading.Thread(target=self._write_forever, args=(self._queue,),
                                                name="faqkb-insights-writer", daemon=True)
                self._thread.start()
                atexit.register(self.close)
            return self._queue

    def _write_forever(self, pending: queue.Queue[object]) -> None:
        stopping = False
        while not stopping:
            batch: list[object] = [pending.get()]
            while len(batch) < self.max_batch:
                try:
                    batch.append(pending.get_nowait())
                except queue.Empty:
                    break
            events = [item for item in batch if isinstance(item, Event)]
            self._write(events)
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()
                stopping = stopping or item is _STOP

    def _write(self, events: list[Event]) -> None:
        if not events:
            return
        try:
            self.store.add(events)
        except InsightsError as exc:
            self._drop(len(events), str(exc))
            return
        self.written += len(events)
        hour = current_hour()
        if hour != self._pruned_hour:
            self._pruned_hour = hour
            try:
                self.store.prune(hour)
            except InsightsError as exc:
                _log.warning("insights: cannot forget old events: %s", exc)
        if self._unreported:
            _log.warning("insights: %d more event(s) were dropped before writing resumed",
                         self._unreported)
            self._unreported = 0

    def _drop(self, count: int, reason: str) -> None:
        with self._lock:
            self.dropped += count
            self._unreported += count
            now = time.monotonic()
            if now - self._last_line < LOG_EVERY:
                return
            self._last_line = now
            dropped, self._unreported = self._unreported, 0
        _log.warning("insights: dropped %d event(s): %s", dropped, reason)
