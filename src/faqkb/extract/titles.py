"""A document whose title asks a question, and the passage that answers it.

An article titled "Is Tap Water Good for Houseplants?" is usually not a list of
questions: its answer is the passage that answers most directly, the opening of a
conclusion ("In conclusion, ...") or of a summary section ("Key Takeaways") where there
is one, else of the paragraph that shares most of the question's words, later
paragraphs preferred. :func:`title_passage` finds it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence
from typing import Any

from faqkb.extract.claims import Passage, informative_sentences
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
_HEADINGS = {"title", "heading"}
_CONTENT = {"paragraph", "item", "row", "header_row", "code"}
# A title question's answer is the opening of the conclusion or summary, not all of it:
# the rest elaborates and stays searchable as claims.
DIRECT_ANSWER_CHARS = 250


def title_passage(text: str, blocks: Sequence[Block], question: str) -> Passage | None:
    """The passage of an article that answers the question its title asks."""
    return _conclusion(text, blocks) or _summary(blocks) or _best_paragraph(text, blocks,
                                                                            question)


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
