"""Typo correction: a query word the index has never seen becomes the closest word it has.

Only words that are unknown to the index are corrected (a known word is never
"corrected" into a more frequent one), and how far a correction may go grows with
the word's length: a short word is too easily turned into another real word.

- :func:`allowed_distance`: how many edits a word of this length may take;
- :func:`best_correction`: the closest candidate (a doubled letter missed or added
  counts half an edit), ties broken by frequency;
- :func:`edit_distance`: Damerau-Levenshtein (optimal string alignment) distance,
  computed by rapidfuzz;
- :class:`Vocabulary`: the words of an index as written (not stemmed), with how many
  entries use each, where corrections and completions are looked up.
"""

from __future__ import annotations

import bisect
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

MIN_CORRECTABLE = 4
LONG_WORD = 8


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


class Vocabulary:
    """The words of an index as written, each with the number of entries using it.

    Built with the index and saved beside it (one ``word<TAB>count`` line each);
    looked up by length for corrections (rapidfuzz's C scorer compares tens of
    thousands of words in a millisecond), in sorted order for completions.
    """

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = dict(counts)
        self._sorted = sorted(self.counts)
        self._by_length: dict[int, list[str]] = {}
        for word in self._sorted:
            self._by_length.setdefault(len(word), []).append(word)

    @classmethod
    def from_texts(cls, texts: Iterable[Iterable[str]]) -> Vocabulary:
        """Count, for each word, how many of the given word collections contain it."""
        counts: dict[str, int] = {}
        for words in texts:
            for word in set(words):
                counts[word] = counts.get(word, 0) + 1
        return cls(counts)

    @classmethod
    def load(cls, path: Path) -> Vocabulary:
        """Read a saved vocabulary; a missing or damaged file gives an empty one."""
        counts: dict[str, int] = {}
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            return cls(counts)
        for line in text.splitlines():
            word, _, count = line.partition("\t")
            if word and count.isdigit():
                counts[word] = int(count)
        return cls(counts)

    def save(self, path: Path) -> None:
        """Write the vocabulary, one ``word<TAB>count`` line a word.

        The file is replaced, never rewritten in place: an index update starts from
        hard links to the files of the generation in service, which must not change.
        """
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        try:
            temporary.write_text("".join(f"{w}\t{self.counts[w]}\n" for w in self._sorted),
                                 encoding="utf-8")
            os.replace(temporary, path)
        finally:
            temporary.unlink(missing_ok=True)

    def __len__(self) -> int:
        return len(self.counts)

    def __contains__(self, word: object) -> bool:
        return word in self.counts

    def similar(self, word: str, maxdist: int) -> dict[str, int]:
        """Words within ``maxdist`` edits of ``word``, with their counts."""
        found: dict[str, int] = {}
        if not word or maxdist < 1:
            return found
        for length in range(max(1, len(word) - maxdist), len(word) + maxdist + 1):
            words = self._by_length.get(length)
            if words:
                for candidate, _, _ in process.extract(
                        word, words, scorer=OSA.distance, score_cutoff=maxdist, limit=None):
                    found[candidate] = self.counts[candidate]
        return found

    def starting(self, prefix: str, limit: int) -> list[str]:
        """The most used words that start with ``prefix`` (``prefix`` itself excluded)."""
        start = bisect.bisect_left(self._sorted, prefix)
        found: list[str] = []
        for word in self._sorted[start:]:
            if not word.startswith(prefix):
                break
            if word != prefix:
                found.append(word)
        return sorted(found, key=lambda w: (-self.counts[w], w))[:limit]
