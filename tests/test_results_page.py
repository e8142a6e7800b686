"""The results page answers at a glance: a best answer first when one result clearly
answers, related questions and filters by source beside the results, counts that are
exact or say they are estimates, and paging that only offers pages that exist."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from flask.testing import FlaskClient

from faqkb import KnowledgeBase, SearchResults
from faqkb.models import Entry, Hit
from faqkb.web.searching import best_answer, shown_count

RECEPTION = """\
Reception Desk FAQ

Where do I park?

Park behind the building; the first hour is free for every session.

Can I bring a friend to a session?

Friends may watch a session from the waiting room.
"""


def soup(client: FlaskClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def one(page: BeautifulSoup | Tag, selector: str) -> Tag:
    found = page.select_one(selector)
    assert found is not None, f"nothing matches {selector!r}"
    return found


def words(tag: Tag) -> str:
    return " ".join(tag.get_text().split())


def hit(score: float, entry_id: str = "a") -> Hit:
    entry = Entry(id=entry_id, kind="qa", source="faq.txt", start=0, end=5, text="Yes.",
                  questions=("Is it so?",))
    return Hit(entry, score, "Yes.")


def results(*scores: float, **changes: object) -> SearchResults:
    hits = tuple(hit(score, str(i)) for i, score in enumerate(scores))
    return replace(SearchResults(query="q", hits=hits, total=len(hits)), **changes)  # type: ignore[arg-type]


def patch_results(monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase, **changes: object) -> None:
    real = kb.search

    def search(query: str, limit: int = 10, **kwargs: object) -> SearchResults:
        return replace(real(query, limit, **kwargs), **changes)  # type: ignore[arg-type]

    monkeypatch.setattr(kb, "search", search)


@pytest.fixture
def kb(app: object) -> KnowledgeBase:
    base: KnowledgeBase = app.extensions["faqkb"]  # type: ignore[attr-defined]
    return base


@pytest.fixture
def reception(kb_dir: Path) -> None:
    (kb_dir / "reception.txt").write_text(RECEPTION, encoding="utf-8")


# -- the best answer ------------------------------------------------------------------


def test_a_result_that_clearly_answers_is_shown_first_whole_with_its_source(
        client: FlaskClient, kb: KnowledgeBase) -> None:
    page = soup(client, "/search?q=how+long+is+a+session")
    best = one(page, "main .best-answer")
    pair = next(e for e in kb.entries(kind="qa") if e.question == "How long does a session last?")
    assert words(one(best, ".best-question")) == pair.question
    assert words(one(best, ".best-text")) == " ".join(pair.text.split())
    assert one(best, ".best-source a")["href"] == "/sources/clinic-faq.txt"
    assert best.select(f"a[href='/sources/clinic-faq.txt?entry={pair.id}#e-{pair.id}']")


def test_the_best_answer_is_not_repeated_in_the_list(client: FlaskClient) -> None:
    page = soup(client, "/search?q=how+long+is+a+session")
    listed = [words(t) for t in page.select("ol.results .result-title")]
    assert "How long does a session last?" not in listed
    assert one(page, "ol.results")["start"] == "2"


def test_two_results_that_score_alike_have_no_best_answer(
        client: FlaskClient, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    real = kb.search

    def even(query: str, limit: int = 10, **kwargs: object) -> SearchResults:
        found = real(query, limit, **kwargs)  # type: ignore[arg-type]
        return replace(found, hits=tuple(replace(h, score=1.0) for h in found.hits))

    monkeypatch.setattr(kb, "search", even)
    page = soup(client, "/search?q=how+long+is+a+session")
    assert not page.select(".best-answer")
    assert one(page, "ol.results")["start"] == "1"


def test_weak_results_have_no_best_answer(client: FlaskClient, kb: KnowledgeBase,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    patch_results(monkeypatch, kb, no_close_match=True)
    assert not soup(client, "/search?q=how+long+is+a+session").select(".best-answer")


def test_a_later_page_has_no_best_answer(client: FlaskClient) -> None:
    page = soup(client, "/search?q=session+stretch+towel&per_page=1&page=2")
    assert not page.select(".best-answer") and page.select("ol.results > li")


@pytest.mark.parametrize("found, best", [
    (results(10.0, 2.0), True), (results(3.0, 2.9), False), (results(5.0), True),
    (results(5.0, total=3), False), (results(10.0, 2.0, no_close_match=True), False),
    (results(10.0, 2.0, partial=True), False), (results(), False),
])
def test_the_best_answer_rule(found: SearchResults, best: bool) -> None:
    assert (best_answer(found) is not None) == best


# -- related questions ----------------------------------------------------------------


@pytest.mark.usefixtures("reception")
def test_related_questions_are_beside_the_results_and_not_those_shown(
        client: FlaskClient, kb: KnowledgeBase) -> None:
    page = soup(client, "/search?q=session&per_page=1")
    shown = {words(t) for t in page.select(".best-answer .best-question, .result-title")}
    related = [words(a) for a in page.select("aside.related li > a")]
    asked = [h.question for h in kb.search("session", 20, kind="qa").hits]
    assert related and not shown & set(related)
    assert related == [q for q in asked if q not in shown][: len(related)]
    assert all(str(a["href"]).startswith("/sources/") for a in page.select("aside.related a"))


def test_weak_results_have_no_related_questions(client: FlaskClient, kb: KnowledgeBase,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    patch_results(monkeypatch, kb, no_close_match=True)
    assert not soup(client, "/search?q=session").select("aside.related")


# -- filters by source and kind -------------------------------------------------------


@pytest.mark.usefixtures("reception")
def test_each_source_is_a_filter_with_its_count(client: FlaskClient) -> None:
    page = soup(client, "/search?q=session")
    filters = page.select("aside.results-filters .facet-list a")
    counts = {words(one(a, ".facet-label")): int(words(one(a, ".count"))) for a in filters}
    assert counts.pop("All sources") == sum(counts.values())
    assert set(counts) == {"Stretching Clinic FAQ", "Reception Desk FAQ"}
    link = next(a for a in filters if "Reception" in a.get_text())
    assert link["href"] == "/search?q=session&source=reception.txt"
    filtered = soup(client, str(link["href"]))
    current = one(filtered, "aside.results-filters a[aria-current=true]")
    assert "Reception Desk FAQ" in current.get_text()
    assert words(one(filtered, "h1#results-title")).startswith(
        f"{counts['Reception Desk FAQ']} result")


def test_each_kind_tab_counts_what_it_finds(client: FlaskClient) -> None:
    page = soup(client, "/search?q=session+towel+stretch")
    for tab in page.select("nav.tabs a"):
        count = int(words(one(tab, ".count")))
        found = soup(client, str(tab["href"]))
        heading = words(one(found, "h1#results-title"))
        assert heading.startswith(f"{count} result" if count else "No results"), tab


# -- counts and pages -----------------------------------------------------------------


def test_an_estimated_count_says_so(client: FlaskClient, kb: KnowledgeBase,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    patch_results(monkeypatch, kb, total=131, total_exact=False)
    page = soup(client, "/search?q=session")
    assert words(one(page, "h1#results-title")).startswith("about 130 results")
    assert " of " not in words(one(page, ".results-meta"))
    assert all(words(one(t, ".count")).startswith("about") for t in page.select("nav.tabs a")
               if int("".join(filter(str.isdigit, words(one(t, ".count"))))) >= 10)


def test_with_an_estimated_count_only_pages_known_to_exist_are_offered(
        client: FlaskClient, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    patch_results(monkeypatch, kb, total=500, total_exact=False)
    page = soup(client, "/search?q=session+towel+stretch&per_page=2")
    numbers = [int(words(a).split()[-1]) for a in page.select("nav.pagination a")
               if words(a).split()[-1].isdigit()]
    assert numbers == [1, 2]


@pytest.mark.parametrize("count, exact, shown", [
    (7, True, "7"), (131, True, "131"), (1234, True, "1,234"), (7, False, "7"),
    (131, False, "about 130"), (1234, False, "about 1,200"), (98765, False, "about 99,000"),
])
def test_counts_read_as_exact_or_as_estimates(count: int, exact: bool, shown: str) -> None:
    assert shown_count(count, exact) == shown


def test_the_json_twin_says_whether_the_total_is_exact(client: FlaskClient) -> None:
    data = client.get("/search.json?q=session").get_json()
    assert data["total_exact"] is True


def test_a_page_past_the_last_names_the_last(client: FlaskClient) -> None:
    page = soup(client, "/search?q=session+towel+stretch&per_page=2&page=9")
    empty = words(one(page, ".empty-state"))
    assert "page 9 is past the last one" in empty
    assert "Page 9 of" not in words(one(page, ".results-meta"))
    assert not page.select("nav.pagination")
    last = one(page, ".empty-state a")["href"]
    assert soup(client, str(last)).select("ol.results > li")

