"""Snippets: the part of an entry's text that shows why it matched.

A snippet is plain text (with "…" where it was cut) plus the ``(start, end)`` offsets
of the words that matched, so each surface marks them its own way: ``<mark>`` in
HTML, bold in a terminal.
"""

from __future__ import annotations

from collections.abc import Collection

from faqkb.index.analysis import located_terms

SNIPPET_CHARS = 240
ELLIPSIS = "…"


def make_snippet(
    text: str, terms: Collection[str], width: int = SNIPPET_CHARS
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The window of ``text`` richest in ``terms`` and the spans of the matches in it."""
    text = " ".join(text.split())
    matches = located_terms(text, terms)
    if len(text) <= width:
        return text, tuple((s, e) for s, e, _ in matches)
    start = _best_window(text, matches, width)
    end = min(len(text), start + width)
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start + width // 2 else end
    prefix = ELLIPSIS if start > 0 else ""
    # A window that ends with a sentence needs no mark that more follows.
    suffix = ELLIPSIS if end < len(text) and text[end - 1] not in ".!?" else ""
    snippet = prefix + text[start:end].strip() + suffix
    shift = len(prefix) - start - (len(text[start:end]) - len(text[start:end].lstrip()))
    highlights = tuple((s + shift, e + shift) for s, e, _ in matches if s >= start and e <= end)
    return snippet, highlights


def _best_window(text: str, matches: list[tuple[int, int, str]], width: int) -> int:
    """Where a window of ``width`` characters holding the most distinct terms starts."""
    if not matches:
        return 0
    best_start, best_score = 0, -1
    inside: dict[str, int] = {}
    last = 0
    for first, (start, _, _) in enumerate(matches):
        while last < len(matches) and matches[last][1] <= start + width:
            inside[matches[last][2]] = inside.get(matches[last][2], 0) + 1
            last += 1
        if len(inside) > best_score:
            best_start, best_score = start, len(inside)
        if last <= first:  # a single word longer than the window
            last = first + 1
            continue
        term = matches[first][2]
        inside[term] -= 1
        if not inside[term]:
            del inside[term]
    # Start at the beginning of the sentence or a little before the first match.
    stop = text.rfind(". ", 0, best_start)
    sentence = stop + 2 if stop >= 0 else 0
    if best_start - sentence < width // 3:
        return sentence
    space = text.rfind(" ", 0, max(0, best_start - 30))
    return space + 1 if space >= 0 else 0
