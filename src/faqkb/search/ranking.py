"""Ranking scored entries, collapsing the hits that repeat one another, and judging them.

- *Rank* (:func:`rank`): an entry's BM25F score, scaled by its coverage of the query
  and by how nearly its question asks what was asked.
- *Collapse* (:func:`collapse`): a hit inside a better hit's passage (a claim within a
  pair's answer) is dropped, or takes the pair's place when it is the focused answer;
  the same text from several places becomes one hit naming the others (``also_in``).
- *Count* (:func:`group_representatives`): when too many entries match to collapse
  them one by one, the hits they would collapse into are counted by overlapping
  passages.
- *Judge* (:func:`is_close_match`): whether any hit matches the query well.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, overload

import numpy as np
import numpy.typing as npt

from faqkb.index.postings import Postings
from faqkb.search.scoring import Scores

QUESTION_MATCH_BOOST = 4.0
FOCUS_LIKENESS = 0.5  # a pair whose question is at least this like the query stays whole
FOCUS_SHARE = 0.6  # ...and a passage must be this much shorter than the pair to replace it
# When no hit covers this share of the query's concepts (weighted by rarity, likeness
# counted too: see is_close_match), the results say "no close match". Chosen on real
# queries that a kb answers and does not (a public FAQ retrieval set's 1,387 against its
# FAQ and against the bundled kb, the bundled kb's judged queries against both, off-topic
# questions):
# 2.7% and 0% of answerable queries flagged, 82% and 89% of unanswerable ones.
NO_CLOSE_MATCH_COVERAGE = 0.52
LIKENESS_CREDIT = 4.0
JUDGED_HITS = 10

FloatArray = npt.NDArray[np.float32]
IntArray = npt.NDArray[np.int64]
_QA = 0  # faqkb.models.KINDS.index("qa")


def rank(scores: Scores) -> FloatArray:
    """The final score of every candidate (0 where nothing matched)."""
    coverage, likeness = scores.coverage, scores.likeness
    result: FloatArray = scores.bm25 * (0.25 + 0.75 * coverage * coverage) \
        * (1.0 + QUESTION_MATCH_BOOST * likeness * likeness)
    return result


@dataclass(frozen=True, slots=True)
class Candidates:
    """The best matching documents in ranked order, with what collapsing needs."""

    docs: IntArray
    scores: FloatArray
    coverage: FloatArray
    likeness: FloatArray
    kinds: npt.NDArray[np.uint8]
    sources: npt.NDArray[np.int32]
    starts: npt.NDArray[np.int32]
    ends: npt.NDArray[np.int32]
    text_keys: npt.NDArray[np.int64]

    @classmethod
    def of(cls, docs: IntArray, scores: FloatArray, coverage: FloatArray,
           likeness: FloatArray, postings: Postings) -> Candidates:
        """The candidates ``docs`` (document numbers, best first) and their scores."""
        return cls(docs, scores, coverage, likeness, postings.kinds[docs],
                   postings.sources[docs], postings.starts[docs], postings.ends[docs],
                   postings.text_keys[docs])

    def __len__(self) -> int:
        return len(self.docs)

    def subset(self, positions: list[int]) -> Candidates:
        """The candidates at ``positions``, in that order."""
        keep = np.asarray(positions, dtype=np.int64)
        return Candidates(*(getattr(self, name)[keep] for name in self.__slots__))


class Kept(NamedTuple):
    """A hit after collapsing: its position among the candidates, the positions of
    the entries that repeat it, and the position whose score it ranks by (a focused
    passage that took a pair's place keeps the pair's rank). (A named tuple: a search
    makes hundreds, and a tuple is made fastest.)"""

    position: int
    repeats: list[int]
    ranked_as: int


def collapse(candidates: Candidates) -> KeptHits:
    """One hit per passage, the most focused one; one hit per text, naming the others.

    A hit overlapping a better one is dropped, except that a passage inside a pair's
    answer takes the pair's place when it says all the pair matched for and the
    pair's question is not what was asked: the focused answer beats the long one.
    """
    # A passage overlapping no other candidate, whose text no other repeats, is a hit
    # of its own whatever else happens: most are such, and only the rest are walked
    # through one by one.
    count = len(candidates)
    keys_array = candidates.text_keys
    plain = _overlapping_none(candidates)
    ordered = np.sort(keys_array)
    repeated = ordered[1:][ordered[1:] == ordered[:-1]]
    if len(repeated):
        plain &= ~np.isin(keys_array, repeated)
    if plain.all():
        return KeptHits(list(range(count)))
    kinds = candidates.kinds.tolist()
    sources = candidates.sources.tolist()
    starts = candidates.starts.tolist()
    ends = candidates.ends.tolist()
    keys = keys_array.tolist()
    coverage = candidates.coverage.tolist()
    likeness = candidates.likeness.tolist()
    kept: list[tuple[list[int], list[int]]] = []  # ([position, ranked as], repeats)
    by_text: dict[int, int] = {}
    # Per source, the kept passages (which never overlap) sorted by start.
    spans: dict[int, tuple[list[int], list[int]]] = {}
    for i in np.flatnonzero(~plain).tolist():
        start, end = starts[i], ends[i]
        opened, slots = spans.setdefault(sources[i], ([], []))
        at = bisect.bisect_left(opened, start)
        clash = None
        for neighbour in (at - 1, at):
            if 0 <= neighbour < len(opened):
                k = slots[neighbour]
                other = kept[k][0][0]
                if starts[other] < end and start < ends[other]:
                    clash = (neighbour, k, other)
                    break
        if clash is not None:
            neighbour, k, other = clash
            if (kinds[other] == _QA and starts[other] <= start and end <= ends[other]
                    and end - start < FOCUS_SHARE * (ends[other] - starts[other])
                    and coverage[i] >= coverage[other] - 1e-9
                    and likeness[other] < FOCUS_LIKENESS):
                kept[k][0][0] = i
                del opened[neighbour], slots[neighbour]
                at = bisect.bisect_left(opened, start)
                opened.insert(at, start)
                slots.insert(at, k)
            continue
        key = keys[i]
        if key in by_text:
            kept[by_text[key]][1].append(i)
            continue
        by_text[key] = len(kept)
        opened.insert(at, start)
        slots.insert(at, len(kept))
        kept.append(([i, i], []))
    # The plain hits slot in by rank between the others (kept in the order they came).
    merged = sorted([([i, i], []) for i in np.flatnonzero(plain).tolist()] + kept,
                    key=lambda hit: hit[0][1])
    return KeptHits(merged)


class KeptHits(Sequence[Kept]):
    """The hits :func:`collapse` kept, best first, each made a :class:`Kept` only when
    read: counting hundreds of them (for a total) makes none."""

    __slots__ = ("_kept",)

    def __init__(self, kept: list[tuple[list[int], list[int]]] | list[int]) -> None:
        # ([position, ranked as], repeats) each, or only positions (of hits that
        # repeat nothing and rank as themselves)
        self._kept = kept

    def __len__(self) -> int:
        return len(self._kept)

    @overload
    def __getitem__(self, index: int) -> Kept: ...

    @overload
    def __getitem__(self, index: slice) -> list[Kept]: ...

    def __getitem__(self, index: int | slice) -> Kept | list[Kept]:
        if isinstance(index, slice):
            return [self._made(hit) for hit in self._kept[index]]
        return self._made(self._kept[index])

    def positions(self) -> list[int]:
        """Each kept hit's position among the candidates."""
        return [hit if isinstance(hit, int) else hit[0][0] for hit in self._kept]

    @staticmethod
    def _made(hit: tuple[list[int], list[int]] | int) -> Kept:
        if isinstance(hit, int):
            return Kept(hit, [], hit)
        place, repeats = hit
        return Kept(place[0], repeats, place[1])


