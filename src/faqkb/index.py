"""The Whoosh side of faqkb: the schema, the analyzer, writing entries and reading them back.

This module and :mod:`faqkb.search` are the only ones that import Whoosh; field
names live here alone. Fields:

- ``question``: the questions a pair answers (weighs most);
- ``heading``: the section the entry sits in;
- ``body``: the answer or claim text, plus context such as a table's header;
- ``kind`` and ``source``: exact-match filters, sortable for per-facet counts;
- ``id`` and ``entry``: the stable id and the stored entry itself;
- ``question_terms``: each question's analyzed terms, for ranking exact question
  matches first without analyzing again at query time;
- ``terms``: every term of the entry's questions and text, for measuring how much
  of a query an entry covers without asking Whoosh to track matches.

One analyzer serves indexing and querying alike: words (letters, digits and ``_``),
lower-cased, accents folded, English stop words and question words dropped, and
Snowball English stemming, so "runners" finds "running" and "How do I..." weighs
nothing. Beside the index, the writers (:class:`SegmentBuilder` and
:func:`commit_segments`, :func:`update_index`) keep the vocabulary of the words as
written (:class:`~faqkb.spelling.Vocabulary`), for spelling correction.
"""

from __future__ import annotations

import os
import re
import shutil
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import scoring
from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    SpaceSeparatedTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.fields import ID, STORED, TEXT, Schema
from whoosh.index import TOC
from whoosh.lang import stemmer_for_language, stopwords_for_language
from whoosh.support.charset import accent_map
from whoosh.writing import SegmentWriter

from faqkb.models import Entry
from faqkb.spelling import Vocabulary

QUESTION, HEADING, BODY, KIND, SOURCE, ID_FIELD, ENTRY, QUESTION_TERMS, ENTRY_TERMS = (
    "question", "heading", "body", "kind", "source", "id", "entry", "question_terms", "terms",
)
TEXT_FIELDS: tuple[str, ...] = (QUESTION, HEADING, BODY)
VOCABULARY_FILE = "words.tsv"
TERMS_FILE = "terms.tsv"
WRITER_MEMORY_MB = 128  # postings a writer holds in memory before sorting runs on disk
# Segments are written as separate files, not one compound file: Whoosh reads a part of
# a compound file by copying it into memory, once for every searcher (every thread),
# which at 100k entries cost 70 MB per searcher.
FIELD_WEIGHTS: dict[str, float] = {QUESTION: 2.5, HEADING: 1.2, BODY: 1.0}
BM25_K1 = 1.2
BM25_B = 0.75
BM25_FIELD_B: dict[str, float] = {}

# English stop words, minus words that carry meaning in this kind of text ("lower back",
# "warm up", "after running"), plus the words of questions and requests.
_KEEP = {"down", "up", "off", "over", "out", "under", "above", "below", "after", "before",
         "against", "few", "more", "most", "same", "further", "again"}
_ADD = {"could", "would", "shall", "may", "might", "must", "ok", "okay", "please", "tell",
        "anyone", "someone", "something", "also", "us", "etc", "via", "whose", "ever",
        "let", "lets", "get", "gets", "getting", "got", "thing", "things", "really", "much",
        "many", "way", "ways", "yes", "im", "ive", "youre", "youve", "dont", "doesnt",
        "isnt", "cant", "wont", "its", "ll", "re", "ve", "d", "m", "s", "t",
        # the verbs of asking: "will jogging give me...", "I want to know..."
        "give", "gives", "gave", "giving", "want", "wants", "know", "like", "wondering"}
STOP_WORDS: frozenset[str] = frozenset((set(stopwords_for_language("en")) - _KEEP) | _ADD)
_TOKEN_PATTERN = r"\w+"


def make_analyzer() -> Analyzer:
    """The analyzer of every text field, and of queries."""
    return (
        RegexTokenizer(_TOKEN_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=STOP_WORDS, minsize=2)
        | StemFilter(lang="en", cachesize=100_000)
    )


ANALYZER = make_analyzer()
# Entries are analyzed once, by analyze(), and handed to Whoosh as space-separated terms.
_TERMS = SpaceSeparatedTokenizer()
_SURFACE = RegexTokenizer(_TOKEN_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)
_WORDS = re.compile(_TOKEN_PATTERN)
_STEM = stemmer_for_language("en")
_STEMS: dict[str, str] = {}
_MAX_STEMS = 500_000


def make_schema() -> Schema:
    """The index schema: three weighted text fields, two filters, the stored entry."""
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True, sortable=True),
        source=ID(stored=True, sortable=True),
        question=TEXT(analyzer=_TERMS, phrase=True),
        heading=TEXT(analyzer=_TERMS, phrase=False),
        body=TEXT(analyzer=_TERMS, phrase=True),
        entry=STORED(),
        question_terms=STORED(),
        terms=STORED(),
    )


def analyze(text: str) -> list[str]:
    """The index terms of ``text``, in order (stop words dropped, words stemmed).

    The same terms as :data:`ANALYZER` gives, without its token objects: this runs
    for every entry of every build.
    """
    terms: list[str] = []
    for word in _WORDS.findall(text):
        term = _term(word)
        if term is not None:
            terms.append(term)
    return terms


def located_terms(text: str) -> list[tuple[int, int, str]]:
    """The index terms of ``text`` with the span of the word each one comes from."""
    found: list[tuple[int, int, str]] = []
    for match in _WORDS.finditer(text):
        term = _term(match.group())
        if term is not None:
            found.append((match.start(), match.end(), term))
    return found


