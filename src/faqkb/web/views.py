"""The routes. Each page that shows data has a JSON twin at the same path plus ``.json``.

    /                             the search box and questions to start from
    /search        /search.json   results: ?q=, page=, per_page=, kind=qa|claim, source=
    /sources       /sources.json  the documents
    /sources/NAME  /sources/NAME.json
                                  a document, every entry anchored; ?entry=ID marks one
    /questions     /questions.json
                                  every Q&A pair, grouped by document
    /entries/ID    /entries/ID.json
                                  an entry: the page redirects to its passage
    /suggest.json                 questions whose words start with ?q=

Views validate the request, call the knowledge base and render; user mistakes become
400 or 404 with a message (see :func:`faqkb.web.create_app` for the error pages).
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    json,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from faqkb.errors import DocumentError, KnowledgeBaseError
from faqkb.kb import KnowledgeBase
from faqkb.models import KINDS, Entry, Hit, SearchResults
from faqkb.search.suggest import Suggester
from faqkb.web import insights
from faqkb.web.layout import anchor_id, has_title, lay_out

bp = Blueprint("faqkb", __name__)
# Each view with a JSON twin is registered HTML rule first (its decorator innermost):
# url_for() without ``fmt`` then builds the HTML URL.

MAX_PER_PAGE = 100
MAX_PAGE = 1000
MAX_SUGGESTIONS = 10
STARTER_QUESTIONS = 6
KIND_LABELS = {"qa": "Q&A", "claim": "Claim"}
_NUMBER = re.compile(r"[0-9]{1,7}")


# -- helpers shared by the views and the templates ------------------------------------


def knowledge_base() -> KnowledgeBase:
    """The app's knowledge base (one per app; it opens a searcher per thread)."""
    return cast(KnowledgeBase, current_app.extensions["faqkb"])


def json_response(data: Any) -> Response:
    """``data`` as a JSON response."""
    return current_app.response_class(json.dumps(data) + "\n", mimetype="application/json")


def passage_url(entry: Entry, *, external: bool = False) -> str:
    """Where an entry's passage is shown, highlighted, in its source document."""
    return url_for("faqkb.source", name=entry.source, entry=entry.id,
                   _anchor=anchor_id(entry.id), _external=external)


def source_url(name: str, *, external: bool = False) -> str:
    """The page of a source document."""
    return url_for("faqkb.source", name=name, _external=external)


def marked(text: str, highlights: Iterable[tuple[int, int]]) -> list[tuple[str, bool]]:
    """``text`` cut into runs, each flagged when it is a highlighted (matched) part."""
    runs: list[tuple[str, bool]] = []
    position = 0
    for start, end in sorted(highlights):
        start, end = max(start, position), min(end, len(text))
        if start >= end:
            continue
        if start > position:
            runs.append((text[position:start], False))
        runs.append((text[start:end], True))
        position = end
    if position < len(text):
        runs.append((text[position:], False))
    return runs


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    return {"passage_url": passage_url, "source_url": source_url, "marked": marked,
            "kind_labels": KIND_LABELS,
            "max_query_chars": current_app.config["FAQKB_MAX_QUERY_CHARS"]}


def _entry_json(entry: Entry) -> dict[str, Any]:
    return entry.to_dict() | {"url": passage_url(entry, external=True)}


def _hit_json(hit: Hit) -> dict[str, Any]:
    data = hit.to_dict()
    data["url"] = passage_url(hit.entry, external=True)
    data["source_url"] = source_url(hit.source, external=True)
    for other, entry in zip(data["also_in"], hit.also_in, strict=True):
        other["url"] = passage_url(entry, external=True)
    return data


# -- search ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SearchRequest:
    """What a search page was asked for, validated."""

    query: str
    page: int
    per_page: int
    kind: str | None
    source: str | None
    exact: bool = False  # the words as typed, without spelling correction

    @property
    def offset(self) -> int:
        """How many results come before this page."""
        return (self.page - 1) * self.per_page

    def url(self, endpoint: str = "faqkb.search", **changes: Any) -> str:
        """This search's URL with some parameters changed (``None`` drops one)."""
        params: dict[str, Any] = {"q": self.query, "kind": self.kind, "source": self.source,
                                  "page": self.page if self.page > 1 else None,
                                  "exact": 1 if self.exact else None}
        if self.per_page != current_app.config["FAQKB_PER_PAGE"]:
            params["per_page"] = self.per_page
        params.update(changes)
        return url_for(endpoint, **{k: v for k, v in params.items() if v not in (None, "")})


