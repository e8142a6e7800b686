"""Planning a search: what a query asks for, in the index's own terms.

Each query word goes through the index's analyzer (stems); stop and question words
become *words of asking*, matched against questions only. A word the index has never
seen, and that is no English word, is corrected to the closest word it has
(:mod:`faqkb.search.spelling`), or, when it starts indexed words ("cardio"), expanded to
them; an English word the index lacks stays as asked, and missing. Words that belong to
a synonym rule (:mod:`faqkb.search.synonyms`) gain the rule's other members as
alternatives. Each resulting :class:`Concept` is weighted by its
rarity (BM25 IDF), so that missing "thermostat" costs more than missing "water".
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from faqkb.index.analysis import analyze, is_stop_word, surface_words
from faqkb.index.vocabulary import Vocabulary
from faqkb.search.query import ParsedQuery
from faqkb.search.spelling import allowed_distance, best_correction, is_english_word
from faqkb.search.synonyms import Synonyms

SYNONYM_WEIGHT = 0.7
PART_WEIGHT = 0.35  # a single word of a multi-word term ("tyre" of "flat tyre")
COMPLETION_WEIGHT = 0.8  # an indexed word that an unknown query word abbreviates
MAX_COMPLETIONS = 8
MIN_COMPLETION_PREFIX = 4
# Words that say what kind of answer is wanted rather than what it is about.
FILLER_TERMS = frozenset(analyze("tip tips advice idea ideas suggestion suggestions info "
                                 "information example examples best see"))
FILLER_WEIGHT = 0.25


class TermStats(Protocol):
    """How many entries hold a term, out of how many: what rarity is computed from."""

    total: int

    def frequency(self, term: str) -> int:
        """Entries holding ``term``."""
        ...


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
    emphasis: float = 1.0  # less for words that say what kind of answer is wanted ("tips")
    form: bool = False  # a word of asking ("how", "can", "the"): matched in questions only


@dataclass(frozen=True, slots=True)
class Plan:
    """What to look for: concepts, required phrases, excluded terms, and the correction."""

    concepts: tuple[Concept, ...]
    phrases: tuple[tuple[str, ...], ...]
    excluded: tuple[str, ...]
    suggestion: str | None = None


def plan_query(stats: TermStats, vocabulary: Vocabulary, parsed: ParsedQuery, raw_query: str,
               synonyms: Synonyms, *, correct: bool = True) -> Plan:
    """Turn a parsed query into concepts: analyzed, spelling-corrected (unless ``correct``
    is false: the words as typed), synonym-expanded."""
    terms: list[str] = []
    corrections: dict[str, str] = {}
    completions: dict[str, tuple[str, ...]] = {}
    stops: set[str] = set()
    for surface, term in surface_words(" ".join(parsed.words)):
        if term is None:
            continue
        if is_stop_word(surface):
            stops.add(term)
        elif not stats.frequency(term) and not synonyms.is_member(term) \
                and not is_english_word(surface):
            fixed = _correct(vocabulary, surface) if correct else None
            fixed_terms = analyze(fixed) if fixed else []
            if fixed and len(fixed_terms) == 1:
                corrections[surface] = fixed
                term = fixed_terms[0]
            elif correct and len(surface) >= MIN_COMPLETION_PREFIX:
                # An abbreviation of indexed words: "cardio" for "cardiovascular".
                completions[term] = tuple(dict.fromkeys(
                    t for word in vocabulary.starting(surface, MAX_COMPLETIONS)
                    for t in analyze(word)))
        terms.append(term)
    concepts = _concepts(stats, terms, synonyms, completions, stops)
    phrases = tuple(p for p in (tuple(analyze(phrase)) for phrase in parsed.phrases) if p)
    excluded = tuple(dict.fromkeys(t for word in parsed.excluded for t in analyze(word)))
    return Plan(concepts, phrases, excluded, _suggestion(raw_query, corrections))


def _correct(vocabulary: Vocabulary, word: str) -> str | None:
    distance = allowed_distance(word)
    if distance == 0:
        return None
    return best_correction(word, vocabulary.similar(word, distance))


def _concepts(stats: TermStats, terms: Sequence[str], synonyms: Synonyms,
              completions: dict[str, tuple[str, ...]],
              stops: set[str]) -> tuple[Concept, ...]:
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
        weight = SYNONYM_WEIGHT if wording_frequency(stats, typed) else 1.0
        alternatives = [(typed, 1.0)] + [(alt, weight) for alt in match.alternatives]
        if len(typed) > 1:
            alternatives += [((part,), PART_WEIGHT) for part in typed]
        groups.append(alternatives)
        i = match.end
    concepts: dict[tuple[tuple[str, ...], ...], Concept] = {}
    for alternatives in groups:
        key = tuple(sorted(alt for alt, _ in alternatives))
        if key not in concepts:
            # A concept is as common as its most common wording ("bicycle" as "bike").
            frequency = max(wording_frequency(stats, alt) for alt, _ in alternatives)
            first = alternatives[0][0]
            form = len(first) == 1 and first[0] in stops
            emphasis = FILLER_WEIGHT if first[0] in FILLER_TERMS else 1.0
            concepts[key] = Concept(tuple(alternatives), emphasis * rarity(stats, frequency),
                                    frequency, emphasis, form)
    return tuple(concepts.values())


def wording_frequency(stats: TermStats, terms: tuple[str, ...]) -> int:
    """How many entries contain the rarest of ``terms`` (in any text field)."""
    return min(stats.frequency(t) for t in terms)


def rarity(stats: TermStats, frequency: int) -> float:
    """BM25's inverse document frequency of a wording found in ``frequency`` entries.

    A wording no entry contains counts as if one did: a word the index lacks is rare,
    but an unknown synonym must not make its concept look rarer than a known one.
    """
    total = max(1, stats.total)
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
