"""Following an index folder that someone else builds: a read-only replica's index.

A replica (``faqkb serve --read-only``) never builds: it serves the generation an
index folder has in service (its ``CURRENT``), as published by ``faqkb build
--output`` on another machine or in another container, and moves to a new one when it
is published. :class:`Follower` does that for one process:

- the first use opens and checks the generation in service (see
  :func:`~faqkb.index.opened.open_generation`); until one can be opened, every use
  raises :class:`~faqkb.errors.IndexBuildError` saying why (nothing published yet, or
  damaged), and the next use tries again;
- from then on a thread looks at ``CURRENT`` every ``check_interval`` seconds; a new
  generation is opened and checked *beside* the one in service, which keeps answering,
  and then takes its place in one step: no request waits for the check, and none sees
  a mix of the two (with ``check_interval`` 0, every use looks first, in its thread);
- a published generation that fails its check is refused, said once in the log, and the
  one in service goes on answering (:attr:`Follower.refused` says which and why).

Nothing is ever written to the index folder, so it may be mounted read-only.
"""

from __future__ import annotations

import logging
import os
import threading
import weakref
from pathlib import Path

from faqkb.errors import IndexBuildError
from faqkb.index import storage
from faqkb.index.opened import DamagedIndex, Opened, open_generation

_log = logging.getLogger("faqkb")


class Follower:
    """The generation in service in ``index_dir``, opened, and followed as it changes."""

    def __init__(self, index_dir: Path, check_interval: float = 1.0) -> None:
        self.index_dir = index_dir
        self.check_interval = check_interval
        self.refused: tuple[str, str] | None = None  # (generation, why) last refused
        self._opened: Opened | None = None
        self._lock = threading.Lock()  # held while opening: one open at a time
        self._pid = os.getpid()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._starting = threading.Lock()

    @property
    def generation(self) -> Path | None:
        """The generation being served (``None`` before one could be opened)."""
        opened = self._opened
        return opened.generation if opened is not None else None

    def open(self, *, enter: bool = False) -> Opened:
        """The generation in service, opened (on first use, here and now); with ``enter``,
        entered by the caller, who must leave it. Raises :class:`IndexBuildError` when
        no generation can be opened."""
        self._start_watching()
        if self.check_interval <= 0 and self._opened is not None:
            self.check()
        opened = self._opened
        if opened is None:
            with self._lock:
                if self._opened is None:
                    self._move_on(raise_errors=True)
                opened = self._opened
        assert opened is not None
        if enter:
            opened.enter()
            if opened is not self._opened:  # replaced between the read and the enter
                opened.leave()
                return self.open(enter=True)
        return opened

    def check(self) -> None:
        """Move to the generation now in service if it is new and sound (else keep the
        one being served, and log why once)."""
        with self._lock:
            self._move_on(raise_errors=False)

    def close(self) -> None:
        """Stop following, and close the generation when the searches using it are done."""
        self._stop.set()
        with self._lock:
            if self._opened is not None:
                self._opened.retire()
                self._opened = None

    def _move_on(self, *, raise_errors: bool) -> None:
        generation = storage.current_generation(self.index_dir)
        if generation is None:
            if raise_errors:
                raise IndexBuildError(f"no index in {self.index_dir} yet: publish one with "
                                      f"`faqkb build --output {self.index_dir}`")
            return  # being replaced, or taken away: keep serving what is open
        if self._opened is not None and generation == self._opened.generation:
            return
        try:
            opened = open_generation(generation)
        except DamagedIndex as exc:
            problem = str(exc)
            if self.refused != (generation.name, problem):
                _log.warning("the index published in %s is damaged (%s); %s", generation,
                             problem, "serving the one before it" if self._opened else
                             "waiting for a sound one")
                self.refused = (generation.name, problem)
            if raise_errors:
                raise IndexBuildError(f"the index in {generation} is damaged: {problem}; "
                                      "publish it again") from None
            return
        previous, self._opened, self.refused = self._opened, opened, None
        if previous is not None:
            previous.retire()
            _log.info("now serving %s", generation)

    def _start_watching(self) -> None:
        if os.getpid() != self._pid:
            # A forked copy: its own locks and thread, and its own open files (reading
            # through descriptors shared with the parent would share their offsets).
            self._pid, self._thread, self._opened = os.getpid(), None, None
            self._lock, self._starting = threading.Lock(), threading.Lock()
        thread = self._thread
        if self.check_interval <= 0 or self._stop.is_set() \
                or (thread is not None and thread.is_alive()):
            return
        with self._starting:
            if self._thread is thread:
                self._thread = threading.Thread(target=_watch, daemon=True,
                                                args=(weakref.ref(self), self._stop),
                                                name="faqkb-follow")
                self._thread.start()


def _watch(follower_ref: weakref.ref[Follower], stop: threading.Event) -> None:
    """Check a follower's index folder every interval, holding it only while checking
    (a follower nobody uses any more ends its thread)."""
    while True:
        follower = follower_ref()
        if follower is None:
            return
        interval = follower.check_interval
        del follower
        if stop.wait(interval):
            return
        follower = follower_ref()
        if follower is None:
            return
        try:
            follower.check()
        except Exception:  # noqa: BLE001 - a thread that died would never move on again
            _log.exception("following the index in %s failed", follower.index_dir)
        del follower
