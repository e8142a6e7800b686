"""The insights database and its writer: events counted per hour, many writers at once,
retention, forgetting, and a database that is locked or cannot be written costing a
search nothing (the writer drops what it cannot write, with one log line)."""

from __future__ import annotations

import logging
import multiprocessing
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from faqkb import InsightsError
from faqkb.insights import EventRecorder, InsightsStore, OpenEvent, SearchEvent, Vote
from faqkb.insights.events import HOURS_PER_DAY, current_hour

HOUR = 500_000  # some hour since the epoch (in 2027)
WRITERS, EVENTS_EACH = 4, 300


@pytest.fixture
def store(tmp_path: Path) -> InsightsStore:
    return InsightsStore(tmp_path / "index" / "insights.sqlite3", busy_seconds=2.0)


@pytest.fixture
def recorder(store: InsightsStore) -> Iterator[EventRecorder]:
    writer = EventRecorder(store)
    yield writer
    writer.close()


@pytest.fixture
def held_lock(store: InsightsStore) -> Iterator[sqlite3.Connection]:
    """Another process's write transaction, holding the database's write lock."""
    store.add([SearchEvent("warm-up", 1, True, hour=HOUR)])
    other = sqlite3.connect(store.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    yield other
    if other.in_transaction:
        other.execute("ROLLBACK")
    other.close()


def searched(store: InsightsStore) -> int:
    return sum(row.count for row in store.searches(0, 10 * HOUR))


def test_identical_events_of_an_hour_are_one_row_with_a_count(store: InsightsStore) -> None:
    store.add([SearchEvent("refund", 3, True, hour=HOUR)] * 3
              + [SearchEvent("refund", 3, True, hour=HOUR + 1)])
    with sqlite3.connect(store.path) as connection:
        rows = connection.execute("SELECT hour, query, count FROM searches ORDER BY hour")
        assert rows.fetchall() == [(HOUR, "refund", 3), (HOUR + 1, "refund", 1)]
    connection.close()


def test_events_keep_the_hour_and_nothing_finer(store: InsightsStore) -> None:
    event = SearchEvent("refund", 3, True)
    assert event.hour == current_hour()
    store.add([event, OpenEvent("e1"), Vote("e1", "gen-1", True)])
    with sqlite3.connect(store.path) as connection:
        columns = {table: [row[1] for row in connection.execute(f"PRAGMA table_info({table})")]
                   for table in ("searches", "opens", "votes")}
    connection.close()
    assert columns == {
        "searches": ["hour", "query", "hits", "close_match", "corrected", "count"],
        "opens": ["hour", "entry", "query", "count"],
        "votes": ["hour", "entry", "generation", "helpful", "comment", "count"],
    }


def test_text_that_sqlite_cannot_store_is_cleaned_not_refused(store: InsightsStore) -> None:
    store.add([SearchEvent("caf\udce9\x00 \n menu", 0, False, hour=HOUR)])
    assert [row.query for row in store.searches(0, 10 * HOUR)] == ["caf menu"]


def _write_events(path: str, writer: int) -> None:
    recorder = EventRecorder(InsightsStore(path, busy_seconds=30.0), max_batch=7)
    for number in range(EVENTS_EACH):
        recorder.record(SearchEvent(f"query {writer} {number % 50}", 1, True, hour=HOUR))
    assert recorder.flush(timeout=60)
    recorder.close()
    assert (recorder.written, recorder.dropped) == (EVENTS_EACH, 0)


def test_many_processes_writing_at_once_lose_no_event(store: InsightsStore) -> None:
    store.add([])
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_write_events, args=(str(store.path), n))
               for n in range(WRITERS)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    assert [worker.exitcode for worker in workers] == [0] * WRITERS
    assert searched(store) == WRITERS * EVENTS_EACH


def test_the_database_is_in_wal_mode(store: InsightsStore) -> None:
    store.add([SearchEvent("refund", 3, True, hour=HOUR)])
    with sqlite3.connect(store.path) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    connection.close()


def test_a_write_waits_for_a_busy_database_and_then_succeeds(
        store: InsightsStore, held_lock: sqlite3.Connection) -> None:
    done = threading.Event()

    def write() -> None:
        store.add([SearchEvent("refund", 3, True, hour=HOUR)])
        done.set()

    writer = threading.Thread(target=write)
    writer.start()
    assert not done.wait(0.2)  # still trying while the other transaction holds the lock
    held_lock.execute("COMMIT")
    writer.join()
    assert searched(store) == 2


