"""Building a generation of the index: all documents afresh, or only those that changed.

- :func:`build_generation` decides. An *update* copies the generation in service
  (hard links, see :func:`faqkb.index.storage.clone_generation`) and re-indexes only the
  documents added, changed or removed since; it is chosen when the extractor is the
  same, the changes are few and the generation's files are whole. Otherwise (or
  when the update fails on a damaged index) a *full build* reads every document.
- A full build of a large knowledge base can run in worker processes (``jobs``; the
  ``faqkb build`` command uses one per core, the library one unless asked: starting
  processes behind a caller's back would surprise a script), each reading and
  extracting its share of the documents into a segment of its own
  (:class:`faqkb.index.writing.SegmentBuilder`); the segments then become the index
  together. A small knowledge base is built in this process: starting workers would
  cost more than they save.

Either way the result is a new generation folder and its manifest, not yet in
service: :func:`faqkb.index.storage.commit_generation` puts it there.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import multiprocessing
import os
import secrets
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faqkb.documents import FileState, discover, read_document, scan
from faqkb.errors import DocumentError
from faqkb.extract import analyse
from faqkb.index import recorded, storage
from faqkb.index.recorded import DocumentWriter
from faqkb.index.storage import FileRecord, Manifest
from faqkb.index.writing import (
    Counts,
    SegmentBuilder,
    commit_segments,
    create_index,
    segment_count,
    update_index,
)
from faqkb.models import Entry

Progress = Callable[[int, int, str], None]
_log = logging.getLogger("faqkb")

# Below this many bytes of documents, one process builds faster than several.
PARALLEL_MIN_BYTES = 2 * 2**20
MAX_WORKERS = 8
# An update is chosen when at most this many documents changed (or this share of them)...
UPDATE_MAX_DOCUMENTS = 200
UPDATE_MAX_SHARE = 0.25
# ...and the index has not been fragmented by too many updates already.
UPDATE_MAX_SEGMENTS = 12


@dataclass(frozen=True, slots=True)
class Built:
    """A generation ready to be put in service, and how it was made."""

    generation: Path
    manifest: Manifest
    mode: str  # "full" or "update"
    reindexed: int  # documents read and extracted


def build_generation(kb_dir: Path, index_dir: Path, current: Path | None,
                     previous: Manifest | None, progress: Progress | None = None,
                     jobs: int = 1, warn: Callable[..., None] = _log.warning) -> Built:
    """Build a new generation for ``kb_dir``: an update of ``current`` when ``previous``
    (its manifest) allows one, else a full build, in up to ``jobs`` processes.
    ``previous=None`` forces a full build. ``warn`` logs an update that failed."""
    states = scan(kb_dir)
    notes = tuple(discover(kb_dir)[1])
    if current is not None and previous is not None and _updatable(current, previous):
        changes = storage.find_changes(previous, kb_dir, states)
        if len(changes) <= max(UPDATE_MAX_DOCUMENTS, UPDATE_MAX_SHARE * len(states)):
            try:
                return _update(kb_dir, index_dir, current, previous, changes, states, notes,
                               progress)
            except Exception as exc:  # noqa: BLE001 - whatever failed, a full build may not
                warn("updating the index in %s failed (%s: %s); building it afresh",
                     current, type(exc).__name__, exc)
    return _full(kb_dir, index_dir, states, notes, progress, jobs)


def _updatable(current: Path, previous: Manifest) -> bool:
    """True when ``current`` can be updated: same extractor, few segments, files whole
    (checked byte for byte: an update hard-links them into the new generation)."""
    if previous.code != storage.code_fingerprint() \
            or storage.damage(current, previous, verify=True):
        return False
    try:
        return segment_count(current) < UPDATE_MAX_SEGMENTS
    except Exception:  # noqa: BLE001 - an index Whoosh cannot open is rebuilt, not updated
        return False


def _full(kb_dir: Path, index_dir: Path, states: list[FileState], notes: tuple[str, ...],
          progress: Progress | None, jobs: int) -> Built:
    generation = storage.new_generation(index_dir)
    try:
        create_index(generation)
        groups = _groups(states, _workers(states, jobs))
        if len(groups) > 1:
            results = _in_workers(generation, kb_dir, groups, progress)
        else:
            results = [_index_files(str(generation), str(kb_dir), [s.name for s in states],
                                    progress)]
        counts = Counts()
        for result in results:
            counts.merge(result.counts)
        commit_segments(generation, [r.segment for r in results], counts)
        recorded.save_catalogue(generation, {name: place for result in results
                                             for name, place in result.places.items()})
    except BaseException:
        storage.discard_generation(generation)
        raise
    records = {r.name: r for result in results for r in result.records}
    root = kb_dir.resolve()
    manifest = Manifest(tuple(_final(records[s.name], s, root) for s in states),
                        storage.code_fingerprint(), notes)
    return Built(generation, manifest, "full", len(states))


def _update(kb_dir: Path, index_dir: Path, current: Path, previous: Manifest,
            changes: storage.Changes, states: list[FileState], notes: tuple[str, ...],
            progress: Progress | None) -> Built:
    generation = storage.clone_generation(index_dir, current)
    touched = changes.added + changes.changed
    records: dict[str, FileRecord] = {}
    try:
        places = recorded.carried_over(generation, changes.changed + changes.removed)
        writer = DocumentWriter(generation, f"{os.getpid()}-{secrets.token_hex(4)}")
        try:
            entries = _entries(kb_dir, touched, records, progress, writer)
            update_index(generation, changes.changed + changes.removed, entries)
        finally:
            writer.close()
        places.update(writer.places)
        recorded.save_catalogue(generation, places)
        recorded.discard_unlisted(generation, places)
    except BaseException:
        storage.discard_generation(generation)
        raise
    kept = {f.name: f for f in previous.files}
    root = kb_dir.resolve()
    files = tuple(_final(records[s.name], s, root) if s.name in records else kept[s.name]
                  for s in states)
    manifest = Manifest(files, previous.code, notes)
    return Built(generation, manifest, "update", len(touched))


@dataclass(frozen=True, slots=True)
class _Result:
    segment: Any
    counts: Counts
    records: list[FileRecord]
    places: dict[str, recorded.Place]


_counter: Any = None  # documents done, shared with the parent by worker processes
_PARENT_POLL = 0.5  # seconds between a worker's checks that its parent is alive


def _start_worker(counter: Any, parent: int) -> None:
    """Set up a worker process: share the progress counter, and die with the parent.

    A worker whose parent was killed would otherwise wait for work forever (it holds
    its own end of the queue it reads). Linux kills it at once (a parent-death signal);
    elsewhere, or should the parent have died before the signal was asked for, a
    thread notices that the parent is gone.
    """
    global _counter
    _counter = counter
    if sys.platform == "linux":
        with contextlib.suppress(OSError, AttributeError):
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True,
                     name="faqkb-parent-watch").start()


_PR_SET_PDEATHSIG = 1


def _watch_parent(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(_PARENT_POLL)
    os._exit(1)


def _index_files(generation: str, kb_dir: str, names: Sequence[str],
                 progress: Progress | None = None) -> _Result:
    """Read, extract and index ``names`` into a segment of the index (in any process),
    keeping the documents read in a file of their own."""
    builder = SegmentBuilder(Path(generation))
    records: dict[str, FileRecord] = {}
    kept = DocumentWriter(Path(generation), f"{os.getpid()}-{secrets.token_hex(4)}")
    try:
        builder.add(_entries(Path(kb_dir), names, records, progress, kept))
        segment = builder.finish()
    except BaseException:
        builder.cancel()
        raise
    finally:
        kept.close()
    return _Result(segment, builder.counts, list(records.values()), kept.places)


def _entries(kb_dir: Path, names: Sequence[str], records: dict[str, FileRecord],
             progress: Progress | None, kept: DocumentWriter) -> Iterable[Entry]:
    """The entries of each named document, noting in ``records`` what each one gave and
    keeping the document in ``kept``."""
    root = kb_dir.resolve()
    for done, name in enumerate(names, 1):
        path = root / name
        try:
            # Read within kb/, checked on the file opened: a link swapped in since the
            # folder was scanned cannot lead out of it.
            document = read_document(path, name, root=root)
        except DocumentError as exc:
            records[name] = FileRecord(name, 0, 0, "", warning=str(exc))
        else:
            kept.add(document)
            extraction = analyse(document)
            entries = extraction.entries
            qa = sum(1 for e in entries if e.kind == "qa")
            records[name] = FileRecord(name, 0, 0, document.fingerprint, qa, len(entries) - qa,
                                       chrome=extraction.chrome_dropped)
            yield from entries
        if _counter is not None:
            with _counter.get_lock():
                _counter.value += 1
        if progress:
            progress(done, len(names), name)


def _final(record: FileRecord, state: FileState, root: Path) -> FileRecord:
    """``record`` with the size and mtime the scan saw (the freshness check's key)."""
    return FileRecord(state.name, state.size, state.mtime_ns,
                      record.sha256 or storage.file_hash(root / state.name), record.qa_pairs,
                      record.claims, record.warning, record.chrome)


def _workers(states: list[FileState], jobs: int) -> int:
    if jobs <= 1 or sum(s.size for s in states) < PARALLEL_MIN_BYTES:
        return 1
    return min(jobs, MAX_WORKERS, len(states))


def available_cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _groups(states: list[FileState], count: int) -> list[list[str]]:
    """Document names in ``count`` groups of about equal size, each in document order."""
    groups: list[list[FileState]] = [[] for _ in range(count)]
    sizes = [0] * count
    for state in sorted(states, key=lambda s: -s.size):
        smallest = sizes.index(min(sizes))
        groups[smallest].append(state)
        sizes[smallest] += state.size
    order = {s.name: i for i, s in enumerate(states)}
    return [[s.name for s in sorted(g, key=lambda s: order[s.name])] for g in groups if g]


def _in_workers(generation: Path, kb_dir: Path, groups: list[list[str]],
                progress: Progress | None) -> list[_Result]:
    # "spawn" starts clean interpreters: forking a process that serves requests on
    # threads could copy a lock some thread was holding.
    context = multiprocessing.get_context("spawn")
    counter = context.Value("i", 0)
    total = sum(len(g) for g in groups)
    with ProcessPoolExecutor(len(groups), mp_context=context, initializer=_start_worker,
                             initargs=(counter, os.getpid())) as pool:
        futures: list[Future[_Result]] = [
            pool.submit(_index_files, str(generation), str(kb_dir), group)
            for group in groups]
        pending = set(futures)
        while pending:
            _, pending = wait(pending, timeout=0.2, return_when=FIRST_COMPLETED)
            if progress:
                progress(min(counter.value, total), total, "")
        return [future.result() for future in futures]
