"""Searching an open index: from a :class:`~faqkb.search.plan.Plan` to ranked hits.

The steps:

1. *Plan* (:mod:`faqkb.search.plan`): the query's words become weighted concepts, spelling
   corrected and synonym-expanded.
2. *Retrieve* (here): every alternative of a concept is looked up in every text
   field, weighted question > heading > body; concepts are OR-ed; quoted phrases are
   required, excluded words removed, ``kind``/``source`` applied as filters. Whoosh
   picks the best candidates by BM25F, within a time budget.
3. *Rank*, *collapse* and *judge* (:mod:`faqkb.search.ranking`): coverage and question
   likeness re-rank the candidates, repeats collapse, and weak results are flagged.
4. *Show* (here): each hit gets a snippet with the matched words marked.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from whoosh import query as wq
from whoosh.collectors import FilterCollector, TimeLimit, WrappingCollector

from faqkb.index.schema import (
    BODY,
    FIELD_WEIGHTS,
    HEADING,
    KIND,
    QUESTION,
    SOURCE,
    TEXT_FIELDS,
    TermStats,
)
from faqkb.models import Entry, Hit, SearchResults
from faqkb.search.plan import Concept, Plan, rarity
from faqkb.search.query import ParsedQuery
from faqkb.search.ranking import NO_CLOSE_MATCH_COVERAGE, Scored, collapse, rescore
from faqkb.search.snippets import make_snippet

MIN_CANDIDATES = 50  # how many BM25F candidates are re-ranked (more for deep pages)
TIME_BUDGET = 0.04  # seconds of CPU Whoosh may spend collecting candidates
WALL_BUDGET = 1.0  # ...and of real time, however busy the machine
_CHECK_EVERY = 16  # matches between looks at the clocks
# A concept in more entries than both of these is "common" (see _concepts_query).
COMMON_MIN_ENTRIES = 1000
COMMON_SHARE = 0.02
_PHRASE_FIELDS = (QUESTION, BODY)


class _Or(wq.Or):  # type: ignore[misc]
    """An OR that always merges its parts as a tree of unions.

    For indexes under 5,000 entries Whoosh otherwise preloads every match of every
    part into arrays, which costs more than it saves for queries of a few words.
    """

    matcher_type = wq.Or.DEFAULT_MATCHER


def run_search(searcher: Any, stats: TermStats, plan: Plan, parsed: ParsedQuery,
               raw_query: str, *, limit: int, offset: int = 0, kind: str | None = None,
               source: str | None = None, budget: float = TIME_BUDGET) -> SearchResults:
    """Search ``searcher`` (a Whoosh searcher) following ``plan``; best hits first.

    Whoosh picks the best candidates by BM25F (skipping blocks of postings that cannot
    make the cut), and only those are re-ranked; so ``total`` and the per-kind and
    per-source counts are exact when every match was a candidate, and ``total`` is an
    estimate beyond that. Collecting stops after ``budget`` seconds: the results then
    hold the best of what was found in time, marked ``partial``. ``kind`` and
    ``source`` narrow the hits further, on top of any ``kind:``/``source:`` filters
    in the query.
    """
    query = _positive_query(plan, stats.total)
    if query is None:
        return SearchResults(query=raw_query, hits=(), total=0, suggestion=plan.suggestion,
                             corrected=plan.suggestion is not None)
    if plan.excluded:
        query = wq.AndNot(query, _Or([wq.Term(f, t) for t in plan.excluded
                                        for f in TEXT_FIELDS]))
    wanted = frozenset(t for c in plan.concepts for alt, _ in c.alternatives for t in alt)
    wanted |= frozenset(t for phrase in plan.phrases for t in phrase)
    candidates = max(MIN_CANDIDATES, 2 * (offset + limit))
    collector: Any = _Budget(searcher.collector(limit=candidates), budget)
    filters = [q for q in (_filter_query(parsed.kinds, parsed.sources),
                           _filter_query((kind,) if kind else (), (source,) if source else ()))
               if q is not None]
    allow = wq.And(filters) if len(filters) > 1 else (filters[0] if filters else None)
    if allow is not None:
        collector = FilterCollector(collector, allow=allow)
    try:
        searcher.search_with_collector(query, collector)
        partial = False
    except TimeLimit:
        partial = True
    results = collector.results()
    weights: dict[str, float] = {}

    def term_weight(term: str) -> float:
        if term not in weights:
            weights[term] = rarity(stats, stats.frequency(term))
        return weights[term]

    scored = [rescore(hit, plan, wanted, term_weight) for hit in results]
    scored.sort(key=lambda s: (-s.score, s.entry.source, s.entry.start))
    collapsed = collapse(scored)
    complete = results.scored_length() < candidates and not partial
    page = collapsed[offset : offset + limit]
    return SearchResults(
        query=raw_query,
        hits=tuple(_hit(item, duplicates, wanted) for item, duplicates in page),
        total=len(collapsed) if complete else max(len(collapsed), _estimate(plan, stats.total)),
        partial=partial,
        suggestion=plan.suggestion,
        corrected=plan.suggestion is not None,
        no_close_match=bool(collapsed) and max(
            item.coverage for item, _ in collapsed) < NO_CLOSE_MATCH_COVERAGE,
        kind_counts=dict(Counter(item.entry.kind for item, _ in collapsed)),
        source_counts=dict(Counter(item.entry.source for item, _ in collapsed)),
    )


class _Budget(WrappingCollector):  # type: ignore[misc]
    """Stops collecting once the search has used its budget of this thread's CPU time, or
    WALL_BUDGET of real time (checked between matches, so it works in any thread).

    CPU time, not the clock: on a busy server most of a search's wall time is spent
    waiting for Python's interpreter lock, and that is no reason to cut it short.
    """

    def __init__(self, child: Any, budget: float) -> None:
        super().__init__(child)
        self.cpu_deadline = time.thread_time() + budget
        self.wall_deadline = time.monotonic() + max(budget, WALL_BUDGET)
        self.count = 0

    def matches(self) -> Any:
        # Every match passes here, the ones a filter then rejects too: a filter that
        # lets little through must not let the search run on unbounded.
        for sub_docnum in self.child.matches():
            self.count += 1
            if self.count % _CHECK_EVERY == 1 and (time.thread_time() > self.cpu_deadline
                                                   or time.monotonic() > self.wall_deadline):
                raise TimeLimit
            yield sub_docnum

    def collect_matches(self) -> None:
        for sub_docnum in self.matches():
            self.child.collect(sub_docnum)


def _estimate(plan: Plan, total: int) -> int:
    """About how many entries match: the entries of the concepts that found candidates."""
    cutoff = max(COMMON_MIN_ENTRIES, COMMON_SHARE * total)
    finding = [c.frequency for c in plan.concepts if c.frequency <= cutoff] or \
        [min((c.frequency for c in plan.concepts), default=0)]
    return int(min(total, sum(finding)))


# -- retrieval --------------------------------------------------------------------------

def _positive_query(plan: Plan, total: int) -> Any:
    required = [_phrase_query(p) for p in plan.phrases]
    optional = _concepts_query(plan.concepts, total)
    if required:
        must = wq.And(required) if len(required) > 1 else required[0]
        return wq.AndMaybe(must, optional) if optional is not None else must
    return optional


def _concepts_query(concepts: Sequence[Concept], total: int) -> Any:
    """The concepts OR-ed; in a large index, only the rarer ones pick the candidates.

    A word in most entries ("running" in a running FAQ) would make Whoosh score almost
    every entry for a few points each. In an index where a concept is in more than
    COMMON_SHARE of the entries (and more than COMMON_MIN_ENTRIES), the rarer concepts
    alone find the candidates, and the common ones count when they are re-ranked (in
    coverage); when every concept is common, the least common one finds them.
    """
    if not concepts:
        return None
    cutoff = max(COMMON_MIN_ENTRIES, COMMON_SHARE * total)
    rare = [_concept_query(c) for c in concepts if c.frequency <= cutoff]
    common = sorted((c for c in concepts if c.frequency > cutoff), key=lambda c: c.frequency)
    if not common:
        return _Or(rare)
    if not rare:
        rare, common = [_concept_query(common[0])], common[1:]
        if not common:
            return rare[0]
    return _Or(rare)


def _concept_query(concept: Concept) -> Any:
    return _Or([_terms_query(alt, weight) for alt, weight in concept.alternatives])


def _terms_query(terms: tuple[str, ...], weight: float) -> Any:
    if len(terms) == 1:
        return _Or([wq.Term(f, terms[0], boost=weight * FIELD_WEIGHTS[f])
                      for f in TEXT_FIELDS])
    phrases = [wq.Phrase(f, list(terms), boost=weight * FIELD_WEIGHTS[f])
               for f in _PHRASE_FIELDS]
    heading = wq.And([wq.Term(HEADING, t) for t in terms],
                     boost=weight * FIELD_WEIGHTS[HEADING])
    return _Or([*phrases, heading])


def _phrase_query(terms: tuple[str, ...]) -> Any:
    if len(terms) == 1:
        return _terms_query(terms, 1.0)
    return _Or([wq.Phrase(f, list(terms), boost=FIELD_WEIGHTS[f]) for f in _PHRASE_FIELDS])


def _filter_query(kinds: Sequence[str], sources: Sequence[str]) -> Any:
    """Entries of any of ``kinds`` (if any) from any of ``sources`` (names or prefixes)."""
    parts = []
    if kinds:
        parts.append(_Or([wq.Term(KIND, k) for k in kinds]))
    if sources:
        parts.append(_Or([q for s in sources
                            for q in (wq.Term(SOURCE, s), wq.Prefix(SOURCE, s))]))
    if not parts:
        return None
    return wq.And(parts) if len(parts) > 1 else parts[0]


def _hit(item: Scored, duplicates: list[Entry], wanted: frozenset[str]) -> Hit:
    snippet, highlights = make_snippet(item.entry.text, wanted)
    return Hit(entry=item.entry, score=item.score, snippet=snippet, highlights=highlights,
               also_in=tuple(duplicates))
