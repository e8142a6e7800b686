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

    A ``Q:`` marker counts when the block asks a question (ends with "?") or the next
    block carries an ``A:`` marker; "Q3: revenue grew" alone is not a question. The
    markers are left out of the blocks' spans and texts.
    """
    marked: list[Block] = []
    for block in blocks:
        marked.extend(_split_inline_answer(text, block))
    for i, block in enumerate(marked):
        if block.kind not in _MARKABLE:
            continue
        q = question_marker_length(text[block.start : block.end])
        if not q:
            continue
        following = marked[i + 1] if i + 1 < len(marked) else None
        a = 0
        if following is not None and following.kind in _MARKABLE:
            a = answer_marker_length(text[following.start : following.end])
        if not a and not block.text.endswith("?"):
            continue
        level = block.level if block.kind == "heading" else MARKED_QUESTION_LEVEL
        start = block.start + q
        marked[i] = replace(block, kind="question", start=start, level=level,
                            text=fold(text[start : block.end]))
        if following is not None and a:
            start = following.start + a
            marked[i + 1] = replace(following, start=start, text=fold(text[start : following.end]))
    return marked


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
