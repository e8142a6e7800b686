"""A document's source view, laid out and rendered once per index generation.

Laying out and rendering a large document (a FAQ of 50,000 questions, several MB of
text) takes seconds, and a link to any of its passages must not pay that each time.
:func:`source_view` keeps a :class:`SourceView` for each document read from the
index generation in service, in an app-wide cache holding at most
:data:`MAX_CACHED_CHARS` characters of text and HTML (least recently used views go
first). A view holds the document, its entries, and the HTML of each unit of its
layout (:mod:`faqkb.web.layout`) with no passage marked; :meth:`SourceView.body` for a
passage renders again only the units the passage touches, and puts those it covers in
one box (``<div class="passage-box">``) so that a passage of several paragraphs and a
list reads as one highlighted block with its bullets inside.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any, cast

from flask import current_app
from markupsafe import Markup

from faqkb.kb import KnowledgeBase
from faqkb.models import Document, Entry
from faqkb.web.layout import Prepared, Unit, prepare

MAX_CACHED_CHARS = 96 * 1024 * 1024
CACHE = "faqkb.source_views"
_MACROS = "_document.html"
_BOX_OPEN = Markup('<div class="passage-box">')
_BOX_CLOSE = Markup("</div>")


@dataclass
class SourceView:
    """A document as its page shows it, rendered once, passages marked on demand."""

    document: Document
    entries: tuple[Entry, ...]
    prepared: Prepared
    render: Any  # the node macro of the template
    _units: list[Markup] = field(default_factory=list)
    _whole: Markup | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _by_id: dict[str, Entry] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self._by_id = {e.id: e for e in self.entries}

    @property
    def questions(self) -> tuple[Entry, ...]:
        """The document's Q&A pairs, in order."""
        return tuple(e for e in self.entries if e.kind == "qa")

    @property
    def claims(self) -> int:
        """How many claims the document makes."""
        return sum(1 for e in self.entries if e.kind == "claim")

    @property
    def has_title(self) -> bool:
        """True when the laid-out document carries its own title (an h1)."""
        return self.prepared.has_title

    @property
    def size(self) -> int:
        """Roughly how many characters the view holds (text and HTML)."""
        return len(self.document.text) + (len(self._whole) if self._whole else 0)

    def entry(self, entry_id: str) -> Entry | None:
        """The document's entry with this id, or ``None``."""
        return self._by_id.get(entry_id)

    def body(self, passage: Entry | None = None) -> Markup:
        """The document's HTML, ``passage`` marked (and boxed where it covers units)."""
        units = self._rendered()
        if passage is None:
            assert self._whole is not None
            return self._whole
        span = (passage.start, passage.end)
        touched = self.prepared.touched(span)
        runs = [run for i in touched for run in self.prepared.parts(self.prepared.units[i], span)]
        covered = [n for n, (_, inside) in enumerate(runs) if inside]
        html: list[Markup] = list(units[: touched.start])
        for n, (nodes, _) in enumerate(runs):
            if covered and n == covered[0]:
                html.append(_BOX_OPEN)
            html.extend(self.render(node) for node in nodes)
            if covered and n == covered[-1]:
                html.append(_BOX_CLOSE)
        html.extend(units[touched.stop:])
        return Markup("").join(html)

    def _rendered(self) -> list[Markup]:
        with self._lock:
            if self._whole is None:
                self._units = [self._unit_html(unit) for unit in self.prepared.units]
                self._whole = Markup("").join(self._units)
            return self._units

    def _unit_html(self, unit: Unit) -> Markup:
        return Markup("").join(self.render(node) for node in self.prepared.nodes(unit))


class _Views:
    """The cache: views by (generation, document name), least recently used first."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.views: OrderedDict[tuple[str, str], SourceView] = OrderedDict()

    def get(self, key: tuple[str, str]) -> SourceView | None:
        with self.lock:
            view = self.views.get(key)
            if view is not None:
                self.views.move_to_end(key)
            return view

    def put(self, key: tuple[str, str], view: SourceView) -> None:
        with self.lock:
            self.views[key] = view
            self.views.move_to_end(key)
            generation = key[0]
            for old in [k for k in self.views if k[0] != generation]:
                del self.views[old]  # an older generation's views are never asked for again
            while len(self.views) > 1 and sum(v.size for v in self.views.values()) \
                    > MAX_CACHED_CHARS:
                self.views.popitem(last=False)


def source_view(kb: KnowledgeBase, name: str) -> SourceView:
    """The view of the indexed document ``name`` (read, laid out and rendered once per
    index generation). Raises what :meth:`KnowledgeBase.document` raises."""
    views = cast(_Views, current_app.extensions.setdefault(CACHE, _Views()))
    key = (kb.version, name)
    view = views.get(key)
    if view is None:
        document = kb.document(name)
        entries = tuple(kb.entries(source=name))
        render = current_app.jinja_env.get_template(_MACROS).module.render_node  # type: ignore[attr-defined]
        view = SourceView(document, entries, prepare(document, entries), render)
        view.body()  # render while no other request waits on this view's lock
        views.put(key, view)
    return view
