"""Searching an open index: from a :class:`~faqkb.query.ParsedQuery` to ranked hits.

The steps:

1. *Plan* (:func:`plan_query`): each query word goes through the index's analyzer
   (stems, stop and question words dropped); a word the index has never seen is
   corrected to the closest word it has (:mod:`faqkb.spelling`), and words that
   belong to a synonym group (:mod:`faqkb.synonyms`) gain the group's other members
   as alternatives. Each resulting *concept* is weighted by its rarity (BM25 IDF).
2. *Retrieve*: every alternative is looked up in every text field, weighted
   question > heading > body; concepts are OR-ed; quoted phrases are required,
   excluded words removed, ``kind``/``source`` applied as filters. Whoosh scores the
   candidates with BM25F.
3. *Rank*: the score is scaled by the share of the query's concepts an entry covers
   (rarity-weighted, so missing "sacroiliac" costs more than missing "pain") and
   boosted when the entry's question is asked in nearly the user's words.
4. *Collapse*: a hit inside a better hit's passage (a claim within a pair's answer)
   is dropped, and the same text from several places becomes one hit naming the
   others (``also_in``).
5. *Judge*: when no hit covers about half of what was asked, the results say there
   is no close match (see :data:`NO_CLOSE_MATCH_COVERAGE`).
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from whoosh import query as wq
from whoosh.collectors import FilterCollector, TimeLimit, WrappingCollector

from faqkb.index import (
    BODY,
    ENTRY_TERMS,
    FIELD_WEIGHTS,
    HEADING,
    KIND,
    QUESTION,
    QUESTION_TERMS,
    SOURCE,
    TEXT_FIELDS,
    analyze,
    is_known,
    stored_entry,
    surface_words,
)
from faqkb.models import Entry, Hit, SearchResults
from faqkb.query import ParsedQuery
from faqkb.snippets import make_snippet
from faqkb.spelling import Vocabulary, allowed_distance, best_correction
from faqkb.synonyms import Synonyms

MIN_CANDIDATES = 100
TIME_BUDGET = 0.04  # seconds Whoosh may spend collecting candidates
# A concept in more entries than both of these is "common" (see _concepts_query).
COMMON_MIN_ENTRIES = 1000
COMMON_SHARE = 0.05  # how many BM25F candidates are re-ranked (more for deep pages)
SYNONYM_WEIGHT = 0.7
PART_WEIGHT = 0.35  # a single word of a multi-word term ("back" of "lower back")
COMPLETION_WEIGHT = 0.8  # an indexed word that an unknown query word abbreviates
MAX_COMPLETIONS = 8
MIN_COMPLETION_PREFIX = 4
# Words that say what kind of answer is wanted rather than what it is about.
FILLER_TERMS = frozenset(analyze("tip tips advice idea ideas suggestion suggestions info "
                                 "information example examples best see"))
FILLER_WEIGHT = 0.25
QUESTION_MATCH_BOOST = 1.5
FOCUS_LIKENESS = 0.5  # a pair whose question is at least this like the query stays whole
FOCUS_SHARE = 0.6  # ...and a passage must be this much shorter than the pair to replace it
# When no hit on the page covers this share of the query's concepts (weighted by
# rarity), the results say "no close match". Chosen on judged queries over the bundled
# kb/ (tests/data/relevance_queries.jsonl and the shared dev set, 52 answerable and 6
# unanswerable, plus 8 unanswerable probes): every answerable query's best hit covers
# 0.49 or more, every unanswerable one's 0.46 or less; the threshold sits between.
NO_CLOSE_MATCH_COVERAGE = 0.48
_PHRASE_FIELDS = (QUESTION, BODY)


@dataclass(frozen=True, slots=True)
class Concept:
    """One thing the user asked for, with the ways an entry may say it.

    ``alternatives`` pairs each term sequence with its weight: 1 for what the user
    typed (or its correction), less for synonyms and parts of a multi-word term.
    ``weight`` is the concept's rarity in the index.
    """

    alternatives: tuple[tuple[tuple[str, ...], float], ...]
    weight: float
    frequency: int = 0  # entries that contain its most common wording


@dataclass(frozen=True, slots=True)
class Plan:
    """What to look for: concepts, required phrases, excluded terms, and the correction."""

    concepts: tuple[Concept, ...]
    phrases: tuple[tuple[str, ...], ...]
    excluded: tuple[str, ...]
    suggestion: str | None = None


@dataclass(frozen=True, slots=True)
class _Scored:
    entry: Entry
    score: float
    coverage: float
    likeness: float


def plan_query(reader: Any, vocabulary: Vocabulary, parsed: ParsedQuery, raw_query: str,
               synonyms: Synonyms) -> Plan:
    """Turn a parsed query into concepts: analyzed, spelling-corrected, synonym-expanded."""
    terms: list[str] = []
    corrections: dict[str, str] = {}
    completions: dict[str, tuple[str, ...]] = {}
    for surface, term in surface_words(" ".join(parsed.words)):
        if term is None:
            continue
        if not is_known(reader, term) and not synonyms.is_member(term):
            fixed = _correct(vocabulary, surface)
            fixed_terms = analyze(fixed) if fixed else []
            if fixed and len(fixed_terms) == 1:
                corrections[surface] = fixed
                term = fixed_terms[0]
            elif len(surface) >= MIN_COMPLETION_PREFIX:
                # An abbreviation of indexed words: "cardio" for "cardiovascular".
                completions[term] = tuple(dict.fromkeys(
                    t for word in vocabulary.starting(surface, MAX_COMPLETIONS)
                    for t in analyze(word)))
        terms.append(term)
    concepts = _concepts(reader, terms, synonyms, completions)
    phrases = tuple(p for p in (tuple(analyze(phrase)) for phrase in parsed.phrases) if p)
    excluded = tuple(dict.fromkeys(t for word in parsed.excluded for t in analyze(word)))
    return Plan(concepts, phrases, excluded, _suggestion(raw_query, corrections))


def run_search(searcher: Any, plan: Plan, parsed: ParsedQuery, raw_query: str, *,
               limit: int, offset: int = 0, budget: float = TIME_BUDGET) -> SearchResults:
    """Search ``searcher`` (a Whoosh searcher) following ``plan``; best hits first.

    Whoosh picks the best candidates by BM25F (skipping blocks of postings that cannot
    make the cut), and only those are re-ranked; so ``total`` and the per-kind and
    per-source counts are exact when every match was a candidate, and ``total`` is an
    estimate beyond that. Collecting stops after ``budget`` seconds: the results then
    hold the best of what was found in time, marked ``partial``.
    """
    query = _positive_query(plan, searcher.doc_count())
    if query is None:
        return SearchResults(query=raw_query, hits=(), total=0, suggestion=plan.suggestion,
                             corrected=plan.suggestion is not None)
    if plan.excluded:
        query = wq.AndNot(query, wq.Or([wq.Term(f, t) for t in plan.excluded
                                        for f in TEXT_FIELDS]))
    wanted = frozenset(t for c in plan.concepts for alt, _ in c.alternatives for t in alt)
    wanted |= frozenset(t for phrase in plan.phrases for t in phrase)
    candidates = max(MIN_CANDIDATES, 2 * (offset + limit))
    collector: Any = _Budget(searcher.collector(limit=candidates), time.monotonic() + budget)
    allow = _filter_query(parsed)
    if allow is not None:
        collector = FilterCollector(collector, allow=allow)
    try:
        searcher.search_with_collector(query, collector)
        partial = False
    except TimeLimit:
        partial = True
    results = collector.results()
    reader = searcher.reader()
    weights: dict[str, float] = {}

    def term_weight(term: str) -> float:
        if term not in weights:
            weights[term] = _rarity(reader, _frequency(reader, (term,)))
        return weights[term]

    scored = [_rescore(hit, plan, wanted, term_weight) for hit in results]
    scored.sort(key=lambda s: (-s.score, s.entry.source, s.entry.start))
    collapsed = _collapse(scored)
    complete = results.scored_length() < candidates and not partial
    page = collapsed[offset : offset + limit]
    return SearchResults(
        query=raw_query,
        hits=tuple(_hit(item, duplicates, wanted) for item, duplicates in page),
        total=len(collapsed) if complete else max(len(collapsed), _estimate(plan, searcher)),
        partial=partial,
        suggestion=plan.suggestion,
        corrected=plan.suggestion is not None,
        no_close_match=bool(collapsed) and max(
            item.coverage for item, _ in collapsed) < NO_CLOSE_MATCH_COVERAGE,
        kind_counts=dict(Counter(item.entry.kind for item, _ in collapsed)),
        source_counts=dict(Counter(item.entry.source for item, _ in collapsed)),
    )


class _Budget(WrappingCollector):  # type: ignore[misc]
    """Stops collecting at a deadline (checked between matches, so it works in any thread)."""

    def __init__(self, child: Any, deadline: float) -> None:
        super().__init__(child)
        self.deadline = deadline

    def collect(self, sub_docnum: int) -> Any:
        if time.monotonic() > self.deadline:
            raise TimeLimit
        return self.child.collect(sub_docnum)

    def collect_matches(self) -> None:
        for sub_docnum in self.child.matches():
            self.collect(sub_docnum)


def _estimate(plan: Plan, searcher: Any) -> int:
    """About how many entries match: the entries of the concepts that found candidates."""
    cutoff = max(COMMON_MIN_ENTRIES, COMMON_SHARE * searcher.doc_count())
    finding = [c.frequency for c in plan.concepts if c.frequency <= cutoff] or \
        [min((c.frequency for c in plan.concepts), default=0)]
    return int(min(searcher.doc_count(), sum(finding)))


# -- planning -------------------------------------------------------------------------

def _correct(vocabulary: Vocabulary, word: str) -> str | None:
    distance = allowed_distance(word)
    if distance == 0:
        return None
    return best_correction(word, vocabulary.similar(word, distance))


def _concepts(reader: Any, terms: Sequence[str], synonyms: Synonyms,
              completions: dict[str, tuple[str, ...]]) -> tuple[Concept, ...]:
    groups: list[list[tuple[tuple[str, ...], float]]] = []
    matches = {m.start: m for m in synonyms.matches(terms)}
    i = 0
    while i < len(terms):
        match = matches.get(i)
        if match is None:
            term = terms[i]
            single: list[tuple[tuple[str, ...], float]] = [((term,), 1.0)]
            groups.append(single + [((t,), COMPLETION_WEIGHT) for t in completions.get(term, ())])
            i += 1
            continue
        typed = tuple(terms[match.start : match.end])
        # A synonym is worth less than the word typed, unless the index lacks that word.
        weight = SYNONYM_WEIGHT if _frequency(reader, typed) else 1.0
        alternatives = [(typed, 1.0)] + [(alt, weight) for alt in match.alternatives]
        if len(typed) > 1:
            alternatives += [((part,), PART_WEIGHT) for part in typed]
        groups.append(alternatives)
        i = match.end
    concepts: dict[tuple[tuple[str, ...], ...], Concept] = {}
    for alternatives in groups:
        key = tuple(sorted(alt for alt, _ in alternatives))
        if key not in concepts:
            # A concept is as common as its most common wording ("hurt" as "pain").
            frequency = max(_frequency(reader, alt) for alt, _ in alternatives)
            weight = _rarity(reader, frequency)
            if alternatives[0][0][0] in FILLER_TERMS:
                weight *= FILLER_WEIGHT
            concepts[key] = Concept(tuple(alternatives), weight, frequency)
    return tuple(concepts.values())


def _frequency(reader: Any, terms: tuple[str, ...]) -> int:
    """How many entries contain the rarest of ``terms`` (in any text field)."""
    return min(max(int(reader.doc_frequency(f, t)) for f in TEXT_FIELDS) for t in terms)


def _rarity(reader: Any, frequency: int) -> float:
    """BM25's inverse document frequency of a wording found in ``frequency`` entries.

    A wording no entry contains counts as if one did: a word the index lacks is rare,
    but an unknown synonym must not make its concept look rarer than a known one.
    """
    total = max(1, reader.doc_count())
    frequency = max(1, frequency)
    return math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))


def _suggestion(raw_query: str, corrections: dict[str, str]) -> str | None:
    if not corrections:
        return None

    def replace(match: re.Match[str]) -> str:
        word = match.group()
        fixed = corrections.get(word.lower())
        if fixed is None:
            return word
        return fixed.capitalize() if word[:1].isupper() else fixed

    return re.sub(r"\w+", replace, raw_query)


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
        return wq.Or(rare)
    if not rare:
        rare, common = [_concept_query(common[0])], common[1:]
        if not common:
            return rare[0]
    return wq.Or(rare)


def _concept_query(concept: Concept) -> Any:
    return wq.Or([_terms_query(alt, weight) for alt, weight in concept.alternatives])


def _terms_query(terms: tuple[str, ...], weight: float) -> Any:
    if len(terms) == 1:
        return wq.Or([wq.Term(f, terms[0], boost=weight * FIELD_WEIGHTS[f])
                      for f in TEXT_FIELDS])
    phrases = [wq.Phrase(f, list(terms), boost=weight * FIELD_WEIGHTS[f])
               for f in _PHRASE_FIELDS]
    heading = wq.And([wq.Term(HEADING, t) for t in terms],
                     boost=weight * FIELD_WEIGHTS[HEADING])
    return wq.Or([*phrases, heading])


def _phrase_query(terms: tuple[str, ...]) -> Any:
    if len(terms) == 1:
        return _terms_query(terms, 1.0)
    return wq.Or([wq.Phrase(f, list(terms), boost=FIELD_WEIGHTS[f]) for f in _PHRASE_FIELDS])


def _filter_query(parsed: ParsedQuery) -> Any:
    parts = []
    if parsed.kinds:
        parts.append(wq.Or([wq.Term(KIND, k) for k in parsed.kinds]))
    if parsed.sources:
        parts.append(wq.Or([q for s in parsed.sources
                            for q in (wq.Term(SOURCE, s), wq.Prefix(SOURCE, s))]))
    if not parts:
        return None
    return wq.And(parts) if len(parts) > 1 else parts[0]


# -- ranking ----------------------------------------------------------------------------

def _rescore(hit: Any, plan: Plan, wanted: frozenset[str],
             term_weight: Callable[[str], float]) -> _Scored:
    fields = hit.fields()
    # What the entry itself says (its question and text): a section heading gives
    # context, not coverage.
    matched = wanted.intersection(fields.get(ENTRY_TERMS, "").split())
    coverage = _coverage(plan.concepts, matched)
    score = hit.score * (0.25 + 0.75 * coverage ** 2)
    # A question asked in (nearly) the user's own words is the answer they want.
    likeness = max((_likeness(plan.concepts, frozenset(terms), term_weight)
                    for terms in fields.get(QUESTION_TERMS, ())), default=0.0)
    score *= 1.0 + QUESTION_MATCH_BOOST * likeness ** 2
    return _Scored(stored_entry(fields), score, coverage, likeness)


def _coverage(concepts: Sequence[Concept], matched: frozenset[str]) -> float:
    total = sum(c.weight for c in concepts)
    if not total:
        return 1.0
    found = sum(c.weight * _best(c, matched) for c in concepts)
    return found / total


def _best(concept: Concept, terms: frozenset[str]) -> float:
    return max((w for alt, w in concept.alternatives if terms.issuperset(alt)), default=0.0)


def _likeness(concepts: Sequence[Concept], question: frozenset[str],
              term_weight: Callable[[str], float]) -> float:
    """How nearly a question asks what the query asks: a Jaccard likeness of the two,
    concept by concept, each concept and question word weighted by its rarity."""
    if not question or not concepts:
        return 0.0
    shared = 0.0
    covered: set[str] = set()
    for concept in concepts:
        best = _best(concept, question)
        if best:
            shared += best * concept.weight
            covered.update(t for alt, w in concept.alternatives if w == best for t in alt)
    union = sum(c.weight for c in concepts) + sum(term_weight(t) for t in question - covered)
    return shared / union if union else 0.0


def _collapse(scored: list[_Scored]) -> list[tuple[_Scored, list[Entry]]]:
    """One hit per passage, the most focused one; one hit per text, naming the others.

    A hit overlapping a better one is dropped, except that a passage inside a pair's
    answer takes the pair's place when it says all the pair matched for and the
    pair's question is not what was asked: the focused answer beats the long one.
    """
    kept: list[tuple[_Scored, list[Entry]]] = []
    by_text: dict[str, int] = {}
    by_source: dict[str, list[int]] = {}
    for item in scored:
        entry = item.entry
        clash = next((i for i in by_source.get(entry.source, ())
                      if kept[i][0].entry.start < entry.end
                      and entry.start < kept[i][0].entry.end), None)
        if clash is not None:
            if _more_focused(item, kept[clash][0]):
                kept[clash] = (replace(item, score=kept[clash][0].score), kept[clash][1])
            continue
        key = re.sub(r"\W+", "", entry.text.lower())
        if key in by_text:
            kept[by_text[key]][1].append(entry)
            continue
        by_text[key] = len(kept)
        by_source.setdefault(entry.source, []).append(len(kept))
        kept.append((item, []))
    return kept


def _more_focused(item: _Scored, kept: _Scored) -> bool:
    inner, outer = item.entry, kept.entry
    return (outer.kind == "qa" and outer.start <= inner.start and inner.end <= outer.end
            and inner.end - inner.start < FOCUS_SHARE * (outer.end - outer.start)
            and item.coverage >= kept.coverage - 1e-9
            and kept.likeness < FOCUS_LIKENESS)


def _hit(item: _Scored, duplicates: list[Entry], wanted: frozenset[str]) -> Hit:
    snippet, highlights = make_snippet(item.entry.text, wanted)
    return Hit(entry=item.entry, score=item.score, snippet=snippet, highlights=highlights,
               also_in=tuple(duplicates))
