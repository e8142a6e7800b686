"""The nodes of a laid-out document (:mod:`faqkb.web.layout`), as ``_document.html``
renders them: :class:`Node` (a heading, paragraph, list, table...), :class:`ListItem`,
:class:`Row` and the :class:`Segment` s of their text, each segment marked when it lies
in the passage shown. Plain frozen records, no Flask.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

NodeKind = Literal["title", "heading", "question", "paragraph", "code", "nav", "list", "table"]


@dataclass(frozen=True, slots=True)
class Segment:
    """A run of a block's text; ``anchors`` are the entry ids that start right here."""

    text: str
    marked: bool = False
    anchors: tuple[str, ...] = ()


def all_marked(segments: Sequence[Segment]) -> bool:
    with_text = [s for s in segments if s.text.strip()]
    return bool(with_text) and all(s.marked for s in with_text)


@dataclass(frozen=True, slots=True)
class ListItem:
    """An item of a list, and the lists nested under it; ``marker`` is its number as the
    document writes it ("7.1.", "(2)")."""

    segments: tuple[Segment, ...]
    children: tuple[Node, ...] = ()
    marker: str = ""

    @property
    def in_passage(self) -> bool:
        """True when the marked passage covers the item's whole text."""
        return all_marked(self.segments)


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

    ``kind`` picks the element: ``title`` (h1), ``heading`` and ``question`` (``level``
    2 to 6), ``paragraph``, ``code``, ``nav`` (breadcrumbs), ``list`` (``items``;
    ``numbered`` lists count from ``start``, unless ``own_markers`` says that the
    items' numbers are not 1, 2, 3... and must be shown as written) or ``table``
    (``rows``). ``marker`` is what the text puts before a heading, question or
    paragraph: its number ("7.1.") or a question or answer marker ("Q:", "A:").
    """

    kind: NodeKind
    segments: tuple[Segment, ...] = ()
    level: int = 1
    marker: str = ""
    numbered: bool = False
    start: int = 1
    own_markers: bool = False
    items: tuple[ListItem, ...] = ()
    rows: tuple[Row, ...] = ()

    @property
    def in_passage(self) -> bool:
        """True when the marked passage covers the node's whole text."""
        return all_marked(self.segments)

    @property
    def heading_tag(self) -> str:
        """``h2`` to ``h6`` for a heading."""
        return f"h{self.level}"
