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
5. *Judge*: when even the best hit covers less than half of what was asked, the
   results say there is no close match (see :data:`NO_CLOSE_MATCH_COVERAGE`).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq
from whoosh import sorting

from faqkb.index import (
    BODY,
    FIELD_WEIGHTS,
    HEADING,
    KIND,
    QUESTION,
    QUESTION_TERMS,
    SOURCE,
    TEXT_FIELDS,
    analyze,
    is_known,
    similar_words,
    stored_entry,
    surface_words,
)
from faqkb.models import Entry, Hit, SearchResults
from faqkb.query import ParsedQuery
from faqkb.snippets import make_snippet
from faqkb.spelling import allowed_distance, best_correction
from faqkb.synonyms import Synonyms

MAX_CANDIDATES = 400
SYNONYM_WEIGHT = 0.7
PART_WEIGHT = 0.35  # a single word of a multi-word term ("back" of "lower back")
QUESTION_MATCH_BOOST = 1.5
# Below this share of the query's (rarity-weighted) concepts in the best hit, the
# results say "no close match". Chosen on the project's judged queries
# (tests/relevance_queries.jsonl): answerable queries' best hits cover 0.6 or more,
# unanswerable ones 0.45 or less.
NO_CLOSE_MATCH_COVERAGE = 0.5
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
    terms: frozenset[str]


def plan_query(reader: Any, parsed: ParsedQuery, raw_query: str, synonyms: Synonyms) -> Plan:
    """Turn a parsed query into concepts: analyzed, spelling-corrected, synonym-expanded."""
    terms: list[str] = []
    corrections: dict[str, str] = {}
    for surface, term in surface_words(" ".join(parsed.words)):
        if term is None:
            continue
        if not is_known(reader, term) and not synonyms.is_member(term):
            fixed = _correct(reader, surface)
            fixed_terms = analyze(fixed) if fixed else []
            if fixed and len(fixed_terms) == 1:
                corrections[surface] = fixed
                term = fixed_terms[0]
        terms.append(term)
    concepts = _concepts(reader, terms, synonyms)
    phrases = tuple(p for p in (tuple(analyze(phrase)) for phrase in parsed.phrases) if p)
    excluded = tuple(dict.fromkeys(t for word in parsed.excluded for t in analyze(word)))
    return Plan(concepts, phrases, excluded, _suggestion(raw_query, corrections))


def run_search(searcher: Any, plan: Plan, parsed: ParsedQuery, raw_query: str, *,
               limit: int, offset: int = 0) -> SearchResults:
    """Search ``searcher`` (a Whoosh searcher) following ``plan``; best hits first."""
    query = _positive_query(plan)
    if query is None:
        return SearchResults(query=raw_query, hits=(), total=0, suggestion=plan.suggestion,
                             corrected=plan.suggestion is not None)
    if plan.excluded:
        query = wq.AndNot(query, wq.Or([wq.Term(f, t) for t in plan.excluded
                                        for f in TEXT_FIELDS]))
    results = searcher.search(
        query,
        limit=MAX_CANDIDATES,
        filter=_filter_query(parsed),
        terms=True,
        groupedby={KIND: sorting.FieldFacet(KIND, maptype=sorting.Count),
                   SOURCE: sorting.FieldFacet(SOURCE, maptype=sorting.Count)},
    )
    scored = [_rescore(hit, plan) for hit in results]
    scored.sort(key=lambda s: (-s.score, s.entry.source, s.entry.start))
    collapsed = _collapse(scored)
    complete = len(results) <= MAX_CANDIDATES
    wanted = frozenset(t for c in plan.concepts for alt, _ in c.alternatives for t in alt)
    wanted |= frozenset(t for phrase in plan.phrases for t in phrase)
    page = collapsed[offset : offset + limit]
    return SearchResults(
        query=raw_query,
        hits=tuple(_hit(item, duplicates, wanted) for item, duplicates in page),
        total=len(collapsed) if complete else len(results),
        suggestion=plan.suggestion,
        corrected=plan.suggestion is not None,
        no_close_match=bool(collapsed) and collapsed[0][0].coverage < NO_CLOSE_MATCH_COVERAGE,
        kind_counts=_counts(results, KIND),
        source_counts=_counts(results, SOURCE),
    )


# -- planning -------------------------------------------------------------------------

def _correct(reader: Any, word: str) -> str | None:
    distance = allowed_distance(word)
    if distance == 0:
        return None
    return best_correction(word, similar_words(reader, word, distance))


