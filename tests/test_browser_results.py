"""The results page in headless Chromium, at a desktop (1280 px) and a phone (390 px)
width: the best answer first, related questions and source filters beside (or around)
the results, instant results under the box as one types, and a calm search box on load.
Screenshots go to test-artifacts/ (see test_browser.py for how Chromium is found)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from test_browser import QUESTION, TIMEOUT_MS, passage_in_view, screenshot

pytestmark = pytest.mark.browser

WIDTHS = {"desktop": (1280, 860), "phone": (390, 844)}
RESULTS = f"/search?q={QUESTION.replace(' ', '+')}"


@pytest.fixture(params=list(WIDTHS))
def screen(request: pytest.FixtureRequest, browser: Any, live_server: Any) -> Iterator[Any]:
    """A page at each width, with JavaScript on; page errors fail the test."""
    name = request.param
    width, height = WIDTHS[name]
    context = browser.new_context(base_url=live_server.url, is_mobile=name == "phone",
                                  viewport={"width": width, "height": height})
    context.set_default_timeout(TIMEOUT_MS)
    opened = context.new_page()
    opened.width_name = name
    problems: list[str] = []
    opened.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    opened.on("pageerror", lambda e: problems.append(str(e)))
    yield opened
    context.close()
    assert problems == [], problems


def box(page: Any, selector: str) -> dict[str, float]:
    found: dict[str, float] = page.locator(selector).first.bounding_box()
    assert found is not None, selector
    return found


def no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def test_the_best_answer_comes_first_and_whole(screen: Any) -> None:
    screen.goto(RESULTS)
    best = box(screen, ".best-answer")
    assert best["y"] < box(screen, "ol.results")["y"]
    assert best["y"] < WIDTHS[screen.width_name][1]  # on the first screen
    assert screen.locator(".best-answer .best-text").inner_text().strip()
    assert no_sideways_scroll(screen)
    screenshot(screen, f"results-{screen.width_name}.png")


def test_the_results_use_a_wide_screen_centred(screen: Any) -> None:
    screen.goto(RESULTS)
    main, aside = box(screen, ".results-main"), box(screen, "aside.results-filters")
    width = WIDTHS[screen.width_name][0]
    if screen.width_name == "desktop":
        assert aside["x"] >= main["x"] + main["width"]  # beside the results
        left, right = main["x"], width - (aside["x"] + aside["width"])
        assert abs(left - right) < 40 and right < width * 0.1  # centred, little left empty
    else:
        assert aside["y"] < main["y"] + 200  # just above the results, as a row of chips
        assert box(screen, "aside.related")["y"] > box(screen, "ol.results")["y"]


def test_a_related_question_opens_its_answer(screen: Any) -> None:
    screen.goto(RESULTS)
    link = screen.locator("aside.related li > a").first
    question = link.inner_text()
    link.click()
    screen.wait_for_url("**/sources/**?entry=*")
    assert question in screen.locator("aside.document-questions a[aria-current]").inner_text()
    assert passage_in_view(screen)


def test_a_source_filter_narrows_the_results_to_it(screen: Any) -> None:
    screen.goto(RESULTS)
    link = screen.locator("aside.results-filters .facet-list a:not([aria-current])").first
    count = int(link.locator(".count").inner_text())
    name = parse_qs(urlsplit(link.get_attribute("href")).query)["source"][0]
    link.click()
    screen.wait_for_url("**source=*")
    assert screen.locator("h1#results-title").inner_text().startswith(f"{count} result")
    sources = screen.locator(".best-answer .best-source a:first-child, "
                             "ol.results .result-meta a").evaluate_all(
        "links => links.map(a => a.getAttribute('href'))")
    assert sources and set(sources) == {f"/sources/{name}"}
    assert screen.locator("aside.results-filters a[aria-current=true] .facet-label").count() == 1
    screenshot(screen, f"results-filtered-{screen.width_name}.png")


def test_results_appear_under_the_box_as_one_types(screen: Any) -> None:
    screen.goto("/")
    screen.locator("#q").press_sequentially("strength", delay=20)
    results = screen.locator("#q-suggestions .instant-result[role=option]")
    results.first.wait_for()
    assert results.count() >= 2
    see_all = screen.locator("#q-suggestions .see-all")
    assert see_all.inner_text().startswith("See all ")
    listed = box(screen, "#q-suggestions")
    assert listed["y"] >= box(screen, "#q")["y"] and no_sideways_scroll(screen)
    screenshot(screen, f"instant-{screen.width_name}.png")

    while screen.get_attribute("#q", "aria-activedescendant") != \
            results.first.get_attribute("id"):
        screen.keyboard.press("ArrowDown")
    screen.keyboard.press("Enter")
    screen.wait_for_url("**/sources/**?entry=*")
    assert passage_in_view(screen)


def test_see_all_opens_the_results_page(screen: Any) -> None:
    screen.goto("/")
    screen.locator("#q").press_sequentially("strength", delay=20)
    screen.locator("#q-suggestions .see-all").click()
    screen.wait_for_url("**/search?q=strength")
    assert screen.locator("h1#results-title").inner_text().endswith("“strength”")


def test_the_search_box_is_calm_when_focused_on_load(screen: Any) -> None:
    screen.goto("/")
    style = screen.evaluate("""() => {
        const box = document.activeElement, s = getComputedStyle(box);
        return [box.id, s.outlineStyle, s.borderTopColor, s.boxShadow];
    }""")
    assert style[:2] == ["q", "none"]
    orange = "194, 65, 12"
    assert orange not in style[2] and orange not in style[3]


def test_without_javascript_the_results_page_works_alike(browser: Any, live_server: Any) -> None:
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False,
                                  viewport={"width": 1280, "height": 860})
    try:
        page = context.new_page()
        page.goto("/")
        page.fill("#q", "strength")
        page.keyboard.press("Enter")
        page.wait_for_url("**/search?q=strength")
        assert page.locator("ol.results > li").count() > 0
        page.locator("aside.results-filters .facet-list a:not([aria-current])").first.click()
        page.wait_for_url("**source=*")
        assert page.locator("ol.results > li, .best-answer").count() > 0
    finally:
        context.close()


def test_the_source_view_shows_the_passage_as_one_box(screen: Any) -> None:
    screen.goto(RESULTS)
    screen.locator(".best-answer .best-question a").click()
    screen.wait_for_url("**/sources/**?entry=*")
    passage = box(screen, ".passage-box")
    assert passage["height"] > 0 and passage_in_view(screen)
    screenshot(screen, f"source-{screen.width_name}.png")
