"""Scoring the entries that match a query, from the postings arrays of a generation.

*Candidates* are the entries holding any wording of the query's concepts; in a large
index, a concept found in more than COMMON_SHARE of the entries (and more than
COMMON_MIN_ENTRIES) does not pick candidates, it only counts for those the rarer
concepts found ("kettle" in a kettle FAQ would otherwise make every entry a
candidate); when every concept is common, the least common one picks them.

For each concept of a :class:`~faqkb.search.plan.Plan` (a word as typed, its
correction, its synonyms), and every candidate, three numbers:

- *BM25F*: the wording's term frequency in each field, weighted by the field and
  normalised by the field's length, saturated once for the whole entry
  (Robertson and Zaragoza's BM25F), times the concept's rarity (IDF); a concept
  counts its best wording, never the sum of its synonyms;
- *coverage*: the share of the query's concepts (rarity-weighted) that the entry's
  own question or text says (a section heading gives context, not coverage);
- *likeness*: how nearly a question of the entry asks what was asked: the
  rarity-weighted Jaccard likeness of the query's concepts and the question's terms.

Everything is computed with vectorised operations over arrays as long as the list of
candidates, so a search costs what the postings of its rarer words cost.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from faqkb.index.analysis import STOP_WORDS, located_terms
from faqkb.index.postings import FIELDS, Postings
from faqkb.index.recorded import RecordedDocuments
from faqkb.models import KINDS, Entry
from faqkb.search.plan import Concept

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]
Wording = tuple[str, ...]

FIELD_WEIGHTS: dict[str, float] = {"question": 2.5, "heading": 1.2, "body": 1.0}
BM25_K1 = 1.2
BM25_B = 0.75
COVERAGE_FIELDS = ("question", "body")
# A field shorter than half its average length is normalised as if it were that long:
# length normalisation must not make a three-word fragment outrank every passage.
SHORTEST = {"question": 0.5, "heading": 0.5, "body": 0.5}
# A concept in more entries than both of these is "common" (see the module docstring).
COMMON_MIN_ENTRIES = 1000
COMMON_SHARE = 0.02
REMEMBERED_ENTRIES = 4096  # stored entries kept in memory, per generation
# Documents whose table rows are kept, per generation: most documents have none, and
# remembering that spares reading them again; the rows kept hold at most so many
# characters of text in all.
REMEMBERED_DOCUMENTS = 8192
REMEMBERED_ROW_CHARS = 2_000_000
REMEMBERED_SCORINGS = 16  # the latest queries' scores, for a page's several searches


@dataclass(frozen=True, slots=True)
class Scores:
    """The candidates (document numbers, ascending) and their scores."""

    docs: npt.NDArray[np.int64]
    bm25: FloatArray
    coverage: FloatArray
    likeness: FloatArray


class Statistics:
    """How many counted entries hold each term (in any text field), and how many
    entries are counted: what rarity (IDF) is computed from. A drop-in for
    :class:`~faqkb.search.plan.TermStats`, read from the postings."""

    MAX_REMEMBERED = 200_000

    def __init__(self, postings: Postings) -> None:
        self._postings = postings
        self.total = postings.counted_total
        self._known: dict[str, int] = {}

    def frequency(self, term: str) -> int:
        """Counted entries holding ``term``."""
        found = self._known.get(term)
        if found is None:
            held = [docs for f in FIELDS if len(docs := self._postings.postings(f, term)[0])]
            if not held:
                found = 0
            else:
                docs = held[0] if len(held) == 1 else np.unique(np.concatenate(held))
                found = int(np.count_nonzero(self._postings.counted[docs]))
                # Known to the index even when only claims inside pairs hold it.
                found = max(found, 1)
            if len(self._known) >= self.MAX_REMEMBERED:
                self._known.clear()
            self._known[term] = found
        return found


class Scorer:
    """Scores queries against one generation's postings (safe to share between threads)."""

    def __init__(self, postings: Postings, documents: RecordedDocuments | None = None) -> None:
        self.postings = postings
        self._documents = documents
        self._document_rows: OrderedDict[str, list[tuple[int, int, str]]] = OrderedDict()
        self._row_chars = 0  # of the rows remembered
        self.statistics = Statistics(postings)
        # Words of asking ("what", "can", "the") weigh as much as the knowledge base is
        # made of questions: in an FAQ, how a question is asked tells which one it is;
        # in articles, claims have no question for them to match.
        pairs = np.count_nonzero(postings.counted & (postings.kinds == KINDS.index("qa")))
        self.form_weight = float(pairs) / max(1, postings.counted_total)
        self._norms = {f: (1.0 - BM25_B + BM25_B * np.maximum(
            postings.lengths[f], SHORTEST[f] * postings.average_lengths[f])
            / postings.average_lengths[f]).astype(np.float32) for f in FIELDS}
        self._question_mass: FloatArray | None = None
        self._guard = threading.Lock()
        self._entries: OrderedDict[int, Entry] = OrderedDict()
        self._scored: OrderedDict[tuple[Concept, ...], Scores] = OrderedDict()

    def entry(self, docnum: int, searcher: Any,
              read: Callable[[Any, int], Entry]) -> Entry:
        """The stored entry of ``docnum`` (``read`` from ``searcher``), the most recently
        shown ones remembered: popular entries are on many pages."""
        with self._guard:
            entry = self._entries.get(docnum)
            if entry is not None:
                self._entries.move_to_end(docnum)
                return entry
        entry = read(searcher, docnum)
        with self._guard:
            self._entries[docnum] = entry
            if len(self._entries) > REMEMBERED_ENTRIES:
                self._entries.popitem(last=False)
        return entry

    def matching_row(self, entry: Entry, wanted: Collection[str]) -> tuple[int, int] | None:
        """The span of the table row within ``entry``'s passage that holds the most of
        the ``wanted`` terms (``None`` when the passage holds no rows, or none matches):
        a table is one entry, but the row that answers is what a hit points at."""
        if self._documents is None:
            return None
        rows = self._rows(entry.source)
        first = bisect.bisect_left(rows, (entry.start, -1, ""))
        best, best_count = None, 0
        for start, end, text in rows[first:]:
            if start >= entry.end:
                break
            if end > entry.end:
                continue
            count = len({term for _, _, term in located_terms(text, wanted)})
            if count > best_count:
                best, best_count = (start, end), count
        return best

    def _rows(self, source: str) -> list[tuple[int, int, str]]:
        """The table rows of a document, by position (the latest documents remembered)."""
        with self._guard:
            rows = self._document_rows.get(source)
            if rows is not None:
                self._document_rows.move_to_end(source)
                return rows
        document = self._documents.get(source) if self._documents is not None else None
        rows = sorted((b.start, b.end, b.text) for b in (document.blocks if document else ())
                      if b.kind == "row")
        with self._guard:
            if source not in self._document_rows:
                self._document_rows[source] = rows
                self._row_chars += sum(len(text) for _, _, text in rows)
            while len(self._document_rows) > REMEMBERED_DOCUMENTS \
                    or (self._row_chars > REMEMBERED_ROW_CHARS and len(self._document_rows) > 1):
                _, dropped = self._document_rows.popitem(last=False)
                self._row_chars -= sum(len(text) for _, _, text in dropped)
        return rows

    def question_mass(self) -> FloatArray:
        """For every document, the summed rarity of its questions' distinct terms (words
        of asking left out)."""
        if self._question_mass is None:
            with self._guard:
                if self._question_mass is None:
                    self._question_mass = self._compute_question_mass()
        return self._question_mass

    def _compute_question_mass(self) -> FloatArray:
        # Each segment's rarities are its own (a full build writes segments of like
        # documents, an update a small one): close enough to weigh a question's words,
        # and free of looking every term up in every other segment.
        postings = self.postings
        mass = np.zeros(postings.doc_count, dtype=np.float64)
        for segment, offset in postings.segments:
            field = segment.fields["question"]
            if not len(field.docs):
                continue
            end = offset + segment.doc_count
            total = max(1, segment.doc_count)
            df = segment.df.astype(np.float64)
            idf = np.log1p(np.maximum(0.0, total - df + 0.5) / (df + 0.5))
            for word in STOP_WORDS:  # words of asking are not what a question is about
                rank = segment.term_rank(word)
                if rank is not None:
                    idf[rank] = 0.0
            per_posting = np.repeat(idf, np.diff(field.starts))
            mass[offset:end] += np.bincount(field.docs, weights=per_posting,
                                            minlength=segment.doc_count)
        return mass.astype(np.float32)

    def score(self, concepts: Sequence[Concept], rarity: dict[str, float],
              deadline: float = math.inf) -> tuple[Scores, bool]:
        """The candidates of ``concepts`` with their BM25, coverage and likeness, and
        whether scoring stopped early: past ``deadline`` (of :func:`time.thread_time`)
        the remaining concepts are left out (the rarest is always scored).

        ``rarity`` gives the IDF of each single term the concepts mention (for the
        question-likeness union). The latest complete scorings are remembered: a results
        page asks the same words again for its other tabs and related questions.
        """
        key = tuple(concepts)
        with self._guard:
            known = self._scored.get(key)
        if known is not None:
            return known, False
        scores, partial = self._score(concepts, rarity, deadline)
        if not partial:
            with self._guard:
                self._scored[key] = scores
                if len(self._scored) > REMEMBERED_SCORINGS:
                    self._scored.popitem(last=False)
        return scores, partial

    def _score(self, concepts: Sequence[Concept], rarity: dict[str, float],
               deadline: float) -> tuple[Scores, bool]:
        lookup = _Lookup(self.postings)
        docs = self._candidates(concepts, lookup)
        size = len(docs)
        said_weight = float(sum(c.weight for c in concepts if not c.form)) or 1.0
        # One row per (concept, wording, field): the wording's term frequency in that
        # field of every candidate, its weight, and what the row stands for. The
        # rarest concepts are read first: if time runs out, what was read matters most.
        scored: list[tuple[Concept, int, int]] = []  # concept, its first wording, end
        wordings: list[tuple[int, int, float]] = []  # first row, end, weight
        rows: list[FloatArray] = []
        weights: list[float] = []
        fields_of: list[str] = []
        asked: dict[str, int] = {}  # a single term typed as asked: its question row
        partial = False
        for number, concept in enumerate(sorted(concepts, key=lambda c: -c.weight)):
            if number and time.thread_time() > deadline:
                partial = True
                break
            fields = ("question",) if concept.form else FIELDS
            first = len(wordings)
            for terms, weight in concept.alternatives:
                wordings.append((len(rows), len(rows) + len(fields), weight))
                if (not concept.form and weight == 1.0 and len(terms) == 1
                        and terms[0] not in asked):
                    asked[terms[0]] = len(rows) + _QUESTION
                for f in fields:
                    rows.append(lookup.at(f, terms, docs))
                    weights.append(weight * FIELD_WEIGHTS[f] * lookup.idf(f, terms)
                                   * (BM25_K1 + 1.0))
                    fields_of.append(f)
            scored.append((concept, first, len(wordings)))
        if not rows or not size:
            empty = np.zeros(size, dtype=np.float32)
            return Scores(docs, empty, empty.copy(), empty.copy()), partial
        tf = np.stack(rows)
        # BM25F: each field's frequency normalised by its length and saturated.
        x = tf / np.stack([self._norms[f][docs] for f in FIELDS])[
            [_FIELD_NUMBER[f] for f in fields_of]]
        x /= x + BM25_K1
        x *= np.asarray(weights, dtype=np.float32)[:, None]
        held = tf > 0
        bm25 = np.zeros(size, dtype=np.float32)
        covered = np.zeros(size, dtype=np.float32)
        shared = np.zeros(size, dtype=np.float32)
        for concept, first, last in scored:
            # A concept counts its best wording (the sum of that wording's fields).
            sums = [x[a] if b - a == 1 else np.add.reduce(x[a:b], axis=0)
                    for a, b, _ in wordings[first:last]]
            best = sums[0] if len(sums) == 1 else np.maximum.reduce(sums)
            bm25 += (self.form_weight if concept.form else concept.emphasis) * best
            if concept.form:
                continue
            # Said (in the question or the text) and asked (in the question), by the
            # best weighted wording that does.
            says = np.zeros(size, dtype=np.float32)
            asks = np.zeros(size, dtype=np.float32)
            for a, _, weight in wordings[first:last]:
                asked_here = held[a + _QUESTION] * np.float32(weight)
                np.maximum(says, (held[a + _BODY] * np.float32(weight)), out=says)
                np.maximum(says, asked_here, out=says)
                np.maximum(asks, asked_here, out=asks)
            covered += concept.weight * says
            shared += concept.weight * asks
        asked_mass = np.zeros(size, dtype=np.float32)
        for term, row in asked.items():
            asked_mass += held[row] * np.float32(rarity.get(term, 0.0))
        union = said_weight + np.maximum(0.0, self.question_mass()[docs] - asked_mass)
        likeness = (shared / union).astype(np.float32)
        coverage = (covered / said_weight).astype(np.float32)
        return Scores(docs, bm25, coverage, likeness), partial

    def _candidates(self, concepts: Sequence[Concept],
                    lookup: _Lookup) -> npt.NDArray[np.int64]:
        """Every document holding a wording of a concept that picks candidates.

        When no word the query is about is in the index ("how did it start" in a kb
        without "start"), the questions asked the same way are the nearest there are:
        the words of asking pick the candidates (and the results say no close match).
        """
        cutoff = max(COMMON_MIN_ENTRIES, COMMON_SHARE * self.postings.doc_count)
        said = [c for c in concepts if not c.form and c.frequency]
        if not said:
            said = [c for c in concepts if c.form and c.frequency]
        picking = [c for c in said if c.frequency <= cutoff] or \
            [min(said, key=lambda c: c.frequency)] if said else []
        fields = ("question",) if picking and picking[0].form else FIELDS
        found = [lookup.postings(f, terms)[0] for c in picking for terms, _ in c.alternatives
                 for f in fields]
        found = [d for d in found if len(d)]
        if not found:
            return np.zeros(0, dtype=np.int64)
        if len(found) == 1:
            return found[0].astype(np.int64)
        count = self.postings.doc_count
        if count > 32 * sum(len(d) for d in found):  # few: sorting them is quicker
            return np.unique(np.concatenate(found)).astype(np.int64)
        held = np.zeros(count, dtype=bool)
        for docs in found:
            held[docs] = True
        return np.flatnonzero(held)


