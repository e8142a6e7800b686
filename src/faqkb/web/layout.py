"""A document laid out for reading, with its entries anchored and one passage marked.

:func:`lay_out` turns a :class:`~faqkb.models.Document` and its entries into a tree of
nodes (:mod:`faqkb.web.nodes`) that the templates render: headings, paragraphs, nested lists,
tables, code and breadcrumbs, as the document's blocks describe them. A question the
document marks as one (``Q:``, schema.org FAQPage data) is a heading of its own.

Between blocks, the text may hold a marker that belongs to the next block: a bullet,
numbering at any depth ("7.", "7.1.", "(3)", "a)"), or a ``Q:``/``A:`` marker, as the
readers recognise them (:mod:`faqkb.documents.markers`). The marker is shown with its
block (a numbered heading's "7.1.", an answer's "A:"), or left to the list that shows
it; only other text between blocks becomes a paragraph of its own.

Entry spans index the document's text and may overlap (a claim inside a pair's
answer), so the markup does not nest one element per entry. Instead, each block's
text is cut into :class:`Segment` s at the passage's ends and at each entry's start:
every entry gets an anchor (``id="e-<entry id>"``) where it starts, and the segments
inside the requested passage are marked. An entry that starts in the gap between
blocks (at a list marker, say) is anchored at the next block.

The work is split so that a document is laid out once and shown many times:
:func:`prepare` does everything that does not depend on the passage (in time linear
in the document's blocks and entries) and cuts the document into :class:`Unit` s (a
block, or a run of list items or table rows that render together);
:meth:`Prepared.nodes` lays out one unit with or without a passage marked, so a view
that marks a passage need only lay out again the units the passage touches.
Lists nest at most :data:`MAX_LIST_DEPTH` deep: deeper items are shown at that depth.

No Flask here: the nodes are plain frozen dataclasses.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate

from faqkb.documents.markers import answer_marker_length, number_length, question_marker_length
from faqkb.models import Block, Document, Entry
from faqkb.web.nodes import ListItem, Node, Row, Segment

# Markers the readers' patterns leave to the layout: bullets, letters and roman numerals
# ("•", "-", "a)", "iv."), and single numbers of up to four digits ("1999.").
_LIST_MARKER = re.compile(r"[•◦▪▫●○■□‣∙·*+–—-]|\d{1,4}[.)]|[a-zA-Z][.)]|[ivxlcIVXLC]{1,6}[.)]")
_PLAIN_NUMBER = re.compile(r"(\d{1,4})[.)]")
_SHOWN_ON_PARAGRAPHS = (number_length, question_marker_length, answer_marker_length)
MAX_LIST_DEPTH = 12
Span = tuple[int, int]


def anchor_id(entry_id: str) -> str:
    """The HTML id of the anchor where an entry starts."""
    return f"e-{entry_id}"


@dataclass(frozen=True, slots=True)
class _Piece:
    """A block, or loose text between blocks, with what lay-out needs to know of it."""

    block: Block
    marker: str


@dataclass(frozen=True, slots=True)
class Unit:
    """Pieces ``first`` to ``last`` (exclusive) that render together; ``start`` and
    ``end`` span their text."""

    first: int
    last: int
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Anchors:
    """Where each entry's anchor goes, with its positions sorted for range lookups."""

    at: dict[int, list[str]]
    positions: list[int] = field(default_factory=list)

    def between(self, start: int, end: int, *, inclusive: bool = True) -> list[int]:
        """The anchor positions from ``start`` to ``end``."""
        high = bisect_right(self.positions, end) if inclusive else \
            bisect_left(self.positions, end)
        return self.positions[bisect_left(self.positions, start):high]


