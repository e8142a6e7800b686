"""Claims: the self-contained statements of fact or advice in a block.

A paragraph is cut into sentences, and sentences are grouped so that each claim
stands on its own as a search result. A paragraph of moderate length is one claim
(its sentences explain one another); a long one is cut into parts of similar size,
never between a sentence and one that leans on it:

- a sentence that leans on the one before ("This can result in delays...", "They can
  provide...") or is too short to stand alone ("Do 10 reps.") joins the previous one;
- a question inside prose ("Does Tap Water Harm Houseplants? People may
  have told you...") leads into the sentences that answer it;
- rhetoric and lead-ins ("Here are three tips:") end a claim and are left out.

A list item is one claim with its label ("Late frost: ..."). A table is one claim,
its rows its lines with their cells set apart ("Leaves turn yellow — Water
less often"), in parts when it is long: a row of three words is no answer on its own.
A figure standing alone ("£15") belongs to the claim that follows it in its section.

Page furniture makes no claim: a fragment that is no sentence (a tagline, a button),
a run of names ("Bristol · Bath · Yate", badges), an attribution ("— Jane, Leeds").
"""

from __future__ import annotations

import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from faqkb.extract.boilerplate import is_lead_in, is_rhetoric
from faqkb.extract.questions import is_question_block
from faqkb.extract.sentences import Sentence, split_sentences
from faqkb.models import Block

MIN_CLAIM_WORDS = 5
MIN_CLAIM_CHARS = 25
SHORT_SENTENCE_CHARS = 40
MAX_CLAIM_CHARS = 500
PARAGRAPH_CHARS = 420  # a paragraph up to this long is one claim
TARGET_CLAIM_CHARS = 300  # longer paragraphs are cut into parts of about this size
LONG_ITEM_CHARS = 700
TABLE_PART_CHARS = 600  # a longer table is cut into parts of about this size
_MAX_FURNITURE_WORDS = 12
_MIN_NAMES = 3
_MAX_NAME_WORDS = 4
_ATTRIBUTION = re.compile(r"^[—–―~]\s*\w|^-\s+[A-Z]")
_SEPARATORS = re.compile(r"\s[·•|/]\s|\s*[·•|]\s*")
_SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*$")
# "£15", "$9.99 a month", "From 20 €": a figure standing alone.
_FIGURE = re.compile(r"(?i)(?:from\s+)?[£$€¥]?\s?\d[\d.,]*\s?(?:[£$€¥%]|[a-z]{1,5})?"
                     r"(?:\s*(?:/|a|an|per)\s*\w+)?")

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


@dataclass(frozen=True, slots=True)
class Claim:
    """A claim of a document: its passage, the section it is in and, for a table, the
    table's header."""

    passage: Passage
    heading: str
    context: str = ""


def document_claims(document_text: str, blocks: Sequence[Block],
                    questions: Collection[int]) -> dict[int, list[Claim]]:
    """The claims of a document's blocks, keyed by the index of the block each starts
    in; ``questions`` are the blocks that ask a pair's question (headings, for this).
    A claim said twice is kept the first time."""
    claims: dict[int, list[Claim]] = {}
    seen: set[str] = set()
    heading = header = ""
    figure: int | None = None  # a figure standing alone, waiting for what it describes
    i = 0
    while i < len(blocks):
        block = blocks[i]
        if block.kind in {"title", "heading"} or i in questions or is_question_block(block):
            heading = "" if block.kind == "title" else block.text
            figure = None
            i += 1
            continue
        if block.kind in {"header_row", "row"}:
            header = block.text if block.kind == "header_row" else header
            j = i + 1 if block.kind == "header_row" else i
            end = j
            while end < len(blocks) and blocks[end].kind == "row":
                end += 1
            for passage in table_claims(blocks[j:end]):
                _keep(claims, seen, j, Claim(passage, heading, header))
            i, header, figure = max(end, i + 1), "", None
            continue
        passages = block_claims(document_text, block)
        if figure is not None and passages and passages[0].start == block.start:
            first = passages[0]
            passages[0] = Passage(blocks[figure].start, first.end,
                                  f"{blocks[figure].text} — {first.text}")
        figure = i if not passages and _FIGURE.fullmatch(block.text) else None
        for passage in passages:
            _keep(claims, seen, i, Claim(passage, heading))
        i += 1
    return claims


def table_claims(rows: Sequence[Block]) -> list[Passage]:
    """A table's rows as claims: the whole table, or parts of it when it is long."""
    passages: list[Passage] = []
    part: list[Block] = []
    for row in [*rows, None]:
        if row is not None and len(row.cells) < 2:
            continue
        size = sum(len(r.text) + 1 for r in part)
        if part and (row is None or size + len(row.text) > TABLE_PART_CHARS):
            passages.append(Passage(part[0].start, part[-1].end,
                                    "\n".join(r.text for r in part)))
            part = []
        if row is not None:
            part.append(row)
    return passages


def _keep(claims: dict[int, list[Claim]], seen: set[str], index: int, claim: Claim) -> None:
    key = " ".join(claim.passage.text.lower().split())
    if key not in seen:
        seen.add(key)
        claims.setdefault(index, []).append(claim)


def block_claims(document_text: str, block: Block) -> list[Passage]:
    """The claims a content block makes, each with its span (a table row: see
    :func:`table_claims`)."""
    if block.kind == "row":
        return [Passage(block.start, block.end, block.text)] if len(block.cells) > 1 else []
    if _furniture(block):
        return []
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


def _furniture(block: Block) -> str:
    """What page furniture ``block`` is ("" when it is none)."""
    text = block.text
    words = len(_WORDS.findall(text))
    if _ATTRIBUTION.match(text) and words <= _MAX_FURNITURE_WORDS:
        return "an attribution"
    parts = [part.strip() for part in _SEPARATORS.split(text)]
    if len(parts) >= _MIN_NAMES and all(
            part and len(part.split()) <= _MAX_NAME_WORDS and part[0].isupper() | part[0].isdigit()
            and not part.endswith((".", "!", "?", ":")) for part in parts):
        return "a run of names"
    if block.kind == "paragraph" and words <= _MAX_FURNITURE_WORDS \
            and not _SENTENCE_END.search(text):
        return "a fragment, not a sentence"
    return ""


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
    furniture = _furniture(block)
    if furniture:
        return f"{furniture}: page furniture"
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
