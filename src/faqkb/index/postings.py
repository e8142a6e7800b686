"""Postings as compact arrays: what searching reads, written beside each Whoosh segment.

Whoosh stays the index of record (schema, analyzers, segments, stored entries); scoring
candidates through its matchers costs a Python call per posting. So when a segment is
written, :class:`PostingsWriter` also writes ``<segment id>.postings``: for each text
field, the postings of every term as arrays (documents and term frequencies, sorted by
term, then document), the field's length in every document, and each document's kind
and source. :class:`SegmentPostings` maps the file into memory (processes serving one
generation share its pages), and a search scores a term's whole posting list with a
few vectorised operations (:mod:`faqkb.search.scoring`).

The layout of a file: an 8-byte magic, the length of a JSON header, the header (array
names, types, offsets and lengths; the sources' names), then the arrays, each aligned
to 8 bytes. Terms are stored once per segment, sorted, as one UTF-8 blob with offsets,
and looked up by binary search.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import mmap
import os
import re
from array import array
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from faqkb.index.terms import SortedTerms
from faqkb.models import KINDS, Entry

MAGIC = b"FAQKBP01"
SUFFIX = ".postings"
FIELDS: tuple[str, ...] = ("question", "heading", "body")
MAX_TF = 65535
_MAX_REMEMBERED = 100_000
_UNSEEN = object()

IntArray = npt.NDArray[np.int32]
FloatArray = npt.NDArray[np.float32]


class PostingsError(Exception):
    """A postings file is missing, truncated or not one of ours (message: what)."""


class PostingsWriter:
    """Collects the postings of one segment as its documents are added, in order."""

    def __init__(self) -> None:
        self._term_ids: dict[str, int] = {}
        self._docs = {f: array("i") for f in FIELDS}
        self._terms = {f: array("i") for f in FIELDS}
        self._tfs = {f: array("H") for f in FIELDS}
        self._lengths = {f: array("f") for f in FIELDS}
        self._kinds = array("B")
        self._sources: dict[str, int] = {}
        self._source_ids = array("i")
        self._spans = array("i")
        self._text_keys = array("q")
        self._df = array("i")  # by term id: documents holding the term in any field
        self.count = 0

    def add(self, entry: Entry, field_terms: Sequence[Sequence[str]]) -> None:
        """Record the next document: its entry and each field's terms (in FIELDS order)."""
        doc = self.count
        ids = self._term_ids
        df = self._df
        held: set[int] = set()
        for name, terms in zip(FIELDS, field_terms, strict=True):
            self._lengths[name].append(len(terms))
            if not terms:
                continue
            docs, term_list, tfs = self._docs[name], self._terms[name], self._tfs[name]
            for term, tf in Counter(terms).items():
                term_id = ids.get(term)
                if term_id is None:
                    term_id = ids[term] = len(ids)
                    df.append(0)
                docs.append(doc)
                term_list.append(term_id)
                tfs.append(min(tf, MAX_TF))
                held.add(term_id)
        for term_id in held:
            df[term_id] += 1
        self._kinds.append(KINDS.index(entry.kind))
        source_id = self._sources.get(entry.source)
        if source_id is None:
            source_id = self._sources[entry.source] = len(self._sources)
        self._source_ids.append(source_id)
        self._spans.append(entry.start)
        self._spans.append(entry.end)
        self._text_keys.append(text_key(entry.text))
        self.count += 1

    def _ranks(self) -> tuple[list[str], np.ndarray[Any, Any]]:
        """The terms in sorted order, and each term id's rank among them."""
        terms = sorted(self._term_ids)
        rank = np.empty(len(terms), dtype=np.int64)
        for position, term in enumerate(terms):
            rank[self._term_ids[term]] = position
        return terms, rank

    def _field(self, name: str, terms: list[str],
               rank: np.ndarray[Any, Any]) -> tuple[np.ndarray[Any, Any], ...]:
        """One field's postings by term rank: starts (per rank), documents, tfs."""
        term_ranks = rank[np.frombuffer(self._terms[name], dtype=np.int32)]
        order = np.argsort(term_ranks, kind="stable")  # documents stay in order
        starts = np.zeros(len(terms) + 1, dtype=np.int64)
        np.cumsum(np.bincount(term_ranks, minlength=len(terms)), out=starts[1:])
        return (starts, np.frombuffer(self._docs[name], dtype=np.int32)[order],
                np.frombuffer(self._tfs[name], dtype=np.uint16)[order])

    def field_arrays(self, name: str) -> tuple[list[bytes], np.ndarray[Any, Any],
                                              np.ndarray[Any, Any], np.ndarray[Any, Any],
                                              np.ndarray[Any, Any]]:
        """One field's postings for writing Whoosh's: the terms (UTF-8, sorted), where
        each term's postings start (by rank), documents, tfs, and each document's length."""
        terms, rank = self._ranks()
        starts, docs, tfs = self._field(name, terms, rank)
        return ([t.encode("utf-8") for t in terms], starts, docs, tfs,
                np.frombuffer(self._lengths[name], dtype=np.float32))

    def save(self, path: Path) -> None:
        """Write the postings file (replacing any file of that name atomically)."""
        terms, rank = self._ranks()
        encoded = [t.encode("utf-8") for t in terms]
        offsets = np.zeros(len(encoded) + 1, dtype=np.int64)
        np.cumsum([len(e) for e in encoded], out=offsets[1:])
        order_of_terms = np.argsort(rank)
        arrays: dict[str, np.ndarray[Any, Any]] = {
            "term_offsets": offsets,
            "df": np.frombuffer(self._df, dtype=np.int32)[order_of_terms],
            "term_blob": np.frombuffer(b"".join(encoded), dtype=np.uint8),
            "kinds": np.frombuffer(self._kinds, dtype=np.uint8),
            "sources": np.frombuffer(self._source_ids, dtype=np.int32),
            "spans": np.frombuffer(self._spans, dtype=np.int32),
            "text_keys": np.frombuffer(self._text_keys, dtype=np.int64),
        }
        for name in FIELDS:
            starts, docs, tfs = self._field(name, terms, rank)
            arrays[f"{name}.starts"] = starts
            arrays[f"{name}.docs"] = docs
            arrays[f"{name}.tfs"] = tfs
            arrays[f"{name}.lengths"] = np.frombuffer(self._lengths[name], dtype=np.float32)
        sources = sorted(self._sources, key=self._sources.__getitem__)
        _write(path, arrays, {"docs": self.count, "sources": sources})


