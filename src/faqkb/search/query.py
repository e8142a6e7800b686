"""Reading what a person typed into a search box, without ever failing on it.

The syntax is small and forgiving:

- plain words are OR-ed; entries that match more of them rank first;
- ``"quoted phrases"`` must appear as written (an unclosed quote runs to the end);
- ``-word`` or ``NOT word`` leaves out entries containing the word;
- ``kind:qa`` / ``kind:claim`` and ``source:NAME`` filter (``NAME`` may be a prefix);
- ``AND``/``OR`` are accepted and ignored (every query is an OR with coverage
  ranking), and any other ``field:value`` is read as two words.

Everything else (wildcards, brackets, ``?``, ``C++``, emoji, control characters) is
just text: the analyzer keeps its words and drops the rest.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

MAX_QUERY_CHARS = 1000
MAX_WORDS = 32

_TOKEN = re.compile(r'(-?)"([^"]*)"?|(\S+)')
_FILTER = re.compile(r"^(kind|type|source|src|doc):(.+)$", re.IGNORECASE)
_KIND_ALIASES = {"qa": "qa", "q&a": "qa", "question": "qa", "questions": "qa", "faq": "qa",
                 "claim": "claim", "claims": "claim", "fact": "claim", "facts": "claim"}


@dataclass(frozen=True, slots=True)
class ParsedQuery:
    """A query split into its parts; no field of it is ever ``None``."""

    words: tuple[str, ...] = ()
    phrases: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()

    @property
    def text(self) -> str:
        """The words and phrases as one string (what snippets and spelling look at)."""
        return " ".join(self.words + self.phrases)


def clean_query(text: object) -> str:
    """``text`` as a str without control characters, squeezed, at most MAX_QUERY_CHARS."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = "".join(" " if unicodedata.category(ch)[0] == "C" else ch
                   for ch in text[: MAX_QUERY_CHARS * 4])
    return " ".join(text.split())[:MAX_QUERY_CHARS]


def parse_query(text: object) -> ParsedQuery:
    """Split a typed query into words, phrases, exclusions and filters. Never raises."""
    words: list[str] = []
    phrases: list[str] = []
    excluded: list[str] = []
    kinds: list[str] = []
    sources: list[str] = []
    negate_next = False
    for match in _TOKEN.finditer(clean_query(text)):
        minus, phrase, token = match.group(1), match.group(2), match.group(3)
        if token is None:
            target = excluded if minus or negate_next else phrases
            if phrase.strip():
                target.append(phrase.strip())
            negate_next = False
            continue
        if token in {"AND", "OR", "&&", "||"}:
            continue
        if token == "NOT":
            negate_next = True
            continue
        filtered = _FILTER.match(token)
        if filtered and not negate_next:
            name, value = filtered.group(1).lower(), filtered.group(2)
            if name in {"kind", "type"} and value.lower() in _KIND_ALIASES:
                kinds.append(_KIND_ALIASES[value.lower()])
                continue
            if name in {"source", "src", "doc"}:
                sources.append(value)
                continue
        if (token.startswith("-") and len(token) > 1 and token[1].isalnum()) or negate_next:
            excluded.append(token.lstrip("-"))
        else:
            words.append(token)
        negate_next = False
    return ParsedQuery(
        words=tuple(words[:MAX_WORDS]),
        phrases=tuple(phrases[:MAX_WORDS]),
        excluded=tuple(excluded[:MAX_WORDS]),
        kinds=tuple(dict.fromkeys(kinds)),
        sources=tuple(dict.fromkeys(sources)),
    )