def _overlapping_none(candidates: Candidates) -> npt.NDArray[np.bool_]:
    """For each candidate, whether its passage overlaps no other candidate's."""
    count = len(candidates)
    if count < 2:
        return np.ones(count, dtype=bool)
    sources = candidates.sources.astype(np.int64)
    starts = candidates.starts.astype(np.int64)
    ends = candidates.ends.astype(np.int64)
    order = np.lexsort((starts, sources))
    opening = (sources[order] << 32) | starts[order]
    closing = (sources[order] << 32) | ends[order]
    reach = np.maximum.accumulate(closing)  # the furthest end so far (same source first)
    alone = np.ones(count, dtype=bool)
    alone[1:] &= opening[1:] >= reach[:-1]  # nothing before it reaches into it
    alone[:-1] &= opening[1:] >= closing[:-1]  # the next one starts after it ends
    result = np.empty(count, dtype=bool)
    result[order] = alone
    return result


def is_close_match(candidates: Candidates, kept: Sequence[Kept]) -> bool:
    """Whether the hits answer the query: among the first JUDGED_HITS, the best
    coverage of the query plus LIKENESS_CREDIT times the best question likeness reaches
    NO_CLOSE_MATCH_COVERAGE.

    A word the index lacks counts as asked and missing (at the rarity of a word in one
    entry), so a question about something the knowledge base never mentions is no
    close match however many of its other words it shares. Likeness counts extra: a
    question sharing the query's words is strong evidence in an FAQ, where people ask
    the same thing with words of their own ("kettle keeps turning off uk").
    """
    judged = kept[:JUDGED_HITS]
    if not judged:
        return False
    coverage = max(float(candidates.coverage[k.position]) for k in judged)
    likeness = max(float(candidates.likeness[k.position]) for k in judged)
    return coverage + LIKENESS_CREDIT * likeness >= NO_CLOSE_MATCH_COVERAGE


