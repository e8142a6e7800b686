"""Long lists come a page at a time, worked out once per index generation: /sources and
/questions (and their JSON twins) are paged, and a document's questions beside it are
capped with a link to all of them."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient

from faqkb import KnowledgeBase
from faqkb.errors import KnowledgeBaseError


def soup(client: FlaskClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def many_questions(count: int) -> str:
    return "Big FAQ\n\n" + "".join(f"What is item {i}?\n\nItem {i} is a thing.\n\n"
                                   for i in range(count))


@pytest.fixture
def kb(app: Flask) -> KnowledgeBase:
    base: KnowledgeBase = app.extensions["faqkb"]
    return base


def test_the_sources_json_is_paged(client: FlaskClient) -> None:
    first = client.get("/sources.json?per_page=1").get_json()
    assert [s["name"] for s in first["sources"]] == ["clinic-faq.txt"]
    assert (first["total"], first["page"], first["pages"]) == (2, 1, 2)
    assert first["next_url"] == "http://localhost/sources.json?page=2&per_page=1"
    second = client.get("/sources.json?page=2&per_page=1").get_json()
    assert [s["name"] for s in second["sources"]] == ["hamstrings.txt"]
    assert second["next_url"] is None


def test_the_sources_page_links_its_next_page(client: FlaskClient) -> None:
    page = soup(client, "/sources?per_page=1")
    assert len(page.select(".sources-list li")) == 1
    assert page.select_one("nav.pagination a[rel=next]")["href"] == "/sources?page=2&per_page=1"


@pytest.mark.parametrize("url", ["/sources?page=3&per_page=1", "/sources.json?page=9",
                                 "/questions?page=5", "/questions.json?page=2"])
def test_a_listing_page_past_the_last_is_a_404(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("url", ["/sources?page=0", "/questions?per_page=501",
                                 "/sources.json?per_page=x"])
def test_bad_listing_parameters_are_a_400(client: FlaskClient, url: str) -> None:
    assert client.get(url).status_code == 400


def test_the_questions_are_paged_across_documents(client: FlaskClient, kb: KnowledgeBase) -> None:
    every = [e.question for e in kb.entries(kind="qa")]
    shown: list[str] = []
    url: str | None = "/questions.json?per_page=2"
    while url:
        data = client.get(url).get_json()
        shown += [q["question"] for group in data["sources"] for q in group["questions"]]
        url = data["next_url"]
    assert shown == every


def test_the_questions_page_shows_the_answers_the_summary_does_not_keep(
        client: FlaskClient, kb: KnowledgeBase) -> None:
    # A serving process keeps a record of every pair, not its answer: the page reads
    # the answers of the pairs it shows from the index.
    from faqkb.web.summary import IndexSummary

    assert not any(hasattr(a, "text") for a in IndexSummary.of(kb).questions)
    data = client.get("/questions.json?per_page=3").get_json()
    shown = [q for group in data["sources"] for q in group["questions"]]
    assert [(q["question"], q["answer"]) for q in shown] == [
        (e.question, e.answer) for e in kb.entries(kind="qa")[:3]]


def test_one_documents_questions_have_a_page(client: FlaskClient, kb: KnowledgeBase) -> None:
    page = soup(client, "/questions?source=clinic-faq.txt")
    assert [h.get_text() for h in page.select("article.faq h3")] == [
        e.question for e in kb.entries(kind="qa", source="clinic-faq.txt")]
    assert client.get("/questions?source=nope.txt").status_code == 404


def test_listings_never_read_the_documents(client: FlaskClient, kb: KnowledgeBase,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    def unread(name: str) -> None:
        raise AssertionError(f"{name} was read")

    monkeypatch.setattr(kb, "document", unread)
    for url in ("/sources", "/sources.json", "/questions", "/questions.json", "/"):
        assert client.get(url).status_code == 200, url


def test_a_document_with_many_questions_lists_the_first_beside_it(
        client: FlaskClient, kb_dir: Path) -> None:
    (kb_dir / "big.txt").write_text(many_questions(150), encoding="utf-8")
    page = soup(client, "/sources/big.txt")
    assert len(page.select("aside.document-questions ol > li")) == 100
    more = page.select_one("aside.document-questions p a[href^='/questions']")
    assert more is not None and more["href"] == "/questions?source=big.txt"
    assert more.get_text() == "All 150 questions of this document"


def test_a_document_removed_while_its_page_is_asked_for_is_a_404(
        client: FlaskClient, kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    assert client.get("/").status_code == 200  # the pages know the document
    monkeypatch.setattr(kb, "sources", lambda: ["hamstrings.txt"])

    def removed(name: str) -> None:
        raise KnowledgeBaseError(f"no document named {name!r} in the knowledge base")

    monkeypatch.setattr(kb, "document", removed)
    assert client.get("/sources/clinic-faq.txt").status_code == 404