def _search_request(args: Mapping[str, str]) -> SearchRequest:
    query = args.get("q", "").strip()
    limit = int(current_app.config["FAQKB_MAX_QUERY_CHARS"])
    if len(query) > limit:
        abort(400, f"Your search is {len(query)} characters long; please keep it under "
                   f"{limit} characters.")
    page = _number(args, "page", 1, MAX_PAGE)
    per_page = _number(args, "per_page", int(current_app.config["FAQKB_PER_PAGE"]),
                       MAX_PER_PAGE)
    kind = args.get("kind") or None
    if kind is not None and kind not in KINDS:
        abort(400, f"kind must be one of {', '.join(KINDS)} (or left out), not {kind!r}.")
    source = args.get("source", "").strip() or None
    if source is not None and len(source) > limit:
        abort(400, "That source name is too long.")
    return SearchRequest(query, page, per_page, kind, source, args.get("exact") == "1")


def _number(args: Mapping[str, str], name: str, default: int, highest: int) -> int:
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if not _NUMBER.fullmatch(raw) or not 1 <= int(raw) <= highest:
        abort(400, f"{name} must be a whole number from 1 to {highest}, not {raw[:20]!r}.")
    return int(raw)


@bp.get("/")
def home() -> str:
    """The search box and a few of the knowledge base's questions to start from."""
    summary = _summary()
    return render_template("index.html", starters=summary.starters,
                           documents=summary.documents, questions=summary.questions,
                           claims=summary.claims)


def _starters(questions: list[Entry], count: int) -> list[Entry]:
    """Up to ``count`` questions, taking turns between the documents."""
    by_source: dict[str, list[Entry]] = {}
    for entry in questions:
        by_source.setdefault(entry.source, []).append(entry)
    chosen: list[Entry] = []
    for round_ in range(max((len(v) for v in by_source.values()), default=0)):
        for entries in by_source.values():
            if round_ < len(entries) and len(chosen) < count:
                chosen.append(entries[round_])
    return chosen


@bp.get("/search.json", defaults={"fmt": "json"})
@bp.get("/search", defaults={"fmt": "html"})
def search(fmt: str) -> ResponseReturnValue:
    """Search results, a page at a time, as HTML or JSON."""
    wanted = _search_request(request.args)
    results = SearchResults(query=wanted.query, hits=(), total=0)
    if wanted.query:
        results = knowledge_base().search(wanted.query, wanted.per_page, offset=wanted.offset,
                                          kind=wanted.kind, source=wanted.source,
                                          correct=not wanted.exact)
        if wanted.page == 1:
            insights.record_search(wanted.query, results)
    pages = max(1, math.ceil(results.total / wanted.per_page))
    if fmt == "json":
        data = results.to_dict()
        data["hits"] = [_hit_json(hit) for hit in results.hits]
        data |= {"page": wanted.page, "per_page": wanted.per_page, "pages": pages,
                 "next_url": _external(wanted.url("faqkb.search", fmt="json",
                                                  page=wanted.page + 1))
                 if wanted.page < pages else None,
                 "html_url": _external(wanted.url())}
        return json_response(data)
    source_title = _source_title(wanted.source) if wanted.source else None
    return render_template("search.html", wanted=wanted, results=results, pages=pages,
                           source_title=source_title)


def _external(path: str) -> str:
    return request.host_url.rstrip("/") + path


def _source_title(name: str) -> str | None:
    return _summary().titles.get(name)


# -- suggestions ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IndexSummary:
    """What the pages show of the whole index, worked out once per index generation:
    reading every entry per request would make the home page cost as much as the index
    is large."""

    suggester: Suggester
    starters: tuple[Entry, ...]
    titles: dict[str, str]  # the title of each document that has entries
    documents: int
    questions: int
    claims: int

    @classmethod
    def of(cls, kb: KnowledgeBase) -> IndexSummary:
        """Read the summary from the knowledge base's index."""
        entries = kb.entries()
        questions = [e for e in entries if e.kind == "qa"]
        titles: dict[str, str] = {}
        for entry in entries:
            titles.setdefault(entry.source, entry.title)
        return cls(Suggester(questions), tuple(_starters(questions, STARTER_QUESTIONS)),
                   titles, len(kb.sources()), len(questions), len(entries) - len(questions))


