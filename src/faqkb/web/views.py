"""The routes. Each page that shows data has a JSON twin at the same path plus ``.json``.

    /                             the search box and questions to start from
    /search        /search.json   results: ?q=, page=, per_page=, kind=qa|claim, source=,
                                  exact=1 (the words as typed, not spell-corrected)
    /sources       /sources.json  the documents, ?page= at a time
    /sources/NAME  /sources/NAME.json
                                  a document, every entry anchored; ?entry=ID marks one
    /questions     /questions.json
                                  every Q&A pair, grouped by document, ?page= at a time;
                                  ?source=NAME for one document's
    /entries/ID    /entries/ID.json
                                  an entry: the page redirects to its passage
    /suggest.json                 questions whose words start with ?q=, and with
                                  ?results=N the first N results of the search so far

Views validate the request, call the knowledge base and render; user mistakes become
400 or 404 with a message (see :func:`faqkb.web.create_app` for the error pages).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, cast
from urllib.parse import quote, quote_plus

import orjson
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from faqkb.errors import KnowledgeBaseError
from faqkb.kb import KnowledgeBase
from faqkb.models import Entry, Hit
from faqkb.search.suggest import Asking
from faqkb.web import insights
from faqkb.web.layout import anchor_id
from faqkb.web.reading import source_view
from faqkb.web.searching import (
    QUERY_SAFE,
    ResultsPage,
    SearchRequest,
    shown_count,
    whole_number,
)
from faqkb.web.site import Site, SiteSettings
from faqkb.web.summary import Asked, IndexSummary, SummaryCache, entries_of

bp = Blueprint("faqkb", __name__)
# Each view with a JSON twin is registered HTML rule first (its decorator innermost):
# url_for() without ``fmt`` then builds the HTML URL.

MAX_SUGGESTIONS = 10
MAX_INSTANT_RESULTS = 5
LISTED_PER_PAGE = 100  # documents or questions on a page of /sources or /questions
MAX_LISTED_PER_PAGE = 500
ASIDE_QUESTIONS = 100  # questions listed beside a document before "all N questions"
KIND_LABELS = {"qa": "Q&A", "claim": "Claim"}
SUMMARY = "faqkb.summary"
SITE = "faqkb.site"


# -- helpers shared by the views and the templates ------------------------------------


def knowledge_base() -> KnowledgeBase:
    """The app's knowledge base (one per app; it opens a searcher per thread)."""
    return cast(KnowledgeBase, current_app.extensions["faqkb"])


def summary() -> IndexSummary:
    """What the pages show of the index generation in service."""
    return cast(SummaryCache, current_app.extensions[SUMMARY]).get(knowledge_base())


def site() -> Site:
    """The site's title and description (``kb/faqkb.toml`` and the app's settings)."""
    return cast(SiteSettings, current_app.extensions[SITE]).get()


def json_response(data: Any) -> Response:
    """``data`` as a JSON response (keys sorted, UTF-8, a newline at the end)."""
    body = orjson.dumps(data, default=current_app.json.default,  # type: ignore[attr-defined]
                        option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
                        | orjson.OPT_APPEND_NEWLINE)
    return current_app.response_class(body, mimetype="application/json")


def passage_url(entry: Entry | Asking, *, external: bool = False) -> str:
    """Where an entry's passage is shown, highlighted, in its source document."""
    path = _passage_path(_source_path(entry.source), entry.id)
    return _as_url_for_would(path) if external else path


def _passage_path(source_path: str, entry_id: str) -> str:
    return (f"{source_path}?entry={quote_plus(entry_id, safe=QUERY_SAFE)}"
            f"#{quote(anchor_id(entry_id), safe=_ANCHOR_SAFE)}")


def source_url(name: str, *, external: bool = False) -> str:
    """The page of a source document."""
    path = _source_path(name)
    return _as_url_for_would(path) if external else path


