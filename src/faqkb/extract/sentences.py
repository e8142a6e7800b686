"""Splitting prose into sentences, each with its exact span in the document's text.

Besides the usual boundaries (``.``, ``!``, ``?`` before a capital), copied web text
often runs two sentences together without a full stop: "...water it too much or too
little This can result in root rot...". A boundary is recognised there too when a lower-case
word is followed, with no punctuation between, by a word that typically opens a
sentence ("This", "It’s", "While", ...) and then by a lower-case word; such a
sentence is marked ``repaired`` so that its clean text gains the missing full stop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_ABBREVIATIONS = frozenset(
    """e.g i.e etc vs cf al approx dr mr mrs ms prof st fig figs vol ch sec
    jan feb mar apr jun jul aug sep sept oct nov dec inc ltd co corp jr sr mt ft""".split()
)
_END = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s+[\"'“‘(\[]?[A-Z0-9•])")
_RUN_ON_STARTERS = (
    "This|These|Those|The|A|An|It|It’s|It's|They|There|Their|While|When|If|But|And|So|"
    "Some|Other|Others|Many|Most|Studies|Research|However|Also|Our|Your|You|We|"
    "[A-Z][a-z]+ing"  # a gerund opening a sentence: "...small steps Watering in the evening"
)
_RUN_ON = re.compile(rf"(?<=[a-z0-9%])\s+(?=(?:{_RUN_ON_STARTERS})\s+[a-z0-9])")
_WORD_BEFORE = re.compile(r"([A-Za-z][A-Za-z.]*)$")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence: ``document_text[start:end]`` is its source, ``text`` its clean form."""

    start: int
    end: int
    text: str
    repaired: bool = False

    @property
    def clean(self) -> str:
        """The sentence with a full stop added where the source ran it into the next."""
        return self.text + "." if self.repaired else self.text


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """The sentences of ``text[start:end]``, in order, with spans into ``text``."""
    end = len(text) if end is None else end
    cuts: list[tuple[int, int, bool]] = []  # (sentence end, next sentence start, repaired)
    segment = text[start:end]
    for match in _END.finditer(segment):
        if _is_abbreviation(segment, match.start()):
            continue
        stop = start + match.end()
        cuts.append((stop, _skip_space(text, stop, end), False))
    for match in _RUN_ON.finditer(segment):
        cuts.append((start + match.start(), start + match.end(), True))
    cuts.sort()
    sentences: list[Sentence] = []
    begin = _skip_space(text, start, end)
    for stop, following, repaired in cuts:
        if stop <= begin:
            continue
        sentences.append(_sentence(text, begin, stop, repaired))
        begin = following
    if begin < end and text[begin:end].strip():
        sentences.append(_sentence(text, begin, end, False))
    return sentences


def _is_abbreviation(segment: str, dot: int) -> bool:
    if segment[dot] != ".":
        return False
    match = _WORD_BEFORE.search(segment, max(0, dot - 32), dot)
    if not match:
        return False
    word = match.group(1).lower().rstrip(".")
    # A single capital letter before a dot is an initial ("J. Smith").
    return word in _ABBREVIATIONS or (len(word) == 1 and match.group(1).isupper())


def _skip_space(text: str, index: int, end: int) -> int:
    while index < end and text[index].isspace():
        index += 1
    return index


def _sentence(text: str, start: int, end: int, repaired: bool) -> Sentence:
    while end > start and text[end - 1].isspace():
        end -= 1
    return Sentence(start, end, " ".join(text[start:end].split()), repaired)