def group_representatives(matched: IntArray, final: FloatArray,
                          postings: Postings) -> IntArray:
    """The best-scored of ``matched`` (documents, scored ``final``) in each group of
    overlapping passages of one source, in passage order: about the hits they collapse
    into (repeated texts are not told apart)."""
    if not len(matched):
        return matched
    _, places = postings.passage_order()
    by_passage = np.argsort(places[matched], kind="stable")
    docs, values = matched[by_passage], final[by_passage]
    opens = _opens_group(docs, postings)
    groups = np.cumsum(opens) - 1
    # The first of each group's best (ties go to the earlier passage).
    tops = np.flatnonzero(values == np.maximum.reduceat(values, np.flatnonzero(opens))[groups])
    first = np.ones(len(tops), dtype=bool)
    first[1:] = groups[tops[1:]] != groups[tops[:-1]]
    return docs[tops[first]]


def group_count(matched: IntArray, postings: Postings) -> int:
    """How many groups of overlapping passages of one source ``matched`` (documents)
    make: as many as :func:`group_representatives` finds."""
    order, places = postings.passage_order()
    return int(np.count_nonzero(_opens_group(order[np.sort(places[matched])], postings)))


def nothing_to_collapse(matched: IntArray, postings: Postings) -> bool:
    """Whether no two of ``matched`` (documents) overlap or say the same text: each is a
    hit of its own, as :func:`collapse` would find."""
    if len(matched) < 2:
        return True
    keys = np.sort(postings.text_keys[matched])
    if (keys[1:] == keys[:-1]).any():
        return False
    order, places = postings.passage_order()
    return bool(_opens_group(order[np.sort(places[matched])], postings).all())


def _opens_group(docs: npt.NDArray[np.integer[Any]], postings: Postings) -> npt.NDArray[np.bool_]:
    """For ``docs`` in passage order, whether each opens a group: it overlaps none of
    the passages before it."""
    sources = postings.sources[docs].astype(np.int64) << 32
    opening = sources | postings.starts[docs]
    closing = np.maximum.accumulate(sources | postings.ends[docs])
    opens = np.ones(len(docs), dtype=bool)
    opens[1:] = opening[1:] >= closing[:-1]
    return opens
