"""Question-and-answer pairs: a question line or heading and the text that answers it.

- A question heading (or a line that is one question) is answered by the blocks that
  follow it, up to the next heading of its level or above or the next question.
- A document whose *title* asks a question ("Is Running Good for Lower Back Pain?")
  is usually an article, not a list: its answer is the passage that answers most
  directly, the opening of a conclusion ("In conclusion, ...") or of a summary
  section ("Key Takeaways") where there is one, else of the paragraph that shares
  most of the question's words, later paragraphs preferred. When the title question is followed
  at once by a short answer and further questions, the document is a FAQ list and
  the title is paired like any other question; a short page under a question title
  (a help-centre answer) is its answer.
- A question that opens a paragraph of prose ("Does Running Cause ...? People may
  have told you...") is part of that answer, not a new pair.
- A table row of two cells, a question and its answer, is a pair.
- Marked questions that follow one another ("Q: ... Q: ... A: ...") share the answer
  after them, and so become one entry.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from faqkb.extract.claims import Passage, informative_sentences
from faqkb.extract.faqlists import asked_blocks
from faqkb.extract.questions import is_question, title_question
from faqkb.models import Block

_CONCLUSION = re.compile(
    r"^(in conclusion|in summary|to summari[sz]e|to sum (it )?up|to conclude|in short|overall|"
    r"all in all|the bottom line|bottom line|ultimately|in the end)\b",
    re.IGNORECASE,
)
_SUMMARY_HEADING = re.compile(
    r"^(conclusions?|summary|key takeaways|takeaways|key points|the bottom line|bottom line|"
    r"tl;?dr|final thoughts|the verdict|verdict|in a nutshell|wrapping up)\b",
    re.IGNORECASE,
)
_STOP = frozenset(
    """a an the is are am was were be been can could do does did should will would may might
    must has have had for from of to in on at by with and or not your you my i it its this that
    how what why when where which who""".split()
)
_WORDS = re.compile(r"[a-z0-9]+")
_ITEM_NUMBER = re.compile(r"\(?\d{1,3}(?:\.\d{1,3})*[.)]")
_HEADINGS = {"title", "heading"}
_CONTENT = {"paragraph", "item", "row", "header_row", "code"}
_FAQ_TITLE_MAX_ANSWER_BLOCKS = 2
# A title question's answer is the opening of the conclusion or summary, not all of it:
# the rest elaborates and stays searchable as claims.
DIRECT_ANSWER_CHARS = 250
_SHORT_ANSWER_CHARS = 1200


@dataclass(frozen=True, slots=True)
class Pair:
    """A question and its answer, before ids and duplicates are settled."""

    question: str
    answer: str
    start: int
    end: int
    heading: str
    block: int  # index of the question's block (the title's, for a title question)


def find_pairs(text: str, blocks: Sequence[Block], title: str) -> list[Pair]:
    """Every question-and-answer pair among ``blocks`` (boilerplate already removed)."""
    asked = asked_blocks(blocks)
    # Questions the document marks itself are all it asks, its title included.
    declared = any(block.kind == "question" for block in blocks)
    pairs: list[Pair] = []
    section = ""
    for i, block in enumerate(blocks):
        if block.kind == "title":
            pair = None if declared else _title_pair(text, blocks, i, asked)
            if pair:
                pairs.append(pair)
            continue
        if block.kind == "row" and not declared and len(block.cells) == 2 \
                and is_question(block.cells[0]):
            asks, says = block.cells
            pairs.append(Pair(asks, says, block.start, block.end, section, i))
            continue
        if i not in asked:
            if block.kind == "heading":
                section = block.text
            continue
        answer = _answer_blocks(blocks, i, asked) or _shared_answer(blocks, i, asked)
        if answer:
            pairs.append(_pair(text, block.text, block.start, answer, section, i))
    return pairs


def _answer_blocks(blocks: Sequence[Block], index: int, asked: set[int]) -> list[Block]:
    question = blocks[index]
    level = question.level if question.kind in _HEADINGS or question.kind == "question" else 99
    answer: list[Block] = []
    for i in range(index + 1, len(blocks)):  # not a slice: a copy per question is quadratic
        block = blocks[i]
        if block.kind in _HEADINGS and block.level <= level or i in asked:
            break
        if block.kind in _CONTENT or block.kind == "heading":
            answer.append(block)
    while answer and answer[-1].kind == "heading":
        answer.pop()
    return answer


def _shared_answer(blocks: Sequence[Block], index: int, asked: set[int]) -> list[Block]:
    """The answer of the marked questions right after a marked question with none."""
    following = index + 1
    while blocks[index].kind == "question" and following < len(blocks) \
            and blocks[following].kind == "question":
        answer = _answer_blocks(blocks, following, asked)
        if answer:
            return answer
        following += 1
    return []


def _pair(text: str, question: str, start: int, answer: list[Block], section: str,
          index: int) -> Pair:
    body = "\n".join(_answer_line(text, block) for block in answer)
    return Pair(question, body, start, answer[-1].end, section, index)


def _answer_line(text: str, block: Block) -> str:
    """A block of an answer as a line of its text; a numbered item keeps its number
    ("2. Click Save"), since the order of steps is part of the answer."""
    if block.kind != "item" or not block.numbered:
        return block.text
    marker = text[text.rfind("\n", 0, block.start) + 1 : block.start].strip()
    return f"{marker} {block.text}" if _ITEM_NUMBER.fullmatch(marker) else block.text


def _title_pair(text: str, blocks: Sequence[Block], index: int, asked: set[int]) -> Pair | None:
    question = title_question(blocks[index].text)
    if question is None:
        return None
    direct = _answer_blocks(blocks, index, asked)
    following = index + 1 + len(direct)
    if 0 < len(direct) <= _FAQ_TITLE_MAX_ANSWER_BLOCKS and following < len(blocks) \
            and following in asked:
        return _pair(text, question, blocks[index].start, direct, "", index)
    # A short page under a question (a help-centre answer) answers it from the start.
    if direct and following >= len(blocks) and \
            sum(len(block.text) for block in direct) <= _SHORT_ANSWER_CHARS:
        return _pair(text, question, blocks[index].start, direct, "", index)
    passage = _conclusion(text, blocks) or _summary(blocks) or _best_paragraph(text, blocks,
                                                                              question)
    if passage is None:
        return None
    return Pair(question, passage.text, passage.start, passage.end, "", index)


def _conclusion(text: str, blocks: Sequence[Block]) -> Passage | None:
    for block in reversed(blocks):
        if block.kind == "paragraph" and _CONCLUSION.match(block.text):
            return _informative(text, block)
    return None


def _summary(blocks: Sequence[Block]) -> Passage | None:
    for i, block in enumerate(blocks):
        if block.kind == "heading" and _SUMMARY_HEADING.match(block.text):
            content = []
            for following in itertools.islice(blocks, i + 1, None):
                if following.kind in _HEADINGS:
                    break
                if following.kind in _CONTENT:
                    content.append(following)
            # The first points of a summary, as many as make a direct answer.
            content = content[: max(1, _leading(content, lambda b: len(b.text)))]
            if content:
                body = "\n".join(b.text for b in content)
                return Passage(content[0].start, content[-1].end, body)
    return None


def _best_paragraph(text: str, blocks: Sequence[Block], question: str) -> Passage | None:
    wanted = _content_words(question)
    if not wanted:
        return None
    folded_question = " ".join(_WORDS.findall(question.lower()))
    best: tuple[float, Passage] | None = None
    paragraphs = [b for b in blocks if b.kind == "paragraph"]
    for position, block in enumerate(paragraphs):
        if folded_question in " ".join(_WORDS.findall(block.text.lower())):
            continue  # the question restated, not answered
        passage = _informative(text, block)
        if passage is None:
            continue
        overlap = len(wanted & _content_words(passage.text)) / len(wanted)
        score = overlap + 0.25 * position / max(1, len(paragraphs) - 1)
        if overlap >= 0.5 and (best is None or score > best[0]):
            best = (score, passage)
    return best[1] if best else None


def _informative(text: str, block: Block) -> Passage | None:
    """The leading informative sentences of a block, as many as make a direct answer."""
    sentences = informative_sentences(text, block)
    sentences = sentences[: max(1, _leading(sentences, lambda s: len(s.text)))]
    if not sentences:
        return None
    return Passage(sentences[0].start, sentences[-1].end, " ".join(s.clean for s in sentences))


def _leading(parts: Sequence[Any], size: Callable[[Any], int]) -> int:
    """How many leading parts fit in a direct answer of DIRECT_ANSWER_CHARS."""
    total = 0
    for count, part in enumerate(parts):
        total += size(part)
        if total > DIRECT_ANSWER_CHARS:
            return count
    return len(parts)


def _content_words(text: str) -> set[str]:
    return {_crude_stem(w) for w in _WORDS.findall(text.lower()) if w not in _STOP}


def _crude_stem(word: str) -> str:
    for suffix in ("ing", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)]
    return word