def text_key(text: str) -> int:
    """A 64-bit key of ``text`` that ignores case, spacing and punctuation: entries
    with the same key say the same thing."""
    folded = re.sub(r"\W+", "", text.lower()).encode("utf-8", "surrogatepass")
    return int.from_bytes(hashlib.blake2b(folded, digest_size=8).digest(), "little",
                          signed=True)


def _write(path: Path, arrays: dict[str, np.ndarray[Any, Any]], meta: dict[str, Any]) -> None:
    specs: dict[str, list[Any]] = {}
    offset = 0
    for name, values in arrays.items():
        specs[name] = [values.dtype.str, offset, int(values.size)]
        offset += _aligned(values.nbytes)
    header = json.dumps({**meta, "arrays": specs}).encode("utf-8")
    header += b" " * (_aligned(len(header) + 16) - len(header) - 16)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with temporary.open("wb") as out:
            out.write(MAGIC)
            out.write(len(header).to_bytes(8, "little"))
            out.write(header)
            for values in arrays.values():
                data = np.ascontiguousarray(values).tobytes()
                out.write(data)
                out.write(b"\0" * (_aligned(len(data)) - len(data)))
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _aligned(size: int) -> int:
    return (size + 7) // 8 * 8


@dataclass(frozen=True, slots=True)
class FieldPostings:
    """One field of a segment: CSR postings (``starts`` indexes ``docs`` and ``tfs`` by
    term rank) and the field's length in every document."""

    starts: npt.NDArray[np.int64]
    docs: IntArray
    tfs: npt.NDArray[np.uint16]
    lengths: FloatArray


