"""Claims: the self-contained statements of fact or advice in a block.

A paragraph is cut into sentences, and sentences are grouped so that each claim
stands on its own as a search result. A paragraph of moderate length is one claim
(its sentences explain one another); a long one is cut into parts of similar size,
never between a sentence and one that leans on it:

- a sentence that leans on the one before ("This can result in pain...", "They can
  provide...") or is too short to stand alone ("Do 10 reps.") joins the previous one;
- a question inside prose ("Does Running Cause Mid and Lower Back Pain? People may
  have told you...") leads into the sentences that answer it;
- rhetoric and lead-ins ("Here are three tips:") end a claim and are left out.

A list item is one claim with its label ("Herniated Disc: ..."), and a table row is one
claim with its cells set apart ("Muscle strain — Strengthening exercises").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from faqkb.extract.boilerplate import is_lead_in, is_rhetoric
from faqkb.extract.sentences import Sentence, split_sentences
from faqkb.models import Block

MIN_CLAIM_WORDS = 5
MIN_CLAIM_CHARS = 25
SHORT_SENTENCE_CHARS = 40
MAX_CLAIM_CHARS = 500
PARAGRAPH_CHARS = 420  # a paragraph up to this long is one claim
TARGET_CLAIM_CHARS = 300  # longer paragraphs are cut into parts of about this size
LONG_ITEM_CHARS = 700

_ANAPHORA = re.compile(
    r"^(this|these|those|such|they|them|their|theirs|he|she|its|that\s+(is|was|means|can|will|may)"
    r"|it(?!\s+(is|was|can be|may be|’s|'s)\s+\w+\s+(to|that|for)\b))\b"
    # "To achieve this, ...", "Because of that, ...": a pronoun early on, before a comma
    r"|^(\w+\s+){1,3}(this|that|these|those|it|them)\s*,",
    re.IGNORECASE,
)
_WORDS = re.compile(r"\w+")


@dataclass(frozen=True, slots=True)
class Passage:
    """A span of the document's text and its clean text."""

    start: int
    end: int
    text: str


def block_claims(document_text: str, block: Block) -> list[Passage]:
    """The claims a content block makes, each with its span."""
    if block.kind == "row":
        # A row means something through its table's header, however short it is.
        return [Passage(block.start, block.end, block.text)] if len(block.cells) > 1 else []
    if block.kind == "item" and len(block.text) <= LONG_ITEM_CHARS:
        sentences = split_sentences(document_text, block.start, block.end)
        kept = [s for s in sentences if not is_rhetoric(s.text)]
        if len(kept) < len(sentences) and not kept:
            return []
        if kept and len(kept) == len(sentences) and _substantial(block.text):
            return [Passage(block.start, block.end, _join(kept))]
        return _group(kept)
    if block.kind in {"paragraph", "item"}:
        return _group(split_sentences(document_text, block.start, block.end))
    return []


def informative_sentences(document_text: str, block: Block) -> list[Sentence]:
    """The sentences of a block that are neither rhetoric nor lead-ins."""
    return [
        s for s in split_sentences(document_text, block.start, block.end)
        if not is_rhetoric(s.text) and not is_lead_in(s.text)
    ]


def _group(sentences: list[Sentence]) -> list[Passage]:
    claims: list[Passage] = []
    run: list[Sentence] = []
    for sentence in [*sentences, None]:
        if sentence is not None and not is_rhetoric(sentence.text) \
                and not is_lead_in(sentence.text):
            run.append(sentence)
            continue
        for chunk in _chunks(_units(run)):
            passage = Passage(chunk[0].start, chunk[-1].end, _join(chunk))
            if _substantial(passage.text) and not passage.text.endswith("?"):
                claims.append(passage)
        run = []
    return claims


def _units(sentences: list[Sentence]) -> list[list[Sentence]]:
    """Sentences with the ones that lean on them: a unit is never cut apart."""
    units: list[list[Sentence]] = []
    for sentence in sentences:
        if units and _joins_previous(units[-1], sentence):
            units[-1].append(sentence)
        else:
            units.append([sentence])
    return units


def _chunks(units: list[list[Sentence]]) -> list[list[Sentence]]:
    """Units packed into claims: a short paragraph whole, a long one in even parts."""
    size = sum(_size(unit) for unit in units)
    if size <= PARAGRAPH_CHARS:
        return [[s for unit in units for s in unit]] if units else []
    target = size / math.ceil(size / TARGET_CLAIM_CHARS)
    chunks: list[list[Sentence]] = []
    current: list[Sentence] = []
    for unit in units:
        if current and _size(current) + _size(unit) / 2 > target:
            chunks.append(current)
            current = []
        current = current + unit
    if current:
        chunks.append(current)
    return chunks


def _size(sentences: list[Sentence]) -> int:
    return sum(len(s.text) + 1 for s in sentences)


def _joins_previous(current: list[Sentence], sentence: Sentence) -> bool:
    if current[-1].text.endswith("?") and len(current) == 1:
        return True
    if _size(current) + len(sentence.text) > MAX_CLAIM_CHARS:
        return False
    return bool(_ANAPHORA.match(sentence.text)) or len(sentence.text) < SHORT_SENTENCE_CHARS \
        or _size(current) < SHORT_SENTENCE_CHARS


def _join(sentences: list[Sentence]) -> str:
    return " ".join(s.clean for s in sentences)


def _substantial(text: str) -> bool:
    return len(text) >= MIN_CLAIM_CHARS and len(_WORDS.findall(text)) >= MIN_CLAIM_WORDS


def why_no_claim(document_text: str, block: Block) -> str:
    """Why ``block`` makes no claim of its own ("rhetoric", "too short", ...)."""
    if block.kind in {"title", "heading", "question"}:
        return "a heading: it names its section"
    if block.kind == "header_row":
        return "a table's header: it is the context of the rows below it"
    if block.kind == "code":
        return "code: searchable as part of the answer it is in"
    if block.kind == "nav":
        return "navigation"
    if block.kind == "row":
        return "a table row of a single cell"
    sentences = split_sentences(document_text, block.start, block.end)
    if not sentences:
        return "no text"
    if all(is_rhetoric(s.text) for s in sentences):
        return "rhetoric: no fact or advice"
    if all(is_rhetoric(s.text) or is_lead_in(s.text) for s in sentences):
        return "a lead-in to what follows"
    if block.text.endswith("?"):
        return "a question without an answer of its own"
    return f"too short to stand alone (a claim has {MIN_CLAIM_WORDS} words or more)"
