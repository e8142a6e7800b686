"""Collapsing hits, against its definition: one hit per passage, the most focused one,
and one hit per text naming the others (see faqkb.search.ranking.collapse)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from faqkb.index.postings import Postings
from faqkb.search.ranking import (
    FOCUS_LIKENESS,
    FOCUS_SHARE,
    Candidates,
    collapse,
    group_count,
    group_representatives,
    nothing_to_collapse,
)

QA, CLAIM = 0, 1


def reference(c: Candidates) -> list[tuple[int, list[int], int]]:
    """The rule as stated, comparing each candidate with every passage kept so far."""
    kinds, sources, starts, ends = (a.tolist() for a in (c.kinds, c.sources, c.starts, c.ends))
    coverage, likeness, keys = c.coverage.tolist(), c.likeness.tolist(), c.text_keys.tolist()
    kept: list[tuple[list[int], list[int]]] = []  # ([position, ranked as], repeats)
    by_text: dict[int, list[int]] = {}
    for i in range(len(c)):
        clash = next((place for place, _ in kept if sources[place[0]] == sources[i]
                      and starts[place[0]] < ends[i] and starts[i] < ends[place[0]]), None)
        if clash is not None:
            o = clash[0]
            if (kinds[o] == QA and starts[o] <= starts[i] and ends[i] <= ends[o]
                    and ends[i] - starts[i] < FOCUS_SHARE * (ends[o] - starts[o])
                    and coverage[i] >= coverage[o] - 1e-9 and likeness[o] < FOCUS_LIKENESS):
                clash[0] = i
            continue
        if keys[i] in by_text:
            by_text[keys[i]].append(i)
            continue
        repeats: list[int] = []
        by_text[keys[i]] = repeats
        kept.append(([i, i], repeats))
    return [(place[0], repeats, place[1]) for place, repeats in kept]


def candidates(rng: random.Random, count: int, spread: int = 300,
               texts: int | None = None) -> Candidates:
    starts = np.array([rng.randrange(spread) for _ in range(count)], dtype=np.int32)
    return Candidates(
        docs=np.arange(count), scores=np.linspace(1, 0, count, dtype=np.float32),
        coverage=np.array([rng.random() for _ in range(count)], dtype=np.float32),
        likeness=np.array([rng.random() for _ in range(count)], dtype=np.float32),
        kinds=np.array([rng.choice((QA, CLAIM)) for _ in range(count)], dtype=np.uint8),
        sources=np.array([rng.randrange(4) for _ in range(count)], dtype=np.int32),
        starts=starts,
        ends=starts + np.array([rng.randrange(1, 80) for _ in range(count)], dtype=np.int32),
        text_keys=np.array([rng.randrange(texts or count // 2 + 1) for _ in range(count)],
                           dtype=np.int64))


@pytest.mark.parametrize("seed", range(40))
def test_collapsing_keeps_what_the_rule_says_whatever_overlaps_and_repeats(seed: int) -> None:
    rng = random.Random(seed)
    for count in (0, 1, 2, 5, 30, 120):
        given = candidates(rng, count)
        assert [tuple(k) for k in collapse(given)] == reference(given)


@pytest.mark.parametrize("seed", range(20))
def test_collapsing_passages_mostly_apart_and_texts_mostly_distinct_keeps_the_rule(
        seed: int) -> None:
    rng = random.Random(seed)
    for count in (1, 2, 30, 300):
        for spread, texts in ((30_000, 1_000_000), (30_000, 2 * count), (3_000, 10 * count)):
            given = candidates(rng, count, spread, texts)
            kept = collapse(given)
            assert [tuple(k) for k in kept] == reference(given)
            assert kept.positions() == [k.position for k in kept]


def test_passages_apart_collapse_only_by_their_text() -> None:
    given = Candidates(
        docs=np.arange(4), scores=np.array([4, 3, 2, 1], dtype=np.float32),
        coverage=np.ones(4, dtype=np.float32), likeness=np.zeros(4, dtype=np.float32),
        kinds=np.full(4, CLAIM, dtype=np.uint8), sources=np.array([0, 0, 1, 0], dtype=np.int32),
        starts=np.array([0, 10, 0, 20], dtype=np.int32),
        ends=np.array([10, 20, 10, 30], dtype=np.int32),
        text_keys=np.array([7, 8, 7, 9], dtype=np.int64))
    kept = collapse(given)
    assert [(k.position, k.repeats) for k in kept] == [(0, [2]), (1, []), (3, [])]
    assert kept.positions() == [0, 1, 3]
    assert len(kept) == 3 and kept[1:] == [kept[1], kept[2]]


class Passages:
    """The passages of a generation's documents: what grouping reads of its postings."""

    passage_order = Postings.passage_order

    def __init__(self, sources: list[int], starts: list[int], ends: list[int],
                 text_keys: list[int] | None = None) -> None:
        self.sources = np.array(sources, dtype=np.int32)
        self.starts = np.array(starts, dtype=np.int32)
        self.ends = np.array(ends, dtype=np.int32)
        self.text_keys = np.array(text_keys if text_keys is not None else range(len(sources)),
                                  dtype=np.int64)
        self.doc_count = len(sources)
        self._passage_order = None


def reference_groups(passages: Passages, matched: list[int],
                     final: list[float]) -> list[list[int]]:
    """Groups of ``matched`` by the definition: passages of one source chained by
    overlaps, each group best first (ties: the earlier passage)."""
    score = dict(zip(matched, final, strict=True))
    groups: list[list[int]] = []
    ordered = sorted(matched, key=lambda d: (passages.sources[d], passages.starts[d], d))
    reach: tuple[int, int] | None = None
    for d in ordered:
        source, start, end = (int(passages.sources[d]), int(passages.starts[d]),
                              int(passages.ends[d]))
        if reach is None or reach[0] != source or start >= reach[1]:
            groups.append([])
            reach = (source, end)
        reach = (source, max(reach[1], end))
        groups[-1].append(d)
    return [sorted(g, key=lambda d: -score[d]) for g in groups]


@pytest.mark.parametrize("seed", range(30))
def test_matches_count_as_the_groups_of_overlapping_passages_they_make(seed: int) -> None:
    rng = random.Random(seed)
    count = rng.choice((1, 5, 40, 200))
    starts = [rng.randrange(1_000) for _ in range(count)]
    passages = Passages([rng.randrange(3) for _ in range(count)], starts,
                        [s + rng.randrange(1, 120) for s in starts])
    matched = sorted(rng.sample(range(count), rng.randrange(1, count + 1)))
    final = [float(rng.randrange(5)) for _ in matched]  # ties too
    groups = reference_groups(passages, matched, final)
    found = group_representatives(np.array(matched), np.array(final, dtype=np.float32),
                                  passages)
    assert found.tolist() == [g[0] for g in groups]
    assert group_count(np.array(matched), passages) == len(groups)


@pytest.mark.parametrize("seed", range(30))
def test_matches_have_nothing_to_collapse_when_collapsing_keeps_each_as_it_is(
        seed: int) -> None:
    rng = random.Random(seed)
    for count, spread, texts in ((1, 300, 2), (2, 300, 2), (30, 30_000, 10**6),
                                 (30, 30_000, 60), (200, 300_000, 10**6)):
        given = candidates(rng, count, spread, texts)
        passages = Passages(given.sources.tolist(), given.starts.tolist(), given.ends.tolist(),
                            given.text_keys.tolist())
        kept = collapse(given)
        each_as_it_is = len(kept) == count and not any(k.repeats for k in kept)
        assert nothing_to_collapse(given.docs, passages) == each_as_it_is