@dataclass(frozen=True, slots=True)
class Prepared:
    """A document cut into units, ready to lay out with or without a passage marked."""

    document: Document
    pieces: tuple[_Piece, ...]
    units: tuple[Unit, ...]
    anchors: _Anchors
    levels: dict[int, int]
    _starts: list[int] = field(default_factory=list)
    _ends: list[int] = field(default_factory=list)  # the greatest of the units' ends so far

    def nodes(self, unit: Unit, passage: Span | None = None) -> tuple[Node, ...]:
        """The nodes of one unit, with ``passage`` (a span of the text) marked."""
        pieces = self.pieces[unit.first:unit.last]
        block = pieces[0].block
        text = self.document.text
        if block.kind == "item":
            return tuple(_lists([(p, _segments(text, p.block, self.anchors, passage))
                                 for p in pieces]))
        if block.kind in {"row", "header_row"}:
            return tuple(_tables([_row(p.block, self.anchors, passage) for p in pieces]))
        segments = _segments(text, block, self.anchors, passage)
        marker = pieces[0].marker
        if block.kind in {"heading", "question"}:
            shown = marker if block.numbered or block.kind == "question" else ""
            return (Node(block.kind, segments, level=self.levels[block.level], marker=shown),)
        if block.kind in {"title", "code", "nav"}:
            return (Node(block.kind, segments),)
        return (Node("paragraph", segments, marker=marker),)

    def parts(self, unit: Unit, passage: Span | None = None,
              ) -> list[tuple[tuple[Node, ...], bool]]:
        """The unit's nodes in runs, each flagged when ``passage`` covers it whole: a list
        the passage covers in part is cut where the passage starts and ends, so that the
        items it covers can be shown together, bullets and all."""
        covered = passage is not None and _covers(passage, unit.start, unit.end)
        pieces = self.pieces[unit.first:unit.last]
        if passage is None or covered or pieces[0].block.kind != "item" \
                or not (passage[0] < unit.end and unit.start < passage[1]):
            return [(self.nodes(unit, passage), covered)]
        top = min(_depth(p) for p in pieces)
        # Each top-level item goes with the deeper items under it.
        starts = [unit.first] + [unit.first + i for i, p in enumerate(pieces)
                                 if i and _depth(p) == top]
        groups = [(first, last) for first, last in zip(starts, [*starts[1:], unit.last],
                                                       strict=True)]
        runs: list[tuple[int, int, bool]] = []
        for first, last in groups:
            inside = _covers(passage, self.pieces[first].block.start,
                             max(p.block.end for p in self.pieces[first:last]))
            if runs and runs[-1][2] == inside:
                runs[-1] = (runs[-1][0], last, inside)
            else:
                runs.append((first, last, inside))
        parts: list[tuple[tuple[Node, ...], bool]] = []
        for first, last, inside in runs:
            blocks = [p.block for p in self.pieces[first:last]]
            nodes = self.nodes(Unit(first, last, blocks[0].start, max(b.end for b in blocks)),
                               passage)
            before = sum(1 for start in starts if start < first)
            parts.append((_continued(nodes, before), inside))
        return parts

    def touched(self, passage: Span) -> range:
        """The indexes of the units that ``passage`` overlaps (or touches, when empty)."""
        low = bisect_right(self._ends, passage[0]) if passage[1] > passage[0] else \
            bisect_left(self._ends, passage[0])
        high = bisect_left(self._starts, max(passage[1], passage[0] + 1))
        return range(low, max(low, high))

    @property
    def has_title(self) -> bool:
        """True when the document carries its own title (an h1)."""
        return any(p.block.kind == "title" for p in self.pieces)


def _covers(passage: Span, start: int, end: int) -> bool:
    return passage[0] <= start and end <= passage[1]


def _continued(nodes: tuple[Node, ...], before: int) -> tuple[Node, ...]:
    """A numbered list cut after ``before`` items goes on counting from there."""
    if not before or not nodes:
        return nodes
    first = nodes[0]
    if first.kind == "list" and first.numbered and not first.own_markers and first.start == 1 \
            and not any(item.marker for item in first.items):
        return (replace(first, start=before + 1), *nodes[1:])
    return nodes


