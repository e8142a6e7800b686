"""The Whoosh schema: the one place field names live, and how an entry is stored.

Fields:

- ``question``: the questions a pair answers (weighs most);
- ``heading``: the section the entry sits in;
- ``body``: the answer or claim text, plus context such as a table's header;
- ``kind`` and ``source``: exact-match filters, sortable for per-facet counts;
- ``id`` and ``entry``: the stable id and the stored entry itself;
- ``question_terms``: each question's analyzed terms, for ranking exact question
  matches first without analyzing again at query time;
- ``terms``: every term of the entry's questions and text, for measuring how much
  of a query an entry covers without asking Whoosh to track matches.

Entries are analyzed once (:func:`~faqkb.index.analysis.analyze`) and handed to Whoosh
as space-separated terms.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh import scoring
from whoosh.analysis import SpaceSeparatedTokenizer
from whoosh.fields import ID, STORED, TEXT, Schema

from faqkb.index.analysis import analyze, spoken_words
from faqkb.models import Entry

QUESTION, HEADING, BODY, KIND, SOURCE, ID_FIELD, ENTRY, QUESTION_TERMS, ENTRY_TERMS = (
    "question", "heading", "body", "kind", "source", "id", "entry", "question_terms", "terms",
)
TEXT_FIELDS: tuple[str, ...] = (QUESTION, HEADING, BODY)
FIELD_WEIGHTS: dict[str, float] = {QUESTION: 2.5, HEADING: 1.2, BODY: 1.0}
BM25_K1 = 1.2
BM25_B = 0.75
BM25_FIELD_B: dict[str, float] = {}
_TERMS = SpaceSeparatedTokenizer()


def make_schema() -> Schema:
    """The index schema: three weighted text fields, two filters, the stored entry."""
    return Schema(
        id=ID(stored=True, unique=True),
        kind=ID(stored=True, sortable=True),
        source=ID(stored=True, sortable=True),
        # No positions: phrases are checked on the stored entries, and the postings a
        # search scores are faqkb's own arrays (index/postings.py).
        question=TEXT(analyzer=_TERMS, phrase=False),
        heading=TEXT(analyzer=_TERMS, phrase=False),
        body=TEXT(analyzer=_TERMS, phrase=False),
        entry=STORED(),
        question_terms=STORED(),
        terms=STORED(),
    )


def entry_words(entry: Entry) -> set[str]:
    """The words (as written) of an entry's questions and text, for the vocabulary."""
    return set(spoken_words(" ".join((*entry.questions, entry.text))))


def open_index(directory: Path) -> Any:
    """Open the Whoosh index in ``directory`` read-only."""
    return whoosh_index.open_dir(str(directory), readonly=True)


def open_searcher(index: Any) -> Any:
    """A searcher of ``index`` scoring with faqkb's BM25F parameters."""
    return index.searcher(weighting=scoring.BM25F(B=BM25_B, K1=BM25_K1, **BM25_FIELD_B))


def stored_entry(fields: dict[str, Any]) -> Entry:
    """The :class:`Entry` kept in a hit's stored fields."""
    (identifier, kind, source, start, end, text, questions, title, heading,
     context) = fields[ENTRY]
    return Entry(identifier, kind, source, start, end, text, tuple(questions), title, heading,
                 context)


def field_terms(fields: dict[str, Any]) -> tuple[list[str], list[str], list[str]]:
    """The terms of the question, heading and body fields of :func:`entry_fields` output."""
    return fields[QUESTION].split(), fields[HEADING].split(), fields[BODY].split()


def entry_fields(entry: Entry) -> tuple[dict[str, Any], set[str]]:
    """The Whoosh fields of ``entry``, and every term it holds (for :class:`Counts`)."""
    body = entry.text if not entry.context else f"{entry.text}\n{entry.context}"
    question_terms = [analyze(question) for question in entry.questions]
    body_terms = analyze(body)
    heading_terms = analyze(entry.heading)
    content = set(body_terms).union(*map(set, question_terms))
    return {
        ID_FIELD: entry.id,
        KIND: entry.kind,
        SOURCE: entry.source,
        QUESTION: " ".join(" ".join(terms) for terms in question_terms),
        HEADING: " ".join(heading_terms),
        BODY: " ".join(body_terms),
        ENTRY: (entry.id, entry.kind, entry.source, entry.start, entry.end, entry.text,
                entry.questions, entry.title, entry.heading, entry.context),
        QUESTION_TERMS: question_terms,
        ENTRY_TERMS: " ".join(sorted(content)),
    }, content.union(heading_terms)
