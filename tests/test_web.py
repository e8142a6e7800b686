"""The web app through Flask's test client: pages checked with BeautifulSoup selectors,
JSON twins, errors, escaping and security headers."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from faqkb import KnowledgeBase, SearchResults
from faqkb.web import create_app, find_templates, searching

ROOT = Path(__file__).resolve().parent.parent
TABLE_AND_LIST = """\
Shoe Guide

How often should I replace running shoes?

Replace them every 500 to 800 kilometres, or when the midsole feels flat.

Checklist

1. Fit: leave a thumb's width at the toe.
2. Drop: match the heel drop you are used to.

Shoe TypeBest Surface
Road shoesAsphalt and pavements
Trail shoesMud and gravel paths
"""
HOSTILE = """\
<b>Bold</b> claims & <script>alert(1)</script>

Is <i>this</i> markup shown as text?

Yes: <img src=x onerror=alert(1)> stays text, and so does </p><p>.
"""


def soup(response: TestResponse) -> BeautifulSoup:
    assert response.mimetype == "text/html", response.data[:200]
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def one(page: BeautifulSoup | Tag, selector: str) -> Tag:
    found = page.select_one(selector)
    assert found is not None, f"nothing matches {selector!r}"
    return found


def texts(page: BeautifulSoup | Tag, selector: str) -> list[str]:
    return [" ".join(tag.get_text().split()) for tag in page.select(selector)]


def entry_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["entry"][0]


@pytest.fixture
def kb(app: Flask) -> KnowledgeBase:
    base: KnowledgeBase = app.extensions["faqkb"]
    return base


@pytest.fixture
def list_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """No best answer set apart: every hit is in the list of results."""
    monkeypatch.setattr(searching, "best_answer", lambda results: None)


# -- home -----------------------------------------------------------------------------


def test_home_has_a_labelled_search_box_focused_on_load(client: FlaskClient) -> None:
    page = soup(client.get("/"))
    box = one(page, "main form[role=search] input[name=q]")
    assert box.has_attr("autofocus")
    assert one(page, f"label[for={box['id']}]").get_text(strip=True)
    assert one(page, "main form[role=search]")["action"] == "/search"


def test_home_offers_questions_to_start_from(client: FlaskClient) -> None:
    page = soup(client.get("/"))
    starters = page.select(".starters a.card")
    assert "What should I wear to my first session?" in texts(page, ".starters .card-title")
    assert all("entry=" in str(a["href"]) for a in starters)


def test_every_page_has_landmarks_and_a_skip_link(client: FlaskClient) -> None:
    for url in ("/", "/search?q=towel", "/questions", "/sources", "/sources/clinic-faq.txt"):
        page = soup(client.get(url))
        assert one(page, "a.skip-link")["href"] == "#main"
        assert one(page, "main")["id"] == "main"
        assert page.select("header nav[aria-label]") and page.select("footer")
        assert len(page.select("h1")) == 1, url


# -- search ---------------------------------------------------------------------------


@pytest.mark.usefixtures("list_only")
def test_a_result_shows_question_snippet_kind_source_and_passage_link(
        client: FlaskClient) -> None:
    page = soup(client.get("/search?q=how+long+is+a+session"))
    first = one(page, "ol.results > li")
    assert one(first, ".result-title a").get_text() == "How long does a session last?"
    assert one(first, ".badge").get_text() == "Q&A"
    assert one(first, ".result-meta a").get_text() == "Stretching Clinic FAQ"
    assert "fifty minutes" in one(first, ".snippet").get_text()
    link = str(one(first, ".result-title a")["href"])
    assert link.startswith("/sources/clinic-faq.txt?entry=")
    assert link.endswith(f"#e-{entry_of(link)}")


@pytest.mark.usefixtures("list_only")
def test_the_matched_words_are_marked_in_snippets(client: FlaskClient) -> None:
    page = soup(client.get("/search?q=towel+bottle"))
    assert {m.lower() for m in texts(page, ".snippet mark")} == {"towel", "bottle"}


@pytest.mark.usefixtures("list_only")
def test_a_claim_is_shown_as_text_not_as_a_link_heading(client: FlaskClient) -> None:
    page = soup(client.get("/search?q=sitting+hamstrings&kind=claim"))
    first = one(page, "ol.results > li")
    assert one(first, ".badge").get_text() == "Claim"
    assert not first.select(".result-title, h2 a, h3 a")
    assert "hamstrings" in one(first, "p.claim-text").get_text().lower()
    assert first.select(".claim-text mark")
    assert one(first, ".result-links a")["href"].startswith("/sources/hamstrings.txt?entry=")


def test_the_results_page_counts_the_results(client: FlaskClient, kb: KnowledgeBase) -> None:
    total = kb.search("session", 10).total
    page = soup(client.get("/search?q=session"))
    heading = one(page, "h1#results-title").get_text(" ", strip=True)
    assert heading.startswith(f"{total} result")
    assert "“session”" in heading


@pytest.mark.usefixtures("list_only")
def test_results_are_paged_when_more_than_fit(client: FlaskClient, kb: KnowledgeBase) -> None:
    total = kb.search("hamstrings stretch session", 100).total
    assert total >= 3
    first = soup(client.get("/search?q=hamstrings+stretch+session&per_page=2"))
    assert len(first.select("ol.results > li")) == 2
    following = one(first, "nav.pagination a[rel=next]")["href"]
    second = soup(client.get(str(following)))
    assert one(second, "ol.results")["start"] == "3"
    assert one(second, "nav.pagination a[aria-current=page]").get_text(strip=True).endswith("2")
    assert second.select("nav.pagination a[rel=prev]")


def test_the_results_page_links_its_json_twin(client: FlaskClient) -> None:
    page = soup(client.get("/search?q=towel&kind=qa"))
    alternate = one(page, "link[rel=alternate][type='application/json']")
    assert alternate["href"] == "/search.json?q=towel&kind=qa"
    assert page.select("a[href='/search.json?q=towel&kind=qa']")


def test_search_json_has_the_hit_fields_plus_the_passage_url(client: FlaskClient,
                                                             kb: KnowledgeBase) -> None:
    data = client.get("/search.json?q=towel").get_json()
    expected = kb.search("towel", 10)
    assert data["total"] == expected.total and data["query"] == "towel"
    hit = data["hits"][0]
    assert set(expected.hits[0].to_dict()) < set(hit)
    assert hit["url"] == f"http://localhost/sources/clinic-faq.txt?entry={hit['id']}#e-{hit['id']}"
    assert hit["source_url"] == "http://localhost/sources/clinic-faq.txt"


def test_json_comes_with_its_keys_sorted_and_a_newline_at_the_end(client: FlaskClient) -> None:
    response = client.get("/search.json?q=towel")
    assert response.mimetype == "application/json"
    body = response.get_data()
    assert body.endswith(b"}\n") and body.count(b"\n") == 1
    data = json.loads(body.decode("utf-8"))
    assert list(data) == sorted(data) and list(data["hits"][0]) == sorted(data["hits"][0])


def test_search_json_pages_link_the_next_page(client: FlaskClient) -> None:
    data = client.get("/search.json?q=hamstrings+stretch+session&per_page=1").get_json()
    assert (data["page"], data["per_page"]) == (1, 1) and data["pages"] == data["total"]
    assert data["next_url"].endswith("/search.json?q=hamstrings+stretch+session&page=2"
                                     "&per_page=1")
    last = client.get(f"/search.json?q=hamstrings+stretch+session&per_page=1"
                      f"&page={data['pages']}").get_json()
    assert last["next_url"] is None


def test_every_result_link_lands_on_its_marked_passage(client: FlaskClient,
                                                      kb: KnowledgeBase) -> None:
    for hit in client.get("/search.json?q=session+towel+stretch&per_page=100").get_json()["hits"]:
        page = soup(client.get(hit["url"]))
        entry = kb.entry(hit["id"])
        assert entry is not None
        anchor = one(page, f"#e-{hit['id']}")
        assert "anchor" in anchor["class"]
        marked = " ".join(texts(page, "mark.passage"))
        assert " ".join(entry.text.split()) in " ".join(marked.split())


def test_kind_filters_the_results(client: FlaskClient) -> None:
    page = soup(client.get("/search?q=session&kind=claim"))
    assert set(texts(page, "ol.results .badge, .best-answer .badge")) == {"Claim"}
    assert one(page, "nav.tabs a[aria-current=page] .tab-label").get_text() == "Claims"


def test_source_filters_the_results(client: FlaskClient) -> None:
    page = soup(client.get("/search?q=stretch+session&source=hamstrings.txt"))
    assert {a["href"] for a in page.select("ol.results .result-meta a")} == {
        "/sources/hamstrings.txt"}
    assert "Why Do Hamstrings Get Tight" in one(page, ".filter-chip").get_text()


def test_no_results_gives_a_helpful_empty_state(client: FlaskClient) -> None:
    page = soup(client.get("/search?q=zebra+xylophone"))
    assert one(page, "h1#results-title").get_text(strip=True).startswith("No results")
    empty = one(page, ".empty-state")
    assert "zebra xylophone" in empty.get_text()
    assert empty.select("a[href='/questions']")


@pytest.mark.parametrize("params", ["q=++", "q=&kind=qa", "source=clinic-faq.txt"])
def test_an_empty_query_asks_what_to_look_for(client: FlaskClient, params: str) -> None:
    page = soup(client.get(f"/search?{params}"))
    assert one(page, "h1").get_text(strip=True) == "What are you looking for?"
    assert not page.select("ol.results")


def test_a_page_past_the_last_says_so(client: FlaskClient) -> None:
    page = soup(client.get("/search?q=towel&page=50"))
    assert "page 50 is past the last one" in one(page, ".empty-state").get_text()
    assert one(page, ".empty-state a")["href"] == "/search?q=towel"
    assert "Page 50" not in one(page, ".results-meta").get_text()


def _results(monkeypatch: pytest.MonkeyPatch, kb: KnowledgeBase, **changes: object) -> None:
    real = kb.search

    def search(query: str, limit: int = 10, **kwargs: object) -> SearchResults:
        return replace(real(query, limit, **kwargs), **changes)  # type: ignore[arg-type]

    monkeypatch.setattr(kb, "search", search)


def test_a_suggestion_is_offered_as_a_did_you_mean_link(
        client: FlaskClient, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    _results(monkeypatch, kb, suggestion="towel", corrected=False)
    page = soup(client.get("/search?q=towl"))
    link = one(page, ".did-you-mean a")
    assert (link.get_text(), link["href"]) == ("towel", "/search?q=towel")


def test_corrected_results_say_what_they_are_for(
        client: FlaskClient, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    _results(monkeypatch, kb, suggestion="towel", corrected=True)
    page = soup(client.get("/search?q=towl"))
    assert "Showing results for towel" in " ".join(texts(page, ".notice"))
    assert "“towel”" in one(page, "h1#results-title").get_text()


def test_weak_results_are_flagged(client: FlaskClient, kb: KnowledgeBase,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _results(monkeypatch, kb, no_close_match=True)
    page = soup(client.get("/search?q=towel"))
    assert "No close match" in " ".join(texts(page, ".notice"))


@pytest.mark.usefixtures("list_only")
def test_the_same_text_elsewhere_is_linked(client: FlaskClient, kb: KnowledgeBase,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    other = kb.entries(source="hamstrings.txt")[0]
    real = kb.search

    def search(query: str, limit: int = 10, **kwargs: object) -> SearchResults:
        results = real(query, limit, **kwargs)  # type: ignore[arg-type]
        hits = (replace(results.hits[0], also_in=(other,)),) + results.hits[1:]
        return replace(results, hits=hits)

    monkeypatch.setattr(kb, "search", search)
    page = soup(client.get("/search?q=towel"))
    link = one(page, "ol.results > li .also-in a")
    assert link["href"] == f"/sources/hamstrings.txt?entry={other.id}#e-{other.id}"
    hit = client.get("/search.json?q=towel").get_json()["hits"][0]
    assert hit["also_in"][0]["url"].endswith(f"#e-{other.id}")


# -- what users supply ----------------------------------------------------------------


def test_a_query_with_markup_is_shown_as_text(client: FlaskClient) -> None:
    query = "<script>alert(1)</script>"
    response = client.get("/search", query_string={"q": query})
    page = soup(response)
    assert [s.get("src") for s in page.select("script")] == ["/static/suggest.js"]
    assert one(page, "main input[name=q]")["value"] == query
    assert query in one(page, "h1#results-title").get_text()
    assert "<script>alert" not in response.get_data(as_text=True)


def test_a_document_with_markup_is_shown_as_text(client: FlaskClient, kb_dir: Path) -> None:
    (kb_dir / "hostile.txt").write_text(HOSTILE, encoding="utf-8")
    page = soup(client.get("/sources/hostile.txt"))
    body = one(page, ".document-body")
    assert not body.select("b, i, img, script, p p")
    assert "<script>alert(1)</script>" in body.get_text()
    assert "<img src=x onerror=alert(1)>" in body.get_text()


def test_an_overlong_query_is_a_clear_400(client: FlaskClient) -> None:
    response = client.get("/search", query_string={"q": "back " * 200})
    assert response.status_code == 400
    assert "under 500 characters" in one(soup(response), ".error-message").get_text()


def test_an_overlong_query_in_json_is_a_json_400(client: FlaskClient) -> None:
    response = client.get("/search.json", query_string={"q": "x" * 501})
    assert response.status_code == 400
    assert response.get_json()["status"] == 400


@pytest.mark.parametrize("params", [
    "page=0", "page=-1", "page=two", "page=1.5", "page=1001", "page=99999999999999999999",
    "per_page=0", "per_page=101", "kind=faq",
])
def test_bad_search_parameters_are_a_400(client: FlaskClient, params: str) -> None:
    response = client.get(f"/search?q=towel&{params}")
    assert response.status_code == 400
    assert one(soup(response), ".error-message").get_text()


# -- the source view ------------------------------------------------------------------


def test_a_source_is_shown_readable(client: FlaskClient) -> None:
    page = soup(client.get("/sources/hamstrings.txt"))
    body = one(page, ".document-body")
    assert one(body, "h1").get_text() == "Why Do Hamstrings Get Tight"
    assert "Gentle Stretches" in texts(body, "h2")
    assert len(body.select("ul > li")) == 2
    assert one(body, "ul > li").get_text().startswith("Standing toe reach")
    assert any(p.startswith("Tight hamstrings are common") for p in texts(body, "p"))


def test_lists_tables_and_numbered_items_keep_their_shape(client: FlaskClient,
                                                          kb_dir: Path) -> None:
    (kb_dir / "shoes.txt").write_text(TABLE_AND_LIST, encoding="utf-8")
    body = one(soup(client.get("/sources/shoes.txt")), ".document-body")
    assert texts(body, "ol > li") == ["Fit: leave a thumb's width at the toe.",
                                      "Drop: match the heel drop you are used to."]
    assert texts(body, "table thead th") == ["Shoe Type", "Best Surface"]
    assert texts(body, "table tbody tr td:first-child") == ["Road shoes", "Trail shoes"]


def test_every_entry_of_a_source_is_anchored(client: FlaskClient, kb: KnowledgeBase) -> None:
    page = soup(client.get("/sources/clinic-faq.txt"))
    anchors = {a["id"] for a in page.select(".document-body .anchor")}
    assert anchors == {f"e-{e.id}" for e in kb.entries(source="clinic-faq.txt")}


def test_the_linked_passage_and_nothing_else_is_marked(client: FlaskClient,
                                                       kb: KnowledgeBase) -> None:
    pair = next(e for e in kb.entries(kind="qa", source="clinic-faq.txt")
                if e.question == "Do I need a referral from my doctor?")
    page = soup(client.get(f"/sources/clinic-faq.txt?entry={pair.id}"))
    assert "".join(texts(page, "mark.passage")).replace(" ", "") == (
        "Do I need a referral from my doctor?" + pair.text).replace(" ", "")
    assert "the answer to “Do I need a referral from my doctor?”" in one(
        page, ".passage-notice").get_text()


def test_a_claim_inside_an_answer_can_be_marked_alone(client: FlaskClient,
                                                      kb: KnowledgeBase) -> None:
    entries = kb.entries(source="clinic-faq.txt")
    pair = next(e for e in entries if e.kind == "qa")
    claim = next(e for e in entries if e.kind == "claim"
                 and pair.start <= e.start < e.end <= pair.end)
    page = soup(client.get(f"/sources/clinic-faq.txt?entry={claim.id}"))
    assert " ".join(texts(page, "mark.passage")) == claim.text
    assert page.select(f"#e-{pair.id}") and page.select(f"#e-{claim.id}")


def test_the_questions_a_source_answers_are_beside_it(client: FlaskClient,
                                                      kb: KnowledgeBase) -> None:
    pair = kb.entries(kind="qa", source="clinic-faq.txt")[1]
    page = soup(client.get(f"/sources/clinic-faq.txt?entry={pair.id}"))
    aside = one(page, "aside.document-questions")
    assert texts(aside, "ol > li a") == [
        "What should I wear to my first session?", "How long does a session last?",
        "Do I need a referral from my doctor?"]
    assert one(aside, "a[aria-current]").get_text() == pair.question


def test_a_source_has_a_json_twin(client: FlaskClient, kb: KnowledgeBase) -> None:
    data = client.get("/sources/clinic-faq.txt.json").get_json()
    document = kb.document("clinic-faq.txt")
    assert (data["name"], data["title"], data["text"]) == (
        "clinic-faq.txt", document.title, document.text)
    assert [e["id"] for e in data["entries"]] == [
        e.id for e in kb.entries(source="clinic-faq.txt")]
    assert all(e["url"].startswith("http://localhost/sources/clinic-faq.txt?entry=")
               for e in data["entries"])


def test_a_source_in_a_subfolder_is_served(client: FlaskClient, kb_dir: Path) -> None:
    (kb_dir / "team").mkdir()
    (kb_dir / "team" / "contact.txt").write_text(
        "Contact\n\nHow do I reach the team?\n\nEmail the front desk.\n", encoding="utf-8")
    page = soup(client.get("/sources/team/contact.txt"))
    assert one(page, ".document-body h1").get_text() == "Contact"


@pytest.mark.parametrize("path", [
    "/sources/nope.txt",
    "/sources/../../etc/passwd",
    "/sources/%2e%2e/%2e%2e/etc/passwd",
    "/sources/..%2f..%2fetc%2fpasswd",
    "/sources//etc/passwd",
    "/sources/./clinic-faq.txt",
    "/sources/%00",
    "/sources/nope.txt.json",
    "/entries/nope",
    "/entries/nope.json",
    "/no/such/page",
])
def test_unknown_sources_entries_and_paths_are_a_404(client: FlaskClient, path: str) -> None:
    response = client.get(path, follow_redirects=True)
    assert response.status_code == 404
    if path.endswith(".json"):
        assert response.get_json()["status"] == 404
    else:
        assert one(soup(response), "h1").get_text() == "Not Found"


def test_an_unknown_entry_of_a_source_is_a_404(client: FlaskClient) -> None:
    response = client.get("/sources/clinic-faq.txt?entry=<b>nope</b>")
    assert response.status_code == 404
    assert "<b>nope</b>" in one(soup(response), ".error-message").get_text()


# -- questions, entries, suggestions --------------------------------------------------


def test_the_questions_page_groups_every_pair_by_document(client: FlaskClient,
                                                          kb: KnowledgeBase) -> None:
    page = soup(client.get("/questions"))
    groups = page.select("section.faq-group")
    assert texts(page, "section.faq-group > h2") == [
        "Stretching Clinic FAQ", "Why Do Hamstrings Get Tight"]
    assert texts(groups[0], "article.faq h3") == [
        e.question for e in kb.entries(kind="qa", source="clinic-faq.txt")]
    link = one(groups[0], "article.faq .result-links a")["href"]
    assert str(link).startswith("/sources/clinic-faq.txt?entry=")


def test_the_questions_page_has_a_json_twin(client: FlaskClient) -> None:
    data = client.get("/questions.json").get_json()
    assert [s["name"] for s in data["sources"]] == ["clinic-faq.txt", "hamstrings.txt"]
    assert {q["kind"] for q in data["sources"][0]["questions"]} == {"qa"}


def test_the_sources_page_lists_every_document(client: FlaskClient) -> None:
    page = soup(client.get("/sources"))
    assert texts(page, ".sources-list .card-title") == [
        "Stretching Clinic FAQ", "Why Do Hamstrings Get Tight"]
    names = [s["name"] for s in client.get("/sources.json").get_json()["sources"]]
    assert names == ["clinic-faq.txt", "hamstrings.txt"]


def test_an_entry_redirects_to_its_passage(client: FlaskClient, kb: KnowledgeBase) -> None:
    entry = kb.entries(kind="qa")[0]
    response = client.get(f"/entries/{entry.id}")
    assert response.status_code == 302
    assert response.location == f"/sources/clinic-faq.txt?entry={entry.id}#e-{entry.id}"


def test_an_entry_has_a_json_twin(client: FlaskClient, kb: KnowledgeBase) -> None:
    entry = kb.entries(kind="qa")[0]
    data = client.get(f"/entries/{entry.id}.json").get_json()
    assert data == entry.to_dict() | {
        "url": f"http://localhost/sources/clinic-faq.txt?entry={entry.id}#e-{entry.id}",
        "source_url": "http://localhost/sources/clinic-faq.txt"}


def test_suggestions_are_questions_whose_words_start_with_what_was_typed(
        client: FlaskClient) -> None:
    data = client.get("/suggest.json?q=how+lo").get_json()
    assert [s["question"] for s in data["suggestions"]] == ["How long does a session last?"]
    suggestion = data["suggestions"][0]
    assert suggestion["highlights"] == [[0, 3], [4, 6]]
    assert suggestion["url"] == (f"/sources/clinic-faq.txt?entry={suggestion['id']}"
                                 f"#e-{suggestion['id']}")


def test_suggestions_follow_changes_to_the_documents(client: FlaskClient,
                                                     kb_dir: Path) -> None:
    assert client.get("/suggest.json?q=dog").get_json()["suggestions"] == []
    (kb_dir / "pets.txt").write_text("Pets\n\nCan I bring my dog?\n\nYes, on a lead.\n",
                                     encoding="utf-8")
    found = client.get("/suggest.json?q=dog").get_json()["suggestions"]
    assert [s["question"] for s in found] == ["Can I bring my dog?"]


@pytest.mark.parametrize("typed", ["", "   ", "?!", "zzzz"])
def test_nothing_to_suggest_is_an_empty_list(client: FlaskClient, typed: str) -> None:
    assert client.get("/suggest.json", query_string={"q": typed}).get_json()[
        "suggestions"] == []


def test_an_overlong_suggestion_request_is_a_400(client: FlaskClient) -> None:
    assert client.get("/suggest.json", query_string={"q": "a" * 501}).status_code == 400


# -- every response -------------------------------------------------------------------


@pytest.mark.parametrize("path", [
    "/", "/search?q=towel", "/search.json?q=towel", "/sources/clinic-faq.txt",
    "/questions", "/static/style.css", "/static/suggest.js", "/nope", "/search?page=0",
])
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    with client.get(path) as response:
        headers = response.headers
    policy = headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "same-origin"


@pytest.mark.parametrize("path", [
    "/", "/search?q=towel", "/sources/clinic-faq.txt", "/questions", "/sources", "/nope",
])
def test_pages_have_no_inline_script_or_style(client: FlaskClient, path: str) -> None:
    page = soup(client.get(path))
    assert all(script.get("src") for script in page.select("script"))
    assert not page.select("style, [style]")
    assert not [tag.name for tag in page.find_all(True)
                if any(name.startswith("on") for name in tag.attrs)]


def test_an_unexpected_failure_is_a_plain_500_page(kb_dir: Path, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    app = create_app({"FAQKB_KB_DIR": kb_dir, "FAQKB_INDEX_DIR": tmp_path / "index"})

    def broken(*args: object, **kwargs: object) -> SearchResults:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(app.extensions["faqkb"], "search", broken)
    response = app.test_client().get("/search?q=towel")
    assert response.status_code == 500
    body = response.get_data(as_text=True)
    assert "secret internals" not in body and "Traceback" not in body
    assert "Something went wrong" in one(soup(response), ".error-message").get_text()


def test_a_missing_knowledge_base_folder_is_a_clear_error(tmp_path: Path) -> None:
    app = create_app({"FAQKB_KB_DIR": tmp_path / "gone", "FAQKB_INDEX_DIR": tmp_path / "i"})
    response = app.test_client().get("/search?q=towel")
    assert response.status_code == 503
    assert "cannot be read" in one(soup(response), ".error-message").get_text()
    assert response.headers["Retry-After"]
    json_response = app.test_client().get("/search.json?q=towel")
    assert (json_response.status_code, json_response.get_json()["status"]) == (503, 503)


def test_a_missing_knowledge_base_folder_does_not_show_the_servers_folders(
        tmp_path: Path) -> None:
    app = create_app({"FAQKB_KB_DIR": tmp_path / "gone", "FAQKB_INDEX_DIR": tmp_path / "i"})
    for path in ("/", "/search?q=towel", "/search.json?q=towel", "/sources.json"):
        response = app.test_client().get(path)
        assert response.status_code == 503
        assert str(tmp_path) not in response.get_data(as_text=True)


def test_a_wrong_method_is_a_405_with_allow(client: FlaskClient) -> None:
    response = client.post("/search")
    assert response.status_code == 405
    assert "GET" in response.headers["Allow"]


def test_the_app_never_runs_in_debug_mode_by_default(kb_dir: Path) -> None:
    assert create_app({"FAQKB_KB_DIR": kb_dir}).debug is False


# -- templates wherever faqkb is installed --------------------------------------------


def test_a_checkout_finds_the_top_level_templates() -> None:
    assert find_templates() == ROOT / "templates"


def test_an_installed_wheel_serves_pages(tmp_path: Path) -> None:
    """``pip install .`` (not editable) ships the templates, static files and kb/."""
    pytest.importorskip("hatchling", reason="building the wheel offline needs hatchling")
    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps",
                    "--no-index", "--no-build-isolation", "--target", str(target), str(ROOT)],
                   check=True, capture_output=True)
    script = """