def _term(word: str) -> str | None:
    word = word.lower().translate(accent_map)
    if len(word) < 2 or word in STOP_WORDS:
        return None
    stem = _STEMS.get(word)
    if stem is None:
        if len(_STEMS) >= _MAX_STEMS:
            _STEMS.clear()
        stem = _STEMS[word] = _STEM(word)
    return stem


def surface_words(text: str) -> list[tuple[str, str | None]]:
    """Each word of ``text`` lower-cased, with its index term (``None`` for a stop word)."""
    words: list[tuple[str, str | None]] = []
    for token in _SURFACE(text):
        word = token.text
        terms = analyze(word)
        words.append((word, terms[0] if len(terms) == 1 else None))
    return words


class TermStats:
    """How many entries of an index contain each term (in any text field), and how many
    entries there are: what rarity (IDF) is computed from.

    The counts are saved with each generation (:data:`TERMS_FILE`), so a search asks
    Whoosh for none of them.
    """

    def __init__(self, counts: dict[str, int], total: int) -> None:
        self._counts = counts
        self.total = total

    def frequency(self, term: str) -> int:
        """Entries containing ``term``."""
        return self._counts.get(term, 0)


def spoken_words(text: str) -> list[str]:
    """The words of ``text`` as written: lower-cased, accents folded, stop words out."""
    text = text.lower()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return [w for w in _WORDS.findall(text) if len(w) > 1 and w not in STOP_WORDS]


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

    def __init__(self, directory: Path, memory_mb: int = WRITER_MEMORY_MB) -> None:
        index = whoosh_index.open_dir(str(directory))
        self._writer = SegmentWriter(index, _lk=False, limitmb=memory_mb, compound=False)
        # Whoosh names every writer's scratch folder after the index ("MAIN.tmp"), and
        # a writer deletes it when done: builders in other processes need their own.
        scratch = index.storage.temp_storage(f"{index.indexname}-{os.getpid()}.tmp")
        self._writer._tempstorage = scratch
        self._writer.pool.tempstore = scratch
        self.counts = Counts()

    def add(self, entries: Iterable[Entry]) -> None:
        """Index ``entries``."""
        for entry in entries:
            fields, terms = _fields(entry)
            self._writer.add_document(**fields)
            self.counts.add(entry_words(entry), terms)

    def finish(self) -> Any:
        """Write the segment out and return it (for :func:`commit_segments`)."""
        segment = self._writer._finalize_segment()
        self._writer._finish()
        return segment

    def cancel(self) -> None:
        """Abandon the segment."""
        self._writer.cancel()


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

    The new entries go into a new segment; Whoosh merges small segments as it commits,
    leaving large ones alone, so an update costs about what its documents cost.
    """
    index = whoosh_index.open_dir(str(directory))
    counts = Counts.load(directory)
    with index.searcher() as searcher:
        for source in removed_sources:
            for stored in searcher.documents(source=source):
                entry = stored_entry(stored)
                counts.remove(entry_words(entry), _fields(entry)[1])
    writer = index.writer(limitmb=WRITER_MEMORY_MB, compound=False)
    added = 0
    try:
        for source in removed_sources:
            writer.delete_by_term(SOURCE, source)
        for entry in entries:
            fields, terms = _fields(entry)
            writer.add_document(**fields)
            counts.add(entry_words(entry), terms)
            added += 1
    except BaseException:
        writer.cancel()
        raise
    writer.commit()
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
    term (the frequencies of :class:`TermStats`), saved beside an index generation."""

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


def open_term_counts(directory: Path) -> dict[str, int]:
    """How many entries contain each term, as saved with the generation in ``directory``."""
    return Vocabulary.load(directory / TERMS_FILE).counts


def entry_words(entry: Entry) -> set[str]:
    """The words (as written) of an entry's questions and text, for the vocabulary."""
    return set(spoken_words(" ".join((*entry.questions, entry.text))))


def open_vocabulary(directory: Path) -> Vocabulary:
    """The vocabulary saved with the index in ``directory``."""
    return Vocabulary.load(directory / VOCABULARY_FILE)


def open_index(directory: Path) -> Any:
    """Open the Whoosh index in ``directory`` read-only."""
    return whoosh_index.open_dir(str(directory), readonly=True)


def open_searcher(index: Any) -> Any:
    """A searcher of ``index`` scoring with faqkb's BM25F parameters."""
    return index.searcher(weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1, **BM25_FIELD_B))


def stored_entry(fields: dict[str, Any]) -> Entry:
    """The :class:`Entry` kept in a hit's stored fields."""
    (identifier, kind, source, start, end, text, questions, title, heading,
     context) = fields[ENTRY]
    return Entry(identifier, kind, source, start, end, text, tuple(questions), title, heading,
                 context)


def _fields(entry: Entry) -> tuple[dict[str, Any], set[str]]:
    """The Whoosh fields of ``entry``, and every term it holds (for :class:`Counts`)."""
    body = entry.text if not entry.context else f"{entry.text}\n{entry.context}"
    question_terms = [analyze(question) for question in entry.questions]
    body_terms = analyze(body)
    heading_terms = analyze(entry.heading)
    content = set(body_terms).union(*map(set, question_terms))
    return {
        ID_FIELD: entry.id,
        KIND: entry.kind,
        SOURCE: entry.source,
        QUESTION: " ".join(" ".join(terms) for terms in question_terms),
        HEADING: " ".join(heading_terms),
        BODY: " ".join(body_terms),
        ENTRY: (entry.id, entry.kind, entry.source, entry.start, entry.end, entry.text,
                entry.questions, entry.title, entry.heading, entry.context),
        QUESTION_TERMS: question_terms,
        ENTRY_TERMS: " ".join(sorted(content)),
    }, content.union(heading_terms)
