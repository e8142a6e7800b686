"""What the pages show of the whole index, worked out once per index generation.

Reading every entry for each request would make the home page cost as much as the
index is large, so :class:`IndexSummary` reads them once for each generation of the
index (:class:`SummaryCache` keeps the current one for the app's threads): the
questions to suggest and to start from, each document's title and counts, and the
knowledge base's own words for the examples and tips a page offers (an example
question in the search box, a phrase and a word to leave out in the tips). Nothing
here names a topic: every example comes from the knowledge base served.
"""

from __future__ import annotations

import re
import sys
import threading
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from faqkb.index.analysis import STOP_WORDS
from faqkb.kb import KnowledgeBase
from faqkb.models import Entry
from faqkb.search.suggest import Suggester

STARTER_QUESTIONS = 6
EXAMPLE_CHARS = 60  # the longest question offered as an example in a search box
SAMPLED_ENTRIES = 5_000  # entries read for the tips' words (spread over the whole index)
_WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """A document of the knowledge base as the listings show it."""

    name: str
    title: str
    questions: int
    claims: int
    example: str | None  # a short question of the document, for its search box


@dataclass(frozen=True, slots=True)
class Tips:
    """Search syntax shown with the knowledge base's own words (``None``: no example)."""

    phrase: str | None  # two words that stand together in the documents
    excluded: str | None  # a common word of the documents


@dataclass(frozen=True, slots=True)
class Asked:
    """A Q&A pair as the summary keeps it: what links to it and suggests it, not its
    answer (a serving process keeps one for every pair; the pages that show answers
    read the entries: :func:`entries_of`)."""

    id: str
    source: str
    questions: tuple[str, ...]
    title: str
    kind: str = "qa"

    @property
    def question(self) -> str:
        """The pair's (first) question."""
        return self.questions[0]

    @classmethod
    def of(cls, entry: Entry) -> Asked:
        """The record of a pair (strings many pairs share are kept once)."""
        return cls(entry.id, sys.intern(entry.source), entry.questions,
                   sys.intern(entry.title))


@dataclass(frozen=True, slots=True)
class IndexSummary:
    """What the pages show of one index generation."""

    suggester: Suggester
    starters: tuple[Asked, ...]
    questions: tuple[Asked, ...]  # every Q&A pair, in document order
    sources: tuple[SourceSummary, ...]  # every indexed document, in the index's order
    by_name: dict[str, SourceSummary]
    claims: int
    example: str | None  # a question of the knowledge base for the search box
    tips: Tips

    @property
    def documents(self) -> int:
        """How many documents the index holds."""
        return len(self.sources)

    def title_of(self, name: str) -> str:
        """A document's title (its name when it has none)."""
        found = self.by_name.get(name)
        return found.title if found else name

    @classmethod
    def of(cls, kb: KnowledgeBase) -> IndexSummary:
        """Read the summary from the knowledge base's index, one entry at a time (what
        is kept of each pair is small; a whole large index read at once would leave a
        serving process its size bigger for good)."""
        kb.version  # noqa: B018 - the index opened (built first when there is none)
        step = max(1, kb.report().entries // SAMPLED_ENTRIES)
        questions: list[Asked] = []
        counted: dict[str, _Counted] = {}
        sampled: list[Entry] = []
        claims = 0
        for number, entry in enumerate(kb.iter_entries()):
            found = counted.get(entry.source)
            if found is None:
                found = counted[entry.source] = _Counted(entry.title)
            if entry.kind == "qa":
                questions.append(Asked.of(entry))
                found.questions += 1
                if found.example is None and found.questions <= 50:
                    found.example = _example((entry,))
            else:
                claims += 1
                found.claims += 1
            if number % step == 0:
                sampled.append(entry)
        sources = tuple(counted[name].summary(name) if name in counted
                        else SourceSummary(name, name, 0, 0, None) for name in kb.sources())
        starters = tuple(_starters(questions, STARTER_QUESTIONS))
        return cls(
            suggester=Suggester(questions), starters=starters, questions=tuple(questions),
            sources=sources, by_name={s.name: s for s in sources}, claims=claims,
            example=_example(starters) or _example(questions[:200]),
            tips=_tips(sampled))


class _Counted:
    """A document's title and counts, as its entries are read."""

    __slots__ = ("claims", "example", "questions", "title")

    def __init__(self, title: str) -> None:
        self.title = title
        self.questions = 0
        self.claims = 0
        self.example: str | None = None

    def summary(self, name: str) -> SourceSummary:
        return SourceSummary(name=name, title=self.title, questions=self.questions,
                             claims=self.claims, example=self.example)


def entries_of(kb: KnowledgeBase, asked: Sequence[Asked]) -> list[Entry]:
    """The entries of ``asked`` (as many as a page shows), read from the index; a pair
    gone since the summary was made (the index changed meanwhile) is left out."""
    found = (kb.entry(a.id) for a in asked)
    return [entry for entry in found if entry is not None]


def _starters(questions: Sequence[Asked], count: int) -> list[Asked]:
    """Up to ``count`` questions, taking turns between the documents."""
    by_source: dict[str, list[Asked]] = {}
    for entry in questions:
        by_source.setdefault(entry.source, []).append(entry)
    chosen: list[Asked] = []
    for round_ in range(max((len(v) for v in by_source.values()), default=0)):
        for found in by_source.values():
            if round_ < len(found) and len(chosen) < count:
                chosen.append(found[round_])
        if len(chosen) >= count:
            break
    return chosen


def _example(questions: Sequence[Asked] | Sequence[Entry]) -> str | None:
    """The first question short enough to stand as an example in a search box."""
    return next((e.question for e in questions
                 if e.question and len(e.question) <= EXAMPLE_CHARS), None)


def _content_words(text: str) -> list[str]:
    return [w.lower() for w in _WORD.findall(text)]


def _tips(entries: Sequence[Entry]) -> Tips:
    """The commonest pair of adjacent content words (questions first), and the commonest
    other content word, as the tips' examples."""
    pairs: Counter[str] = Counter()
    spread: Counter[str] = Counter()  # in how many entries a word occurs
    for entry in entries:
        texts = [*entry.questions, entry.text]
        seen: set[str] = set()
        for position, text in enumerate(texts):
            words = _content_words(text)
            for first, second in zip(words, words[1:], strict=False):
                if _content(first) and _content(second) and first != second:
                    # a pair in a question counts more: questions are what people ask
                    pairs[f"{first} {second}"] += 3 if position < len(entry.questions) else 1
            seen.update(w for w in words if _content(w))
        spread.update(seen)
    phrase = pairs.most_common(1)[0][0] if pairs else None
    taken = set(phrase.split()) if phrase else set()
    excluded = next((w for w, _ in spread.most_common() if w not in taken), None)
    return Tips(phrase=phrase, excluded=excluded)


def _content(word: str) -> bool:
    return len(word) >= 3 and word not in STOP_WORDS and word.replace("’", "'") not in STOP_WORDS


class SummaryCache:
    """One :class:`IndexSummary` per index generation, shared by the app's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: str | None = None
        self._summary: IndexSummary | None = None

    def get(self, kb: KnowledgeBase) -> IndexSummary:
        """The summary of the generation in service (read when it changed)."""
        key = kb.version  # checks kb/ for changes, rebuilding the index if needed
        with self._lock:
            if self._summary is None or key != self._key:
                self._summary = IndexSummary.of(kb)
                self._key = key
            return self._summary
