"""Typo correction: a query word the index has never seen becomes the closest word it has.

Only words that are unknown to the index are corrected (a known word is never
"corrected" into a more frequent one), and only when they are no word of English
either (:func:`is_english_word`): "bake" in a question about bread is asked and
missing, not a typo of a word the knowledge base happens to hold. How far a correction
may go grows with the word's length: a short word is too easily turned into another
real word.

- :func:`is_english_word`: whether a word is in pyspellchecker's English word list
  (160,000 words from subtitles and Wiktionary, common misspellings removed; MIT),
  read on first use;
- :func:`allowed_distance`: how many edits a word of this length may take;
- :func:`best_correction`: the closest candidate (a doubled letter missed or added
  counts half an edit), ties broken by frequency;
- :func:`edit_distance`: Damerau-Levenshtein (optimal string alignment) distance,
  computed by rapidfuzz;
- the words looked up are those of :class:`~faqkb.index.vocabulary.Vocabulary`.
"""

from __future__ import annotations

import gzip
import json
import os
import threading
from collections.abc import Mapping
from importlib import resources

from rapidfuzz.distance import OSA

MIN_CORRECTABLE = 4
LONG_WORD = 8


_ENGLISH: frozenset[str] | None = None
_ENGLISH_GUARD = threading.Lock()


def _after_fork_in_child() -> None:
    # A fork while another thread was reading the list leaves its lock held, by a
    # thread the child does not have: the child gets a lock of its own (and reads the
    # list itself if it needs it).
    global _ENGLISH_GUARD
    _ENGLISH_GUARD = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def is_english_word(word: str) -> bool:
    """Whether ``word`` (any case) is a word of English."""
    global _ENGLISH
    if _ENGLISH is None:
        with _ENGLISH_GUARD:
            if _ENGLISH is None:
                _ENGLISH = _english_words()
    return word.lower() in _ENGLISH


def load_english_words() -> None:
    """Read the English word list now (waiting for a reading under way)."""
    is_english_word("a")


def load_english_words_in_background() -> None:
    """Read the English word list in a thread of its own, now: a server does so as it
    starts, so that no visitor's search pays for reading it (a search that needs it
    meanwhile waits for it)."""
    if _ENGLISH is None:
        threading.Thread(target=is_english_word, args=("a",), name="faqkb-english-words",
                         daemon=True).start()


def _english_words() -> frozenset[str]:
    """pyspellchecker's English word list (its package data: a JSON map of words to
    counts), read on first use: 0.1 s, only when a query word is unknown."""
    source = resources.files("spellchecker").joinpath("resources", "en.json.gz")
    with source.open("rb") as packed:
        words: dict[str, int] = json.loads(gzip.decompress(packed.read()))
    return frozenset(words)


def allowed_distance(word: str) -> int:
    """Edits a correction of ``word`` may take: 0 below 4 letters, 1 below 8, else 2."""
    if len(word) < MIN_CORRECTABLE or not word.isalpha():
        return 0
    return 1 if len(word) < LONG_WORD else 2


def best_correction(word: str, candidates: Mapping[str, int]) -> str | None:
    """The candidate closest to ``word`` within its allowed distance, or ``None``.

    ``candidates`` maps words to how many entries contain them; among equally close
    candidates the most frequent wins, then the alphabetically first.
    """
    limit = allowed_distance(word)
    ranked = sorted(
        (_typo_cost(word, candidate, distance), -frequency, candidate)
        for candidate, frequency in candidates.items()
        if candidate != word and (distance := edit_distance(word, candidate)) <= limit
    )
    return ranked[0][2] if ranked else None


def _typo_cost(word: str, candidate: str, distance: int) -> float:
    """The edit distance, where a doubled letter typed once or a letter typed twice
    ("runing", "occured", "begginer") counts half: it is the commonest slip."""
    return distance - 0.5 if _squeeze(word) == _squeeze(candidate) else float(distance)


def _squeeze(word: str) -> str:
    return "".join(ch for i, ch in enumerate(word) if i == 0 or word[i - 1] != ch)


def edit_distance(a: str, b: str) -> int:
    """Insertions, deletions, substitutions and adjacent transpositions from ``a`` to ``b``."""
    return int(OSA.distance(a, b))