_ANCHOR_SAFE = "%!#$&'()*+,/:;=?@"  # what Flask leaves unquoted in an anchor
_SOURCE_PATHS = "faqkb.source_paths"
_MAX_SOURCE_PATHS = 65_536


def _source_path(name: str) -> str:
    """The path of a document's page as ``url_for`` builds it, remembered (a results
    page links the same documents again and again; routing builds each afresh)."""
    if not has_request_context():
        return url_for("faqkb.source", name=name, _external=False)
    paths: dict[tuple[str, str], str] = current_app.extensions.setdefault(_SOURCE_PATHS, {})
    key = (request.script_root, name)
    path = paths.get(key)
    if path is None:
        if len(paths) >= _MAX_SOURCE_PATHS:
            paths.clear()
        path = paths[key] = url_for("faqkb.source", name=name, _external=False)
    return path


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


def same_words(first: str | None, second: str | None) -> bool:
    """True when two texts say the same words (a document titled by its question)."""
    def words(text: str | None) -> list[str]:
        return "".join(ch if ch.isalnum() else " " for ch in (text or "").casefold()).split()
    return bool(first and second) and words(first) == words(second)


@bp.app_context_processor
def _template_helpers() -> dict[str, Any]:
    # Only what needs no index: error pages are rendered with these too.
    return {"passage_url": passage_url, "source_url": source_url, "marked": marked,
            "same_words": same_words, "kind_labels": KIND_LABELS, "site": site(),
            "max_query_chars": current_app.config["FAQKB_MAX_QUERY_CHARS"]}


@bp.app_template_filter("number")
def _number_filter(count: int, exact: bool = True) -> str:
    return shown_count(count, exact)


def _external(path: str) -> str:
    return request.host_url.rstrip("/") + path


def _as_url_for_would(path: str) -> str:
    """``path`` (as ``url_for`` builds it) as the absolute URL ``url_for`` would give
    it (``SERVER_NAME`` when set, an international host in its ASCII form), the scheme
    and host found once per request."""
    origin: str | None = g.get("faqkb_origin")
    if origin is None:
        inside, outside = url_for("faqkb.home"), url_for("faqkb.home", _external=True)
        origin = g.faqkb_origin = outside[: len(outside) - len(inside)]
    return origin + path


def _entry_json(entry: Entry) -> dict[str, Any]:
    return entry.to_dict() | {"url": passage_url(entry, external=True)}


def _hit_json(hit: Hit) -> dict[str, Any]:
    data = hit.to_dict()
    data["url"] = passage_url(hit.entry, external=True)
    data["source_url"] = source_url(hit.source, external=True)
    for other, entry in zip(data["also_in"], hit.also_in, strict=True):
        other["url"] = passage_url(entry, external=True)
    return data


def _shorten(text: str, width: int = 80) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


# -- home and search ------------------------------------------------------------------


@bp.get("/")
def home() -> str:
    """The search box and a few of the knowledge base's questions to start from."""
    return render_template("index.html", summary=summary())


@bp.get("/search.json", defaults={"fmt": "json"})
@bp.get("/search", defaults={"fmt": "html"})
def search(fmt: str) -> ResponseReturnValue:
    """Search results, a page at a time, as HTML or JSON."""
    wanted = SearchRequest.of(request.args)
    known = summary()
    if not wanted.query:
        if fmt == "json":
            return json_response({"query": "", "total": 0, "total_exact": True, "hits": [],
                                  "page": wanted.page, "per_page": wanted.per_page,
                                  "pages": 1, "next_url": None,
                                  "html_url": _external(wanted.url())})
        return render_template("search.html", wanted=wanted, page=None, summary=known)
    titles = {} if fmt == "json" else {s.name: s.title for s in known.sources}
    page = ResultsPage.of(knowledge_base(), wanted, titles, facets=fmt != "json")
    if wanted.page == 1:
        insights.record_search(wanted.query, page.results)
    if fmt == "json":
        data = replace(page.results, hits=(), questions=()).to_dict()
        data["hits"] = [_hit_json(hit) for hit in page.results.hits]
        data["questions"] = [_entry_json(entry) for entry in page.related]
        data |= {"page": wanted.page, "per_page": wanted.per_page,
                 "pages": page.pages or math.ceil(page.results.total / wanted.per_page) or 1,
                 "next_url": _external(wanted.url("faqkb.search", fmt="json",
                                                  page=wanted.page + 1))
                 if page.has_next else None,
                 "html_url": _external(wanted.url())}
        return json_response(data)
    return render_template("search.html", wanted=wanted, page=page, summary=known)


