"""Hostile queries: whatever a person (or a script) types, search answers normally, the
web app answers 200 or a clear 400 (414 for an address too long to be a search; never
500), typed markup stays text, and the costly parts of a search stay bounded.

The property tests run against one index of the bundled kb/ shared by the module, so
Hypothesis can run many examples cheaply; their counts are kept modest for the suite
(``tests/benchmarks/fuzz.py`` fires hundreds of thousands of queries on demand).
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes

import pytest
from bs4 import BeautifulSoup
from flask.testing import FlaskClient
from hypothesis import example, given, settings
from hypothesis import strategies as st

import faqkb
import faqkb.kb
from faqkb import KnowledgeBase, SearchResults
from faqkb.search.query import MAX_QUERY_CHARS, MAX_WORDS, clean_query, parse_query
from faqkb.search.retrieval import run_search
from faqkb.web import create_app

BUNDLED_KB = Path(__file__).resolve().parent.parent / "kb"
SYNTAX = [
    "AND", "OR", "NOT", "&&", "||", "!", "-", "--", "+", "~", "^", "^2", "~2", "*", "?",
    '"', '""', "'", "(", ")", "[", "]", "{", "}", "[a TO z]", "{1 TO 5}", "[* TO *]",
    "run*", "*ing", "r?n", "back~", "pain^3", "\\", "/", "//", ":", "::", "a:b:c", "field:",
    "%s", "%00", "{0}", "${x}", "' OR 1=1 --", "<script>alert(1)</script>", "&amp;", "\x00",
    "\x1b[31m", "\u202e", "\ufeff", "\ud800", "e\u0301", "ﬁ", "🏃‍♀️", "日本語", "\t\n\r",
]
KB_WORDS = ["running", "back", "pain", "lower", "knee", "stretching", "posture", "shoes",
            "hamstring", "cardio", "runing", "posure", "strech", "is", "the", "how"]
FIELDS = ["kind", "type", "source", "src", "doc", "question", "body", "title", "id", "KIND",
          "", "x"]
VALUES = ["qa", "claim", "faq", "nonsense", "", "*", "../../etc/passwd", "000", '"x y"']
WEB_PATHS = ["/search", "/search.json", "/suggest.json"]
CLEAR_ANSWERS = {200, 400, 414}

# What Python makes of a byte that is not UTF-8 in a command-line argument or a file
# name (surrogateescape): `faqkb search back --source $'\xff'` passes this.
NOT_UNICODE = "\udcff"
# A deadline already past: the search must stop collecting at the first candidate.
SPENT_BUDGET = -1.0
AMPLE_BUDGET = 60.0
MAX_COMPLETIONS = 8  # an abbreviation stands for at most this many indexed words
ABBREVIATED = " ".join(f"zorpal{tail}" for tail in [
    "ium", "bek", "dint", "ogen", "kor", "mux", "trex", "hink", "quist", "fern", "dox",
    "wint"])
ABBREVIATION = "zorpal"

characters = st.characters(codec=None) | st.characters(categories=["Cs"])
url_characters = st.characters(codec="utf-8")
field_values = st.builds("{}:{}".format, st.sampled_from(FIELDS) | st.text(max_size=6),
                         st.sampled_from(VALUES) | st.text(max_size=8))
tokens = st.one_of(st.sampled_from(SYNTAX), st.sampled_from(KB_WORDS), field_values,
                   st.text(characters, max_size=12))
long_queries = st.builds(lambda token, times: ((token or "x") + " ") * times,
                         tokens, st.integers(50, 2_500)).map(lambda text: text[:10_000])
queries = st.one_of(st.text(characters, max_size=200), st.lists(tokens, max_size=40)
                    .map(" ".join), long_queries)
# A URL cannot carry a lone surrogate; a browser sends its replacement.
url_queries = queries.map(lambda text: text.encode("utf-8", "replace").decode("utf-8"))
raw_query_strings = st.one_of(
    st.binary(max_size=300).map(lambda raw: b"q=" + quote_from_bytes(raw).encode()),
    st.binary(max_size=300).map(lambda raw: b"q=" + raw),
    st.lists(st.sampled_from([b"q=", b"%", b"%z", b"%%", b"%e2%82", b"%ff", b"%00", b"&",
                              b"=", b"+", b"page=", b"kind=", b"source=", b"limit=",
                              b"per_page=", b"\xff", b"\xc3", b"x", b"1"]),
             max_size=30).map(b"".join),
)
parameters = st.dictionaries(
    st.sampled_from(["q", "page", "per_page", "kind", "source", "limit", "entry"]),
    st.text(url_characters, max_size=60) | st.sampled_from(["0", "1", "100", "101", "qa", "-1"]),
    max_size=6)
markup = st.sampled_from(["<faqkb-probe>", "\"><faqkb-probe x='", "</title><faqkb-probe>",
                          "<faqkb-probe/>", "'><faqkb-probe>", "</textarea><faqkb-probe>"])
quick = settings(max_examples=40, deadline=None)


@pytest.fixture(scope="module")
def shared_kb(seed_index: Path) -> Iterator[KnowledgeBase]:
    """The bundled kb/, indexed once; the tests here only read it."""
    base = KnowledgeBase(BUNDLED_KB, seed_index)
    base.build()
    yield base
    base.close()


@pytest.fixture(scope="module")
def shared_client(shared_kb: KnowledgeBase) -> Iterator[FlaskClient]:
    """A test client of the web app over the bundled kb/, shared by the module."""
    app = create_app({"TESTING": True, "FAQKB_KB_DIR": shared_kb.kb_dir,
                      "FAQKB_INDEX_DIR": shared_kb.index_dir})
    yield app.test_client()
    app.extensions["faqkb"].close()


def assert_well_formed(results: SearchResults, limit: int = 10) -> None:
    assert isinstance(results, SearchResults)
    assert len(results.hits) <= limit
    assert results.total >= len(results.hits)
    assert len(results.query) <= MAX_QUERY_CHARS
    for hit in results.hits:
        assert 0 <= hit.start <= hit.end
        assert all(0 <= start < end <= len(hit.snippet) for start, end in hit.highlights)


# -- the library ----------------------------------------------------------------------


@quick
@given(query=queries)
@example(query="x" * 10_000)
@example(query='"unbalanced "quotes" here')
@example(query="kind:qa source:nonexistent NOT")
def test_search_returns_normally_for_any_query(shared_kb: KnowledgeBase, query: str) -> None:
    assert_well_formed(shared_kb.search(query))


@settings(max_examples=15, deadline=None)
@given(query=queries)
def test_the_module_level_search_returns_normally_for_any_query(seed_index: Path,
                                                                query: str) -> None:
    assert_well_formed(faqkb.search(query, limit=5, kb_dir=BUNDLED_KB, index_dir=seed_index),
                       limit=5)


@settings(max_examples=200, deadline=None)
@given(query=queries)
def test_parsing_never_raises_and_keeps_within_its_caps(query: str) -> None:
    parsed = parse_query(query)
    assert len(parsed.words) <= MAX_WORDS
    assert len(parsed.phrases) <= MAX_WORDS
    assert len(parsed.excluded) <= MAX_WORDS
    assert len(parsed.text) <= MAX_QUERY_CHARS
    cleaned = clean_query(query)
    assert len(cleaned) <= MAX_QUERY_CHARS
    assert cleaned.isprintable() or not cleaned.strip(" ").isprintable()


def test_a_source_filter_that_is_not_unicode_text_finds_nothing(shared_kb: KnowledgeBase) -> None:
    assert shared_kb.search("back", source=NOT_UNICODE).hits == ()


def test_an_entry_id_that_is_not_unicode_text_is_no_entry(shared_kb: KnowledgeBase) -> None:
    assert shared_kb.entry(NOT_UNICODE) is None


def test_a_long_query_is_cut_to_its_first_1000_characters_and_32_words() -> None:
    parsed = parse_query(" ".join(f"word{i}" for i in range(2_000)))
    assert parsed.words == tuple(f"word{i}" for i in range(MAX_WORDS))
    assert len(clean_query("y" * 50_000)) == MAX_QUERY_CHARS


def test_an_abbreviation_stands_for_a_bounded_number_of_words(
        kb: KnowledgeBase, kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (kb_dir / "zorpal.txt").write_text(f"Our range\n\nWe sell {ABBREVIATED}.\n",
                                       encoding="utf-8")
    plans: list[Any] = []
    planner = faqkb.kb.plan_query

    def spy(*args: Any, **kwargs: Any) -> Any:
        plans.append(planner(*args, **kwargs))
        return plans[-1]

    monkeypatch.setattr(faqkb.kb, "plan_query", spy)
    assert kb.search(ABBREVIATION).hits
    [concept] = plans[-1].concepts
    assert 1 < len(concept.alternatives) <= 1 + MAX_COMPLETIONS


@pytest.mark.parametrize("budget, partial", [(AMPLE_BUDGET, False), (SPENT_BUDGET, True)])
def test_a_search_past_its_time_budget_returns_what_it_has_marked_partial(
        shared_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch, budget: float,
        partial: bool) -> None:
    monkeypatch.setattr(faqkb.kb, "run_search", functools.partial(run_search, budget=budget))
    # Other words each time: the knowledge base remembers results, and the latest
    # complete scorings, by what was asked.
    results = shared_kb.search("stretching hamstrings pain" if partial else "running back pain")
    assert results.partial is partial
    assert_well_formed(results)


def test_a_filtered_search_is_held_to_its_time_budget_too(
        shared_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(faqkb.kb, "run_search",
                        functools.partial(run_search, budget=SPENT_BUDGET))
    # The filter rejects every match: the budget must be counted before it does.
    results = shared_kb.search("posture core shoes source:no-such-document")
    assert results.partial is True
    assert results.hits == ()


# -- the web app ----------------------------------------------------------------------


@quick
@given(path=st.sampled_from(WEB_PATHS), query=url_queries)
def test_the_web_app_answers_any_query_with_200_or_a_clear_error(
        shared_client: FlaskClient, path: str, query: str) -> None:
    response = shared_client.get(path, query_string={"q": query})
    assert response.status_code in CLEAR_ANSWERS, response.data[:300]
    if response.status_code != 200:
        assert_clear_error(path, response.get_data(as_text=True), response.get_json(silent=True))


@quick
@given(path=st.sampled_from(WEB_PATHS), raw=raw_query_strings)
@example(path="/search", raw=b"q=%ff%fe%fd")
@example(path="/search.json", raw=b"q=%e2%82&page=%")
def test_the_web_app_answers_any_raw_query_string_with_200_or_a_clear_error(
        shared_client: FlaskClient, path: str, raw: bytes) -> None:
    # The WSGI environ carries the query string's bytes as Latin-1 (PEP 3333).
    response = shared_client.get(path, environ_overrides={"QUERY_STRING": raw.decode("latin-1")})
    assert response.status_code in CLEAR_ANSWERS, (raw, response.data[:300])
    if response.status_code != 200:
        assert_clear_error(path, response.get_data(as_text=True), response.get_json(silent=True))


@quick
@given(path=st.sampled_from(WEB_PATHS), params=parameters)
def test_the_web_app_answers_any_parameters_with_200_or_a_clear_error(
        shared_client: FlaskClient, path: str, params: dict[str, str]) -> None:
    response = shared_client.get(path, query_string=params)
    assert response.status_code in CLEAR_ANSWERS, (params, response.data[:300])
    if response.status_code != 200:
        assert_clear_error(path, response.get_data(as_text=True), response.get_json(silent=True))


@quick
@given(name=st.sampled_from(["q", "source", "kind", "page"]),
       before=st.text(url_characters, max_size=20), probe=markup,
       after=st.text(url_characters, max_size=20))
def test_typed_markup_is_never_markup_on_a_page(shared_client: FlaskClient, name: str,
                                               before: str, probe: str, after: str) -> None:
    typed = {"q": "back", name: before + probe + after}
    response = shared_client.get("/search", query_string=typed)
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert page.select("faqkb-probe") == []
    assert [s.get("src") for s in page.select("script")] == ["/static/suggest.js"]


def assert_clear_error(path: str, body: str, data: dict[str, Any] | None) -> None:
    if path.endswith(".json"):
        assert data is not None and data["status"] in CLEAR_ANSWERS and data["error"]
    else:
        message = BeautifulSoup(body, "html.parser").select_one(".error-message")
        assert message is not None and message.get_text().strip()