class _SummaryCache:
    """One :class:`IndexSummary` per index generation, shared by the app's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._key: str | None = None
        self._summary: IndexSummary | None = None

    def get(self, kb: KnowledgeBase) -> IndexSummary:
        key = kb.version  # checks kb/ for changes, rebuilding the index if needed
        with self._lock:
            if self._summary is None or key != self._key or key is None:
                self._summary = IndexSummary.of(kb)
                self._key = key
            return self._summary


def _summary() -> IndexSummary:
    cache = current_app.extensions.get("faqkb.summary")
    if cache is None:
        cache = current_app.extensions.setdefault("faqkb.summary", _SummaryCache())
    return cast(_SummaryCache, cache).get(knowledge_base())


@bp.get("/suggest.json")
def suggest() -> Response:
    """Questions whose words start with the words typed so far (``?q=``), as JSON."""
    typed = request.args.get("q", "")
    if len(typed) > int(current_app.config["FAQKB_MAX_QUERY_CHARS"]):
        abort(400, "That is too long for suggestions.")
    limit = _number(request.args, "limit", 8, MAX_SUGGESTIONS)
    found = _summary().suggester.suggest(typed, limit)
    return json_response({
        "query": typed,
        "suggestions": [
            {"question": s.question, "id": s.entry.id, "source": s.entry.source,
             "title": s.entry.title, "highlights": [list(h) for h in s.highlights],
             "url": passage_url(s.entry)}
            for s in found
        ],
    })


# -- documents and questions ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SourceSummary:
    """A document of the knowledge base as listed on the sources and questions pages."""

    name: str
    title: str
    questions: tuple[Entry, ...]
    claims: int


def _summaries() -> list[SourceSummary]:
    kb = knowledge_base()
    by_source: dict[str, list[Entry]] = {}
    for entry in kb.entries():
        by_source.setdefault(entry.source, []).append(entry)
    summaries = []
    for name in kb.sources():
        entries = by_source.get(name, [])
        title = entries[0].title if entries else _title_of(kb, name)
        summaries.append(SourceSummary(
            name=name, title=title,
            questions=tuple(e for e in entries if e.kind == "qa"),
            claims=sum(1 for e in entries if e.kind == "claim")))
    return summaries


def _title_of(kb: KnowledgeBase, name: str) -> str:
    try:
        return kb.document(name).title
    except (KnowledgeBaseError, DocumentError):
        return name


@bp.get("/sources.json", defaults={"fmt": "json"})
@bp.get("/sources", defaults={"fmt": "html"})
def sources(fmt: str) -> ResponseReturnValue:
    """The documents of the knowledge base."""
    summaries = _summaries()
    if fmt == "json":
        return json_response({"sources": [
            {"name": s.name, "title": s.title, "url": source_url(s.name, external=True),
             "questions": len(s.questions), "claims": s.claims} for s in summaries]})
    return render_template("sources.html", summaries=summaries)


@bp.get("/sources/<path:name>.json", defaults={"fmt": "json"})
@bp.get("/sources/<path:name>", defaults={"fmt": "html"})
def source(name: str, fmt: str) -> ResponseReturnValue:
    """A document, readable, every entry anchored; ``?entry=ID`` marks that passage."""
    kb = knowledge_base()
    if fmt == "json" and name not in kb.sources() and f"{name}.json" in kb.sources():
        name, fmt = f"{name}.json", "html"
    if name not in kb.sources():
        abort(404, f"There is no document called “{_shorten(name)}” in this knowledge base.")
    document = kb.document(name)
    entries = kb.entries(source=name)
    if fmt == "json":
        return json_response({
            "name": document.name, "title": document.title, "format": document.format,
            "url": source_url(name, external=True), "text": document.text,
            "entries": [_entry_json(e) for e in entries]})
    passage = None
    wanted = request.args.get("entry")
    if wanted is not None:
        passage = next((e for e in entries if e.id == wanted), None)
        if passage is None:
            abort(404, f"This document has no entry “{_shorten(wanted)}”.")
        insights.record_open(passage)
    nodes = lay_out(document, entries, passage)
    return render_template(
        "source.html", document=document, nodes=nodes, has_title=has_title(nodes),
        passage=passage, questions=[e for e in entries if e.kind == "qa"],
        claims=sum(1 for e in entries if e.kind == "claim"))


def _shorten(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


@bp.get("/questions.json", defaults={"fmt": "json"})
@bp.get("/questions", defaults={"fmt": "html"})
def questions(fmt: str) -> ResponseReturnValue:
    """Every Q&A pair, grouped by source document: the FAQ as a page."""
    summaries = [s for s in _summaries() if s.questions]
    if fmt == "json":
        return json_response({"sources": [
            {"name": s.name, "title": s.title, "url": source_url(s.name, external=True),
             "questions": [_entry_json(e) for e in s.questions]} for s in summaries]})
    return render_template("questions.html", summaries=summaries,
                           total=sum(len(s.questions) for s in summaries))


@bp.get("/entries/<entry_id>.json", defaults={"fmt": "json"})
@bp.get("/entries/<entry_id>", defaults={"fmt": "html"})
def entry(entry_id: str, fmt: str) -> ResponseReturnValue:
    """An entry: its JSON, or (for a browser) a redirect to its highlighted passage."""
    found = knowledge_base().entry(entry_id)
    if found is None:
        abort(404, f"There is no entry “{_shorten(entry_id)}” in this knowledge base.")
    if fmt == "json":
        return json_response(_entry_json(found) | {
            "source_url": source_url(found.source, external=True)})
    return redirect(passage_url(found))