def test_a_write_gives_up_on_a_database_busy_for_too_long(
        store: InsightsStore, held_lock: sqlite3.Connection) -> None:
    store.busy_seconds = 0.05
    with pytest.raises(InsightsError, match="locked"):
        store.add([SearchEvent("refund", 3, True, hour=HOUR)])


def test_recording_returns_at_once_while_the_database_is_locked(
        store: InsightsStore, recorder: EventRecorder, held_lock: sqlite3.Connection) -> None:
    recorder.record(SearchEvent("refund", 3, True, hour=HOUR))
    assert not recorder.flush(timeout=0.1)  # the writer is still waiting for the lock
    held_lock.execute("COMMIT")
    assert recorder.flush(timeout=10)
    assert (recorder.written, recorder.dropped) == (1, 0)


def test_events_that_cannot_be_written_are_dropped_with_one_log_line(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    recorder = EventRecorder(InsightsStore(tmp_path / "a-file" / "insights.sqlite3"))
    with caplog.at_level(logging.WARNING, logger="faqkb.insights"):
        for number in range(3):
            recorder.record(SearchEvent(f"refund {number}", 3, True))
            assert recorder.flush(timeout=10)
    recorder.close()
    assert recorder.dropped == 3
    assert len(caplog.records) == 1
    assert "dropped 1 event(s)" in caplog.records[0].getMessage()


def test_a_file_that_is_not_a_database_drops_events_and_raises_nothing(
        tmp_path: Path) -> None:
    path = tmp_path / "insights.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    recorder = EventRecorder(InsightsStore(path))
    recorder.record(SearchEvent("refund", 3, True))
    assert recorder.flush(timeout=10)
    recorder.close()
    assert (recorder.written, recorder.dropped) == (0, 1)


def test_events_beyond_a_full_queue_are_dropped_not_waited_for(
        store: InsightsStore, held_lock: sqlite3.Connection) -> None:
    recorder = EventRecorder(store, max_pending=5)
    for number in range(50):
        recorder.record(SearchEvent(f"refund {number}", 3, True, hour=HOUR))
    assert recorder.dropped >= 40
    held_lock.execute("COMMIT")
    assert recorder.flush(timeout=10)
    recorder.close()
    assert recorder.written + recorder.dropped == 50


def test_events_older_than_the_retention_are_forgotten(store: InsightsStore) -> None:
    store.set_retention(7)
    now = HOUR
    store.add([SearchEvent("old", 1, True, hour=now - 7 * HOURS_PER_DAY),
               SearchEvent("recent", 1, True, hour=now - 7 * HOURS_PER_DAY + 1),
               Vote("e1", "gen-1", False, "old vote", hour=now - 30 * HOURS_PER_DAY)])
    assert store.prune(now) == 2
    assert [row.query for row in store.searches(0, 10 * HOUR)] == ["recent"]
    assert store.votes(0, 10 * HOUR) == []


def test_the_retention_is_kept_in_the_database_for_every_process(
        store: InsightsStore) -> None:
    store.set_retention(14)
    assert InsightsStore(store.path).retention() == 14


@pytest.mark.parametrize("days", [0, -1, 3661, True])
def test_a_retention_out_of_range_is_refused(store: InsightsStore, days: int) -> None:
    with pytest.raises(ValueError, match="retention"):
        store.set_retention(days)


def test_forgetting_counts_what_went_and_leaves_no_trace_of_it(store: InsightsStore) -> None:
    store.add([SearchEvent("unmistakable-query-words", 0, False, hour=HOUR)] * 2
              + [OpenEvent("e1", hour=HOUR), Vote("e1", "gen-1", False, "a-private-remark",
                                                  hour=HOUR)])
    assert store.forget() == {"searches": 2, "opens": 1, "votes": 1}
    assert searched(store) == 0
    files = [p for p in store.path.parent.iterdir() if p.name.startswith(store.path.name)]
    contents = b"".join(p.read_bytes() for p in files)
    assert b"unmistakable-query-words" not in contents
    assert b"a-private-remark" not in contents


def test_reading_a_database_that_is_not_there_creates_nothing(store: InsightsStore) -> None:
    assert store.searches(0, HOUR) == []
    assert store.forget() == {"searches": 0, "opens": 0, "votes": 0}
    assert not store.path.parent.exists()


def test_every_process_of_a_database_shares_its_secret(store: InsightsStore) -> None:
    assert store.secret() == InsightsStore(store.path).secret()
    assert len(store.secret()) == 32
