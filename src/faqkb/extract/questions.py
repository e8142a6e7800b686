"""Telling questions from topics: "Does the kettle switch itself off?" is a question,
"Causes of Slow Downloads" is a topic, and "How to Change Your Delivery Address" is a
topic phrased like a question.

A question is a single sentence that ends with ``?``, or one that opens as a question
does (an auxiliary verb or a question word followed by its verb: "Can Your Plants Grow
In Shade") even without the mark. A heading may set the scene before it asks
("I've never programmed before. Is there a tutorial?"): a heading that ends with a
question is one. A heading that says how to do something ("How to Change Your
Delivery Address") is the question its section answers. A block the document itself
marks as a question (``Q:``, schema.org data) is one whatever it says.
"""

from __future__ import annotations

import re

from faqkb.models import Block

_WH = r"how|what|why|when|where|which|who|whom|whose"
_AUX = r"is|are|am|was|were|can|could|do|does|did|should|shall|will|would|may|might|must|has|have"
_OPENS_AS_QUESTION = re.compile(
    rf"^(?:(?:{_WH})(?:['’]s)?\s+(?:{_AUX}|much|many|long|often|far|old|come)\b"
    rf"|(?:{_AUX})\s+(?!not\b|n['’]t\b)\w+\s+\w+)",
    re.IGNORECASE,
)
_QUESTION_WORD = re.compile(rf"^(?:{_WH}|{_AUX})\b", re.IGNORECASE)
_TOPIC = re.compile(rf"^(?:{_WH})\s+to\b", re.IGNORECASE)
_HOW_TO = re.compile(r"^how\s+to\s+\w", re.IGNORECASE)
_WORDS = re.compile(r"\w+")
_SENTENCE_INSIDE = re.compile(r"[.!?][\"'”’)]*\s+[A-Z]")
MAX_QUESTION_WORDS = 40
# A heading may set the scene at length before it asks.
MAX_HEADING_QUESTION_WORDS = 60


def is_question(text: str) -> bool:
    """True when ``text`` (a heading or a line) is one question."""
    text = text.strip()
    words = len(_WORDS.findall(text))
    if not 2 <= words <= MAX_QUESTION_WORDS or _SENTENCE_INSIDE.search(text.rstrip("?")):
        return False
    if text.endswith("?"):
        return True
    return bool(_OPENS_AS_QUESTION.match(text)) and not _TOPIC.match(text)


def is_question_block(block: Block) -> bool:
    """True when a block asks a question: a question heading, a block the document marks
    as a question, or a line of prose that is one question from its first word (prose
    that merely ends with "?" is not)."""
    if block.kind == "question":
        return True
    if block.kind == "heading":
        return is_question(block.text) or _asks_at_end(block.text) or _is_how_to(block.text)
    if block.kind == "title":
        return is_question(block.text)
    if block.kind == "paragraph" and block.text.endswith("?"):
        return opens_as_question(block.text) and is_question(block.text)
    return False


def _is_how_to(text: str) -> bool:
    """True for a heading that says how to do something: "How to Modify Your Routine"."""
    words = len(_WORDS.findall(text))
    return bool(_HOW_TO.match(text)) and 3 <= words <= MAX_QUESTION_WORDS \
        and not _SENTENCE_INSIDE.search(text)


def _asks_at_end(text: str) -> bool:
    """True for a few sentences that end by asking ("X happens. Is that a bug?")."""
    words = len(_WORDS.findall(text))
    return text.endswith("?") and 2 <= words <= MAX_HEADING_QUESTION_WORDS


def opens_as_question(text: str) -> bool:
    """True when ``text`` starts with a question word ("Is", "How", "Can", ...)."""
    return bool(_QUESTION_WORD.match(text.strip()))


def title_question(title: str) -> str | None:
    """The question a document's title asks, if it asks one.

    "Is Tap Water Bad for Houseplants? Exploring the Evidence" asks "Is Tap Water Bad
    for Houseplants?"; "Can Your Plants Grow In Shade" asks itself.
    """
    title = title.strip()
    mark = title.find("?")
    if mark != -1:
        head = title[: mark + 1]
        return head if opens_as_question(head) or is_question(head) else None
    return title if is_question(title) else None