class SegmentPostings:
    """The postings file of one segment, mapped into memory (read-only)."""

    def __init__(self, path: Path) -> None:
        try:
            with path.open("rb") as handle:
                self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError) as exc:
            raise PostingsError(f"cannot read {path.name}: {exc}") from None
        data = memoryview(self._map)
        try:
            if bytes(data[:8]) != MAGIC:
                raise PostingsError(f"{path.name} is not a postings file")
            size = int.from_bytes(data[8:16], "little")
            header = json.loads(bytes(data[16 : 16 + size]))
            base = 16 + size
            arrays: dict[str, np.ndarray[Any, Any]] = {}
            for name, (dtype, offset, count) in header["arrays"].items():
                arrays[name] = np.frombuffer(data, dtype=np.dtype(dtype), count=count,
                                             offset=base + offset)
        except (ValueError, KeyError, TypeError) as exc:
            raise PostingsError(f"{path.name} is damaged ({exc})") from None
        self.doc_count: int = int(header["docs"])
        self.source_names: tuple[str, ...] = tuple(header["sources"])
        self.kinds: npt.NDArray[np.uint8] = arrays["kinds"]
        self.sources: IntArray = arrays["sources"]
        self.spans: IntArray = arrays["spans"].reshape(-1, 2)
        self.text_keys: npt.NDArray[np.int64] = arrays["text_keys"]
        blob = data[base + header["arrays"]["term_blob"][1]:]
        self.terms: Sequence[str] = SortedTerms(arrays["term_offsets"], blob)
        self.df: IntArray = arrays["df"]
        self._ranks: dict[str, int | None] = {}  # the terms looked up so far
        self.fields = {name: FieldPostings(arrays[f"{name}.starts"], arrays[f"{name}.docs"],
                                           arrays[f"{name}.tfs"], arrays[f"{name}.lengths"])
                       for name in FIELDS}
        if any(len(f.lengths) != self.doc_count for f in self.fields.values()) \
                or len(self.kinds) != self.doc_count or len(self.sources) != self.doc_count \
                or len(self.spans) != self.doc_count or len(self.text_keys) != self.doc_count \
                or len(self.df) != len(self.terms):
            raise PostingsError(f"{path.name} does not describe {self.doc_count} documents")

    def term_rank(self, term: str) -> int | None:
        """The position of ``term`` among the segment's sorted terms, or ``None``."""
        known = self._ranks.get(term, _UNSEEN)
        if known is not _UNSEEN:
            return known  # type: ignore[return-value]
        terms = self.terms
        low, high = terms.around(term) if isinstance(terms, SortedTerms) else (0, len(terms))
        position: int | None = bisect.bisect_left(terms, term, low, high)
        if position is None or position >= high or terms[position] != term:
            position = None
        if len(self._ranks) >= _MAX_REMEMBERED:
            self._ranks.clear()
        self._ranks[term] = position
        return position

    def postings(self, field: str, rank: int) -> tuple[IntArray, npt.NDArray[np.uint16]]:
        """The documents (segment-local) holding the term of ``rank`` in ``field``, and
        how often each holds it."""
        postings = self.fields[field]
        start, end = int(postings.starts[rank]), int(postings.starts[rank + 1])
        return postings.docs[start:end], postings.tfs[start:end]


def postings_path(directory: Path, segment_id: str) -> Path:
    """Where the postings of the segment ``segment_id`` live in a generation folder."""
    return directory / f"{segment_id}{SUFFIX}"


