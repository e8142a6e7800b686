"""Searching an open index: from a :class:`~faqkb.search.plan.Plan` to ranked hits.

The steps:

1. *Plan* (:mod:`faqkb.search.plan`): the query's words become weighted concepts,
   spelling corrected and synonym-expanded.
2. *Score* (:mod:`faqkb.search.scoring`): every entry holding a concept gets its
   BM25F score, coverage and question likeness, computed over the postings arrays.
3. *Select* (here): quoted phrases are required, excluded words remove entries,
   ``kind``/``source`` filters apply, and the ranking (:mod:`faqkb.search.ranking`)
   orders what is left.
4. *Collapse* and *judge* (:mod:`faqkb.search.ranking`): repeats collapse, and weak
   results are flagged.
5. *Show* (here): the hits of the page are read from Whoosh's stored entries, each
   with a snippet marking the matched words.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from whoosh import query as wq

from faqkb.index.postings import Postings
from faqkb.index.schema import BODY, QUESTION, TermStats, stored_entry
from faqkb.models import KINDS, Entry, Hit, SearchResults
from faqkb.search.plan import Concept, Plan, rarity
from faqkb.search.query import ParsedQuery
from faqkb.search.ranking import (
    Candidates,
    Kept,
    collapse,
    group_representatives,
    groups_estimate,
    is_close_match,
    rank,
)
from faqkb.search.scoring import Scorer
from faqkb.search.snippets import make_snippet

# Matches up to this many are collapsed one by one, so totals and counts are exact;
# beyond it the best of them are, and the rest are counted by overlap (an estimate).
EXACT_MATCHES = 2000
MIN_CANDIDATES = 100
TIME_BUDGET = 0.04  # seconds of this thread's CPU a search may take before it stops early
_PHRASE_FIELDS = (QUESTION, BODY)

BoolArray = npt.NDArray[np.bool_]


def run_search(searcher: Any, scorer: Scorer, stats: TermStats, plan: Plan,
               parsed: ParsedQuery, raw_query: str, *, limit: int, offset: int = 0,
               kind: str | None = None, source: str | None = None,
               budget: float = TIME_BUDGET) -> SearchResults:
    """Search following ``plan``; best hits first.

    ``searcher`` (Whoosh's) reads the stored entries of the hits shown, and checks
    quoted phrases word by word. ``total``, ``kind_counts`` and ``source_counts``
    count the hits after repeats collapse: exactly when at most EXACT_MATCHES entries
    match (``total_exact``), else as an estimate. A search that uses up its
    ``budget`` of CPU time stops adding words and says ``partial``. ``kind`` and
    ``source`` narrow the hits further, on top of any ``kind:``/``source:`` filters
    in the query.
    """
    deadline = time.thread_time() + budget
    postings = scorer.postings
    concepts = list(plan.concepts) + [_phrase_concept(stats, p) for p in plan.phrases]
    empty = SearchResults(query=raw_query, hits=(), total=0, suggestion=plan.suggestion,
                          corrected=plan.suggestion is not None)
    if not concepts:
        return empty
    rarities = {t: rarity(stats, stats.frequency(t))
                for c in concepts for alt, _ in c.alternatives for t in alt}
    scores, partial = scorer.score(concepts, rarities, deadline)
    final = rank(scores, scorer)
    allowed = postings.alive & (final > 0)
    for phrase in plan.phrases:
        allowed &= _phrase_mask(searcher, postings.doc_count, phrase)
    if plan.excluded:
        allowed &= ~_holding_any(postings, plan.excluded)
    for kinds, sources in ((parsed.kinds, parsed.sources),
                           ((kind,) if kind else (), (source,) if source else ())):
        allowed &= _filter_mask(postings, kinds, sources)
    matched = np.flatnonzero(allowed)
    if not len(matched):
        return replace(empty, partial=partial)
    needed = max(MIN_CANDIDATES, 2 * (offset + limit))
    exact = len(matched) <= EXACT_MATCHES
    take = len(matched) if exact else min(len(matched), needed)
    order = matched[np.argsort(-final[matched], kind="stable")] if exact else \
        _top(matched, final, take)
    candidates = Candidates.of(order, final, scores, postings)
    kept = collapse(candidates)
    total = len(kept) if exact else max(len(kept), groups_estimate(matched, final, postings))
    kind_counts, source_counts = _counts(kept, candidates, postings, exact, matched, final)
    wanted = frozenset(t for c in concepts for alt, _ in c.alternatives for t in alt)
    hits = tuple(_hit(searcher, candidates, k, wanted) for k in kept[offset : offset + limit])
    return SearchResults(
        query=raw_query,
        hits=hits,
        total=total,
        total_exact=exact,
        partial=partial,
        suggestion=plan.suggestion,
        corrected=plan.suggestion is not None,
        no_close_match=not is_close_match(candidates, kept),
        kind_counts=kind_counts,
        source_counts=source_counts,
    )


def _phrase_concept(stats: TermStats, terms: tuple[str, ...]) -> Concept:
    weight = max(rarity(stats, stats.frequency(t)) for t in terms)
    frequency = min(stats.frequency(t) for t in terms)
    return Concept(((terms, 1.0),), weight, frequency)


def _top(matched: npt.NDArray[np.int64], final: npt.NDArray[np.float32],
         take: int) -> npt.NDArray[np.int64]:
    values = final[matched]
    if take < len(matched):
        best = np.argpartition(-values, take - 1)[:take]
    else:
        best = np.arange(len(matched))
    best = best[np.argsort(-values[best], kind="stable")]
    return matched[best]


def _phrase_mask(searcher: Any, size: int, terms: tuple[str, ...]) -> BoolArray:
    """Entries whose question or text holds ``terms`` as a phrase (Whoosh checks the
    positions; a phrase of one word is that word)."""
    query = wq.Or([wq.Phrase(f, list(terms)) if len(terms) > 1 else wq.Term(f, terms[0])
                   for f in _PHRASE_FIELDS])
    mask = np.zeros(size, dtype=bool)
    docs = list(query.docs(searcher))
    if docs:
        mask[np.asarray(docs, dtype=np.int64)] = True
    return mask


def _holding_any(postings: Postings, terms: Sequence[str]) -> BoolArray:
    mask = np.zeros(postings.doc_count, dtype=bool)
    for term in terms:
        for field in ("question", "heading", "body"):
            docs, _ = postings.postings(field, term)
            mask[docs] = True
    return mask


def _filter_mask(postings: Postings, kinds: Sequence[str],
                 sources: Sequence[str]) -> BoolArray:
    """Entries of any of ``kinds`` (if any) from any of ``sources`` (names or prefixes)."""
    mask = np.ones(postings.doc_count, dtype=bool)
    if kinds:
        mask &= np.isin(postings.kinds, [KINDS.index(k) for k in kinds])
    if sources:
        ids = [i for i, name in enumerate(postings.source_names)
               if any(name.startswith(s) for s in sources)]
        mask &= np.isin(postings.sources, ids)
    return mask


def _counts(kept: list[Kept], candidates: Candidates, postings: Postings,
            exact: bool, matched: npt.NDArray[np.int64],
            final: npt.NDArray[np.float32]) -> tuple[dict[str, int], dict[str, int]]:
    """Hits per kind and per source: of the collapsed hits when every match was
    collapsed, else of the groups :func:`groups_estimate` counts."""
    if exact:
        docs = candidates.docs[[k.position for k in kept]]
    else:
        docs = group_representatives(matched, final, postings)
    kinds = Counter(KINDS[k] for k in postings.kinds[docs].tolist())
    sources = Counter(postings.source_names[s] for s in postings.sources[docs].tolist())
    return dict(kinds), dict(sources)


def _hit(searcher: Any, candidates: Candidates, kept: Kept, wanted: frozenset[str]) -> Hit:
    entry = _entry(searcher, int(candidates.docs[kept.position]))
    snippet, highlights = make_snippet(entry.text, wanted)
    also = tuple(_entry(searcher, int(candidates.docs[d])) for d in kept.repeats)
    return Hit(entry=entry, score=float(candidates.scores[kept.ranked_as]), snippet=snippet,
               highlights=highlights, also_in=also)


def _entry(searcher: Any, docnum: int) -> Entry:
    return stored_entry(searcher.stored_fields(docnum))
