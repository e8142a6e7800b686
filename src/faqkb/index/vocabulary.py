"""The words of an index as written (not stemmed), with how many entries use each.

Saved beside every generation; where spelling corrections and completions are looked up
(:mod:`faqkb.search.spelling`).
"""

from __future__ import annotations

import bisect
import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from rapidfuzz import process
from rapidfuzz.distance import OSA

VOCABULARY_FILE = "words.tsv"  # in each generation: the words as written, for spelling
TERMS_FILE = "terms.tsv"  # and how many entries hold each term


class Vocabulary:
    """The words of an index as written, each with the number of entries using it.

    Built with the index and saved beside it (one ``word<TAB>count`` line each);
    looked up for corrections among the words of about the same length that start
    alike, or (a slip of the first letter) end alike, compared by rapidfuzz's C scorer;
    in sorted order for completions.
    """

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.counts = dict(counts)
        self._sorted = sorted(self.counts)
        self._buckets: tuple[dict[tuple[int, str], list[str]], ...] | None = None
        self._guard = threading.Lock()

    def _lookup(self) -> tuple[dict[tuple[int, str], list[str]], ...]:
        """The words by length and first letter, and by length and last two letters
        (sorted out on the first correction: most searches need none)."""
        if self._buckets is None:
            with self._guard:
                if self._buckets is None:
                    by_start: dict[tuple[int, str], list[str]] = {}
                    by_end: dict[tuple[int, str], list[str]] = {}
                    for word in self._sorted:
                        by_start.setdefault((len(word), word[:1]), []).append(word)
                        by_end.setdefault((len(word), word[-2:]), []).append(word)
                    self._buckets = (by_start, by_end)
        return self._buckets

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
        """Words within ``maxdist`` edits of ``word`` that start with its first letter,
        or, when none does, that end with its last two (with their counts)."""
        found: dict[str, int] = {}
        if not word or maxdist < 1:
            return found
        lengths = range(max(1, len(word) - maxdist), len(word) + maxdist + 1)
        by_start, by_end = self._lookup()
        for buckets, key in ((by_start, word[:1]), (by_end, word[-2:])):
            for length in lengths:
                words = buckets.get((length, key))
                if words:
                    for candidate, _, _ in process.extract(
                            word, words, scorer=OSA.distance, score_cutoff=maxdist,
                            limit=None):
                        found[candidate] = self.counts[candidate]
            if found:
                break
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


def open_vocabulary(directory: Path) -> Vocabulary:
    """The vocabulary saved with the index in ``directory``."""
    return Vocabulary.load(directory / VOCABULARY_FILE)
