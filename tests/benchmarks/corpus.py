"""A deterministic generator of realistic knowledge bases and queries, for benchmarks.

Words are real English with real frequencies (the ``wordfreq`` package, a benchmark-only
dependency: ``pip install -e ".[bench]"``): function words are as common as in any text
and most content words are rare. A knowledge base has 400 topics, each with a folder and
a vocabulary of its own that its documents lean on, and five kinds of document:

- Markdown FAQs (``## Question?`` headings, answers with lists now and then);
- plain-text ``Q:``/``A:`` FAQs;
- HTML FAQ pages with page chrome around the content (navigation, breadcrumbs, a
  cookie box, a sidebar, a newsletter footer), questions as headings, ``<dl>`` terms
  or ``<details>``;
- numbered FAQs (``1.`` questions with the answers indented under them);
- prose articles (Markdown or plain text, headings and paragraphs).

Queries are distinct, 2-6 words each, drawn from what the documents say (a question's
words, an answer's words, or a topic's words, which may answer nothing): a fifth carry a
typo and almost half are phrased as questions ("how do i ...").

    python tests/benchmarks/corpus.py OUT_DIR --entries 10000   # write a kb/ folder
"""

from __future__ import annotations

import argparse
import itertools
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

TOPICS = 400
GENERAL_WORDS = 40_000
QUESTION_OPENINGS = ["how do i", "how can i", "what is the best way to", "can i",
                     "why does my", "is it safe to", "should i", "when should i",
                     "what happens if i", "where can i", "do i need to", "how often should i"]
HEADING_QUESTIONS = ["How do I {0} {1}?", "Can I {0} the {1}?", "Why does my {0} {1}?",
                     "What is the best way to {0} {1}?", "Is it safe to {0} {1}?",
                     "Should I {0} my {1}?", "When should I {0} {1}?",
                     "What happens if the {0} {1}?", "Where can I find {0} {1}?",
                     "Do I need {0} for {1}?", "How often should I {0} {1}?",
                     "What is {0} {1}?", "Does {0} affect {1}?", "How long does {0} {1} take?"]
SITE_LINKS = ["Home", "Products", "Support", "Pricing", "Blog", "Contact us", "About"]


@dataclass(frozen=True, slots=True)
class Corpus:
    """A generated knowledge base: relative file path -> text, and distinct queries."""

    documents: dict[str, str]
    queries: list[str]


@cache
def _english() -> tuple[list[str], list[str], list[float], list[float]]:
    """English words by frequency: all of them, the content words, and cumulative weights
    for drawing each (so "the" is drawn as often as it is written)."""
    from wordfreq import top_n_list, word_frequency

    from faqkb.index.analysis import STOP_WORDS

    words = [w for w in top_n_list("en", GENERAL_WORDS + 5_000)
             if w.isascii() and w.isalpha() and (len(w) > 1 or w in {"a", "i"})]
    words = words[:GENERAL_WORDS]
    weights = [word_frequency(w, "en") for w in words]
    content = [w for w in words if w not in STOP_WORDS and len(w) > 2]
    content_weights = [word_frequency(w, "en") for w in content]
    return (words, content, list(itertools.accumulate(weights)),
            list(itertools.accumulate(content_weights)))


class _Topic:
    """A subject: a folder name, a title, and words its documents use more than others."""

    def __init__(self, number: int, rng: random.Random) -> None:
        _, content, _, _ = _english()
        # Topic words come from the middle and the tail: what a subject is about is rarer
        # than "time" or "people".
        pool = content[300:]
        self.words = rng.sample(pool, 60)
        self.weights = list(itertools.accumulate(1.0 / rank for rank in range(1, 61)))
        self.name = f"{self.words[0]} {self.words[1]}"
        self.folder = f"t{number:03d}-{self.words[0]}-{self.words[1]}"

    def word(self, rng: random.Random) -> str:
        return rng.choices(self.words, cum_weights=self.weights)[0]


class _Writer:
    """Sentences, questions and documents over the English vocabulary and one topic."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.words, self.content, self.cumulative, self.content_cumulative = _english()
        self.questions: list[str] = []  # what queries are later drawn from
        self.sentences: list[str] = []

    def general(self, count: int) -> list[str]:
        return self.rng.choices(self.words, cum_weights=self.cumulative, k=count)

    def content_word(self) -> str:
        return self.rng.choices(self.content, cum_weights=self.content_cumulative)[0]

    def sentence(self, topic: _Topic, low: int = 8, high: int = 22) -> str:
        rng = self.rng
        words = self.general(rng.randint(low, high))
        for i in range(len(words)):
            if rng.random() < 0.22:
                words[i] = topic.word(rng)
        if len(words) > 8 and rng.random() < 0.3:
            words[rng.randrange(3, len(words) - 2)] += ","
        text = " ".join(words)
        text = text[0].upper() + text[1:] + "."
        self._keep(self.sentences, text)
        return text

    def question(self, topic: _Topic) -> str:
        rng = self.rng
        first = topic.word(rng) if rng.random() < 0.7 else self.content_word()
        second = f"{topic.word(rng)} {self.content_word()}" if rng.random() < 0.4 \
            else topic.word(rng)
        text = rng.choice(HEADING_QUESTIONS).format(first, second)
        self._keep(self.questions, text)
        return text

    def answer(self, topic: _Topic) -> list[str]:
        """An answer's paragraphs: one to three sentences each."""
        return [" ".join(self.sentence(topic) for _ in range(self.rng.randint(1, 3)))
                for _ in range(1 if self.rng.random() < 0.75 else 2)]

    def title(self, topic: _Topic) -> str:
        words = [topic.word(self.rng) for _ in range(self.rng.randint(1, 3))]
        return " ".join(w.capitalize() for w in (*topic.name.split(), *words))

    def _keep(self, pool: list[str], text: str) -> None:
        # A bounded, evenly spread sample of what was written (reservoir-like).
        if len(pool) < 50_000:
            pool.append(text)
        else:
            pool[self.rng.randrange(len(pool))] = text


