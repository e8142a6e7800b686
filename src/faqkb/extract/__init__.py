"""Extraction: turning one :class:`~faqkb.models.Document` into :class:`~faqkb.models.Entry`
records, each with the exact span of the document's text it came from.

The parts, in the order they run:

- :mod:`.boilerplate` drops page chrome and promotion, and judges rhetoric;
- :mod:`.faqlists` drops contents lists and tells which blocks ask the questions
  (:mod:`.questions` tells a question from a topic);
- :mod:`.pairs` finds question-and-answer pairs;
- :mod:`.claims` cuts the remaining prose, lists and tables into claims
  (:mod:`.sentences` splits sentences, run-together ones included).

Pairs whose answers are identical become one entry carrying every question, and a
claim said twice in a document is kept once. Entry ids hash the source name, the
kind and the passage, so they survive rebuilds and edits elsewhere in the document.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from faqkb.extract.boilerplate import boilerplate_blocks
from faqkb.extract.claims import document_claims
from faqkb.extract.faqlists import FAQ, contents_copies
from faqkb.extract.pairs import Pair, find_pairs
from faqkb.models import Block, Document, Entry, Kind

__all__ = ["Extraction", "analyse", "extract_entries"]


@dataclass(frozen=True, slots=True)
class Extraction:
    """What extraction made of a document, block by block.

    ``chrome`` maps the index (in ``document.blocks``) of each block dropped as page
    chrome to why; ``copies`` holds the lines of contents lists; ``kept`` the indices
    of the other blocks, in order: the ``block`` and ``answer_blocks`` of each pair
    and the keys of ``claims`` index ``kept``. ``claims`` maps a kept block to the
    claims it made.
    """

    document: Document
    chrome: Mapping[int, str]
    copies: frozenset[int]
    kept: tuple[int, ...]
    pairs: tuple[Pair, ...]
    claims: Mapping[int, tuple[Entry, ...]]
    entries: tuple[Entry, ...]

    @property
    def chrome_dropped(self) -> int:
        """How many pieces of page chrome were left out: page elements the reader
        dropped and blocks dropped here."""
        return len(self.document.dropped) + len(self.chrome)


def extract_entries(document: Document) -> list[Entry]:
    """Every Q&A pair and claim of ``document``, pairs first, each in document order."""
    return list(analyse(document).entries)


def analyse(document: Document) -> Extraction:
    """Extract ``document``'s entries, keeping what became of each of its blocks."""
    chrome = boilerplate_blocks(document.blocks)
    unchromed = [i for i in range(len(document.blocks)) if i not in chrome]
    faq = presents_itself_as_faq(document)
    copied = contents_copies([document.blocks[i] for i in unchromed], faq)
    copies = frozenset(unchromed[i] for i in copied)
    kept = tuple(i for i in unchromed if i not in copies)
    blocks = [document.blocks[i] for i in kept]
    # Page chrome between blocks may end the last answer: where did it stand?
    after_chrome = {position for position, (before, index) in enumerate(
        itertools.pairwise((-1, *kept))) if any(i in chrome for i in range(before + 1, index))}
    pairs = find_pairs(document.text, blocks, document.title, faq, after_chrome)
    entries = [_pair_entry(document, group) for group in _merge_identical(pairs)]
    claims = _claims(document, blocks, {pair.block for pair in pairs})
    entries += [entry for made in claims.values() for entry in made]
    return Extraction(document, chrome, copies, kept, tuple(pairs), claims, tuple(entries))


def presents_itself_as_faq(document: Document) -> bool:
    """True when the document's title or its file name says it is a FAQ."""
    name = re.sub(r"[\W_]+", " ", document.name.rsplit("/", 1)[-1])
    return bool(FAQ.search(document.title) or FAQ.search(name))


def _merge_identical(pairs: list[Pair]) -> list[list[Pair]]:
    groups: dict[str, list[Pair]] = {}
    for pair in pairs:
        groups.setdefault(_fold(pair.answer), []).append(pair)
    return sorted(groups.values(), key=lambda group: group[0].start)


def _pair_entry(document: Document, group: list[Pair]) -> Entry:
    first = group[0]
    start, end = first.start, first.end
    # Pairs that follow one another make one passage; scattered copies keep the first.
    if all(b.start >= a.end and not document.text[a.end : b.start].strip()
           for a, b in itertools.pairwise(group)):
        start, end = min(p.start for p in group), max(p.end for p in group)
    questions = tuple(dict.fromkeys(p.question for p in group))
    return _entry(document, "qa", start, end, first.answer, questions, first.heading)


def _claims(document: Document, blocks: Sequence[Block],
            questions: set[int]) -> dict[int, tuple[Entry, ...]]:
    return {index: tuple(_entry(document, "claim", c.passage.start, c.passage.end,
                                c.passage.text, (), c.heading, c.context) for c in made)
            for index, made in document_claims(document.text, blocks, questions).items()}


def _entry(document: Document, kind: Kind, start: int, end: int, text: str,
           questions: tuple[str, ...], heading: str, context: str = "") -> Entry:
    passage = document.text[start:end]
    digest = hashlib.sha1(f"{document.name}\0{kind}\0{passage}".encode()).hexdigest()[:16]
    return Entry(
        id=digest,
        kind=kind,
        source=document.name,
        start=start,
        end=end,
        text=text,
        questions=questions,
        title=document.title,
        heading=heading,
        context=context,
    )


def _fold(text: str) -> str:
    return " ".join(text.lower().split())
