"""The marks FAQ writers put around a question or an answer, shared by every format.

- numbering: ``1.``, ``2)``, ``1.2.``, ``4.12``, ``(3)`` before a heading or an item;
- question and answer markers: ``Q:``, ``Q.``, ``Q1:``, ``Question:``, and ``A:``,
  ``A.``, ``Answer:``;
- permalink marks after a heading: ``¶``, ``#``, ``§``, ``🔗``, and Markdown's
  ``{#anchor}`` attributes.

Each function returns how many characters the mark takes, so that a reader can start
or end a block's span past it and the span still holds exactly the block's words.
"""

from __future__ import annotations

import re

NUMBER = re.compile(
    r"(?:\(?\d{1,3}(?:\.\d{1,3})*[.)]|\d{1,3}(?:\.\d{1,3})+(?=\s+[A-Z]))\s+(?=\S)"
)
_QUESTION = re.compile(r"(?:Q|Question|QUESTION)\s*\d{0,3}\s*[:.)]\s*(?=\S)")
_ANSWER = re.compile(r"(?:A|Ans|Answer|ANSWER)\s*\d{0,3}\s*[:.)]\s*(?=\S)")
# "Q." and "A." need a space after them, or "Q.E.D." and "A.B.C" would be markers.
_DOTTED_LETTER = re.compile(r"[QA]\.\S")
_LINK_MARK = re.compile(r"\s*(?:[¶#§]|🔗|\{#[^}\s]*\})\s*$")


def number_length(text: str) -> int:
    """Length of the numbering (and the space after it) that opens ``text``, or 0."""
    match = NUMBER.match(text)
    return match.end() if match else 0


def question_marker_length(text: str) -> int:
    """Length of a ``Q:``-style marker (and the space after it) opening ``text``, or 0."""
    return _marker_length(_QUESTION, text)


def answer_marker_length(text: str) -> int:
    """Length of an ``A:``-style marker (and the space after it) opening ``text``, or 0."""
    return _marker_length(_ANSWER, text)


def link_mark_length(text: str) -> int:
    """Length of a permalink mark ("¶", "#", "{#id}") that ends ``text``, or 0."""
    match = _LINK_MARK.search(text)
    if not match or match.start() == 0:
        return 0
    return len(text) - match.start()


def _marker_length(pattern: re.Pattern[str], text: str) -> int:
    if _DOTTED_LETTER.match(text):
        return 0
    match = pattern.match(text)
    return match.end() if match else 0