def _markdown_faq(w: _Writer, topic: _Topic) -> tuple[str, str, int]:
    rng = w.rng
    parts = [f"# {w.title(topic)} FAQ", "", w.sentence(topic), ""]
    pairs = rng.randint(5, 25)
    for number in range(pairs):
        if number % 6 == 0 and number:
            parts += [f"## {topic.word(rng).capitalize()} and {topic.word(rng)}", ""]
        parts += [f"### {w.question(topic)}", ""]
        for paragraph in w.answer(topic):
            parts += [paragraph, ""]
        if rng.random() < 0.15:
            parts += [f"- **{topic.word(rng).capitalize()}**: {w.sentence(topic, 5, 12)}"
                      for _ in range(rng.randint(2, 4))] + [""]
    return ".md", "\n".join(parts), pairs


def _qa_text(w: _Writer, topic: _Topic) -> tuple[str, str, int]:
    parts = [f"{w.title(topic)}: Questions and Answers", ""]
    pairs = w.rng.randint(5, 25)
    for _ in range(pairs):
        parts += [f"Q: {w.question(topic)}", f"A: {' '.join(w.answer(topic))}", ""]
    return ".txt", "\n".join(parts), pairs


def _numbered_faq(w: _Writer, topic: _Topic) -> tuple[str, str, int]:
    parts = [f"{w.title(topic)} - Frequently Asked Questions", ""]
    pairs = w.rng.randint(5, 25)
    for number in range(1, pairs + 1):
        parts += [f"{number}. {w.question(topic)}", ""]
        for paragraph in w.answer(topic):
            parts += [f"   {paragraph}", ""]
    return ".txt", "\n".join(parts), pairs


def _article(w: _Writer, topic: _Topic) -> tuple[str, str, int]:
    rng = w.rng
    markdown = rng.random() < 0.6
    title = w.title(topic)
    parts = [f"# {title}" if markdown else title, ""]
    paragraphs = 0
    for _ in range(rng.randint(2, 6)):
        heading = " ".join(topic.word(rng) for _ in range(rng.randint(1, 3))).capitalize()
        parts += [f"## {heading}" if markdown else heading, ""]
        for _ in range(rng.randint(1, 4)):
            parts += [" ".join(w.sentence(topic, 10, 26) for _ in range(rng.randint(2, 5))), ""]
            paragraphs += 1
    return (".md" if markdown else ".txt"), "\n".join(parts), paragraphs


def _html_faq(w: _Writer, topic: _Topic) -> tuple[str, str, int]:
    rng = w.rng
    title = w.title(topic)
    site = f"{topic.words[2].capitalize()} {rng.choice(['Help Centre', 'Support', 'Guide'])}"
    style = rng.choice(["headings", "headings", "dl", "details"])
    pairs = rng.randint(5, 25)
    body: list[str] = []
    if style == "dl":
        body.append("<dl>")
    for _ in range(pairs):
        question, answer = w.question(topic), w.answer(topic)
        paragraphs = "".join(f"<p>{p}</p>" for p in answer)
        if style == "dl":
            body.append(f"<dt>{question}</dt><dd>{paragraphs}</dd>")
        elif style == "details":
            body.append(f"<details><summary>{question}</summary>{paragraphs}</details>")
        else:
            body.append(f"<h3>{question}</h3>\n{paragraphs}")
    if style == "dl":
        body.append("</dl>")
    links = "".join(f'<li><a href="/{link.lower().replace(" ", "-")}">{link}</a></li>'
                    for link in SITE_LINKS)
    related = "".join(f'<li><a href="/{topic.folder}/{i}">{w.title(topic)}</a></li>'
                      for i in range(4))
    text = f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{title} | {site}</title>