_FIELD_NUMBER = {f: number for number, f in enumerate(FIELDS)}
_QUESTION, _BODY = _FIELD_NUMBER["question"], _FIELD_NUMBER["body"]  # rows of a wording


class _Lookup:
    """The postings of one query's wordings, each read once."""

    def __init__(self, postings: Postings) -> None:
        self._source = postings
        self._read: dict[tuple[str, Wording], tuple[IntArray, FloatArray]] = {}
        self._idf: dict[tuple[str, Wording], float] = {}

    def postings(self, field: str, terms: Wording) -> tuple[IntArray, FloatArray]:
        """Documents holding ``terms`` (all of them, for several) in ``field``, and
        how often (the least frequent term's count, for several)."""
        key = (field, terms)
        found = self._read.get(key)
        if found is None:
            found = self._read[key] = self._all_of(field, terms)
        return found

    def idf(self, field: str, terms: Wording) -> float:
        """The inverse document frequency of ``terms`` among ``field``'s values."""
        key = (field, terms)
        found = self._idf.get(key)
        if found is None:
            held, _ = self.postings(field, terms)
            frequency = int(np.count_nonzero(self._source.counted[held])) if len(held) else 0
            found = self._idf[key] = idf(self._source.field_counts[field], frequency)
        return found

    def at(self, field: str, terms: Wording, docs: npt.NDArray[np.int64]) -> FloatArray:
        """The frequency of ``terms`` in ``field`` of each of ``docs`` (sorted)."""
        held, counts = self.postings(field, terms)
        if not len(held) or not len(docs):
            return np.zeros(len(docs), dtype=np.float32)
        positions = np.minimum(np.searchsorted(held, docs), len(held) - 1)
        return np.where(held[positions] == docs, counts[positions], np.float32(0.0))

    def _all_of(self, field: str, terms: Wording) -> tuple[IntArray, FloatArray]:
        docs, tfs = self._source.postings(field, terms[0])
        for term in terms[1:]:
            if not len(docs):
                break
            other, other_tfs = self._source.postings(field, term)
            keep = np.isin(docs, other, assume_unique=True)
            positions = np.searchsorted(other, docs[keep])
            docs, tfs = docs[keep], np.minimum(tfs[keep], other_tfs[positions])
        return docs, tfs


def idf(total: int, frequency: int) -> float:
    """BM25's inverse document frequency (as :func:`faqkb.search.plan.rarity`)."""
    total = max(1, total)
    frequency = max(1, frequency)
    return math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))
