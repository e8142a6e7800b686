"""Keeping an index in step with its ``kb/`` folder: when to build, and how safely.

:class:`IndexKeeper` decides, for one knowledge-base folder and its index folder,
whether the index in service still describes the documents (checked at most every
``check_interval`` seconds), builds or refreshes it under the build lock, and
rebuilds a damaged one. It never makes a search wait for another build when an
index is in service, and never takes the build lock twice.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

from faqkb.errors import FaqkbError, IndexBuildError
from faqkb.index import storage
from faqkb.index.builder import build_generation
from faqkb.index.lock import build_lock, try_build_lock
from faqkb.models import BuildReport

_log = logging.getLogger("faqkb")
Progress = Callable[[int, int, str], None]


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
            if current and manifest and self._matches(current, manifest):
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
               started: float) -> BuildReport:
        """:meth:`build`, the build lock held."""
        current = storage.current_generation(self.index_dir)
        manifest = storage.read_manifest(current) if current else None
        if not force and current and manifest \
                and self._matches(current, manifest, locked=True):
            self.checked_at = time.monotonic()
            return _report(manifest, self.index_dir, "none", 0, started)
        try:
            built = build_generation(self.kb_dir, self.index_dir, current,
                                     None if force else manifest, progress, jobs)
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
        """The generation in service: built when there is none, refreshed (at most every
        ``check_interval`` seconds) when the documents changed."""
        now = time.monotonic()
        if self.auto_build and now - self.checked_at >= self.check_interval:
            self.checked_at = now
            if not self.is_fresh():
                self._refresh()
        generation = storage.current_generation(self.index_dir)
        if generation is None:
            if not self.auto_build:
                raise IndexBuildError(f"no index in {self.index_dir}: run `faqkb build`")
            self.build()  # waits for a build in progress, and does nothing after it
            generation = storage.current_generation(self.index_dir)
            if generation is None:
                raise IndexBuildError(f"no index in {self.index_dir}")
        return generation

    def _refresh(self) -> None:
        """Bring a stale index up to date, unless another build (of this process or
        another) is at it: then the index in service answers until that build is done.
        A refresh that fails leaves the index in service answering, with a warning."""
        started = time.perf_counter()
        try:
            with try_build_lock(self.index_dir) as held:
                if held:
                    self._build(False, None, 1, started)
        except IndexBuildError as exc:
            if storage.current_generation(self.index_dir) is None:
                raise
            if str(exc) != self._refresh_failure:  # said once, not at every check
                _log.warning("%s; searching the index as it is", exc)
            self._refresh_failure = str(exc)
        else:
            self._refresh_failure = ""

    def rebuild(self, damaged: Path) -> None:
        """Build afresh in place of a damaged generation, unless another build (another
        worker's, say) replaced it while this one waited for the lock."""
        started = time.perf_counter()
        with build_lock(self.index_dir):
            if storage.current_generation(self.index_dir) == damaged:
                self._build(True, None, 1, started)


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
    )
