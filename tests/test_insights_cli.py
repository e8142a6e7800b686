"""`faqkb insights`: the report of a period as text or JSON, and --forget."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from faqkb import KnowledgeBase
from faqkb.cli import cli
from faqkb.insights import InsightsStore, OpenEvent, SearchEvent, Vote, default_database


@pytest.fixture
def recorded(kb: KnowledgeBase) -> InsightsStore:
    """The insights of ``kb``: a few searches, an opened answer and a vote, this hour."""
    wear = next(e for e in kb.entries(kind="qa") if e.question and "wear" in e.question)
    store = InsightsStore(default_database(kb.index_dir))
    store.add([SearchEvent("parking near the clinic", 0, False)] * 2
              + [SearchEvent("Parking near the clinic?", 0, False),
                 SearchEvent("what to wear", 4, True),
                 SearchEvent("waer", 4, True, "wear"),
                 OpenEvent(wear.id, "what to wear"),
                 Vote(wear.id, kb.version, False, "Shoes too?")])
    return store


def run(runner: CliRunner, kb: KnowledgeBase, *args: str) -> tuple[int, str]:
    result = runner.invoke(cli, ["insights", "--kb", str(kb.kb_dir), "--index-dir",
                                 str(kb.index_dir), *args])
    return result.exit_code, result.output


def test_the_report_lists_what_to_write_next_and_what_did_not_help(
        runner: CliRunner, kb: KnowledgeBase, recorded: InsightsStore) -> None:
    code, out = run(runner, kb)
    assert code == 0
    assert "5 searches, 3 with no close match (60%), 1 corrected; 1 answers opened; " \
           "votes: 0 yes, 1 no" in out
    unanswered = out.split("Searches with no close match")[1].split("Top searches")[0]
    assert unanswered.splitlines()[2].split() == ["3", "2", "parking", "near", "the", "clinic"]
    disliked = out.split('Answers with the most "No" votes')[1]
    assert "What should I wear to my first session? (clinic-faq.txt)" in disliked
    assert "“Shoes too?”" in disliked
    assert "waer → wear" in out.split("Corrected searches")[1]


def test_the_report_as_json_carries_every_table(runner: CliRunner, kb: KnowledgeBase,
                                                recorded: InsightsStore) -> None:
    code, out = run(runner, kb, "--json", "--days", "7")
    data = json.loads(out)
    assert code == 0
    assert data["database"] == str(recorded.path)
    assert data["days"] == 7 and len(data["daily"]) == 7
    assert data["unanswered"][0]["count"] == 3
    assert data["most_opened"][0]["question"] == "What should I wear to my first session?"


def test_forget_clears_every_event(runner: CliRunner, kb: KnowledgeBase,
                                   recorded: InsightsStore) -> None:
    code, out = run(runner, kb, "--forget")
    assert code == 0
    assert out.startswith("Forgot 5 searches, 1 answers opened and 1 votes")
    assert json.loads(run(runner, kb, "--json")[1])["totals"]["searches"] == 0


def test_without_recorded_insights_the_report_says_how_to_record_them(
        runner: CliRunner, kb: KnowledgeBase) -> None:
    code, out = run(runner, kb)
    assert code == 0
    assert "Nothing was recorded in this period" in out
    assert "faqkb serve --insights" in out
    assert not default_database(kb.index_dir).exists()


def test_another_database_may_be_named(runner: CliRunner, kb: KnowledgeBase,
                                       tmp_path: Path) -> None:
    elsewhere = InsightsStore(tmp_path / "elsewhere.sqlite3")
    elsewhere.add([SearchEvent("gift cards", 0, False)])
    code, out = run(runner, kb, "--db", str(elsewhere.path), "--json")
    assert code == 0
    assert json.loads(out)["totals"]["searches"] == 1


def test_a_database_that_cannot_be_read_is_a_clear_error(runner: CliRunner, kb: KnowledgeBase,
                                                         tmp_path: Path) -> None:
    broken = tmp_path / "broken.sqlite3"
    broken.write_bytes(b"not a database at all" * 200)
    code, out = run(runner, kb, "--db", str(broken))
    assert code == 1
    assert "Error: cannot use the insights database" in out
    assert "file is not a database" in out
    assert "Traceback" not in out
