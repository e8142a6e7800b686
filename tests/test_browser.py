"""End to end in headless Chromium: the real server (`faqkb serve`, waitress) over the
bundled kb/, driven by Playwright pointed at Debian's chromium (never a downloaded browser).

Skipped when Playwright or Chromium is missing, unless FAQKB_REQUIRE_BROWSER=1 (as in
.ci/run), which turns that into a failure. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from test_source_view import DOCUMENTS, LOOSE_MARKERS, MARKED_QUESTIONS

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
QUESTION = "is running bad for my back"
FIRST_RESULT = ".best-answer .best-question, ol.results > li:first-child .result-title"
TIMEOUT_MS = 15_000


@pytest.fixture
def page(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh page with JavaScript on; console errors and CSP reports make the test fail."""
    yield from _page(browser, live_server)


@pytest.fixture
def page_without_js(browser: Any, live_server: Any) -> Iterator[Any]:
    """A fresh page with JavaScript off."""
    yield from _page(browser, live_server, java_script_enabled=False)


def _page(browser: Any, server: Any, **options: Any) -> Iterator[Any]:
    context = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 860},
                                  **options)
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    problems: list[str] = []
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda e: problems.append(str(e)))
    yield opened
    context.close()
    assert problems == [], problems


def screenshot(page: Any, name: str, **options: Any) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), **options)


def passage_in_view(page: Any) -> bool:
    return bool(page.evaluate("""() => {
        const mark = document.querySelector('mark.passage');
        if (!mark) return false;
        const box = mark.getBoundingClientRect();
        return box.top >= 0 && box.top < window.innerHeight && box.height > 0;
    }"""))


def test_a_typed_question_opens_its_passage_highlighted_and_in_view(page: Any) -> None:
    page.goto("/")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    page.wait_for_url("**/search?q=*")
    first = page.locator(f"{FIRST_RESULT} a").first
    question = first.inner_text()
    first.click()
    page.wait_for_url("**/sources/**")
    entry = parse_qs(urlsplit(page.url).query)["entry"][0]
    assert urlsplit(page.url).fragment == f"e-{entry}"
    assert page.evaluate("document.querySelector(':target').id") == f"e-{entry}"
    page.wait_for_function("() => document.querySelector('mark.passage') !== null")
    assert passage_in_view(page)
    assert question in page.locator("aside a[aria-current]").inner_text()


def test_suggestions_appear_as_you_type_and_open_the_answer(page: Any) -> None:
    page.goto("/")
    page.locator("#q").press_sequentially("stren", delay=20)
    options = page.locator("#q-suggestions .suggestion[role=option]")
    options.first.wait_for()
    assert page.get_attribute("#q", "aria-expanded") == "true"
    texts = options.all_inner_texts()
    assert texts and all("stren" in text.lower() for text in texts)
    screenshot(page, "suggestions.png")

    page.keyboard.press("ArrowDown")
    assert page.get_attribute("#q", "aria-activedescendant") == "q-suggestions-0"
    page.keyboard.press("Enter")
    page.wait_for_url("**/sources/**?entry=*")
    page.wait_for_function("() => document.querySelector('mark.passage') !== null")
    assert passage_in_view(page)


def test_escape_closes_the_suggestions(page: Any) -> None:
    page.goto("/")
    page.locator("#q").press_sequentially("how", delay=20)
    page.locator("#q-suggestions [role=option]").first.wait_for()
    page.keyboard.press("Escape")
    page.locator("#q-suggestions").wait_for(state="hidden")
    assert page.get_attribute("#q", "aria-expanded") == "false"


def test_search_works_with_javascript_off(page_without_js: Any) -> None:
    page = page_without_js
    page.goto("/")
    page.fill("#q", QUESTION)
    page.click("main button[type=submit]")
    page.wait_for_url("**/search?q=*")
    page.locator(f"{FIRST_RESULT} a").first.click()
    page.wait_for_url("**/sources/**")
    assert passage_in_view(page)


def test_the_skip_link_is_the_first_stop_and_visible(page: Any) -> None:
    page.goto("/questions")
    page.keyboard.press("Tab")
    focused = page.evaluate("""() => {
        const el = document.activeElement;
        const box = el.getBoundingClientRect();
        return [el.className, box.top >= 0 && box.bottom > 0];
    }""")
    assert focused == ["skip-link", True]


def test_pages_fit_a_phone_screen(browser: Any, live_server: Any) -> None:
    context = browser.new_context(base_url=live_server.url,
                                  viewport={"width": 390, "height": 844}, is_mobile=True)
    context.set_default_timeout(TIMEOUT_MS)
    try:
        phone = context.new_page()
        # The passage opened last is the first result's, as a visitor would reach it.
        passage = context.request.get(f"/search.json?q={QUESTION}").json()["hits"][0]["url"]
        for path in ("/", "/search?q=stretches", f"/search?q={QUESTION}", "/questions",
                     "/sources", passage):
            response = phone.goto(path)
            assert response is not None and response.ok, path
            overflow = phone.evaluate(
                "document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 0, path
        screenshot(phone, "source-phone.png")
    finally:
        context.close()


@pytest.mark.parametrize("name", DOCUMENTS)
def test_a_faq_with_q_and_a_markers_and_deep_numbering_reads_cleanly(
        browser: Any, serve: Any, tmp_path: Path, name: str) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / name).write_text(DOCUMENTS[name], encoding="utf-8")
    server = serve("--kb", str(folder), "--index-dir", str(tmp_path / "index"))
    for opened in _page(browser, server):
        opened.goto(f"/sources/{name}")
        questions = opened.locator(".document-body .question")
        assert questions.all_inner_texts() == MARKED_QUESTIONS
        paragraphs = opened.locator(".document-body p").all_inner_texts()
        assert LOOSE_MARKERS.isdisjoint(text.strip() for text in paragraphs)
        screenshot(opened, f"source-{name.replace('.', '-')}.png", full_page=True)