@bp.get("/suggest.json")
def suggest() -> Response:
    """Questions whose words start with the words typed so far (``?q=``), and with
    ``?results=N`` the first N results of searching for them, as JSON."""
    typed = request.args.get("q", "")
    if len(typed) > int(current_app.config["FAQKB_MAX_QUERY_CHARS"]):
        abort(400, "That is too long for suggestions.")
    limit = whole_number(request.args, "limit", 8, MAX_SUGGESTIONS)
    wanted = whole_number(request.args, "results", 1, MAX_INSTANT_RESULTS) \
        if request.args.get("results", "0").strip() not in ("", "0") else 0
    found = summary().suggester.suggest(typed, limit)
    data: dict[str, Any] = {
        "query": typed,
        "suggestions": [
            {"question": s.question, "id": s.entry.id, "source": s.entry.source,
             "title": "" if same_words(s.entry.title, s.question) else s.entry.title,
             "highlights": [list(h) for h in s.highlights], "url": passage_url(s.entry)}
            for s in found
        ],
    }
    if wanted:
        data |= _instant_results(typed.strip(), wanted)
    return json_response(data)


def _instant_results(query: str, count: int) -> dict[str, Any]:
    """The first results of a search as one types (nothing for an empty query)."""
    if not query:
        return {"results": [], "total": 0, "total_exact": True, "search_url": None}
    results = knowledge_base().search(query, count)
    return {
        "results": [{"id": hit.id, "kind": hit.kind, "question": hit.question,
                     "snippet": hit.snippet, "highlights": [list(h) for h in hit.highlights],
                     "title": hit.title, "source": hit.source, "url": passage_url(hit.entry)}
                    for hit in results.hits],
        "total": results.total, "total_exact": results.total_exact,
        "total_label": shown_count(results.total, results.total_exact),
        "no_close_match": results.no_close_match,
        "search_url": url_for("faqkb.search", q=query),
    }


# -- listings: sources and questions --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Listing:
    """One page of a long list."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages the list takes (at least one)."""
        return max(1, math.ceil(self.total / self.per_page))

    @property
    def window(self) -> slice:
        """The items on this page."""
        start = (self.page - 1) * self.per_page
        return slice(start, start + self.per_page)

    def url(self, endpoint: str, page: int, **params: Any) -> str:
        """The URL of another page of the list."""
        if self.per_page != LISTED_PER_PAGE:
            params["per_page"] = self.per_page
        return url_for(endpoint, page=page if page > 1 else None, **params)

    def json(self, endpoint: str, **params: Any) -> dict[str, Any]:
        """The paging fields of the list's JSON."""
        return {"total": self.total, "page": self.page, "per_page": self.per_page,
                "pages": self.pages,
                "next_url": _external(self.url(endpoint, self.page + 1, fmt="json", **params))
                if self.page < self.pages else None}


def _listing(total: int) -> Listing:
    page = whole_number(request.args, "page", 1, 10**6)
    per_page = whole_number(request.args, "per_page", LISTED_PER_PAGE, MAX_LISTED_PER_PAGE)
    listing = Listing(page, per_page, total)
    if page > listing.pages:
        abort(404, f"There are {listing.pages} page{'' if listing.pages == 1 else 's'} here, "
                   f"not {page}.")
    return listing