import faqkb, faqkb.web, sys
assert faqkb.__file__.startswith(sys.argv[1]), faqkb.__file__
client = faqkb.web.create_app().test_client()
for url in ["/", "/search?q=back", "/questions", "/static/style.css",
            "/sources/000_a3c617c8645840b6.txt"]:
    assert client.get(url).status_code == 200, url
print("served")
"""
    result = subprocess.run([sys.executable, "-c", script, str(target)], cwd=tmp_path,
                            env={"PYTHONPATH": str(target), "FAQKB_CACHE_DIR": str(tmp_path),
                                 "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=120)
    assert result.stdout.strip() == "served", result.stderr
    assert re.search(r"templates", str(next(target.glob("faqkb/templates/base.html"))))


def test_corrected_results_offer_the_words_as_typed(client: FlaskClient) -> None:
    page = soup(client.get("/search?q=tawel"))
    link = one(page, ".notice a.search-instead")
    assert link.get_text() == "Search instead for tawel"
    exact = soup(client.get(link["href"]))
    assert exact.select_one(".notice a.search-instead") is None
    assert "No results" in one(exact, "h1#results-title").get_text()


def test_search_json_has_the_pages_related_questions_with_their_urls(
        client: FlaskClient) -> None:
    data = client.get("/search.json?q=hamstrings+stretch").get_json()
    page = soup(client.get("/search?q=hamstrings+stretch"))
    shown = {hit["id"] for hit in data["hits"]}
    assert data["questions"] and len(data["questions"]) <= 5
    assert all(q["kind"] == "qa" and q["id"] not in shown for q in data["questions"])
    assert all(q["url"].startswith("http://localhost/sources/") for q in data["questions"])
    related = [a["href"] for a in page.select("a[href*='?entry=']")]
    assert all(urlsplit(q["url"]).path + "?" + urlsplit(q["url"]).query + "#"
               + urlsplit(q["url"]).fragment in related for q in data["questions"])


def test_a_phrase_searched_as_words_says_so(client: FlaskClient) -> None:
    page = soup(client.get("/search?q=%22bottle+water%22"))
    assert "in that order" in one(page, ".notice.phrases-as-words").get_text()
    assert client.get("/search.json?q=%22bottle+water%22").get_json()["phrases_as_words"]
    assert not soup(client.get("/search?q=%22water+bottle%22")).select(".phrases-as-words")
