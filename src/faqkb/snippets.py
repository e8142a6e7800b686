"""Snippets: the part of an entry's text that shows why it matched.

A snippet is plain text (with "…" where it was cut) plus the ``(start, end)`` offsets
of the words that matched, so each surface marks them its own way: ``<mark>`` in
HTML, bold in a terminal.
"""

from __future__ import annotations

from collections.abc import Collection

from faqkb.index import located_terms

SNIPPET_CHARS = 240
ELLIPSIS = "…"


def make_snippet(
    text: str, terms: Collection[str], width: int = SNIPPET_CHARS
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The window of ``text`` richest in ``terms`` and the spans of the matches in it."""
    text = " ".join(text.split())
    matches = [match for match in located_terms(text) if match[2] in terms]
    if len(text) <= width:
        return text, tuple((s, e) for s, e, _ in matches)
    start = _best_window(text, matches, width)
    end = min(len(text), start + width)
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start + width // 2 else end
    prefix = ELLIPSIS if start > 0 else ""
    suffix = ELLIPSIS if end < len(text) else ""
    snippet = prefix + text[start:end].strip() + suffix
    shift = len(prefix) - start - (len(text[start:end]) - len(text[start:end].lstrip()))
    highlights = tuple((s + shift, e + shift) for s, e, _ in matches if s >= start and e <= end)
    return snippet, highlights


def _best_window(text: str, matches: list[tuple[int, int, str]], width: int) -> int:
    if not matches:
        return 0
    best_start, best_score = 0, -1
    for i, (s, _, _) in enumerate(matches):
        window = {term for (ms, me, term) in matches[i:] if me <= s + width}
        score = len(window)
        if score > best_score:
            best_start, best_score = s, score
    # Start at the beginning of the sentence or a little before the first match.
    stop = text.rfind(". ", 0, best_start)
    sentence = stop + 2 if stop >= 0 else 0
    if best_start - sentence < width // 3:
        return sentence
    space = text.rfind(" ", 0, max(0, best_start - 30))
    return space + 1 if space >= 0 else 0
