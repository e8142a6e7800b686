"""Question-and-answer pairs: a question line or heading and the text that answers it.

- A question heading (or a line that is one question) is answered by the blocks that
  follow it, up to the next heading of its level or above, the next question, the
  label of the next group of questions ("Billing & Payments") or the page matter
  after the last answer (page chrome such as a copyright line, a list of references
  the answer does not cite).
- An answer's own label ("Answer:", "A:") is not part of its text.
- A document whose *title* asks a question is paired with the passage that answers it
  (:mod:`.titles`). When the title question is followed at once by a short answer and
  further questions, the document is a FAQ list and the title is paired like any
  other question; a short page under a question title (a help-centre answer) is its
  answer.
- A question that opens a paragraph of prose ("Does Tap Water Harm ...? People may
  have told you...") is part of that answer, not a new pair.
- A table row of two cells, a question and its answer, is a pair.
- Marked questions that follow one another ("Q: ... Q: ... A: ...") share the answer
  after them, and so become one entry.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from faqkb.extract.faqlists import answer_label_length, asked_blocks
from faqkb.extract.questions import is_question, title_question
from faqkb.extract.titles import title_passage
from faqkb.models import Block

_ITEM_NUMBER = re.compile(r"\(?\d{1,3}(?:\.\d{1,3})*[.)]")
_HEADINGS = {"title", "heading"}
_CONTENT = {"paragraph", "item", "row", "header_row", "code"}
_FAQ_TITLE_MAX_ANSWER_BLOCKS = 2
_SHORT_ANSWER_CHARS = 1200
_MAX_LABEL_WORDS = 6
_NOT_IN_LABELS = re.compile(r"[/:@=_.<>()\[\]{}`$]")
_REFERENCE = re.compile(r"\[(\d{1,3})\]\s*$")


@dataclass(frozen=True, slots=True)
class Pair:
    """A question and its answer, before ids and duplicates are settled.

    ``block`` is the index of the question's block (the title's, for a title
    question); ``answer_blocks`` are the indices of the blocks the answer was taken
    from (none for a title question answered by a passage inside a block).
    """

    question: str
    answer: str
    start: int
    end: int
    heading: str
    block: int
    answer_blocks: tuple[int, ...] = ()


def find_pairs(text: str, blocks: Sequence[Block], title: str, faq: bool = False,
               after_chrome: Collection[int] = ()) -> list[Pair]:
    """Every question-and-answer pair among ``blocks`` (boilerplate already removed).

    ``faq`` says that the document presents itself as a FAQ; ``after_chrome`` holds
    the indices of the blocks that page chrome stood before, where the page matter
    after the last answer may begin.
    """
    asked = asked_blocks(blocks, faq)
    end = _end_of_answers(text, blocks, asked, after_chrome)
    # Questions the document marks itself are all it asks, its title included.
    declared = any(block.kind == "question" for block in blocks)
    pairs: list[Pair] = []
    section = ""
    for i, block in enumerate(blocks):
        if block.kind == "title":
            pair = None if declared else _title_pair(text, blocks, i, asked, end)
            if pair:
                pairs.append(pair)
            continue
        if block.kind == "row" and not declared and len(block.cells) == 2 \
                and is_question(block.cells[0]):
            asks, says = block.cells
            pairs.append(Pair(asks, says, block.start, block.end, section, i, (i,)))
            continue
        if i not in asked:
            if block.kind == "heading":
                section = block.text
            continue
        answer = _answer_blocks(blocks, i, asked, end) or _shared_answer(blocks, i, asked, end)
        if answer:
            pairs.append(_pair(text, blocks, block.text, block.start, answer, section, i))
    return pairs


def _end_of_answers(text: str, blocks: Sequence[Block], asked: set[int],
                    after_chrome: Collection[int]) -> int:
    """Where the page matter after the last answer begins (``len(blocks)`` if nowhere):
    at page chrome, or at a list of references ("[1] http://...") the last answer does
    not cite."""
    last = max(asked, default=len(blocks))
    for i in range(last + 1, len(blocks)):
        if i in after_chrome:
            return i
        number = _reference_number(text, blocks[i])
        if number is not None:
            cited = "".join(b.text for b in blocks[last + 1 : i])
            if f"[{number}]" not in cited:
                return i
    return len(blocks)


def _reference_number(text: str, block: Block) -> str | None:
    """The number of a reference-list item ("[3] http://..."), or ``None``."""
    if block.kind != "item":
        return None
    match = _REFERENCE.search(text, max(0, block.start - 8), block.start)
    return match.group(1) if match else None


def _answer_blocks(blocks: Sequence[Block], index: int, asked: set[int], end: int) -> list[int]:
    question = blocks[index]
    level = question.level if question.kind in _HEADINGS or question.kind == "question" else 99
    answer: list[int] = []
    for i in range(index + 1, end):  # not a slice: a copy per question is quadratic
        block = blocks[i]
        if block.kind in _HEADINGS and block.level <= level or i in asked:
            break
        if answer and i + 1 in asked and _is_label(block):
            break  # a group's label ("Tracking & Support") over the next questions
        if block.kind in _CONTENT or block.kind == "heading":
            answer.append(i)
    while answer and blocks[answer[-1]].kind == "heading":
        answer.pop()
    return answer


def _is_label(block: Block) -> bool:
    """True for a few words standing alone that end no sentence ("Billing & Payments"),
    not a link or a name from code."""
    text = block.text
    return block.kind in {"paragraph", "item"} and len(text.split()) <= _MAX_LABEL_WORDS \
        and text[:1].isupper() and not _NOT_IN_LABELS.search(text) \
        and not text.endswith((".", "!", "?", ":", ";", ","))


def _shared_answer(blocks: Sequence[Block], index: int, asked: set[int], end: int) -> list[int]:
    """The answer of the marked questions right after a marked question with none."""
    following = index + 1
    while blocks[index].kind == "question" and following < len(blocks) \
            and blocks[following].kind == "question":
        answer = _answer_blocks(blocks, following, asked, end)
        if answer:
            return answer
        following += 1
    return []


def _pair(text: str, blocks: Sequence[Block], question: str, start: int, answer: list[int],
          section: str, index: int) -> Pair:
    lines = [_answer_line(text, blocks[i]) for i in answer]
    label = answer_label_length(lines[0])
    if label:
        lines[0] = lines[0][label:]
    body = "\n".join(line for line in lines if line)
    return Pair(question, body, start, blocks[answer[-1]].end, section, index, tuple(answer))


def _answer_line(text: str, block: Block) -> str:
    """A block of an answer as a line of its text; a numbered item keeps its number
    ("2. Click Save"), since the order of steps is part of the answer."""
    if block.kind != "item" or not block.numbered:
        return block.text
    marker = text[text.rfind("\n", 0, block.start) + 1 : block.start].strip()
    return f"{marker} {block.text}" if _ITEM_NUMBER.fullmatch(marker) else block.text


def _title_pair(text: str, blocks: Sequence[Block], index: int, asked: set[int],
                end: int) -> Pair | None:
    question = title_question(blocks[index].text)
    if question is None:
        return None
    direct = _answer_blocks(blocks, index, asked, end)
    following = direct[-1] + 1 if direct else index + 1
    if 0 < len(direct) <= _FAQ_TITLE_MAX_ANSWER_BLOCKS and following < len(blocks) \
            and following in asked:
        return _pair(text, blocks, question, blocks[index].start, direct, "", index)
    # A short page under a question (a help-centre answer) answers it from the start.
    if direct and following >= end and \
            sum(len(blocks[i].text) for i in direct) <= _SHORT_ANSWER_CHARS:
        return _pair(text, blocks, question, blocks[index].start, direct, "", index)
    passage = title_passage(text, blocks, question)
    if passage is None:
        return None
    return Pair(question, passage.text, passage.start, passage.end, "", index)
