"""Writing entries into Whoosh: new segments for full builds, updates in place.

The writers (:class:`SegmentBuilder` and :func:`commit_segments`, :func:`update_index`)
also keep, beside the index, the vocabulary of the words as written
(:class:`~faqkb.index.vocabulary.Vocabulary`, for spelling correction) and how many
entries hold each term.
"""

from __future__ import annotations

import shutil
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.index import TOC

from faqkb.index.postings import PostingsWriter, postings_path
from faqkb.index.schema import (
    SOURCE,
    entry_fields,
    entry_words,
    field_terms,
    make_schema,
    stored_entry,
)
from faqkb.index.segment import SegmentFiles
from faqkb.index.vocabulary import TERMS_FILE, VOCABULARY_FILE, Vocabulary
from faqkb.models import Entry

WRITER_MEMORY_MB = 128  # postings a writer holds in memory before sorting runs on disk
# Segments are written as separate files, not one compound file: Whoosh reads a part of
# a compound file by copying it into memory, once for every searcher (every thread),
# which at 100k entries cost 70 MB per searcher.


def create_index(directory: Path) -> None:
    """Create an empty index in ``directory``."""
    whoosh_index.create_in(str(directory), make_schema()).close()


class SegmentBuilder:
    """Writes entries into one new segment of the index in ``directory``.

    Several builders, in several processes, may write segments of one index at once;
    :func:`commit_segments` then makes them the index. (This is what Whoosh's own
    multi-process writer does, without pickling every entry through a queue.) The
    builder also counts how many entries use each word and each term (:class:`Counts`).
    """

    def __init__(self, directory: Path) -> None:
        index = whoosh_index.open_dir(str(directory))
        self._files = SegmentFiles(index)
        index.close()
        self._directory = directory
        self.counts = Counts()
        self.postings = PostingsWriter()

    def add(self, entries: Iterable[Entry]) -> None:
        """Index ``entries``."""
        for entry in entries:
            fields, terms = entry_fields(entry)
            terms_by_field = field_terms(fields)
            self._files.add(fields, terms_by_field)
            self.counts.add(entry_words(entry), terms)
            self.postings.add(entry, terms_by_field)

    def finish(self) -> Any:
        """Write the segment and its postings out and return it (for
        :func:`commit_segments`)."""
        segment = self._files.finish(self.postings)
        if self.postings.count:
            self.postings.save(postings_path(self._directory, segment.segment_id()))
        return segment

    def cancel(self) -> None:
        """Abandon the segment."""
        self._files.cancel()


def commit_segments(directory: Path, segments: Sequence[Any], counts: Counts) -> None:
    """Make ``segments`` (from :class:`SegmentBuilder`) the index in ``directory``, and
    save its word and term counts."""
    index = whoosh_index.open_dir(str(directory))
    written = [segment for segment in segments if segment.doc_count()]
    TOC(index.schema, written, index.latest_generation() + 1).write(index.storage,
                                                                    index.indexname)
    index.close()
    for scratch in directory.glob("*.tmp"):
        shutil.rmtree(scratch, ignore_errors=True)
    counts.save(directory)


def update_index(directory: Path, removed_sources: Iterable[str],
                 entries: Iterable[Entry]) -> int:
    """Remove every entry of ``removed_sources`` from the index in ``directory`` and add
    ``entries``, keeping its vocabulary in step; returns how many entries were added.

    The new entries go into a new segment, with its postings; segments are never merged
    by an update (their postings files describe them as written), so an update costs
    about what its documents cost, and the builder builds afresh after a few.
    """
    index = whoosh_index.open_dir(str(directory))
    counts = Counts.load(directory)
    with index.searcher() as searcher:
        for source in removed_sources:
            for stored in searcher.documents(source=source):
                entry = stored_entry(stored)
                counts.remove(entry_words(entry), entry_fields(entry)[1])
    writer = index.writer(limitmb=WRITER_MEMORY_MB, compound=False)
    postings = PostingsWriter()
    added = 0
    try:
        for source in removed_sources:
            writer.delete_by_term(SOURCE, source)
        for entry in entries:
            fields, terms = entry_fields(entry)
            writer.add_document(**fields)
            counts.add(entry_words(entry), terms)
            postings.add(entry, field_terms(fields))
            added += 1
        if added:
            postings.save(postings_path(directory, writer.newsegment.segment_id()))
    except BaseException:
        writer.cancel()
        raise
    writer.commit(merge=False)
    index.close()
    counts.save(directory)
    return added


def segment_count(directory: Path) -> int:
    """How many segments the index in ``directory`` has (each update may add one)."""
    index = whoosh_index.open_dir(str(directory), readonly=True)
    try:
        return len(index._segments())
    finally:
        index.close()


class Counts:
    """How many entries use each word (as written: the spelling vocabulary) and each
    term, saved beside an index generation."""

    def __init__(self, words: dict[str, int] | None = None,
                 terms: dict[str, int] | None = None) -> None:
        self.words: Counter[str] = Counter(words or {})
        self.terms: Counter[str] = Counter(terms or {})

    def add(self, words: set[str], terms: set[str]) -> None:
        """Count one more entry using ``words`` and ``terms``."""
        self.words.update(words)
        self.terms.update(terms)

    def remove(self, words: set[str], terms: set[str]) -> None:
        """Count one entry fewer using ``words`` and ``terms``."""
        self.words.subtract(words)
        self.terms.subtract(terms)

    def merge(self, other: Counts) -> None:
        """Add the counts of ``other`` (another builder's segment)."""
        self.words.update(other.words)
        self.terms.update(other.terms)

    def save(self, directory: Path) -> None:
        """Write the counts into a generation folder."""
        Vocabulary({w: n for w, n in self.words.items() if n > 0}).save(
            directory / VOCABULARY_FILE)
        Vocabulary({t: n for t, n in self.terms.items() if n > 0}).save(directory / TERMS_FILE)

    @classmethod
    def load(cls, directory: Path) -> Counts:
        """Read the counts of a generation folder."""
        return cls(Vocabulary.load(directory / VOCABULARY_FILE).counts,
                   Vocabulary.load(directory / TERMS_FILE).counts)