def _concepts(reader: Any, terms: Sequence[str], synonyms: Synonyms) -> tuple[Concept, ...]:
    groups: list[list[tuple[tuple[str, ...], float]]] = []
    matches = {m.start: m for m in synonyms.matches(terms)}
    i = 0
    while i < len(terms):
        match = matches.get(i)
        if match is None:
            groups.append([((terms[i],), 1.0)])
            i += 1
            continue
        typed = tuple(terms[match.start : match.end])
        alternatives = [(typed, 1.0)] + [(alt, SYNONYM_WEIGHT) for alt in match.alternatives]
        if len(typed) > 1:
            alternatives += [((part,), PART_WEIGHT) for part in typed]
        groups.append(alternatives)
        i = match.end
    concepts: dict[tuple[tuple[str, ...], ...], Concept] = {}
    for alternatives in groups:
        key = tuple(sorted(alt for alt, _ in alternatives))
        if key not in concepts:
            weight = max(_rarity(reader, alt) for alt, _ in alternatives)
            concepts[key] = Concept(tuple(alternatives), weight)
    return tuple(concepts.values())


def _rarity(reader: Any, terms: tuple[str, ...]) -> float:
    """BM25's inverse document frequency of the rarest-matching reading of ``terms``."""
    total = max(1, reader.doc_count())
    frequency = min(max(reader.doc_frequency(f, t) for f in TEXT_FIELDS) for t in terms)
    return math.log(1 + (total - frequency + 0.5) / (frequency + 0.5))


def _suggestion(raw_query: str, corrections: dict[str, str]) -> str | None:
    if not corrections:
        return None

    def replace(match: re.Match[str]) -> str:
        return corrections.get(match.group().lower(), match.group())

    return re.sub(r"\w+", replace, raw_query)


# -- retrieval --------------------------------------------------------------------------

def _positive_query(plan: Plan) -> Any:
    concepts = [_concept_query(c) for c in plan.concepts]
    required = [_phrase_query(p) for p in plan.phrases]
    optional = wq.Or(concepts) if concepts else None
    if required:
        must = wq.And(required) if len(required) > 1 else required[0]
        return wq.AndMaybe(must, optional) if optional is not None else must
    return optional


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

def _rescore(hit: Any, plan: Plan) -> _Scored:
    fields = hit.fields()
    matched = frozenset(text.decode("utf-8") if isinstance(text, bytes) else text
                        for _field, text in hit.matched_terms())
    coverage = _coverage(plan.concepts, matched)
    score = hit.score * (0.25 + 0.75 * coverage ** 2)
    # A question asked in (nearly) the user's own words is the answer they want.
    likeness = max((_likeness(plan.concepts, frozenset(terms))
                    for terms in fields.get(QUESTION_TERMS, ())), default=0.0)
    score *= 1.0 + QUESTION_MATCH_BOOST * likeness ** 2
    return _Scored(stored_entry(fields), score, coverage, matched)


def _coverage(concepts: Sequence[Concept], matched: frozenset[str]) -> float:
    total = sum(c.weight for c in concepts)
    if not total:
        return 1.0
    found = sum(c.weight * _best(c, matched) for c in concepts)
    return found / total


def _best(concept: Concept, terms: frozenset[str]) -> float:
    return max((w for alt, w in concept.alternatives if terms.issuperset(alt)), default=0.0)


def _likeness(concepts: Sequence[Concept], question: frozenset[str]) -> float:
    """Jaccard likeness of a question and the query, concept by concept."""
    if not question or not concepts:
        return 0.0
    hit = 0.0
    covered: set[str] = set()
    for concept in concepts:
        best = _best(concept, question)
        if best:
            hit += best
            covered.update(t for alt, w in concept.alternatives if w == best for t in alt)
    union = len(concepts) + len(question - covered)
    return hit / union


def _collapse(scored: list[_Scored]) -> list[tuple[_Scored, list[Entry]]]:
    """Drop hits inside a better hit's passage; merge identical texts across documents."""
    kept: list[tuple[_Scored, list[Entry]]] = []
    by_text: dict[str, int] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    for item in scored:
        entry = item.entry
        if any(s < entry.end and entry.start < e for s, e in spans.get(entry.source, ())):
            continue
        key = re.sub(r"\W+", "", entry.text.lower())
        if key in by_text:
            kept[by_text[key]][1].append(entry)
            continue
        spans.setdefault(entry.source, []).append((entry.start, entry.end))
        by_text[key] = len(kept)
        kept.append((item, []))
    return kept


def _hit(item: _Scored, duplicates: list[Entry], wanted: frozenset[str]) -> Hit:
    snippet, highlights = make_snippet(item.entry.text, wanted)
    return Hit(entry=item.entry, score=item.score, snippet=snippet, highlights=highlights,
               also_in=tuple(duplicates))


def _counts(results: Any, facet: str) -> dict[str, int]:
    try:
        groups = results.groups(facet)
    except (KeyError, ValueError):
        return {}
    counts: Counter[str] = Counter()
    for name, count in groups.items():
        label = name.decode("utf-8") if isinstance(name, bytes) else str(name)
        counts[label] += int(count)
    return dict(counts)
