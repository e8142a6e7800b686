"""A document laid out for reading, with its entries anchored and one passage marked.

:func:`lay_out` turns a :class:`~faqkb.models.Document` and its entries into a tree of
nodes that the ``source.html`` template renders: headings, paragraphs, nested lists,
tables, code and breadcrumbs, as the document's blocks describe them.

Entry spans index the document's text and may overlap (a claim inside a pair's
answer), so the markup does not nest one element per entry. Instead, each block's
text is cut into :class:`Segment` s at the passage's ends and at each entry's start:
every entry gets an anchor (``id="e-<entry id>"``) where it starts, and the segments
inside the requested passage are marked. An entry that starts in the gap between
blocks (at a list marker, say) is anchored at the next block.

No Flask here: the nodes are plain frozen dataclasses.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from faqkb.models import Block, Document, Entry

NodeKind = Literal["title", "heading", "paragraph", "code", "nav", "list", "table"]
# What may stand between blocks without being text of its own: white space and the
# markers of list items and numbered headings ("•", "-", "1.", "a)", "iv.").
_MARKER = re.compile(
    r"\s*(?:([•◦▪▫●○■□‣∙·*+–—-])|(\d{1,4})[.)]|[a-zA-Z][.)]|[ivxlcIVXLC]{1,6}[.)])?\s*")


def anchor_id(entry_id: str) -> str:
    """The HTML id of the anchor where an entry starts."""
    return f"e-{entry_id}"


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of a block's text; ``anchors`` are the entry ids that start right here."""

    text: str
    marked: bool = False
    anchors: tuple[str, ...] = ()


def _all_marked(segments: Sequence[Segment]) -> bool:
    with_text = [s for s in segments if s.text.strip()]
    return bool(with_text) and all(s.marked for s in with_text)


@dataclass(frozen=True, slots=True)
class ListItem:
    """An item of a list, and the lists nested under it."""

    segments: tuple[Segment, ...]
    children: tuple[Node, ...] = ()

    @property
    def in_passage(self) -> bool:
        """True when the marked passage covers the item's whole text."""
        return _all_marked(self.segments)


@dataclass(frozen=True, slots=True)
class Row:
    """A table row; a row is marked whole when the passage touches it."""

    cells: tuple[str, ...]
    header: bool = False
    marked: bool = False
    anchors: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Node:
    """One piece of the laid-out document.

    ``kind`` picks the element: ``title`` (h1), ``heading`` (``level`` 2 to 6),
    ``paragraph``, ``code``, ``nav`` (breadcrumbs), ``list`` (``items``; ``numbered``
    lists count from ``start``) or ``table`` (``rows``). ``marker`` is the number a
    numbered heading carries in the text ("2.").
    """

    kind: NodeKind
    segments: tuple[Segment, ...] = ()
    level: int = 1
    marker: str = ""
    numbered: bool = False
    start: int = 1
    items: tuple[ListItem, ...] = ()
    rows: tuple[Row, ...] = ()

    @property
    def in_passage(self) -> bool:
        """True when the marked passage covers the node's whole text."""
        return _all_marked(self.segments)

    @property
    def heading_tag(self) -> str:
        """``h2`` to ``h6`` for a heading."""
        return f"h{self.level}"


@dataclass(frozen=True, slots=True)
class _Piece:
    """A block, or loose text between blocks, with what lay-out needs to know of it."""

    block: Block
    marker: str


def lay_out(document: Document, entries: Iterable[Entry],
            passage: Entry | None = None) -> tuple[Node, ...]:
    """The document as nodes, with ``entries`` anchored and ``passage`` marked."""
    pieces = _pieces(document)
    anchors = _anchor_positions([p.block for p in pieces], entries)
    span = (passage.start, passage.end) if passage else None
    levels = _heading_levels(p.block for p in pieces)
    nodes: list[Node] = []
    i = 0
    while i < len(pieces):
        piece = pieces[i]
        block = piece.block
        if block.kind == "item":
            run = _run(pieces, i, {"item"})
            nodes.extend(_lists([(p, _segments(document.text, p.block, anchors, span))
                                 for p in run]))
            i += len(run)
            continue
        if block.kind in {"row", "header_row"}:
            run = _run(pieces, i, {"row", "header_row"})
            nodes.extend(_tables([_row(p.block, anchors, span) for p in run]))
            i += len(run)
            continue
        segments = _segments(document.text, block, anchors, span)
        if block.kind == "heading":
            nodes.append(Node("heading", segments, level=levels[block.level],
                              marker=piece.marker if block.numbered else ""))
        elif block.kind in {"title", "code", "nav"}:
            nodes.append(Node(block.kind, segments))
        else:
            nodes.append(Node("paragraph", segments))
        i += 1
    return tuple(nodes)


def has_title(nodes: Sequence[Node]) -> bool:
    """True when the laid-out document carries its own title (an h1)."""
    return any(node.kind == "title" for node in nodes)


