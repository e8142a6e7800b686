"""An index generation opened for searching, checked first, shared by every thread.

:func:`open_generation` opens a generation only after checking it: its files are all
there with the sizes and checksums (SHA-256) the manifest recorded, read through once,
and Whoosh finds as many entries as the manifest says. A generation that fails is
*damaged* (:class:`DamagedIndex`), and the knowledge base rebuilds it. :data:`DAMAGE`
lists what reading an index whose files went away can raise later, during a search;
any other exception there is damage when the checksums no longer match
(:func:`is_damaged`).

Each thread gets its own Whoosh searcher (:meth:`Opened.searcher`); a thread keeps
the generation it opened until it next searches, so a rebuild never pulls an index
out from under a search in progress. Results are remembered per generation
(:class:`ResultCache`): people ask the same things, and a generation never changes.
"""

from __future__ import annotations

import json
import pickle
import struct
import threading
import time
import weakref
import zlib
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar, cast

from whoosh.index import EmptyIndexError

from faqkb.index import storage
from faqkb.index.postings import Postings, PostingsError, open_postings
from faqkb.index.recorded import RecordedDocuments
from faqkb.index.schema import open_index, open_searcher
from faqkb.index.vocabulary import Vocabulary, open_vocabulary
from faqkb.models import SearchResults

_T = TypeVar("_T")
# What Whoosh raises reading files that were truncated, overwritten or removed
# (EmptyIndexError: the table of contents is gone, as when the generation was).
DAMAGE: tuple[type[BaseException], ...] = (
    OSError, EOFError, struct.error, zlib.error, pickle.UnpicklingError,
    json.JSONDecodeError, EmptyIndexError,
)


class ResultCache:
    """The results of the latest searches, least recently used dropped first."""

    def __init__(self, size: int = 512) -> None:
        self._size = size
        self._results: OrderedDict[Hashable, SearchResults] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> SearchResults | None:
        """The results remembered for ``key``, if any."""
        with self._lock:
            results = self._results.get(key)
            if results is not None:
                self._results.move_to_end(key)
            return results

    def put(self, key: Hashable, results: SearchResults) -> None:
        """Remember ``results`` (unless the search ran out of time: they are incomplete)."""
        if results.partial:
            return
        with self._lock:
            self._results[key] = results
            self._results.move_to_end(key)
            while len(self._results) > self._size:
                self._results.popitem(last=False)


class DamagedIndex(Exception):
    """A generation's files are missing, truncated or inconsistent (message: what)."""


@dataclass(eq=False)
class Opened:
    """A generation in service: its Whoosh index, vocabulary, manifest and the documents
    it was built from (:attr:`documents`).

    Searches :meth:`enter` and :meth:`leave` it; once retired (a newer
    generation took its place) it closes its files when the last search leaves.
    Whatever else is worth computing once per generation (arrays read from the
    segments, laid-out views) is kept with it by :meth:`once`.
    """

    generation: Path
    index: Any
    vocabulary: Vocabulary
    manifest: storage.Manifest
    postings: Postings
    documents: RecordedDocuments
    results: ResultCache = field(default_factory=ResultCache)
    # What later stages derive from the generation once (the search's scorer).
    derived: dict[str, Any] = field(default_factory=dict)
    _local: threading.local = field(default_factory=threading.local)
    _searchers: list[Any] = field(default_factory=list)
    _guard: threading.Lock = field(default_factory=threading.Lock)
    _users: int = 0
    _retired: bool = False
    _derive_lock: threading.Lock = field(default_factory=threading.Lock)
    _verified_at: float = float("-inf")  # when a failure last found the files sound

    def __post_init__(self) -> None:
        # Whatever happens, the files are closed once, and not by the garbage collector
        # complaining about open files.
        self._close = weakref.finalize(self, _close, self._searchers, self.index)

    def searcher(self) -> Any:
        """This thread's searcher of the generation (opened on first use)."""
        searcher = getattr(self._local, "searcher", None)
        if searcher is None:
            searcher = self._local.searcher = open_searcher(self.index)
            with self._guard:
                self._searchers.append(searcher)
        return searcher

    def once(self, key: str, make: Callable[[Opened], _T]) -> _T:
        """``make(self)``, computed on first use for this generation and kept with it in
        :attr:`derived` (one thread computes it; others wait for that result)."""
        with self._derive_lock:
            if key not in self.derived:
                self.derived[key] = make(self)
            return cast(_T, self.derived[key])

    def enter(self) -> None:
        """A search starts using the generation."""
        with self._guard:
            self._users += 1

    def leave(self) -> None:
        """A search is done with the generation."""
        with self._guard:
            self._users -= 1
            done = self._retired and not self._users
        if done:
            self._close()

    def retire(self) -> None:
        """No new search will use the generation: close it when the last one leaves."""
        with self._guard:
            self._retired = True
            done = not self._users
        if done:
            self._close()


def _close(searchers: list[Any], index: Any) -> None:
    for searcher in searchers:
        searcher.close()
    searchers.clear()
    index.close()


REVERIFY_AFTER = 10.0  # seconds before sound files are read through again


def is_damaged(opened: Opened) -> bool:
    """True when the files of an open generation are no longer as written (read again,
    unless they were found sound a moment ago: a failure that repeats is not worth
    reading the whole index for each time)."""
    now = time.monotonic()
    if now - opened._verified_at < REVERIFY_AFTER:
        return False
    damaged = storage.damage(opened.generation, opened.manifest, verify=True) is not None
    if not damaged:
        opened._verified_at = now
    return damaged


def open_generation(generation: Path) -> Opened:
    """Open ``generation`` for searching; raises :class:`DamagedIndex` when it is damaged."""
    manifest = storage.read_manifest(generation)
    if manifest is None:
        raise DamagedIndex("its manifest is missing or unreadable")
    problem = storage.damage(generation, manifest, verify=True)
    if problem:
        raise DamagedIndex(problem)
    try:
        index = open_index(generation)
        with index.reader() as reader:
            found = reader.doc_count()
            postings = open_postings(generation, reader)
    except PostingsError as exc:
        index.close()
        raise DamagedIndex(str(exc)) from None
    except Exception as exc:  # noqa: BLE001 - whatever Whoosh makes of its files, they are bad
        raise DamagedIndex(f"Whoosh cannot read it ({type(exc).__name__}: {exc})") from None
    if found != manifest.entries:
        index.close()
        raise DamagedIndex(f"it holds {found} entries where {manifest.entries} were written")
    return Opened(generation, index, open_vocabulary(generation), manifest, postings,
                  RecordedDocuments(generation))
