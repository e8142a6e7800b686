"""A deterministic generator of realistic knowledge bases and queries, for benchmarks.

Documents are plain-text FAQ pages and articles: a title, question headings each
followed by an answer of one to three sentences, and paragraphs of prose. Words come
from a Zipfian vocabulary (40,000 pronounceable made-up words by default, plus the
English function words real sentences need), so a few words are everywhere and most
are rare, as in real text. Queries are 2-3 content words drawn the same way, some as
questions ("how do I ..."), some with a typo, some quoted.

    python tests/benchmarks/corpus.py OUT_DIR --entries 10000   # write a kb/ folder
"""

from __future__ import annotations

import argparse
import bisect
import itertools
import random
from dataclasses import dataclass
from pathlib import Path

ONSETS = ["b", "c", "d", "f", "g", "h", "k", "l", "m", "n", "p", "r", "s", "t", "v", "w",
          "br", "cl", "dr", "fl", "gr", "pl", "st", "tr", "sh", "ch", "th", "sp"]
VOWELS = ["a", "e", "i", "o", "u", "ai", "ea", "io", "ou"]
CODAS = ["", "", "n", "r", "s", "t", "l", "m", "nd", "st", "ck", "rt"]
FUNCTION = ("the a an of to in for on with is are can your it this that and or as by from "
            "be will may should when which more most".split())
QUESTION_OPENINGS = ["How do I", "Can I", "Why does", "What is the best way to",
                     "Is it safe to", "Should I", "When should I", "Does"]
SUFFIXES = ["", "", "", "s", "ing", "ed"]


@dataclass(frozen=True, slots=True)
class Corpus:
    """A generated knowledge base: file name -> text, and the queries to run on it."""

    documents: dict[str, str]
    queries: list[str]


class Vocabulary:
    """Made-up words with Zipfian frequencies (rank r drawn with weight 1/r)."""

    def __init__(self, size: int, rng: random.Random) -> None:
        words: set[str] = set()
        while len(words) < size:
            syllables = rng.choice((1, 2, 2, 3, 3, 4))
            word = "".join(rng.choice(ONSETS) + rng.choice(VOWELS) + rng.choice(CODAS)
                           for _ in range(syllables))
            if 4 <= len(word) <= 14:
                words.add(word)
        self.words = sorted(words)
        rng.shuffle(self.words)
        self._cumulative = list(itertools.accumulate(1.0 / rank
                                                     for rank in range(1, size + 1)))
        self.rng = rng

    def word(self) -> str:
        """A word drawn by Zipfian frequency."""
        point = self.rng.random() * self._cumulative[-1]
        return self.words[bisect.bisect_left(self._cumulative, point)]

    def rare_word(self) -> str:
        """A word from the long tail (what people search for is seldom 'the')."""
        return self.words[self.rng.randrange(len(self.words) // 50, len(self.words))]


def generate(entries: int, seed: int = 1, vocabulary: int = 40_000, queries: int = 1000) -> Corpus:
    """A knowledge base of about ``entries`` entries, and ``queries`` queries over it."""
    rng = random.Random(seed)
    words = Vocabulary(vocabulary, rng)
    documents: dict[str, str] = {}
    made = 0
    for number in itertools.count():
        if made >= entries:
            break
        text, count = _document(words, rng)
        documents[f"doc-{number:06d}.txt"] = text
        made += count
    return Corpus(documents, [_query(words, rng) for _ in range(queries)])


def write(corpus: Corpus, folder: Path) -> None:
    """Write the documents of ``corpus`` into ``folder`` (created if missing)."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in corpus.documents.items():
        (folder / name).write_text(text, encoding="utf-8")


def _sentence(words: Vocabulary, rng: random.Random, length: int) -> str:
    tokens = []
    for _ in range(length):
        if rng.random() < 0.4:
            tokens.append(rng.choice(FUNCTION))
        else:
            tokens.append(words.word() + rng.choice(SUFFIXES))
    return " ".join(tokens).capitalize() + "."


def _question(words: Vocabulary, rng: random.Random) -> str:
    topic = " ".join(words.word() for _ in range(rng.randint(2, 4)))
    return f"{rng.choice(QUESTION_OPENINGS)} {topic}?"


def _document(words: Vocabulary, rng: random.Random) -> tuple[str, int]:
    """A FAQ page or an article, and roughly how many entries it yields."""
    title = " ".join(words.word().capitalize() for _ in range(rng.randint(2, 5)))
    parts = [title, ""]
    count = 0
    for _ in range(rng.randint(4, 12)):
        if rng.random() < 0.7:
            parts += [_question(words, rng), ""]
            answer = " ".join(_sentence(words, rng, rng.randint(8, 22))
                              for _ in range(rng.randint(1, 3)))
            parts += [answer, ""]
            count += 2  # the pair, and the claim its answer makes
        else:
            paragraph = " ".join(_sentence(words, rng, rng.randint(10, 25))
                                 for _ in range(rng.randint(2, 5)))
            parts += [paragraph, ""]
            count += max(1, len(paragraph) // 300)
    return "\n".join(parts), count


def _query(words: Vocabulary, rng: random.Random) -> str:
    terms = [words.rare_word() if rng.random() < 0.5 else words.word()
             for _ in range(rng.randint(2, 3))]
    roll = rng.random()
    if roll < 0.15:
        terms[0] = _typo(terms[0], rng)
    elif roll < 0.25:
        return f'"{terms[0]} {terms[1]}"'
    elif roll < 0.45:
        return f"{rng.choice(QUESTION_OPENINGS).lower()} {' '.join(terms)}"
    return " ".join(terms)


def _typo(word: str, rng: random.Random) -> str:
    i = rng.randrange(1, len(word))
    edits = [word[:i] + word[i + 1:], word[:i] + word[i] + word[i:],
             word[:i - 1] + word[i] + word[i - 1] + word[i + 1:]]
    return rng.choice(edits)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Write a generated knowledge base.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    corpus = generate(args.entries, args.seed)
    write(corpus, args.folder)
    print(f"{len(corpus.documents)} documents in {args.folder}")
