"""The generation in service for one knowledge base: opened once, shared, kept sound.

:class:`InService` opens the generation ``CURRENT`` names (through the
:class:`~faqkb.index.keeper.IndexKeeper`, which builds or refreshes it first when
needed, or a :class:`~faqkb.index.follow.Follower` of a published index), shares it
between threads, moves to a newer one when another process put it in service, lets a
block of work hold one generation (:mod:`.pins`), and reopens or rebuilds a generation
whose files fail under a search.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from faqkb.errors import IndexBuildError
from faqkb.index import storage
from faqkb.index.follow import Follower
from faqkb.index.keeper import IndexKeeper
from faqkb.index.opened import DAMAGE, DamagedIndex, Opened, is_damaged, open_generation
from faqkb.index.pins import Pins

_log = logging.getLogger("faqkb")
_T = TypeVar("_T")


class InService:
    """The open generation of ``keeper``'s index folder (or of ``follower``'s, for a
    read-only knowledge base)."""

    def __init__(self, keeper: IndexKeeper, follower: Follower | None) -> None:
        self.keeper = keeper
        self.follower = follower
        self.pins = Pins()
        self._lock = threading.RLock()
        self._opened: Opened | None = None

    def current(self) -> Path:
        """The generation in service, built first when there is none."""
        return self.keeper.current()

    def open(self, *, enter: bool = False) -> Opened:
        """The generation in service, opened; with ``enter``, entered by the caller (who
        must leave it), so that it is not closed while the caller uses it."""
        opened = self.pins.held()
        if opened is not None:  # entered by the block that holds it: it stays open
            if enter:
                opened.enter()
            return opened
        opened = self.follower.open(enter=True) if self.follower \
            else self._open_in_service()
        self.pins.hold(opened)
        if not enter:
            opened.leave()
        return opened

    def run(self, action: Callable[[Opened], _T]) -> _T:
        """Run ``action`` on the open index; if its files fail under it (damaged, or removed
        by another process's build), reopen or rebuild and try once more. An exception
        that is not about files is damage when the files no longer match their checksums,
        and a bug (raised as it is) when they do."""
        opened = self.open(enter=True)
        try:
            return action(opened)
        except Exception as exc:
            if not isinstance(exc, DAMAGE) and not is_damaged(opened):
                raise
            with self._lock:
                if storage.current_generation(self.keeper.index_dir) == opened.generation:
                    _log.warning("the index in %s failed (%s: %s); rebuilding it",
                                 opened.generation, type(exc).__name__, exc)
                    if not self.keeper.auto_build:
                        raise IndexBuildError(f"the index in {opened.generation} is damaged "
                                              f"({exc}); run `faqkb build --force`") from None
                    self.keeper.rebuild(opened.generation)
                if self._opened is opened:
                    self._opened = None
                    opened.retire()
                self.pins.drop(opened)  # the retry opens afresh
            retry = self.open(enter=True)
            try:
                return action(retry)
            finally:
                retry.leave()
        finally:
            opened.leave()

    def close(self) -> None:
        """Close the open generation (once the searches in progress are done with it) and
        stop checking ``kb/`` in the background; a later use opens it again."""
        self.keeper.stop()
        if self.follower is not None:
            self.follower.close()
        with self._lock:
            if self._opened is not None:
                self._opened.retire()
                self._opened = None

    def _open_in_service(self) -> Opened:
        """The generation in service, opened (or reopened when another took its place)
        and entered."""
        generation = self.current()
        with self._lock:
            if self._opened is not None and self._opened.generation != generation:
                # Another thread may have opened a newer one since CURRENT was read.
                generation = storage.current_generation(self.keeper.index_dir) or generation
            if self._opened is None or self._opened.generation != generation:
                previous = self._opened
                self._opened = self._open_or_rebuild(generation)
                if previous is not None:
                    previous.retire()
            self._opened.enter()
            return self._opened

    def _open_or_rebuild(self, generation: Path) -> Opened:
        try:
            return open_generation(generation)
        except DamagedIndex as exc:
            problem = f"the index in {generation} is damaged: {exc}"
        if not self.keeper.auto_build:
            raise IndexBuildError(f"{problem}; run `faqkb build --force`")
        _log.warning("%s; rebuilding it", problem)
        self.keeper.rebuild(generation)
        rebuilt = storage.current_generation(self.keeper.index_dir)
        try:
            return open_generation(rebuilt) if rebuilt else open_generation(generation)
        except DamagedIndex as exc:
            raise IndexBuildError(f"the rebuilt index in {rebuilt} is damaged too: {exc}") \
                from None