def _pieces(document: Document) -> list[_Piece]:
    """The blocks in order, each with the marker before it; loose text becomes paragraphs."""
    pieces: list[_Piece] = []
    position = 0
    blocks = sorted(document.blocks, key=lambda b: (b.start, b.end))
    for block in [*blocks, None]:
        gap_end = block.start if block else len(document.text)
        gap = document.text[position:gap_end]
        marker = _MARKER.fullmatch(gap)
        if marker is None and gap.strip():
            start = position + len(gap) - len(gap.lstrip())
            end = gap_end - (len(gap) - len(gap.rstrip()))
            loose = Block("paragraph", start, end, " ".join(gap.split()))
            pieces.append(_Piece(loose, ""))
        if block is None:
            break
        label = ""
        if marker is not None and marker.group(2):
            label = f"{marker.group(2)}."
        pieces.append(_Piece(block, label))
        position = max(position, block.end)
    return pieces


def _anchor_positions(blocks: Sequence[Block], entries: Iterable[Entry]) -> dict[int, list[str]]:
    """Where each entry's anchor goes: its start, or the start of the next block."""
    positions: dict[int, list[str]] = {}
    for entry in sorted(entries, key=lambda e: (e.start, e.kind != "qa", e.id)):
        block = next((b for b in blocks if b.end > entry.start), None)
        if block is None:
            if not blocks:
                continue
            block = blocks[-1]
            position = block.end
        else:
            position = max(entry.start, block.start)
        positions.setdefault(position, []).append(entry.id)
    return positions


def _segments(text: str, block: Block, anchors: dict[int, list[str]],
              span: tuple[int, int] | None) -> tuple[Segment, ...]:
    cuts = {block.start, block.end}
    cuts.update(p for p in anchors if block.start <= p <= block.end)
    if span:
        cuts.update(p for p in span if block.start < p < block.end)
    points = sorted(cuts)
    segments = []
    for start, end in zip(points, points[1:], strict=False):
        marked = span is not None and span[0] <= start and end <= span[1]
        segments.append(Segment(text[start:end], marked, tuple(anchors.get(start, ()))))
    # Anchors at the very end of the last block have no text after them.
    if block.end in anchors and block.end != block.start and _is_last(block, anchors):
        segments.append(Segment("", False, tuple(anchors[block.end])))
    return tuple(s for s in segments if s.text or s.anchors)


def _is_last(block: Block, anchors: dict[int, list[str]]) -> bool:
    return max(anchors) == block.end


def _row(block: Block, anchors: dict[int, list[str]], span: tuple[int, int] | None) -> Row:
    ids = tuple(i for position, found in anchors.items()
                if block.start <= position < block.end for i in found)
    marked = span is not None and span[0] < block.end and block.start < span[1]
    cells = block.cells or (block.text,)
    return Row(cells, header=block.kind == "header_row", marked=marked, anchors=ids)


def _run(pieces: Sequence[_Piece], start: int, kinds: set[str]) -> list[_Piece]:
    end = start
    while end < len(pieces) and pieces[end].block.kind in kinds:
        end += 1
    return list(pieces[start:end])


def _heading_levels(blocks: Iterable[Block]) -> dict[int, int]:
    """Heading levels as used, mapped to h2, h3, ... without gaps (h1 is the title)."""
    used = sorted({b.level for b in blocks if b.kind == "heading"})
    return {level: min(6, rank + 2) for rank, level in enumerate(used)}


def _lists(items: list[tuple[_Piece, tuple[Segment, ...]]]) -> list[Node]:
    nodes: list[Node] = []
    i = 0
    while i < len(items):
        node, i = _list(items, i, items[i][0].block.level)
        nodes.append(node)
    return nodes


def _list(items: list[tuple[_Piece, tuple[Segment, ...]]], i: int,
          level: int) -> tuple[Node, int]:
    """The list at ``level`` that starts at item ``i``, and the index after it."""
    numbered = items[i][0].block.numbered
    start = int(items[i][0].marker.rstrip(".") or 1) if numbered else 1
    entries: list[ListItem] = []
    while i < len(items):
        piece, segments = items[i]
        depth = piece.block.level
        if depth < level:
            break
        if depth > level:
            child, i = _list(items, i, depth)
            if entries:
                entries[-1] = replace(entries[-1], children=entries[-1].children + (child,))
            else:
                entries.append(ListItem((), (child,)))
            continue
        if piece.block.numbered != numbered and entries:
            break
        entries.append(ListItem(segments))
        i += 1
    return Node("list", numbered=numbered, start=start, items=tuple(entries)), i


def _tables(rows: list[Row]) -> list[Node]:
    """Rows grouped into tables: a header row after body rows starts a new table."""
    tables: list[list[Row]] = []
    for row in rows:
        if not tables or (row.header and any(not r.header for r in tables[-1])):
            tables.append([])
        tables[-1].append(row)
    return [Node("table", rows=tuple(group)) for group in tables]
