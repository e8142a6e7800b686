"""The records that flow through faqkb, from a document in ``kb/`` to a search hit.

- :class:`Block`: one structural piece of a document's text (a heading, a paragraph,
  a list item, a table row), with its exact character span.
- :class:`Document`: a file of ``kb/`` as faqkb reads it: its text, title and blocks.
- :class:`Dropped`: page chrome a reader left out of a document's text, and why.
- :class:`Entry`: what extraction finds in a document, a question-and-answer pair
  (``kind == "qa"``) or a claim (``kind == "claim"``), with the span it came from.
- :class:`Hit` and :class:`SearchResults`: what a search returns.
- :class:`BuildReport`: what building the index did.

Every record is a frozen dataclass; dictionaries appear only at the JSON boundary
(``to_dict``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Kind = Literal["qa", "claim"]
KINDS: tuple[Kind, ...] = ("qa", "claim")

BlockKind = Literal[
    "title",  # the document's own title
    "heading",  # a section heading (a question may stand as a heading)
    "question",  # a question the document marks as one ("Q:", schema.org FAQPage data)
    "paragraph",  # prose
    "item",  # a bullet point or numbered item
    "row",  # a table row
    "header_row",  # a table's header row
    "code",  # preformatted text: commands, listings
    "nav",  # page chrome the reader recognised (breadcrumbs)
]


@dataclass(frozen=True, slots=True)
class Block:
    """A structural piece of a document: ``document.text[start:end]`` is its source.

    ``text`` is the block's content as clean text (markers such as bullets removed,
    white space folded; a code block keeps its lines). ``level`` is a heading's depth
    (1 is the top, 6 the deepest HTML heading, 7 a heading under all of those: a
    definition term, a ``<summary>``, a bold line standing alone, a ``Q:`` line) or a
    list item's nesting depth.
    ``cells`` holds a table row's cells. ``numbered`` says that a heading or an item
    carried a number ("4.", "7.12.") that ``text`` leaves out.
    """

    kind: BlockKind
    start: int
    end: int
    text: str
    level: int = 1
    cells: tuple[str, ...] = ()
    numbered: bool = False


@dataclass(frozen=True, slots=True)
class Dropped:
    """Something of a page left out of the document's text as page chrome: ``reason``
    says what gave it away (``"<nav>"``, ``'class "sidebar", mostly links'``), ``text``
    is what it said."""

    reason: str
    text: str


@dataclass(frozen=True, slots=True)
class Document:
    """A file of the knowledge base as faqkb reads it.

    ``text`` is the document's text as faqkb derives it (the decoded file for plain
    text; the visible text for HTML): every span of every entry indexes into it.
    ``dropped`` holds what the reader left out of it as page chrome (menus, footers).
    """

    name: str
    text: str
    title: str
    format: str
    blocks: tuple[Block, ...]
    fingerprint: str
    encoding: str = "utf-8"
    dropped: tuple[Dropped, ...] = ()


@dataclass(frozen=True, slots=True)
class Entry:
    """A unit of knowledge: a question-and-answer pair or a claim.

    ``document.text[start:end]`` is exactly the passage the entry came from: for a
    pair, its question and answer; for a pair whose question is the document's title,
    the answering passage; for a claim, the claim. ``text`` is that passage's content
    as clean text: the claim, or the pair's answer. ``questions`` holds every
    question a pair answers (two questions with identical answers make one pair).
    ``context`` holds words that belong to the entry without being its text, such as
    the header of the table a row comes from.
    """

    id: str
    kind: Kind
    source: str
    start: int
    end: int
    text: str
    questions: tuple[str, ...] = ()
    title: str = ""
    heading: str = ""
    context: str = ""

    @property
    def question(self) -> str | None:
        """The pair's (first) question, or ``None`` for a claim."""
        return self.questions[0] if self.questions else None

    @property
    def answer(self) -> str | None:
        """The pair's answer, or ``None`` for a claim."""
        return self.text if self.kind == "qa" else None

    def to_dict(self) -> dict[str, Any]:
        """The entry as a JSON-ready dictionary."""
        return {
            "id": self.id,
            "kind": self.kind,
            "question": self.question,
            "questions": list(self.questions),
            "answer": self.answer,
            "text": self.text,
            "source": self.source,
            "start": self.start,
            "end": self.end,
            "title": self.title,
            "heading": self.heading,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Entry:
        """Rebuild an entry from :meth:`to_dict` output (plus ``context``)."""
        kind = data["kind"]
        if kind not in KINDS:
            raise ValueError(f"unknown entry kind {kind!r}")
        return cls(
            id=str(data["id"]),
            kind=kind,
            source=str(data["source"]),
            start=int(data["start"]),
            end=int(data["end"]),
            text=str(data["text"]),
            questions=tuple(data.get("questions") or ()),
            title=str(data.get("title") or ""),
            heading=str(data.get("heading") or ""),
            context=str(data.get("context") or ""),
        )


@dataclass(frozen=True, slots=True)
class Hit:
    """One search result: an entry, its score and a snippet of its text.

    ``snippet`` is plain text; ``highlights`` are ``(start, end)`` offsets into the
    snippet of the words that matched the query. ``also_in`` names the other
    entries, usually in other documents, that say the same thing. ``part`` is the
    ``(start, end)`` of the part of the entry's passage that answers, when the entry
    has parts: the row of a table that matched.
    """

    entry: Entry
    score: float
    snippet: str
    highlights: tuple[tuple[int, int], ...] = ()
    also_in: tuple[Entry, ...] = ()
    part: tuple[int, int] | None = None

    @property
    def id(self) -> str:
        """The entry's stable id."""
        return self.entry.id

    @property
    def kind(self) -> Kind:
        """``"qa"`` or ``"claim"``."""
        return self.entry.kind

    @property
    def question(self) -> str | None:
        """The pair's question, or ``None`` for a claim."""
        return self.entry.question

    @property
    def questions(self) -> tuple[str, ...]:
        """Every question the pair answers."""
        return self.entry.questions

    @property
    def answer(self) -> str | None:
        """The pair's answer, or ``None`` for a claim."""
        return self.entry.answer

    @property
    def text(self) -> str:
        """The claim, or the pair's answer."""
        return self.entry.text

    @property
    def source(self) -> str:
        """The file name, in ``kb/``, of the document the entry came from."""
        return self.entry.source

    @property
    def start(self) -> int:
        """Where the passage (the part that answers, when there is one) starts in the
        document's text."""
        return self.part[0] if self.part else self.entry.start

    @property
    def end(self) -> int:
        """Where the passage (the part that answers, when there is one) ends."""
        return self.part[1] if self.part else self.entry.end

    @property
    def title(self) -> str:
        """The source document's title."""
        return self.entry.title

    @property
    def heading(self) -> str:
        """The section of the document the entry sits in."""
        return self.entry.heading

    def to_dict(self) -> dict[str, Any]:
        """The hit as a JSON-ready dictionary: the entry's fields plus score and snippet."""
        data = self.entry.to_dict()
        data["start"], data["end"] = self.start, self.end
        data["passage"] = [self.entry.start, self.entry.end]
        data["score"] = round(self.score, 4)
        data["snippet"] = self.snippet
        data["highlights"] = [list(span) for span in self.highlights]
        data["also_in"] = [
            {"id": e.id, "source": e.source, "start": e.start, "end": e.end, "title": e.title}
            for e in self.also_in
        ]
        return data


@dataclass(frozen=True, slots=True)
class SearchResults:
    """The hits of one search, best first, with what a results page needs around them.

    ``total`` counts the hits (before the limit), repeats collapsed: exactly when
    ``total_exact``, else as an estimate (a search matching thousands of entries
    collapses only the best of them one by one); ``suggestion`` is a
    corrected query when some words were not in the index's vocabulary and
    ``corrected`` tells whether the hits are for that suggestion. ``no_close_match``
    says that nothing matched well: the hits, if any, are weak.
    ``kind_counts`` and ``source_counts`` count the matching entries by kind and by
    source document. ``kind_totals`` says how many hits a search of each kind (the same
    words and source) would find, exactly when ``kind_totals_exact``; ``questions`` are
    the best matching Q&A pairs, when asked for (``questions=`` of
    :meth:`~faqkb.KnowledgeBase.search`). ``partial`` says the search ran out of its
    time budget: the hits are the best of what it found in time. ``phrases_as_words``
    says that no entry holds the quoted phrases word for word (a quote left open makes
    the rest of the query one): the hits are for their words.
    """

    query: str
    hits: tuple[Hit, ...]
    total: int
    total_exact: bool = True
    suggestion: str | None = None
    corrected: bool = False
    no_close_match: bool = False
    partial: bool = False
    kind_counts: Mapping[str, int] = field(default_factory=dict)
    source_counts: Mapping[str, int] = field(default_factory=dict)
    kind_totals: Mapping[str, int] = field(default_factory=dict)
    kind_totals_exact: bool = True
    questions: tuple[Entry, ...] = ()
    phrases_as_words: bool = False

    def __iter__(self) -> Iterator[Hit]:
        return iter(self.hits)

    def __len__(self) -> int:
        return len(self.hits)

    def __getitem__(self, index: int) -> Hit:
        return self.hits[index]

    def __bool__(self) -> bool:
        return bool(self.hits)

    def to_dict(self) -> dict[str, Any]:
        """The results as a JSON-ready dictionary."""
        return {
            "query": self.query,
            "total": self.total,
            "total_exact": self.total_exact,
            "suggestion": self.suggestion,
            "corrected": self.corrected,
            "no_close_match": self.no_close_match,
            "partial": self.partial,
            "phrases_as_words": self.phrases_as_words,
            "kind_counts": dict(self.kind_counts),
            "source_counts": dict(self.source_counts),
            "kind_totals": dict(self.kind_totals),
            "kind_totals_exact": self.kind_totals_exact,
            "hits": [hit.to_dict() for hit in self.hits],
            "questions": [entry.to_dict() for entry in self.questions],
        }


@dataclass(frozen=True, slots=True)
class BuildReport:
    """What building (or checking) the index found and did.

    ``mode`` is ``"full"`` (every document indexed afresh), ``"update"`` (only the
    ``reindexed`` documents that were added or changed, and those removed) or
    ``"none"`` (the index was up to date). ``chrome`` names each document that had
    page chrome left out (menus, footers, "Was this helpful?" boxes), with how many
    pieces: ``faqkb extract --explain`` shows them.
    """

    documents: int
    qa_pairs: int
    claims: int
    warnings: tuple[str, ...]
    rebuilt: bool
    index_dir: str
    seconds: float = 0.0
    mode: str = "full"
    reindexed: int = 0
    chrome: tuple[tuple[str, int], ...] = ()

    @property
    def entries(self) -> int:
        """Q&A pairs plus claims."""
        return self.qa_pairs + self.claims
