"""The numbers a user sees are right, on the bundled kb/ where issue 15 found them wrong:
"131 results and 14 pages" with 11 pages of results, "Page 13 of 11", kind counts adding
up to 42 of 131, and "3 of 131 results" from a kb of 112 claims."""

from __future__ import annotations

import math
import re
from pathlib import Path

from bs4 import BeautifulSoup
from click.testing import CliRunner
from flask.testing import FlaskClient

from faqkb import KnowledgeBase
from faqkb.cli import cli

QUESTION = "is running bad for my back"


def soup(client: FlaskClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def heading_count(page: BeautifulSoup) -> int:
    heading = page.select_one("h1#results-title")
    assert heading is not None
    found = re.match(r"([\d,]+) results?", heading.get_text(strip=True))
    assert found, heading.get_text()
    return int(found.group(1).replace(",", ""))


def test_the_total_is_every_result_the_pages_hold(seeds_client: FlaskClient) -> None:
    url: str | None = f"/search?q={QUESTION}"
    first = soup(seeds_client, str(url))
    total = heading_count(first)
    shown: list[str] = []
    pages = 0
    while url:
        page = soup(seeds_client, url)
        assert heading_count(page) == total, url
        items = page.select(".best-answer, ol.results > li")
        assert items, f"{url} is offered but empty"
        shown += [str(item.select("a[href*='entry=']")[0]["href"]) for item in items]
        pages += 1
        following = page.select_one("nav.pagination a[rel=next]")
        url = str(following["href"]) if following else None
    assert len(shown) == len(set(shown)) == total
    assert pages == math.ceil(total / 10)


def test_the_page_links_name_only_pages_that_exist(seeds_client: FlaskClient) -> None:
    page = soup(seeds_client, f"/search?q={QUESTION}")
    last = math.ceil(heading_count(page) / 10)
    meta = page.select_one(".results-meta")
    assert meta is not None and f"Page 1 of {last}" in meta.get_text()
    for number in range(1, last + 3):
        linked = soup(seeds_client, f"/search?q={QUESTION}&page={number}")
        numbers = [int(a.get_text().split()[-1]) for a in linked.select("nav.pagination a")
                   if a.get_text().split()[-1].isdigit()]
        assert all(n <= last for n in numbers), number


def test_a_page_past_the_last_says_which_is_the_last(seeds_client: FlaskClient) -> None:
    total = heading_count(soup(seeds_client, f"/search?q={QUESTION}"))
    last = math.ceil(total / 10)
    page = soup(seeds_client, f"/search?q={QUESTION}&page={last + 2}")
    assert heading_count(page) == total
    empty = page.select_one(".empty-state")
    assert empty is not None and f"on {last} pages" in empty.get_text()
    meta = page.select_one(".results-meta")
    assert meta is not None and f"Page {last + 2}" not in meta.get_text()


def test_kind_and_source_counts_add_up_to_the_total(seeds_client: FlaskClient) -> None:
    data = seeds_client.get(f"/search.json?q={QUESTION}").get_json()
    assert data["total_exact"] is True
    assert sum(data["kind_counts"].values()) == data["total"]
    assert sum(data["source_counts"].values()) == data["total"]
    assert data["pages"] == math.ceil(data["total"] / data["per_page"])


def test_each_source_filter_finds_as_many_as_it_says(seeds_client: FlaskClient) -> None:
    page = soup(seeds_client, f"/search?q={QUESTION}")
    for link in page.select("aside.results-filters .facet-list a:not([aria-current])"):
        count = link.select_one(".count")
        assert count is not None
        assert heading_count(soup(seeds_client, str(link["href"]))) == int(count.get_text())


def test_each_kind_tab_finds_as_many_as_it_says(seeds_client: FlaskClient) -> None:
    page = soup(seeds_client, f"/search?q={QUESTION}")
    for tab in page.select("nav.tabs a"):
        count = tab.select_one(".count")
        assert count is not None
        assert heading_count(soup(seeds_client, str(tab["href"]))) == int(count.get_text())


def test_the_command_line_counts_the_results_of_its_filter(runner: CliRunner, seeds: KnowledgeBase,
                                                          seed_index: Path) -> None:
    result = runner.invoke(cli, ["search", "--kb", str(seeds.kb_dir), "--index-dir",
                                 str(seed_index), "--kind", "claim", "running", "posture"])
    found = re.search(r"^(\d+) of (\d+) results$", result.stdout, re.MULTILINE)
    assert result.exit_code == 0 and found, result.stdout
    everything = seeds.search("running posture", 1000, kind="claim")
    assert int(found.group(2)) == len(everything.hits) == everything.total
    assert int(found.group(2)) <= len(seeds.entries(kind="claim"))
