"""The insights report: searches grouped by their normalised words and counted right, the
answers most opened and most often said not to help, corrected searches, the period."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from faqkb.insights import InsightsStore, OpenEvent, SearchEvent, Vote, build_report, normalise
from faqkb.insights.events import HOURS_PER_DAY
from faqkb.models import Entry

TODAY = 20_599  # days since the epoch: 2026-05-26
NOW = TODAY * HOURS_PER_DAY + 15
YESTERDAY = NOW - HOURS_PER_DAY
REFUND = Entry(id="e-refund", kind="qa", source="billing.md", start=0, end=40,
               text="Refunds take five days.", questions=("How long does a refund take?",),
               title="Billing FAQ")


@pytest.fixture
def store(tmp_path: Path) -> InsightsStore:
    return InsightsStore(tmp_path / "insights.sqlite3")


def search(query: str, *, close: bool = True, corrected: str = "", hour: int = NOW,
           times: int = 1) -> list[SearchEvent]:
    return [SearchEvent(query, 3 if close else 0, close, corrected, hour)] * times


@pytest.mark.parametrize("first, second", [
    ("How do I cancel my order?", "cancel order"),
    ("order cancel", "cancelling orders"),
    ("CANCEL ORDER!!", "cancel   my   order"),
    ("cancel order kind:qa", "cancel order"),
])
def test_the_same_words_in_any_order_or_form_normalise_alike(first: str, second: str) -> None:
    assert normalise(first) == normalise(second)


def test_a_query_of_stop_words_only_keeps_its_words() -> None:
    assert normalise("How can I?") == "how can i?"


def test_searches_with_no_close_match_are_grouped_counted_and_shown_by_their_commonest_form(
        store: InsightsStore) -> None:
    store.add(search("gift cards", close=False, times=3)
              + search("Gift cards?", close=False)
              + search("gift card", close=False, hour=YESTERDAY)
              + search("opening hours", close=False, times=2)
              + search("refund", times=9))
    report = build_report(store, days=7, now_hour=NOW)
    assert [(g.example, g.count, g.variants) for g in report.unanswered] == [
        ("gift cards", 5, 3), ("opening hours", 2, 1)]
    assert report.unanswered[0].last_day == date(2026, 5, 26)


def test_top_searches_count_every_outcome_and_the_answers_opened_from_them(
        store: InsightsStore) -> None:
    store.add(search("refund", times=4) + search("refunds?", close=False)
              + search("shipping", times=2)
              + [OpenEvent("e-refund", "refund", NOW)] * 3 + [OpenEvent("e-refund", "", NOW)])
    report = build_report(store, days=7, now_hour=NOW)
    assert [(g.example, g.count, g.no_close_match, g.opened) for g in report.top_searches] == [
        ("refund", 5, 1, 3), ("shipping", 2, 0, 0)]


def test_a_corrected_search_counts_for_what_it_was_corrected_to(store: InsightsStore) -> None:
    store.add(search("refund") + search("refnud", corrected="refund", times=2)
              + [OpenEvent("e-refund", "refnud", NOW)])
    report = build_report(store, days=7, now_hour=NOW)
    assert [(g.example, g.count, g.opened) for g in report.top_searches] == [
        ("refund", 3, 1)]
    assert [(c.query, c.corrected, c.count) for c in report.corrected_searches] == [
        ("refnud", "refund", 2)]
    assert report.corrected == 2


def test_a_search_asked_only_with_a_typo_is_shown_as_it_was_corrected(
        store: InsightsStore) -> None:
    store.add(search("refnd", corrected="refund", times=2) + search("refnud", corrected="refund"))
    group = build_report(store, days=7, now_hour=NOW).top_searches[0]
    assert (group.example, group.count, group.variants) == ("refund", 3, 2)


def test_answers_most_opened_are_counted_and_named_by_the_lookup(store: InsightsStore) -> None:
    store.add([OpenEvent("e-refund", "refund", NOW)] * 2 + [OpenEvent("e-refund", "", NOW)]
              + [OpenEvent("e-gone", "", NOW)])
    report = build_report(store, days=7, now_hour=NOW,
                          lookup={"e-refund": REFUND}.get)
    assert [(a.entry_id, a.opened, a.entry) for a in report.most_opened] == [
        ("e-refund", 3, REFUND), ("e-gone", 1, None)]
    assert report.opened == 4


def test_answers_with_most_no_votes_come_first_with_their_latest_comments(
        store: InsightsStore) -> None:
    store.add([Vote("e-refund", "gen-1", False, "Which bank days?", YESTERDAY),
               Vote("e-refund", "gen-2", False, "", NOW),
               Vote("e-refund", "gen-2", False, "Still unclear", NOW),
               Vote("e-refund", "gen-2", True, "", NOW),
               Vote("e-ship", "gen-2", False, "", NOW),
               Vote("e-liked", "gen-2", True, "Perfect", NOW)])
    report = build_report(store, days=7, now_hour=NOW)
    assert [(a.entry_id, a.no, a.yes) for a in report.most_no] == [
        ("e-refund", 3, 1), ("e-ship", 1, 0)]
    assert [c.text for c in report.most_no[0].comments] == ["Still unclear", "Which bank days?"]
    assert (report.yes, report.no) == (2, 4)


def test_the_period_counts_whole_days_and_leaves_older_ones_out(store: InsightsStore) -> None:
    start_of_period = (TODAY - 6) * HOURS_PER_DAY
    store.add(search("in", hour=start_of_period) + search("out", hour=start_of_period - 1)
              + search("today", close=False, times=2))
    report = build_report(store, days=7, now_hour=NOW)
    assert (report.first_day, report.last_day, report.days) == (
        date(2026, 5, 20), date(2026, 5, 26), 7)
    assert report.searches == 3
    assert [(d.day.day, d.searches, d.no_close_match) for d in report.daily] == [
        (20, 1, 0), (21, 0, 0), (22, 0, 0), (23, 0, 0), (24, 0, 0), (25, 0, 0), (26, 2, 2)]


def test_each_table_is_cut_to_the_limit(store: InsightsStore) -> None:
    store.add([event for n in range(30) for event in search(f"word{n}", close=False)])
    report = build_report(store, days=7, limit=5, now_hour=NOW)
    assert len(report.unanswered) == len(report.top_searches) == 5
    assert report.no_close_match == 30


def test_the_report_as_json_names_every_table(store: InsightsStore) -> None:
    store.add(search("gift cards", close=False) + [Vote("e-refund", "gen-1", False, "Why?",
                                                        NOW)])
    data = build_report(store, days=1, now_hour=NOW, lookup={"e-refund": REFUND}.get).to_dict()
    assert data["totals"] == {"searches": 1, "no_close_match": 1, "corrected": 0,
                              "opened": 0, "yes": 0, "no": 1}
    assert data["unanswered"][0]["example"] == "gift cards"
    assert data["most_no"][0]["question"] == "How long does a refund take?"
    assert data["most_no"][0]["comments"] == [
        {"helpful": False, "text": "Why?", "day": "2026-05-26"}]
    assert data["daily"] == [{"day": "2026-05-26", "searches": 1, "no_close_match": 1}]


def test_a_report_of_a_database_never_written_is_empty(store: InsightsStore) -> None:
    report = build_report(store, days=30, now_hour=NOW)
    assert report.empty
    assert len(report.daily) == 30


@pytest.mark.parametrize("days, limit", [(0, 10), (3661, 10), (7, 0)])
def test_a_bad_period_or_limit_is_refused(store: InsightsStore, days: int, limit: int) -> None:
    with pytest.raises(ValueError):
        build_report(store, days=days, limit=limit)