@bp.get("/sources.json", defaults={"fmt": "json"})
@bp.get("/sources", defaults={"fmt": "html"})
def sources(fmt: str) -> ResponseReturnValue:
    """The documents of the knowledge base, a page at a time."""
    known = summary()
    listing = _listing(len(known.sources))
    shown = known.sources[listing.window]
    if fmt == "json":
        return json_response({"sources": [
            {"name": s.name, "title": s.title, "url": source_url(s.name, external=True),
             "questions": s.questions, "claims": s.claims} for s in shown]}
            | listing.json("faqkb.sources"))
    return render_template("sources.html", summaries=shown, listing=listing, summary=known)


@bp.get("/questions.json", defaults={"fmt": "json"})
@bp.get("/questions", defaults={"fmt": "html"})
def questions(fmt: str) -> ResponseReturnValue:
    """Every Q&A pair, grouped by source document, a page at a time: the FAQ as a page.
    ``?source=NAME`` lists one document's."""
    known = summary()
    name = request.args.get("source") or None
    every: Sequence[Asked] = known.questions
    if name is not None:
        if name not in known.by_name:
            abort(404, f"There is no document called “{_shorten(name)}” in this knowledge base.")
        every = [e for e in known.questions if e.source == name]
    listing = _listing(len(every))
    groups = _grouped(entries_of(knowledge_base(), every[listing.window]))
    params = {"source": name} if name else {}
    if fmt == "json":
        return json_response({"sources": [
            {"name": source, "title": known.title_of(source),
             "url": source_url(source, external=True),
             "questions": [_entry_json(e) for e in entries]} for source, entries in groups]}
            | listing.json("faqkb.questions", **params))
    return render_template("questions.html", groups=groups, listing=listing, summary=known,
                           source=name, params=params)


def _grouped(entries: Sequence[Entry]) -> list[tuple[str, list[Entry]]]:
    groups: list[tuple[str, list[Entry]]] = []
    for entry in entries:
        if not groups or groups[-1][0] != entry.source:
            groups.append((entry.source, []))
        groups[-1][1].append(entry)
    return groups


# -- a document and its entries -------------------------------------------------------


@bp.get("/sources/<path:name>.json", defaults={"fmt": "json"})
@bp.get("/sources/<path:name>", defaults={"fmt": "html"})
def source(name: str, fmt: str) -> ResponseReturnValue:
    """A document, readable, every entry anchored; ``?entry=ID`` marks that passage."""
    known = summary()
    if fmt == "json" and name not in known.by_name and f"{name}.json" in known.by_name:
        name, fmt = f"{name}.json", "html"
    if name not in known.by_name:
        abort(404, f"There is no document called “{_shorten(name)}” in this knowledge base.")
    try:
        view = source_view(knowledge_base(), name)
    except KnowledgeBaseError:
        if name in knowledge_base().sources():
            raise
        # Removed by a build since this request began: gone, as it would be a moment later.
        abort(404, f"There is no document called “{_shorten(name)}” in this knowledge base.")
    if fmt == "json":
        return json_response({
            "name": view.document.name, "title": view.document.title,
            "format": view.document.format, "url": source_url(name, external=True),
            "text": view.document.text, "entries": [_entry_json(e) for e in view.entries]})
    passage = None
    wanted = request.args.get("entry")
    if wanted is not None:
        passage = view.entry(wanted)
        if passage is None:
            abort(404, f"This document has no entry “{_shorten(wanted)}”.")
        insights.record_open(passage)
    return render_template(
        "source.html", document=view.document, body=view.body(passage), passage=passage,
        has_title=view.has_title, questions=view.questions[:ASIDE_QUESTIONS],
        question_count=len(view.questions), claims=view.claims, summary=known,
        source_example=known.by_name[name].example)


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
