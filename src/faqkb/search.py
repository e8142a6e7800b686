"""Searching an open index: from a :class:`~faqkb.query.ParsedQuery` to ranked hits.

The steps:

1. the query's words go through the index's own analyzer (stems, stop words);
2. each term is looked up in every text field, weighted question > body > heading,
   and the terms are OR-ed; quoted phrases are required, excluded words removed,
   ``kind``/``source`` applied as filters;
3. Whoosh scores the candidates with BM25F; faqkb then rewards entries that match
   more of the query's terms (coverage), so "lower back pain" outranks an entry
   that says "pain" many times;
4. hits that repeat one another collapse: a claim inside a pair's answer (the same
   passage of the same document) is dropped below the pair, and identical texts from
   several documents become one hit that names the others (``also_in``);
5. each hit gets a snippet with the matched words marked.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from whoosh import query as wq
from whoosh import sorting

from faqkb.index import (
    BODY,
    FIELD_WEIGHTS,
    KIND,
    QUESTION,
    QUESTION_TERMS,
    SOURCE,
    TEXT_FIELDS,
    analyze,
    stored_entry,
)
from faqkb.models import Entry, Hit, SearchResults
from faqkb.query import ParsedQuery
from faqkb.snippets import make_snippet

MAX_CANDIDATES = 400
QUESTION_MATCH_BOOST = 1.5
_PHRASE_FIELDS = (QUESTION, BODY)


@dataclass(frozen=True, slots=True)
class _Scored:
    entry: Entry
    score: float
    terms: frozenset[str]


def run_search(
    searcher: Any,
    parsed: ParsedQuery,
    raw_query: str,
    *,
    limit: int,
    offset: int = 0,
) -> SearchResults:
    """Search ``searcher`` (a Whoosh searcher) for ``parsed``; best hits first."""
    terms = _unique(t for word in parsed.words for t in analyze(word))
    phrases = [p for p in (analyze(phrase) for phrase in parsed.phrases) if p]
    excluded = _unique(t for word in parsed.excluded for t in analyze(word))
    query = _positive_query(terms, phrases)
    if query is None:
        return SearchResults(query=raw_query, hits=(), total=0)
    if excluded:
        query = wq.AndNot(query, wq.Or([wq.Term(f, t) for t in excluded for f in TEXT_FIELDS]))
    wanted = frozenset(terms) | frozenset(t for p in phrases for t in p)
    results = searcher.search(
        query,
        limit=MAX_CANDIDATES,
        filter=_filter_query(parsed),
        terms=True,
        groupedby={KIND: sorting.FieldFacet(KIND, maptype=sorting.Count),
                   SOURCE: sorting.FieldFacet(SOURCE, maptype=sorting.Count)},
    )
    scored = [_rescore(hit, wanted) for hit in results]
    scored.sort(key=lambda s: (-s.score, s.entry.source, s.entry.start))
    collapsed = _collapse(scored)
    complete = len(results) <= MAX_CANDIDATES
    page = collapsed[offset : offset + limit]
    return SearchResults(
        query=raw_query,
        hits=tuple(_hit(item, duplicates, wanted) for item, duplicates in page),
        total=len(collapsed) if complete else len(results),
        kind_counts=_counts(results, KIND),
        source_counts=_counts(results, SOURCE),
    )


def _positive_query(terms: Sequence[str], phrases: Sequence[Sequence[str]]) -> Any:
    words = [wq.Or([wq.Term(f, t, boost=FIELD_WEIGHTS[f]) for f in TEXT_FIELDS])
             for t in terms]
    required = []
    for phrase in phrases:
        if len(phrase) == 1:
            required.append(wq.Or([wq.Term(f, phrase[0], boost=FIELD_WEIGHTS[f])
                                   for f in TEXT_FIELDS]))
        else:
            required.append(wq.Or([wq.Phrase(f, list(phrase), boost=FIELD_WEIGHTS[f])
                                   for f in _PHRASE_FIELDS]))
    optional = wq.Or(words) if words else None
    if required:
        must = wq.And(required) if len(required) > 1 else required[0]
        return wq.AndMaybe(must, optional) if optional is not None else must
    return optional


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


def _rescore(hit: Any, wanted: frozenset[str]) -> _Scored:
    fields = hit.fields()
    matched = frozenset(text.decode("utf-8") if isinstance(text, bytes) else text
                        for _field, text in hit.matched_terms()) & wanted
    coverage = len(matched) / len(wanted) if wanted else 1.0
    score = hit.score * (0.25 + 0.75 * coverage ** 2)
    # A question asked in (nearly) the user's own words is the answer they want.
    likeness = max((_jaccard(set(terms), wanted) for terms in fields.get(QUESTION_TERMS, ())),
                   default=0.0)
    score *= 1.0 + QUESTION_MATCH_BOOST * likeness ** 2
    return _Scored(stored_entry(fields), score, matched)


def _jaccard(a: set[str], b: frozenset[str]) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def _collapse(scored: list[_Scored]) -> list[tuple[_Scored, list[Entry]]]:
    """Drop hits inside a better hit's passage; merge identical texts across documents."""
    kept: list[tuple[_Scored, list[Entry]]] = []
    by_text: dict[str, int] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    for item in scored:
        entry = item.entry
        if any(s < entry.end and entry.start < e for s, e in spans.get(entry.source, ())):
            continue
        key = " ".join(entry.text.lower().split())
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


def _unique(items: Any) -> list[str]:
    return list(dict.fromkeys(items))
