"""Keeping an index in step with its ``kb/`` folder: when to build, and how safely.

:class:`IndexKeeper` decides, for one knowledge-base folder and its index folder,
whether the index in service still describes the documents, builds or refreshes it
under the build lock, and rebuilds a damaged one. It never makes a search wait for
another build when an index is in service, and never takes the build lock twice.

When to check: on first use (so a new process, such as one ``faqkb search``, answers
from an index that matches ``kb/``), and after that every ``check_interval`` seconds
in a background thread (:class:`_Watcher`), off the search path: comparing thousands
of files takes tens of milliseconds, which no search should wait for. With
``check_interval`` 0, every use checks first, in the caller's thread. A refresh that
fails (a full disk, a read-only folder) is said once and tried again later, after a
wait that grows from 5 seconds to 5 minutes, not at every check.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import weakref
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from faqkb.errors import FaqkbError, IndexBuildError
from faqkb.index import storage
from faqkb.index.lock import build_lock, try_build_lock
from faqkb.models import BuildReport

if TYPE_CHECKING:
    from faqkb.index.builder import Built

_log = logging.getLogger("faqkb")
Progress = Callable[[int, int, str], None]
WATCH_SHARE = 0.02  # at most this share of a core goes to checking in the background
RETRY_FIRST = 5.0  # seconds before a failed refresh is tried again...
RETRY_MOST = 300.0  # ...doubling each time up to this


class IndexKeeper:
    """The index of ``kb_dir`` in ``index_dir``, kept fresh (see the module's docstring)."""

    def __init__(self, kb_dir: Path, index_dir: Path, *, auto_build: bool,
                 check_interval: float) -> None:
        self.kb_dir = kb_dir
        self.index_dir = index_dir
        self.auto_build = auto_build
        self.check_interval = check_interval
        self.checked_at = float("-inf")  # when the documents were last compared
        self._refresh_failure = ""
        self._retry_at = float("-inf")  # no refresh before this, after a failure
        self.check_cost = 0.0  # processor seconds the last comparison with kb/ took
        self._retry_wait = 0.0
        self._pid = os.getpid()
        self._checking = threading.Lock()
        self._watcher: _Watcher | None = None

    def is_fresh(self) -> bool:
        """True when an index exists and matches the documents and the extractor."""
        generation = storage.current_generation(self.index_dir)
        manifest = storage.read_manifest(generation) if generation else None
        return generation is not None and manifest is not None \
            and self._matches(generation, manifest)

    def build(self, *, force: bool = False, progress: Progress | None = None,
              jobs: int = 1) -> BuildReport:
        """Bring the index up to date (see :meth:`faqkb.KnowledgeBase.build`)."""
        started = time.perf_counter()
        if not force:  # a fresh index needs no lock (its folder may be read-only)
            current = storage.current_generation(self.index_dir)
            manifest = storage.read_manifest(current) if current else None
            if current and manifest and self._matches(current, manifest) \
                    and not storage.damage(current, manifest, verify=True):
                self.checked_at = time.monotonic()
                return _report(manifest, self.index_dir, "none", 0, started)
        with build_lock(self.index_dir):
            return self._build(force, progress, jobs, started)

    def report(self) -> BuildReport:
        """What the index in service holds; raises :class:`IndexBuildError` without one."""
        generation = storage.current_generation(self.index_dir)
        manifest = storage.read_manifest(generation) if generation else None
        if manifest is None:
            raise IndexBuildError(f"no index in {self.index_dir}: run `faqkb build`")
        return _report(manifest, self.index_dir, "none", 0, time.perf_counter())

    def _build(self, force: bool, progress: Progress | None, jobs: int,
               started: float, *, quiet: bool = False) -> BuildReport:
        """:meth:`build`, the build lock held; ``quiet`` logs what fails at debug level
        (a refresh failing again)."""
        current = storage.current_generation(self.index_dir)
        manifest = storage.read_manifest(current) if current else None
        if not force and current and manifest \
                and self._matches(current, manifest, locked=True):
            problem = storage.damage(current, manifest, verify=True)
            if not problem:
                self.checked_at = time.monotonic()
                return _report(manifest, self.index_dir, "none", 0, started)
            _log.warning("the index in %s is damaged (%s); building it afresh", current, problem)
            force = True
        try:
            built = build_generation(self.kb_dir, self.index_dir, current,
                                     None if force else manifest, progress, jobs,
                                     warn=_log.debug if quiet else _log.warning)
            try:
                storage.commit_generation(self.index_dir, built.generation, built.manifest)
            except BaseException:
                if storage.current_generation(self.index_dir) != built.generation:
                    storage.discard_generation(built.generation)
                raise
        except OSError as exc:
            raise IndexBuildError(f"cannot write the index in {self.index_dir}: "
                                  f"{exc.strerror or exc}") from None
        self.checked_at = time.monotonic()
        return _report(built.manifest, self.index_dir, built.mode, built.reindexed, started)

    def _matches(self, generation: Path, manifest: storage.Manifest, *,
                 locked: bool = False) -> bool:
        """True when ``manifest`` describes today's documents and extractor. Files only
        touched (same bytes, new mtime) are noted in it, so they are not hashed again;
        ``locked`` says the caller holds the build lock (it is never taken twice: where
        file locks are emulated, releasing the inner one would release both)."""
        if manifest.code != storage.code_fingerprint():
            return False
        changes = storage.find_changes(manifest, self.kb_dir)
        if changes.touched and not changes:
            # Best effort: another build at work, or a read-only index, can do without.
            with contextlib.ExitStack() as stack, contextlib.suppress(FaqkbError, OSError):
                held = locked or stack.enter_context(try_build_lock(self.index_dir))
                if held and storage.current_generation(self.index_dir) == generation:
                    storage.remember_mtimes(generation, manifest, changes.touched)
        return not changes

    def current(self) -> Path:
        """The generation in service: built when there is none; checked against ``kb/``
        on first use and then in the background (see the module's docstring)."""
        if self.auto_build:
            if os.getpid() != self._pid:  # a forked copy: its own lock and watcher
                self._pid, self._checking, self._watcher = os.getpid(), threading.Lock(), None
            if self.check_interval <= 0 or self.checked_at == float("-inf"):
                with self._checking:
                    self.check()
            elif self._watcher is None or not self._watcher.is_alive():
                self._watcher = _Watcher(self)
        generation = storage.current_generation(self.index_dir)
        if generation is None:
            if not self.auto_build:
                raise IndexBuildError(f"no index in {self.index_dir}: run `faqkb build`")
            self.build()  # waits for a build in progress, and does nothing after it
            generation = storage.current_generation(self.index_dir)
            if generation is None:
                raise IndexBuildError(f"no index in {self.index_dir}")
        return generation

    def check(self) -> None:
        """Compare the index with ``kb/`` and refresh it when it is stale (unless a
        refresh failed a moment ago)."""
        now = time.monotonic()
        self.checked_at = now
        if now < self._retry_at:
            return
        started = time.thread_time()
        fresh = self.is_fresh()
        self.check_cost = time.thread_time() - started
        if not fresh:
            self._refresh()

    def stop(self) -> None:
        """Stop checking in the background (until the next use)."""
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None

    def _refresh(self) -> None:
        """Bring a stale index up to date, unless another build (of this process or
        another) is at it: then the index in service answers until that build is done.
        A refresh that fails leaves the index in service answering, with one warning."""
        started = time.perf_counter()
        failing = bool(self._refresh_failure)
        try:
            with try_build_lock(self.index_dir) as held:
                if held:
                    self._build(False, None, 1, started, quiet=failing)
        except IndexBuildError as exc:
            if storage.current_generation(self.index_dir) is None:
                raise
            if not failing:  # said once, not at every attempt
                _log.warning("%s; searching the index as it is", exc)
            self._refresh_failure = str(exc)
            self._retry_wait = min(max(2 * self._retry_wait, RETRY_FIRST), RETRY_MOST)
            self._retry_at = time.monotonic() + self._retry_wait
        else:
            if failing:
                _log.info("the index in %s is up to date again", self.index_dir)
            self._refresh_failure, self._retry_wait, self._retry_at = "", 0.0, float("-inf")

    def rebuild(self, damaged: Path) -> None:
        """Build afresh in place of a damaged generation, unless another build (another
        worker's, say) replaced it while this one waited for the lock."""
        started = time.perf_counter()
        with build_lock(self.index_dir):
            if storage.current_generation(self.index_dir) == damaged:
                self._build(True, None, 1, started)


def build_generation(*args: Any, **kwargs: Any) -> Built:
    """:func:`faqkb.index.builder.build_generation`, imported when first needed: the
    builder brings in the extractor and the document readers, which a process that
    only searches never uses."""
    from faqkb.index.builder import build_generation as build

    return build(*args, **kwargs)


class _Watcher:
    """A daemon thread that checks a keeper's index every ``check_interval`` seconds, or
    less often where a check takes long (a large ``kb/``): checking takes at most
    :data:`WATCH_SHARE` of a core, so that it does not slow the searches beside it.

    It holds the keeper weakly: a knowledge base nobody uses any more is not kept
    alive by its watcher, which then ends.
    """

    def __init__(self, keeper: IndexKeeper) -> None:
        self._keeper = weakref.ref(keeper)
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"faqkb-watch-{keeper.kb_dir.name}")
        self._thread.start()

    def is_alive(self) -> bool:
        return self._thread.is_alive() and not self._stopped.is_set()

    def stop(self) -> None:
        self._stopped.set()

    def _run(self) -> None:
        while True:
            keeper = self._keeper()
            if keeper is None or self._stopped.is_set() or keeper.check_interval <= 0:
                return
            interval = max(keeper.check_interval, keeper.check_cost / WATCH_SHARE)
            wait = max(0.0, keeper.checked_at + interval - time.monotonic())
            del keeper  # not held while waiting
            if self._stopped.wait(wait):
                return
            keeper = self._keeper()
            if keeper is None:
                return
            try:
                if keeper.auto_build and keeper._checking.acquire(blocking=False):
                    try:
                        keeper.check()
                    finally:
                        keeper._checking.release()
            except Exception:  # noqa: BLE001 - a watcher that died would never check again
                _log.exception("checking the index in %s failed", keeper.index_dir)
                keeper.checked_at = time.monotonic()
            del keeper


def _report(manifest: storage.Manifest, index_dir: Path, mode: str, reindexed: int,
            started: float) -> BuildReport:
    return BuildReport(
        documents=manifest.documents,
        qa_pairs=manifest.qa_pairs,
        claims=manifest.claims,
        warnings=manifest.warnings,
        rebuilt=mode != "none",
        index_dir=str(index_dir),
        seconds=time.perf_counter() - started,
        mode=mode,
        reindexed=reindexed,
        chrome=manifest.chrome,
    )