class Postings:
    """The postings of a whole generation: its segments' files, one after another.

    Document numbers are Whoosh's (a segment's documents follow the previous
    segment's), so a hit's stored entry is read from Whoosh by its number. ``alive``
    is false for documents an update deleted; ``kinds`` and ``sources`` (indexes into
    ``source_names``) are each document's, for filters and counts; ``lengths`` and
    ``average_lengths`` hold each field's lengths, for BM25's length normalisation.
    """

    def __init__(self, segments: Sequence[tuple[SegmentPostings, int]],
                 deleted: Sequence[int], total: int) -> None:
        self.segments = tuple(segments)
        self.doc_count = total
        self.alive = np.ones(total, dtype=bool)
        if deleted:
            self.alive[np.fromiter(deleted, dtype=np.int64)] = False
        names: dict[str, int] = {}
        self.kinds = np.zeros(total, dtype=np.uint8)
        self.sources = np.zeros(total, dtype=np.int32)
        self.starts = np.zeros(total, dtype=np.int32)
        self.ends = np.zeros(total, dtype=np.int32)
        self.text_keys = np.zeros(total, dtype=np.int64)
        self.lengths = {f: np.zeros(total, dtype=np.float32) for f in FIELDS}
        for segment, offset in self.segments:
            end = offset + segment.doc_count
            remap = np.array([names.setdefault(n, len(names)) for n in segment.source_names],
                             dtype=np.int32)
            self.kinds[offset:end] = segment.kinds
            self.starts[offset:end] = segment.spans[:, 0]
            self.ends[offset:end] = segment.spans[:, 1]
            self.text_keys[offset:end] = segment.text_keys
            self.sources[offset:end] = remap[segment.sources] if len(remap) else 0
            for name in FIELDS:
                self.lengths[name][offset:end] = segment.fields[name].lengths
        self.source_names: tuple[str, ...] = tuple(names)
        self.counted = self.alive & ~_inside_pairs(self)
        counted = max(1, int(self.counted.sum()))
        # How many counted documents have each field at all (a claim has no question).
        self.field_counts = {f: int(np.count_nonzero(self.lengths[f][self.counted]))
                             for f in FIELDS}
        self.average_lengths = {
            f: max(1.0, float(self.lengths[f][self.counted].sum())
                   / max(1, self.field_counts[f])) for f in FIELDS}
        self.counted_total = counted
        self._passage_order: tuple[IntArray, IntArray] | None = None

    def passage_order(self) -> tuple[IntArray, IntArray]:
        """Every document in passage order (by source, then start), and each document's
        place in that order: sorting a search's matches by passage is sorting places."""
        if self._passage_order is None:
            order = np.lexsort((self.starts, self.sources)).astype(np.int32)
            places = np.empty(self.doc_count, dtype=np.int32)
            places[order] = np.arange(self.doc_count, dtype=np.int32)
            self._passage_order = (order, places)
        return self._passage_order

    def postings(self, field: str, term: str) -> tuple[IntArray, FloatArray]:
        """Every document (generation-wide number) holding ``term`` in ``field``, with
        how often it does; deleted documents included (see ``alive``)."""
        docs: list[IntArray] = []
        tfs: list[FloatArray] = []
        for segment, offset in self.segments:
            rank = segment.term_rank(term)
            if rank is None:
                continue
            found, counts = segment.postings(field, rank)
            if len(found):
                docs.append(found + offset if offset else found)
                tfs.append(counts.astype(np.float32))
        if not docs:
            return _NO_DOCS, _NO_TFS
        if len(docs) == 1:
            return docs[0], tfs[0]
        return np.concatenate(docs), np.concatenate(tfs)


def _inside_pairs(postings: Postings) -> npt.NDArray[np.bool_]:
    """Claims whose passage lies inside a Q&A pair's passage of the same source: they
    repeat the pair's words, so statistics leave them out, lest every word of an
    answer count twice."""
    qa = postings.kinds == KINDS.index("qa")
    sources = postings.sources.astype(np.int64)
    starts = postings.starts.astype(np.int64)
    ends = postings.ends.astype(np.int64)
    # By source, then start, pairs before claims that start with them.
    order = np.lexsort((~qa, starts, sources))
    pair_ends = np.where(qa[order] & postings.alive[order], (sources[order] << 32) | ends[order],
                         -1)
    reach = np.maximum.accumulate(pair_ends)
    inside = np.zeros(postings.doc_count, dtype=bool)
    inside[order] = ~qa[order] & (reach >= ((sources[order] << 32) | ends[order]))
    return inside


_NO_DOCS: IntArray = np.zeros(0, dtype=np.int32)
_NO_TFS: FloatArray = np.zeros(0, dtype=np.float32)


def open_postings(directory: Path, reader: Any) -> Postings:
    """The postings of the generation in ``directory``, whose Whoosh ``reader`` is open.

    Raises :class:`PostingsError` when a segment's postings file is missing or does not
    match the segment.
    """
    segments: list[tuple[SegmentPostings, int]] = []
    deleted: list[int] = []
    for leaf, offset in reader.leaf_readers():
        segment = leaf.segment()
        segment_id = segment.segment_id()
        postings = SegmentPostings(postings_path(directory, segment_id))
        if postings.doc_count != leaf.doc_count_all():
            raise PostingsError(f"the postings of segment {segment_id} describe "
                                f"{postings.doc_count} documents, not {leaf.doc_count_all()}")
        segments.append((postings, offset))
        if segment.has_deletions():
            deleted.extend(offset + d for d in segment.deleted_docs())
    return Postings(segments, deleted, reader.doc_count_all())
