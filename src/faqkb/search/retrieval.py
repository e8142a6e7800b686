"""Searching an open index: from a :class:`~faqkb.search.plan.Plan` to ranked hits.

The steps:

1. *Plan* (:mod:`faqkb.search.plan`): the query's words become weighted concepts,
   spelling corrected and synonym-expanded.
2. *Score* (:mod:`faqkb.search.scoring`): every candidate entry gets its BM25F
   score, coverage and question likeness, computed over the postings arrays.
3. *Select* (here): excluded words remove entries, ``kind``/``source`` filters
   apply, and the ranking (:mod:`faqkb.search.ranking`) orders what is left; a quoted
   phrase's words are required, and its word order is checked on the best entries
   (their stored text), as many as the page needs.
4. *Collapse* and *judge* (:mod:`faqkb.search.ranking`): repeats collapse, and weak
   results are flagged.
5. *Show* (here): the hits of the page are read from Whoosh's stored entries, each
   with a snippet marking the matched words.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import numpy.typing as npt

from faqkb.index.analysis import analyze
from faqkb.index.postings import Postings
from faqkb.index.schema import BODY, QUESTION, stored_entry
from faqkb.models import KINDS, Entry, Hit, SearchResults
from faqkb.search.plan import Concept, Plan, TermStats, rarity
from faqkb.search.query import ParsedQuery
from faqkb.search.ranking import (
    Candidates,
    Kept,
    KeptHits,
    collapse,
    group_count,
    group_representatives,
    is_close_match,
    nothing_to_collapse,
    rank,
)
from faqkb.search.scoring import Scorer, Scores
from faqkb.search.snippets import make_snippet

# Matches up to this many are collapsed one by one, so totals and counts are exact;
# beyond it the best of them are (as many as the page needs), and all of them are
# counted by overlapping passages (an estimate).
EXACT_MATCHES = 300
MIN_CANDIDATES = 100
TIME_BUDGET = 0.04  # seconds of this thread's CPU a search may take before it stops early
_PHRASE_FIELDS = (QUESTION, BODY)

BoolArray = npt.NDArray[np.bool_]


def run_search(searcher: Any, scorer: Scorer, stats: TermStats, plan: Plan,
               parsed: ParsedQuery, raw_query: str, *, limit: int, offset: int = 0,
               kind: str | None = None, source: str | None = None, questions: int = 0,
               budget: float = TIME_BUDGET) -> SearchResults:
    """Search following ``plan``; best hits first.

    ``searcher`` (Whoosh's) reads the stored entries of the hits shown. ``total``,
    ``kind_counts`` and ``source_counts`` count the hits after repeats collapse:
    exactly when at most EXACT_MATCHES entries match (``total_exact``), else as an
    estimate. A search that uses up its ``budget`` of CPU time stops adding words and
    says ``partial``. ``kind`` and ``source`` narrow the hits further, on top of any
    ``kind:``/``source:`` filters in the query; ``kind_totals`` says what each kind would
    find. With ``questions``, the best matching pairs (as many) come too, for showing
    related questions.
    """
    deadline = time.thread_time() + budget
    postings = scorer.postings
    concepts = list(plan.concepts) + [_phrase_concept(stats, p) for p in plan.phrases]
    empty = SearchResults(query=raw_query, hits=(), total=0, suggestion=plan.suggestion,
                          corrected=plan.suggestion is not None)
    if all(c.form for c in concepts):  # nothing asked about: "how do I...", "what is it"
        return empty
    rarities = {t: rarity(stats, stats.frequency(t))
                for c in concepts for alt, _ in c.alternatives for t in alt}
    scores, partial = scorer.score(concepts, rarities, deadline)
    final = rank(scores)
    docs = scores.docs
    allowed = postings.alive[docs] & (final > 0)
    for phrase in plan.phrases:  # every word of it (the order is checked on the hits)
        allowed &= _holding_all(postings, phrase, docs)
    if plan.excluded:
        allowed &= ~_holding_any(postings, plan.excluded, docs)
    allowed &= _filter_mask(postings, parsed.kinds, parsed.sources, docs)
    allowed &= _filter_mask(postings, (), (source,) if source else (), docs)
    # What each kind would find (for tabs), before the kind asked for narrows it.
    of_kind: dict[str, BoolArray] = {k: allowed & (postings.kinds[docs] == number)
                                     for number, k in enumerate(KINDS)}
    if kind:
        allowed = of_kind[kind]
    matched = np.flatnonzero(allowed)
    if not len(matched):
        return replace(empty, partial=partial, kind_totals={
            k: group_count(docs[mask], postings) for k, mask in of_kind.items()},
            kind_totals_exact=not any(
                m.any() for m in of_kind.values()))
    needed = offset + limit
    if plan.phrases:
        # Every word of each phrase is held; the order of the words is checked on the
        # best candidates' stored text, as many as the page needs.
        order = _best(matched, final, len(matched))
        candidates = _candidates(order, final, scores, postings)
        positions, exact, timely = _in_order(searcher, scorer, candidates, plan.phrases,
                                             max(MIN_CANDIDATES, 2 * needed), deadline)
        partial = partial or not timely
        candidates = candidates.subset(positions)
        kept = collapse(candidates)
    else:
        candidates, kept, exact = _collapsed(matched, final, scores, postings, needed)
    if exact:
        total = len(kept)
        kind_counts, source_counts = _counts(candidates.docs[kept.positions()],
                                             postings)
    else:
        representatives = group_representatives(docs[matched], final[matched], postings)
        total = max(len(kept), len(representatives))
        kind_counts, source_counts = _counts(representatives, postings)
    # Each kind's total, and the best pairs for the questions asked: a kind's matches
    # are collapsed (once) unless they overlap nowhere and repeat no text, when each is
    # a hit as it stands.
    totals: dict[str, tuple[int, bool]] = {}
    pairs_collapsed = (candidates, kept, exact) if kind == "qa" and not plan.phrases else None
    for k, mask in of_kind.items():
        if k == kind:
            totals[k] = (total, exact)
            continue
        matching = np.flatnonzero(mask)
        needed = questions if k == "qa" else 0
        if not needed and not plan.phrases and len(matching) <= EXACT_MATCHES \
                and nothing_to_collapse(docs[matching], postings):
            totals[k] = (len(matching), True)
            continue
        collapsed = _collapsed(matching, final, scores, postings, needed)
        totals[k] = _total(matching, final, scores, postings, collapsed,
                           checked=not plan.phrases)
        if k == "qa":
            pairs_collapsed = collapsed
    if questions and pairs_collapsed is None:
        pairs_collapsed = _collapsed(np.flatnonzero(of_kind["qa"]), final, scores, postings,
                                     questions)
    wanted = frozenset(t for c in concepts if c.emphasis == 1.0
                       for alt, _ in c.alternatives for t in alt)
    hits = tuple(_hit(searcher, scorer, candidates, k, wanted, rarities)
                 for k in kept[offset : offset + limit])
    asked: tuple[Entry, ...] = ()
    if questions and pairs_collapsed is not None:
        pairs, best_pairs, _ = pairs_collapsed
        asked = tuple(scorer.entry(int(pairs.docs[k.position]), searcher, _entry)
                      for k in best_pairs[:questions])
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
        kind_totals={k: int(n) for k, (n, _) in totals.items()},
        kind_totals_exact=all(e for _, e in totals.values()),
        questions=asked,
    )


def _candidates(order: npt.NDArray[np.int64], final: npt.NDArray[np.float32], scores: Scores,
                postings: Postings) -> Candidates:
    return Candidates.of(scores.docs[order], final[order], scores.coverage[order],
                         scores.likeness[order], postings)


def _collapsed(matched: npt.NDArray[np.int64], final: npt.NDArray[np.float32],
               scores: Scores, postings: Postings,
               needed: int) -> tuple[Candidates, KeptHits, bool]:
    """The best of ``matched`` (positions among the scored) collapsed, at least
    ``needed`` hits of them when there are, and whether every match was collapsed.

    Collapsing is greedy in ranked order, so collapsing the best candidates gives the
    first hits of collapsing them all: more are taken only when the page needs them.
    """
    exact = len(matched) <= EXACT_MATCHES
    take = len(matched) if exact else max(MIN_CANDIDATES, 2 * needed)
    while True:
        candidates = _candidates(_best(matched, final, take), final, scores, postings)
        kept = collapse(candidates)
        if take >= len(matched) or len(kept) >= needed:
            return candidates, kept, take >= len(matched)
        take = min(len(matched), 4 * take)


def _total(matched: npt.NDArray[np.int64], final: npt.NDArray[np.float32], scores: Scores,
           postings: Postings, collapsed: tuple[Candidates, KeptHits, bool],
           *, checked: bool = True) -> tuple[int, bool]:
    """How many hits ``matched`` collapses into (``collapsed``: :func:`_collapsed` of
    it), and whether that is exact (never when they were not ``checked``: a phrase's
    word order is checked on hits only)."""
    if not len(matched):
        return 0, True
    _, kept, complete = collapsed
    if complete and checked:
        return len(kept), True
    return max(len(kept), group_count(scores.docs[matched], postings)), False


def _phrase_concept(stats: TermStats, terms: tuple[str, ...]) -> Concept:
    weight = max(rarity(stats, stats.frequency(t)) for t in terms)
    frequency = min(stats.frequency(t) for t in terms)
    return Concept(((terms, 1.0),), weight, frequency)


def _best(matched: npt.NDArray[np.int64], final: npt.NDArray[np.float32],
          take: int) -> npt.NDArray[np.int64]:
    """The ``take`` best of ``matched`` (positions), best first."""
    values = final[matched]
    if take < len(matched):
        best = np.argpartition(-values, take - 1)[:take]
    else:
        best = np.arange(len(matched))
    best = best[np.argsort(-values[best], kind="stable")]
    return matched[best]


def _holding_all(postings: Postings, terms: Sequence[str],
                 docs: npt.NDArray[np.int64]) -> BoolArray:
    """Which of ``docs`` hold every one of ``terms`` in their question or text."""
    mask = np.ones(len(docs), dtype=bool)
    for term in terms:
        mask &= _holding_any(postings, (term,), docs, _PHRASE_FIELDS)
    return mask


def _holding_any(postings: Postings, terms: Sequence[str], docs: npt.NDArray[np.int64],
                 fields: Sequence[str] = ("question", "heading", "body")) -> BoolArray:
    """Which of ``docs`` hold any of ``terms`` in any of ``fields``."""
    mask = np.zeros(len(docs), dtype=bool)
    for term in terms:
        for field in fields:
            held, _ = postings.postings(field, term)
            if len(held):
                mask |= np.isin(docs, held)
    return mask


def _in_order(searcher: Any, scorer: Scorer, candidates: Candidates,
              phrases: Sequence[tuple[str, ...]], needed: int,
              deadline: float) -> tuple[list[int], bool, bool]:
    """The positions of the candidates whose question or text holds every phrase word
    for word, checked best first until ``needed`` are found or time runs out; whether
    every candidate was checked, and whether there was time to check as many as
    needed."""
    found: list[int] = []
    for position in range(len(candidates)):
        if len(found) >= needed:
            return found, False, True
        if position % 16 == 15 and time.thread_time() > deadline:
            return found, False, False
        entry = scorer.entry(int(candidates.docs[position]), searcher, _entry)
        said = [analyze(q) for q in entry.questions] + [analyze(entry.text)]
        if all(any(_contains(words, phrase) for words in said) for phrase in phrases):
            found.append(position)
    return found, True, True


def _contains(words: list[str], phrase: tuple[str, ...]) -> bool:
    size = len(phrase)
    first = phrase[0]
    return any(words[i] == first and tuple(words[i:i + size]) == phrase
               for i in range(len(words) - size + 1))


def _filter_mask(postings: Postings, kinds: Sequence[str], sources: Sequence[str],
                 docs: npt.NDArray[np.int64]) -> BoolArray:
    """Which of ``docs`` are of any of ``kinds`` (if any) from any of ``sources``
    (names or prefixes)."""
    mask = np.ones(len(docs), dtype=bool)
    if kinds:
        mask &= np.isin(postings.kinds[docs], [KINDS.index(k) for k in kinds])
    if sources:
        ids = [i for i, name in enumerate(postings.source_names)
               if any(name.startswith(s) for s in sources)]
        mask &= np.isin(postings.sources[docs], ids)
    return mask


def _counts(docs: npt.NDArray[np.int64],
            postings: Postings) -> tuple[dict[str, int], dict[str, int]]:
    """How many of ``docs`` (the hits) are of each kind and from each source."""
    kinds = np.bincount(postings.kinds[docs], minlength=len(KINDS))
    sources = np.bincount(postings.sources[docs], minlength=len(postings.source_names))
    return ({KINDS[k]: int(n) for k, n in enumerate(kinds.tolist()) if n},
            {postings.source_names[s]: int(n) for s, n in enumerate(sources.tolist()) if n})


def _hit(searcher: Any, scorer: Scorer, candidates: Candidates, kept: Kept,
         wanted: frozenset[str], rarities: dict[str, float]) -> Hit:
    entry = scorer.entry(int(candidates.docs[kept.position]), searcher, _entry)
    if len(entry.questions) > 1:
        entry = replace(entry, questions=_as_asked(entry.questions, rarities))
    snippet, highlights = make_snippet(entry.text, wanted)
    also = tuple(scorer.entry(int(candidates.docs[d]), searcher, _entry) for d in kept.repeats)
    part = scorer.matching_row(entry, wanted) if "\n" in entry.text else None
    return Hit(entry=entry, score=float(candidates.scores[kept.ranked_as]), snippet=snippet,
               highlights=highlights, also_in=also, part=part)


def _as_asked(questions: tuple[str, ...], rarities: dict[str, float]) -> tuple[str, ...]:
    """A pair's questions, the one most like the query first (a pair answering several
    questions is shown under the one that was asked)."""
    def likeness(question: str) -> float:
        terms = set(analyze(question))
        shared = sum(rarities.get(t, 0.0) for t in terms)
        return shared / (sum(rarities.values()) + len(terms - rarities.keys()) or 1.0)
    return tuple(sorted(questions, key=likeness, reverse=True))


def _entry(searcher: Any, docnum: int) -> Entry:
    return stored_entry(searcher.stored_fields(docnum))
