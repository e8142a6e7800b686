"""Scoring every matching entry at once, from the postings arrays of a generation.

For each concept of a :class:`~faqkb.search.plan.Plan` (a word as typed, its
correction, its synonyms), the postings of each wording are read for each text field
and turned, for every entry holding them, into three numbers:

- *BM25F*: the wording's term frequency in each field, weighted by the field and
  normalised by the field's length, saturated once for the whole entry
  (Robertson and Zaragoza's BM25F), times the concept's rarity (IDF); a concept
  counts its best wording, never the sum of its synonyms;
- *coverage*: the share of the query's concepts (rarity-weighted) that the entry's
  own question or text says (a section heading gives context, not coverage);
- *likeness*: how nearly a question of the entry asks what was asked: the
  rarity-weighted Jaccard likeness of the query's concepts and the question's terms.

Everything is computed with vectorised operations over the postings, in arrays as
long as the index has entries; so the cost of a search grows with the postings of its
words, not with the entries they are in.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from faqkb.index.postings import FIELDS, Postings, generation_df
from faqkb.search.plan import Concept

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int32]

FIELD_WEIGHTS: dict[str, float] = {"question": 2.5, "heading": 1.2, "body": 1.0}
BM25_K1 = 1.2
BM25_B = 0.75
COVERAGE_FIELDS = ("question", "body")


@dataclass(frozen=True, slots=True)
class Scores:
    """Dense arrays, one value per document of the generation."""

    bm25: FloatArray
    coverage: FloatArray
    likeness: FloatArray


class Scorer:
    """Scores queries against one generation's postings (safe to share between threads)."""

    def __init__(self, postings: Postings) -> None:
        self.postings = postings
        self._norms = {f: (1.0 - BM25_B + BM25_B * postings.lengths[f]
                           / postings.average_lengths[f]).astype(np.float32)
                       for f in FIELDS}
        self._question_mass: FloatArray | None = None
        self._guard = threading.Lock()

    def question_mass(self) -> FloatArray:
        """For every document, the summed rarity of its questions' distinct terms."""
        if self._question_mass is None:
            with self._guard:
                if self._question_mass is None:
                    self._question_mass = self._compute_question_mass()
        return self._question_mass

    def _compute_question_mass(self) -> FloatArray:
        postings = self.postings
        total = max(1, postings.doc_count)
        mass = np.zeros(postings.doc_count, dtype=np.float64)
        for (segment, offset), df in zip(postings.segments, generation_df(postings),
                                         strict=True):
            field = segment.fields["question"]
            if not len(field.docs):
                continue
            idf = np.log1p((total - df + 0.5) / (df + 0.5))
            per_posting = np.repeat(idf, np.diff(field.starts))
            mass[offset:offset + segment.doc_count] += np.bincount(
                field.docs, weights=per_posting, minlength=segment.doc_count)
        return mass.astype(np.float32)

    def score(self, concepts: Sequence[Concept], rarity: dict[str, float],
              deadline: float = math.inf) -> tuple[Scores, bool]:
        """BM25F, coverage and likeness of every document for ``concepts``, and
        whether scoring stopped early: past ``deadline`` (of :func:`time.thread_time`)
        the remaining concepts are left out (the rarest is always scored).

        ``rarity`` gives the IDF of each single term the concepts mention (for the
        question-likeness union).
        """
        size = self.postings.doc_count
        bm25 = np.zeros(size, dtype=np.float32)
        covered = np.zeros(size, dtype=np.float32)
        shared = np.zeros(size, dtype=np.float32)
        asked_mass = np.zeros(size, dtype=np.float32)
        counted_terms: set[str] = set()
        total_weight = float(sum(c.weight for c in concepts)) or 1.0
        partial = False
        # The rarest concepts first: if time runs out, what was scored matters most.
        for number, concept in enumerate(sorted(concepts, key=lambda c: -c.weight)):
            if number and time.thread_time() > deadline:
                partial = True
                break
            best = np.zeros(size, dtype=np.float32)
            says = np.zeros(size, dtype=np.float32)
            asks = np.zeros(size, dtype=np.float32)
            for terms, weight in concept.alternatives:
                combined, present, in_question = self._wording(terms)
                docs = combined[0]
                if not len(docs):
                    continue
                saturated = combined[1] * (BM25_K1 + 1.0) / (combined[1] + BM25_K1)
                best[docs] = np.maximum(best[docs], weight * saturated)
                if len(present):
                    says[present] = np.maximum(says[present], weight)
                if len(in_question):
                    asks[in_question] = np.maximum(asks[in_question], weight)
            bm25 += concept.weight * best
            covered += concept.weight * says
            shared += concept.weight * asks
            for terms, weight in concept.alternatives:
                if weight == 1.0 and len(terms) == 1 and terms[0] not in counted_terms:
                    counted_terms.add(terms[0])
                    docs, _ = self.postings.postings("question", terms[0])
                    if len(docs):
                        asked_mass[docs] += rarity.get(terms[0], 0.0)
        coverage = covered / total_weight
        union = total_weight + np.maximum(0.0, self.question_mass() - asked_mass)
        likeness = np.where(shared > 0, shared / union, 0.0).astype(np.float32)
        return Scores(bm25, coverage.astype(np.float32), likeness), partial

    def _wording(self, terms: tuple[str, ...]) -> tuple[tuple[IntArray, FloatArray],
                                                        IntArray, IntArray]:
        """For one wording: (documents, BM25F pseudo-frequency), the documents whose
        question or text say it, and those whose questions do."""
        if len(terms) == 1:
            per_field = {f: self.postings.postings(f, terms[0]) for f in FIELDS}
        else:
            per_field = {f: self._all_of(f, terms) for f in FIELDS}
        parts_docs: list[IntArray] = []
        parts_tfs: list[FloatArray] = []
        for name, (docs, tfs) in per_field.items():
            if len(docs):
                parts_docs.append(docs)
                parts_tfs.append(FIELD_WEIGHTS[name] * tfs / self._norms[name][docs])
        if not parts_docs:
            return (_NO_DOCS, _NO_TFS), _NO_DOCS, _NO_DOCS
        if len(parts_docs) == 1:
            combined = (parts_docs[0], parts_tfs[0])
        else:
            docs = np.concatenate(parts_docs)
            unique, inverse = np.unique(docs, return_inverse=True)
            summed = np.zeros(len(unique), dtype=np.float32)
            np.add.at(summed, inverse, np.concatenate(parts_tfs))
            combined = (unique.astype(np.int32), summed)
        said = [per_field[f][0] for f in COVERAGE_FIELDS if len(per_field[f][0])]
        present = said[0] if len(said) == 1 else (np.concatenate(said) if said else _NO_DOCS)
        return combined, present, per_field["question"][0]

    def _all_of(self, field: str, terms: tuple[str, ...]) -> tuple[IntArray, FloatArray]:
        """Documents holding every one of ``terms`` in ``field`` (a multi-word wording,
        such as a synonym of two words), with the least frequency of them."""
        docs, tfs = self.postings.postings(field, terms[0])
        for term in terms[1:]:
            if not len(docs):
                break
            other, other_tfs = self.postings.postings(field, term)
            keep = np.isin(docs, other, assume_unique=True)
            positions = np.searchsorted(other, docs[keep])
            docs, tfs = docs[keep], np.minimum(tfs[keep], other_tfs[positions])
        return docs, tfs


def idf(total: int, frequency: int) -> float:
    """BM25's inverse document frequency (as :func:`faqkb.search.plan.rarity`)."""
    total = max(1, total)
    frequency = max(1, frequency)
    return math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))


_NO_DOCS: IntArray = np.zeros(0, dtype=np.int32)
_NO_TFS: FloatArray = np.zeros(0, dtype=np.float32)