<style>body {{ font-family: sans-serif; }} .cookie {{ position: fixed; }}</style>
<script>window.dataLayer = window.dataLayer || []; function track() {{ return 1; }}</script>
</head>
<body>
<header><a class="logo" href="/">{site}</a><nav><ul>{links}</ul></nav></header>
<nav class="breadcrumbs" aria-label="breadcrumb"><a href="/">Home</a> &gt;
<a href="/{topic.folder}">{topic.name.title()}</a> &gt; {title}</nav>
<div class="cookie-banner">We use cookies to improve your experience.
<button>Accept all</button> <a href="/privacy">Privacy policy</a></div>
<main>
<h1>{title}</h1>
<p>{w.sentence(topic)}</p>
{chr(10).join(body)}
</main>
<aside class="sidebar"><h4>Related articles</h4><ul>{related}</ul></aside>
<footer><h4>Join our newsletter</h4><p>Sign up to get the latest news and offers.</p>
<form><input type="email" placeholder="Email"><button>Subscribe</button></form>
<p>&copy; 2024 {site}. All rights reserved.</p></footer>
</body>
</html>
"""
    return ".html", text, pairs


# Each kind of document: its share of documents, and the entries faqkb's extractor finds
# per question or paragraph it counts (calibrated: a pair is an entry, and most of its
# answer's sentences and list items are claims of their own).
KINDS = [(_markdown_faq, 0.25, 2.75), (_qa_text, 0.15, 2.1), (_html_faq, 0.25, 2.3),
         (_numbered_faq, 0.15, 2.27), (_article, 0.20, 1.46)]


def documents(entries: int, seed: int = 1) -> Iterator[tuple[str, str]]:
    """``(relative path, text)`` of documents adding up to about ``entries`` entries."""
    yield from _generate(entries, seed, _Writer(random.Random(seed)))


def _generate(entries: int, seed: int, writer: _Writer) -> Iterator[tuple[str, str]]:
    rng = writer.rng
    topics = [_Topic(number, random.Random(seed * 1000 + number)) for number in range(TOPICS)]
    shares = [share for _, share, _ in KINDS]
    made = 0.0
    for number in itertools.count():
        if made >= entries:
            return
        topic = topics[number % TOPICS] if number < TOPICS else rng.choice(topics)
        kind, _, per_unit = rng.choices(KINDS, weights=shares)[0]
        suffix, text, units = kind(writer, topic)
        made += units * per_unit
        yield f"{topic.folder}/{kind.__name__.strip('_')}-{number:06d}{suffix}", text


def generate(entries: int, seed: int = 1, queries: int = 1000) -> Corpus:
    """A knowledge base of about ``entries`` entries, and ``queries`` distinct queries."""
    writer = _Writer(random.Random(seed))
    docs = dict(_generate(entries, seed, writer))
    return Corpus(docs, make_queries(writer, queries, random.Random(seed + 1)))


def write(corpus: Corpus, folder: Path) -> None:
    """Write the documents of ``corpus`` into ``folder`` (created if missing)."""
    for name, text in corpus.documents.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def make_queries(writer: _Writer, count: int, rng: random.Random) -> list[str]:
    """``count`` distinct queries of 2-6 words over what ``writer`` wrote."""
    from faqkb.index.analysis import STOP_WORDS

    def content(text: str) -> list[str]:
        return [t for t in re.findall(r"[a-z]+", text.lower())
                if t not in STOP_WORDS and len(t) > 2]

    seen: set[str] = set()
    queries: list[str] = []
    attempts = 0
    while len(queries) < count and attempts < count * 50:
        attempts += 1
        roll = rng.random()
        if roll < 0.5 and writer.questions:
            words = content(rng.choice(writer.questions))
        elif roll < 0.85 and writer.sentences:
            words = content(rng.choice(writer.sentences))
        else:
            words = [writer.content_word() for _ in range(4)]
        if len(words) < 2:
            continue
        opening = rng.choice(QUESTION_OPENINGS).split() if rng.random() < 0.47 else []
        room = 6 - len(opening)
        if room < 2:
            opening, room = opening[:2], 4
        take = rng.randint(2, min(room, len(words)))
        start = rng.randrange(len(words) - take + 1)
        terms = words[start:start + take]
        if rng.random() < 0.2:
            at = rng.randrange(len(terms))
            terms[at] = _typo(terms[at], rng)
        terms = opening + terms
        query = " ".join(terms)
        if query not in seen:
            seen.add(query)
            queries.append(query)
    return queries


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4:
        return word + rng.choice("aeiou")
    i = rng.randrange(1, len(word) - 1)
    return rng.choice([word[:i] + word[i + 1:],                        # a letter dropped
                       word[:i] + word[i] + word[i:],                  # doubled
                       word[:i] + word[i + 1] + word[i] + word[i + 2:],  # swapped
                       word[:i] + rng.choice("aeiourstn") + word[i + 1:]])  # replaced


def write_corpus(folder: Path, entries: int, seed: int, queries: int) -> list[str]:
    """Write a knowledge base of about ``entries`` entries into ``folder`` one document at
    a time (a million entries need not be held in memory) and return its queries."""
    writer = _Writer(random.Random(seed))
    made: set[Path] = set()
    for name, text in _generate(entries, seed, writer):
        path = folder / name
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_text(text, encoding="utf-8")
    return make_queries(writer, queries, random.Random(seed + 1))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="Write a generated knowledge base.")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    written = write_corpus(args.folder, args.entries, args.seed, 10)
    print(f"{sum(1 for p in args.folder.rglob('*') if p.is_file())} documents in {args.folder};"
          f" queries such as: {written[:5]}")
