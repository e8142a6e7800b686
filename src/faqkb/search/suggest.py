"""Suggestions as a person types: the questions of the knowledge base whose words start
with what was typed.

- :func:`fold_words` splits text into comparable words (case and accents folded), the
  same way for the questions and for what was typed.
- :class:`Suggester` holds every question of the Q&A entries and answers
  :meth:`Suggester.suggest` for each keystroke, best first: questions that begin with
  what was typed, then those that contain it in order, then the rest; whole words
  matched before parts of words; shorter questions before longer ones. The questions
  holding words that start with each typed word are found in a sorted list of every
  question word, and only they are compared.
- :class:`Suggestion` is one answer: the question, its entry, and where in the
  question the typed words matched.

Unlike search, suggestions do not stem or drop stop words: "is wat" suggests
"Is watering good for cacti?" because its words start with "is" and "wat".
Nothing here knows about the index or the web.
"""

from __future__ import annotations

import bisect
import re
import sys
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt


class Asking(Protocol):
    """What suggesting needs of an entry: an :class:`~faqkb.models.Entry`, or a lighter
    record of its questions (see :class:`faqkb.web.summary.Asked`)."""

    @property
    def id(self) -> str: ...

    @property
    def kind(self) -> str: ...

    @property
    def source(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def questions(self) -> tuple[str, ...]: ...

MAX_TYPED_CHARS = 200
MAX_TYPED_WORDS = 12
DEFAULT_LIMIT = 8
# Matches considered per suggestion wanted, shortest questions first: with a prefix
# as short as "a" a large FAQ has thousands, and the best are among the short ones.
CONSIDERED = 20
_WORD = re.compile(r"\w+")


def fold(word: str) -> str:
    """``word`` lower-cased with accents removed ("Élan" -> "elan")."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def fold_words(text: str) -> list[str]:
    """The words of ``text``, folded: what suggestions compare."""
    return [fold(match.group()) for match in _WORD.finditer(text)]


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A question that matches what was typed.

    ``highlights`` are ``(start, end)`` offsets into ``question`` of the parts of its
    words that the typed words matched.
    """

    question: str
    entry: Asking
    highlights: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True, slots=True)
class _Question:
    text: str
    entry: Asking
    words: tuple[str, ...]  # folded, and interned: questions share their words


class Suggester:
    """Every question of a set of entries, ready to be matched against typed text.

    Claims are ignored; a pair that answers several questions offers each of them.
    A question asked in several documents is suggested once (from the first).
    """

    def __init__(self, entries: Iterable[Asking]) -> None:
        questions: list[_Question] = []
        seen: set[tuple[str, ...]] = set()
        for entry in entries:
            if entry.kind != "qa":
                continue
            for text in entry.questions:
                words = tuple(sys.intern(fold(m.group())) for m in _WORD.finditer(text))
                if not words or words in seen:
                    continue
                seen.add(words)
                questions.append(_Question(text, entry, words))
        # Shorter questions first: the order matches are looked for in.
        questions.sort(key=lambda q: (len(q.words), q.text.casefold()))
        self._questions = questions
        # Every word of every question, sorted, with the question it is in: the
        # questions holding a word that starts with a typed one are a range of it.
        pairs = sorted((word, number) for number, q in enumerate(questions)
                       for word in set(q.words))
        self._words = [word for word, _ in pairs]
        self._holders = np.fromiter((number for _, number in pairs), dtype=np.int64,
                                    count=len(pairs))

    def __len__(self) -> int:
        return len(self._questions)

    def suggest(self, typed: str, limit: int = DEFAULT_LIMIT) -> list[Suggestion]:
        """The questions (at most ``limit``) whose words start with the words of ``typed``.

        Every typed word must start some word of the question. Text without words
        (empty, punctuation only) suggests nothing. Raises :class:`ValueError` when
        ``limit`` is not positive.
        """
        if limit < 1:
            raise ValueError(f"limit must be positive, not {limit!r}")
        typed_words = fold_words(typed[:MAX_TYPED_CHARS])[:MAX_TYPED_WORDS]
        if not typed_words:
            return []
        ranked: list[tuple[tuple[int, int, int, str], Suggestion]] = []
        for number in self._holding_all(typed_words).tolist():
            question = self._questions[number]
            positions = _match(typed_words, question.words)
            if positions is None:
                continue
            partial = sum(question.words[p] != w for p, w in zip(positions, typed_words,
                                                                 strict=True))
            rank = (_order(positions), partial, len(question.words), question.text.casefold())
            ranked.append((rank, _suggestion(question, typed_words, positions)))
            if len(ranked) >= limit * CONSIDERED:
                break  # enough of the shortest matching questions to rank
        ranked.sort(key=lambda item: item[0])
        return [suggestion for _, suggestion in ranked[:limit]]

    def _holding_all(self, prefixes: list[str]) -> npt.NDArray[np.int64]:
        """The questions (numbers, shortest first) holding, for each of ``prefixes``,
        a word that starts with it."""
        held = np.ones(len(self._questions), dtype=bool)
        for prefix in set(prefixes):
            first = bisect.bisect_left(self._words, prefix)
            last = bisect.bisect_left(self._words, prefix + "\U0010ffff", first)
            holding = np.zeros(len(self._questions), dtype=bool)
            holding[self._holders[first:last]] = True
            held &= holding
        return np.flatnonzero(held)


def _match(typed: list[str], words: tuple[str, ...]) -> list[int] | None:
    """For each typed word, the first unused question word it starts, or None."""
    used: set[int] = set()
    positions: list[int] = []
    for wanted in typed:
        found = next((i for i, word in enumerate(words)
                      if i not in used and word.startswith(wanted)), None)
        if found is None:
            return None
        used.add(found)
        positions.append(found)
    return positions


def _order(positions: list[int]) -> int:
    """0: the question starts with what was typed; 1: contains it in order; 2: otherwise."""
    consecutive = all(b == a + 1 for a, b in zip(positions, positions[1:], strict=False))
    if consecutive and positions[0] == 0:
        return 0
    return 1 if consecutive else 2


def _suggestion(question: _Question, typed: list[str], positions: list[int]) -> Suggestion:
    # Where each word is, found again for the few questions suggested (not kept for all).
    spans = [(m.start(), m.end()) for m in _WORD.finditer(question.text)]
    highlights = []
    for wanted, position in sorted(zip(typed, positions, strict=True), key=lambda p: p[1]):
        start, end = spans[position]
        highlights.append((start, min(end, start + len(wanted))))
    return Suggestion(question.text, question.entry, tuple(highlights))
