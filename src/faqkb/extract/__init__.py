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
from collections.abc import Sequence

from faqkb.extract.boilerplate import boilerplate_blocks
from faqkb.extract.claims import block_claims
from faqkb.extract.faqlists import contents_copies
from faqkb.extract.pairs import Pair, find_pairs
from faqkb.extract.questions import is_question_block
from faqkb.models import Block, Document, Entry, Kind

__all__ = ["extract_entries"]


def extract_entries(document: Document) -> list[Entry]:
    """Every Q&A pair and claim of ``document``, pairs first, each in document order."""
    noise = boilerplate_blocks(document.blocks)
    blocks = [b for i, b in enumerate(document.blocks) if i not in noise]
    copies = contents_copies(blocks)
    blocks = [b for i, b in enumerate(blocks) if i not in copies]
    pairs = find_pairs(document.text, blocks, document.title)
    entries = [_pair_entry(document, group) for group in _merge_identical(pairs)]
    entries += _claims(document, blocks)
    return entries


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


def _claims(document: Document, blocks: Sequence[Block]) -> list[Entry]:
    entries: list[Entry] = []
    seen: set[str] = set()
    heading = ""
    table_header = ""
    for block in blocks:
        if block.kind in {"title", "heading"}:
            heading = "" if block.kind == "title" else block.text
            continue
        if is_question_block(block):
            heading = block.text
            continue
        if block.kind == "header_row":
            table_header = block.text
            continue
        context = table_header if block.kind == "row" else ""
        for passage in block_claims(document.text, block):
            key = _fold(passage.text)
            if key in seen:
                continue
            seen.add(key)
            entries.append(_entry(document, "claim", passage.start, passage.end, passage.text,
                                  (), heading, context))
        if block.kind != "row":
            table_header = ""
    return entries


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