def prepare(document: Document, entries: Iterable[Entry]) -> Prepared:
    """Lay out what does not depend on a passage: pieces, anchors and units."""
    pieces = _pieces(document)
    anchors = _anchor_positions([p.block for p in pieces], entries)
    levels = _heading_levels(p.block for p in pieces)
    units: list[Unit] = []
    i = 0
    while i < len(pieces):
        kind = pieces[i].block.kind
        group = {"item"} if kind == "item" else {"row", "header_row"} \
            if kind in {"row", "header_row"} else None
        run = len(_run(pieces, i, group)) if group else 1
        blocks = [p.block for p in pieces[i:i + run]]
        units.append(Unit(i, i + run, min(b.start for b in blocks), max(b.end for b in blocks)))
        i += run
    return Prepared(document, tuple(pieces), tuple(units), anchors, levels,
                    [u.start for u in units], list(accumulate((u.end for u in units), max)))


def lay_out(document: Document, entries: Iterable[Entry],
            passage: Entry | None = None) -> tuple[Node, ...]:
    """The document as nodes, with ``entries`` anchored and ``passage`` marked."""
    prepared = prepare(document, entries)
    span = (passage.start, passage.end) if passage else None
    return tuple(node for unit in prepared.units for nodes, _ in prepared.parts(unit, span)
                 for node in nodes)


def has_title(nodes: Sequence[Node]) -> bool:
    """True when the laid-out document carries its own title (an h1)."""
    return any(node.kind == "title" for node in nodes)


def _pieces(document: Document) -> list[_Piece]:
    """The blocks in order, each with the marker before it; loose text becomes paragraphs."""
    pieces: list[_Piece] = []
    text = document.text
    position = 0
    blocks = sorted(document.blocks, key=lambda b: (b.start, b.end))
    for block in [*blocks, None]:
        gap_end = block.start if block else len(text)
        marker = _gap_marker(text, position, gap_end) if block else None
        gap = text[position:gap_end]
        if marker is None and gap.strip():
            start = position + len(gap) - len(gap.lstrip())
            end = gap_end - (len(gap) - len(gap.rstrip()))
            loose = Block("paragraph", start, end, " ".join(gap.split()))
            pieces.append(_Piece(loose, ""))
        if block is None:
            break
        if block.kind == "paragraph" and not _shown_on_paragraphs(marker or ""):
            marker = ""  # a stray bullet before a paragraph says nothing
        pieces.append(_Piece(block, marker or ""))
        position = max(position, block.end)
    return pieces


def _gap_marker(text: str, start: int, end: int) -> str | None:
    """The marker that ``text[start:end]`` holds besides white space ("" for none), or
    None when the gap holds text of its own."""
    gap = text[start:end].strip()
    if not gap or _LIST_MARKER.fullmatch(gap):
        return gap
    return gap if _shown_on_paragraphs(gap) else None


def _shown_on_paragraphs(marker: str) -> bool:
    """True for numbering at any depth and question or answer markers."""
    # The readers' patterns want the text that follows the marker ("7.1. Installing").
    probe = f"{marker} X"
    return any(length(probe) == len(marker) + 1 for length in _SHOWN_ON_PARAGRAPHS)


def _anchor_positions(blocks: Sequence[Block], entries: Iterable[Entry]) -> _Anchors:
    """Where each entry's anchor goes: its start, or the start of the next block."""
    positions: dict[int, list[str]] = {}
    # The first block (in order) that ends after a point: where the greatest so far of
    # the blocks' ends first passes it.
    ends = list(accumulate((b.end for b in blocks), max))
    for entry in sorted(entries, key=lambda e: (e.start, e.kind != "qa", e.id)):
        index = bisect_right(ends, entry.start)
        if index == len(blocks):
            if not blocks:
                continue
            position = blocks[-1].end
        else:
            position = max(entry.start, blocks[index].start)
        positions.setdefault(position, []).append(entry.id)
    return _Anchors(positions, sorted(positions))


