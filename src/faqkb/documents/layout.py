"""What every format reader produces, and the finishing step they share.

- :class:`Layout`: a document's derived text, its blocks and its title.
- :func:`mark_questions`: turns ``Q:``-marked blocks into ``question`` blocks and
  takes the ``A:`` marker off the answer that follows (or splits it off the same
  line: "Q: Is it free? A: Yes."), in any format.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from faqkb.documents.markers import answer_marker_length, question_marker_length
from faqkb.models import Block, Dropped

# A block marked "Q:" has no heading level of its own: any heading ends its answer.
MARKED_QUESTION_LEVEL = 7
_MARKABLE = frozenset({"paragraph", "heading", "item"})
# A question with a command and its output in it spans a few blocks.
_MAX_QUESTION_BLOCKS = 6
_INLINE_ANSWER = re.compile(r"\?\s+(?=(?:A|Ans|Answer)\s*[:.)]\s*\S)")


@dataclass(frozen=True, slots=True)
class Layout:
    """A document as a reader derived it: ``text`` is what spans index, ``blocks`` its
    structure, ``title`` the title the format declares ("" when it declares none),
    ``dropped`` the page chrome it left out."""

    text: str
    encoding: str
    blocks: tuple[Block, ...] = ()
    title: str = ""
    dropped: tuple[Dropped, ...] = ()


def fold(text: str) -> str:
    """``text`` with its white space folded to single spaces."""
    return " ".join(text.split())


def mark_questions(text: str, blocks: list[Block]) -> list[Block]:
    """``blocks`` with each ``Q:``-marked block made a ``question`` block.

    A ``Q:`` marker counts when the block asks a question (ends with "?") or an ``A:``
    marker follows; "Q3: revenue grew" alone is not a question. What stands between a
    ``Q:`` and its ``A:`` (a command, the error it printed, the end of the question)
    is part of the question. The markers are left out of the blocks' spans and texts.
    """
    marked: list[Block] = []
    for block in blocks:
        marked.extend(_split_inline_answer(text, block))
    result: list[Block] = []
    i = 0
    while i < len(marked):
        block = marked[i]
        q = question_marker_length(text[block.start : block.end]) \
            if block.kind in _MARKABLE else 0
        answer = _answer_after(text, marked, i) if q else None
        if not q or (answer is None and not block.text.endswith("?")):
            result.append(block)
            i += 1
            continue
        last = marked[answer - 1] if answer is not None else block
        level = block.level if block.kind == "heading" else MARKED_QUESTION_LEVEL
        start = block.start + q
        asked = " ".join(fold(b.text) for b in marked[i + 1 : answer or i + 1])
        result.append(replace(block, kind="question", start=start, end=last.end, level=level,
                              text=fold(f"{text[start : block.end]} {asked}")))
        if answer is None:
            i += 1
            continue
        following = marked[answer]
        a = answer_marker_length(text[following.start : following.end])
        start = following.start + a
        result.append(replace(following, start=start, text=fold(text[start : following.end])))
        i = answer + 1
    return result


def _answer_after(text: str, blocks: list[Block], index: int) -> int | None:
    """The index of the ``A:``-marked block answering the ``Q:`` block at ``index``:
    the next block, or one a few blocks on with no other question or heading between."""
    for i in range(index + 1, min(len(blocks), index + 1 + _MAX_QUESTION_BLOCKS)):
        block = blocks[i]
        source = text[block.start : block.end]
        if block.kind in _MARKABLE and answer_marker_length(source):
            return i
        if block.kind in {"heading", "title"} or question_marker_length(source):
            return None
    return None


def _split_inline_answer(text: str, block: Block) -> list[Block]:
    """A ``Q:`` block that holds its ``A:`` too, as two blocks."""
    source = text[block.start : block.end]
    if block.kind not in _MARKABLE or not question_marker_length(source):
        return [block]
    match = _INLINE_ANSWER.search(source)
    if match is None:
        return [block]
    asked_end, answer_start = block.start + match.start() + 1, block.start + match.end()
    return [replace(block, end=asked_end, text=fold(text[block.start : asked_end])),
            Block("paragraph", answer_start, block.end, fold(text[answer_start : block.end]))]
