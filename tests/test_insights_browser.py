"""Insights end to end in headless Chromium: a reader votes on an answer, with JavaScript and
without, and the keeper then sees the vote on the insights page (`faqkb serve --insights`).

Skipped, like tests/test_browser.py, when Playwright or Chromium is missing (unless
FAQKB_REQUIRE_BROWSER=1). Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from conftest import BUNDLED_KB, Server, start_server, stop_server
from test_browser import QUESTION, _page, screenshot

pytestmark = pytest.mark.browser
TOKEN = "keeper-7c2a"


@pytest.fixture(scope="module")
def insights_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``faqkb serve --insights`` over the bundled kb/, with a token, in one process."""
    cache = tmp_path_factory.mktemp("insights-cache")
    server = start_server("--kb", str(BUNDLED_KB), "--insights", "--insights-token", TOKEN,
                          "--workers", "1", env={"FAQKB_CACHE_DIR": str(cache)})
    yield server
    stop_server(server)


def open_first_answer(page: Any, query: str) -> str:
    """Search for ``query``, open the first result, and return its question."""
    page.goto("/")
    page.fill("#q", query)
    page.click("main button[type=submit]")
    page.wait_for_url("**/search?q=*")
    first = page.locator("ol.results > li.result-qa .result-title a").first
    question = str(first.inner_text())
    first.click()
    page.wait_for_url("**/sources/**")
    return question


def disliked_rows(page: Any) -> list[str]:
    page.goto(f"/insights?token={TOKEN}")
    return [str(row) for row in page.locator("#no-title ~ .table-wrap tbody tr").all_inner_texts()]


def test_a_vote_with_javascript_is_thanked_in_place_and_shown_on_the_insights_page(
        browser: Any, insights_server: Server) -> None:
    for page in _page(browser, insights_server):
        question = open_first_answer(page, QUESTION)
        url = page.url
        page.fill("#feedback-comment", "It does not say how long to rest")
        page.click(".feedback-form button[value=no]")
        thanks = page.locator(".feedback-thanks")
        thanks.wait_for()
        assert page.url == url  # answered in place
        assert page.evaluate("document.activeElement.className") == "feedback-thanks"
        screenshot(page, "insights-vote.png")

        rows = disliked_rows(page)
        assert any(question in row and "It does not say how long to rest" in row
                   for row in rows), rows
        assert page.locator("svg.chart rect.bar").count() == 30
        screenshot(page, "insights.png", full_page=True)


def test_a_vote_without_javascript_returns_to_the_answer_and_is_shown(
        browser: Any, insights_server: Server) -> None:
    for page in _page(browser, insights_server, java_script_enabled=False):
        question = open_first_answer(page, "how should I stretch after a run")
        page.click(".feedback-form button[value=no]")
        page.wait_for_url("**voted=no*")
        assert page.locator(".feedback-thanks").inner_text() == "Thank you for your answer."
        assert page.locator("mark.passage").count() > 0  # back at the highlighted answer
        assert any(question in row for row in disliked_rows(page))


def test_the_insights_page_refuses_a_browser_without_the_token(
        browser: Any, insights_server: Server) -> None:
    context = browser.new_context(base_url=insights_server.url)
    try:
        response = context.new_page().goto("/insights")
        assert response is not None and response.status == 403
    finally:
        context.close()