def _segments(text: str, block: Block, anchors: _Anchors,
              span: Span | None) -> tuple[Segment, ...]:
    inside = anchors.between(block.start, block.end)
    cuts = {block.start, block.end, *inside}
    if span:
        cuts.update(p for p in span if block.start < p < block.end)
    points = sorted(cuts)
    segments = []
    for start, end in zip(points, points[1:], strict=False):
        marked = span is not None and span[0] <= start and end <= span[1]
        segments.append(Segment(text[start:end], marked, tuple(anchors.at.get(start, ()))))
    # Anchors at the very end of the last block have no text after them.
    if inside and inside[-1] == block.end and block.end != block.start \
            and anchors.positions[-1] == block.end:
        segments.append(Segment("", False, tuple(anchors.at[block.end])))
    return tuple(s for s in segments if s.text or s.anchors)


def _row(block: Block, anchors: _Anchors, span: Span | None) -> Row:
    ids = tuple(i for position in anchors.between(block.start, block.end, inclusive=False)
                for i in anchors.at[position])
    marked = span is not None and span[0] < block.end and block.start < span[1]
    cells = block.cells or (block.text,)
    return Row(cells, header=block.kind == "header_row", marked=marked, anchors=ids)


def _run(pieces: Sequence[_Piece], start: int, kinds: set[str]) -> Sequence[_Piece]:
    end = start
    while end < len(pieces) and pieces[end].block.kind in kinds:
        end += 1
    return pieces[start:end]


def _heading_levels(blocks: Iterable[Block]) -> dict[int, int]:
    """Heading levels as used, mapped to h2, h3, ... without gaps (h1 is the title); a
    marked question ranks by its level like a heading, one below them all for "Q:"."""
    used = sorted({b.level for b in blocks if b.kind in {"heading", "question"}})
    return {level: min(6, rank + 2) for rank, level in enumerate(used)}


def _lists(items: list[tuple[_Piece, tuple[Segment, ...]]]) -> list[Node]:
    nodes: list[Node] = []
    i = 0
    while i < len(items):
        node, i = _list(items, i, _depth(items[i][0]))
        nodes.append(node)
    return nodes


def _depth(piece: _Piece) -> int:
    return min(piece.block.level, MAX_LIST_DEPTH)


def _list(items: list[tuple[_Piece, tuple[Segment, ...]]], i: int,
          level: int) -> tuple[Node, int]:
    """The list at ``level`` that starts at item ``i``, and the index after it."""
    numbered = items[i][0].block.numbered
    entries: list[ListItem] = []
    while i < len(items):
        piece, segments = items[i]
        depth = _depth(piece)
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
        entries.append(ListItem(segments, marker=piece.marker if numbered else ""))
        i += 1
    start, counted = _counting(entries) if numbered else (1, True)
    return Node("list", numbered=numbered, start=start, own_markers=not counted,
                items=tuple(entries)), i


def _counting(items: Sequence[ListItem]) -> tuple[int, bool]:
    """Where a numbered list starts, and whether its items count up one by one from
    there ("3.", "4.", "5."), as an ``<ol>`` numbers them (so too when the text shows
    no numbers: an HTML list's are the browser's)."""
    markers = [item.marker for item in items if item.segments]
    if not any(markers):
        return 1, True
    numbers = [_PLAIN_NUMBER.fullmatch(marker) for marker in markers]
    start = int(numbers[0].group(1)) if numbers[0] else 1
    counted = all(found and int(found.group(1)) == start + n for n, found in enumerate(numbers))
    return start, counted


def _tables(rows: list[Row]) -> list[Node]:
    """Rows grouped into tables: a header row after body rows starts a new table."""
    tables: list[list[Row]] = []
    for row in rows:
        if not tables or (row.header and any(not r.header for r in tables[-1])):
            tables.append([])
        tables[-1].append(row)
    return [Node("table", rows=tuple(group)) for group in tables]
