"""The results page: what was asked, the results, and what a page shows around them.

- :class:`SearchRequest`: the query string, validated (400 for what cannot be served).
- :class:`ResultsPage`: one page of results and its surroundings, worked out from the
  knowledge base's own signals: a best answer shown first when one result clearly
  answers (:func:`best_answer`), counts by kind and by document to filter with, related
  questions, and paging that only ever offers pages that exist.

Counts are what :class:`~faqkb.models.SearchResults` says, exact or estimated
(``total_exact``); :func:`shown_count` writes an estimate as one ("about 130").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from flask import abort, current_app, g, url_for

from faqkb.kb import KnowledgeBase
from faqkb.models import KINDS, Entry, Hit, SearchResults

MAX_PER_PAGE = 100
MAX_PAGE = 1000
# A best answer is shown first when the first result scores this many times the second:
# a clear lead, not a near tie between two candidates.
BEST_ANSWER_MARGIN = 1.75
RELATED_QUESTIONS = 5
SOURCE_FILTERS = 8  # sources listed before "more"
MORE_SOURCE_FILTERS = 40  # at most, behind "more"
PAGE_LINKS = 7


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
        if params.get("page") == 1:
            params["page"] = None
        given: dict[str, Any] = {k: v for k, v in params.items() if v not in (None, "")}
        if "fmt" in given:  # part of the path, not of the query string
            return url_for(endpoint, **given)
        query = [(k, str(v)) for k, v in given.items()]
        # As url_for writes them (the same safe characters), without building the route
        # again for each of a page's fifty links.
        if not query:
            return _path(endpoint)
        return f"{_path(endpoint)}?{urlencode(query, safe=QUERY_SAFE)}"

    @classmethod
    def of(cls, args: Mapping[str, str]) -> SearchRequest:
        """The request in ``args`` (a query string), or a 400 saying what is wrong."""
        query = args.get("q", "").strip()
        limit = int(current_app.config["FAQKB_MAX_QUERY_CHARS"])
        if len(query) > limit:
            abort(400, f"Your search is {len(query)} characters long; please keep it under "
                       f"{limit} characters.")
        page = whole_number(args, "page", 1, MAX_PAGE)
        per_page = whole_number(args, "per_page", int(current_app.config["FAQKB_PER_PAGE"]),
                                MAX_PER_PAGE)
        kind = args.get("kind") or None
        if kind is not None and kind not in KINDS:
            abort(400, f"kind must be one of {', '.join(KINDS)} (or left out), not {kind!r}.")
        source = args.get("source", "").strip() or None
        if source is not None and len(source) > limit:
            abort(400, "That source name is too long.")
        return cls(query, page, per_page, kind, source, args.get("exact") == "1")


def whole_number(args: Mapping[str, str], name: str, default: int, highest: int) -> int:
    """The parameter ``name`` as a number from 1 to ``highest``, or a 400."""
    raw = args.get(name, "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 7) or not 1 <= int(raw) <= highest:
        abort(400, f"{name} must be a whole number from 1 to {highest}, not {raw[:20]!r}.")
    return int(raw)


def shown_count(count: int, exact: bool = True) -> str:
    """A count as a person reads it: ``1,234``, or ``about 1,200`` for an estimate."""
    if exact or count < 10:
        return f"{count:,}"
    digits = int(math.log10(count)) - 1  # two significant digits
    return f"about {round(count, -digits):,}"


QUERY_SAFE = "!$'()*,/:;?@"  # what werkzeug leaves unquoted in a query string


def _path(endpoint: str) -> str:
    """The path of ``endpoint``, built once per request."""
    paths: dict[str, str] = g.setdefault("faqkb_paths", {})
    path = paths.get(endpoint)
    if path is None:
        path = paths[endpoint] = url_for(endpoint)
    return path


@dataclass(frozen=True, slots=True)
class Facet:
    """A filter the results can be narrowed to: its label, count and URL."""

    label: str
    count: int
    url: str
    current: bool
    exact: bool = True  # whether ``count`` is exact
    name: str = ""  # a source's file name


@dataclass(frozen=True, slots=True)
class ResultsPage:
    """One page of results and what the page shows around them."""

    wanted: SearchRequest
    results: SearchResults
    hits: tuple[Hit, ...]  # this page's hits, the best answer left out
    best: Hit | None
    has_next: bool
    pages: int | None  # how many pages there are, when the count is exact
    kinds: tuple[Facet, ...]
    sources: tuple[Facet, ...]
    source_total: int  # sources matching in all (``sources`` may list fewer)
    in_all_sources: int  # results in all sources (the kind filter applied)
    related: tuple[Entry, ...]

    @property
    def exact(self) -> bool:
        """Whether the counts on the page are exact."""
        return self.results.total_exact

    @property
    def page_numbers(self) -> list[int]:
        """The page numbers to link: around this page, never past the last one."""
        page = self.wanted.page
        last = self.pages if self.pages is not None else page + (1 if self.has_next else 0)
        first = max(1, min(page - PAGE_LINKS // 2, last - PAGE_LINKS + 1))
        return list(range(first, min(last, first + PAGE_LINKS - 1) + 1))

    @property
    def past_the_end(self) -> bool:
        """True for a page after the last one (there are results, none on it)."""
        return not self.results.hits and self.results.total > 0

    @classmethod
    def of(cls, kb: KnowledgeBase, wanted: SearchRequest, titles: Mapping[str, str], *,
           facets: bool = True) -> ResultsPage:
        """Search and gather the page; ``titles`` names each source document. Without
        ``facets`` (for JSON, which has the counts but shows no filters) the kind and
        source filters are left out, and so are the searches only they need."""
        correct = not wanted.exact

        def run(limit: int, offset: int = 0, *, kind: str | None, source: str | None,
                questions: int = 0) -> SearchResults:
            return kb.search(wanted.query, limit, offset=offset, kind=kind, source=source,
                             correct=correct, questions=questions)

        # One more hit than the page holds says whether another page exists; the same
        # search says what each kind's tab finds and which questions match best.
        fetched = run(wanted.per_page + 1, wanted.offset, kind=wanted.kind,
                      source=wanted.source, questions=wanted.per_page + RELATED_QUESTIONS)
        results = _first(fetched, wanted.per_page)
        has_next = len(fetched.hits) > wanted.per_page
        pages = max(1, math.ceil(results.total / wanted.per_page)) if results.total_exact \
            else None
        best = best_answer(results) if wanted.page == 1 else None
        shown = {hit.id for hit in results.hits}
        related: tuple[Entry, ...] = ()
        if results.hits and not results.no_close_match:
            related = tuple(e for e in fetched.questions if e.id not in shown
                            )[:RELATED_QUESTIONS]
        page = cls(wanted=wanted, results=results,
                   hits=results.hits[1:] if best is not None else results.hits, best=best,
                   has_next=has_next, pages=pages, kinds=(), sources=(), source_total=0,
                   in_all_sources=results.total, related=related)
        if not facets:
            return page
        everything = results if wanted.kind is None else run(1, kind=None, source=wanted.source)
        kinds: dict[str | None, tuple[int, bool]] = {
            None: (everything.total, everything.total_exact),
            **{k: (fetched.kind_totals.get(k, 0), fetched.kind_totals_exact) for k in KINDS}}
        if wanted.kind is not None:
            kinds[wanted.kind] = (results.total, results.total_exact)
        by_source = results if wanted.source is None else run(1, kind=wanted.kind, source=None)
        ranked = sorted(by_source.source_counts.items(), key=lambda item: (-item[1], item[0]))
        if wanted.source and not any(name == wanted.source for name, _ in ranked):
            ranked.insert(0, (wanted.source, results.total))
        return replace(
            page,
            kinds=tuple(_kind_facets(wanted, kinds)),
            sources=tuple(Facet(titles.get(name, name), count,
                                wanted.url(source=name, page=None), name == wanted.source,
                                by_source.total_exact, name)
                          for name, count in ranked[:MORE_SOURCE_FILTERS]),
            source_total=len(ranked), in_all_sources=by_source.total, related=related)


def _first(results: SearchResults, count: int) -> SearchResults:
    return results if len(results.hits) <= count else replace(results, hits=results.hits[:count])


def _kind_facets(wanted: SearchRequest,
                 totals: Mapping[str | None, tuple[int, bool]]) -> list[Facet]:
    labels = {None: "All", "qa": "Q&A pairs", "claim": "Claims"}
    return [Facet(label, totals[value][0], wanted.url(kind=value, page=None),
                  wanted.kind == value, totals[value][1])
            for value, label in labels.items()]


def best_answer(results: SearchResults) -> Hit | None:
    """The first hit, when it clearly answers: the results match well, were searched in
    full, and it scores :data:`BEST_ANSWER_MARGIN` times the next one (or stands alone)."""
    if not results.hits or results.no_close_match or results.partial:
        return None
    first = results.hits[0]
    if len(results.hits) == 1:
        return first if results.total == 1 else None
    return first if first.score >= BEST_ANSWER_MARGIN * results.hits[1].score else None
