"""The insights database: one SQLite file beside the index, shared by every serving process.

- :class:`InsightsStore` creates the file, adds events up per hour (:meth:`~InsightsStore.add`),
  keeps them for the retention period (:meth:`~InsightsStore.prune`), forgets them on request
  (:meth:`~InsightsStore.forget`) and reads them back for the report.
- The rows it reads back: :class:`SearchCount`, :class:`OpenCount`, :class:`VoteCount` and
  :class:`DayCount`.

Many processes may write at once. The database is in WAL mode (readers never wait for the
writer), each write is one short ``BEGIN IMMEDIATE`` transaction, and a busy database is
tried again, with growing pauses, for up to ``busy_seconds`` before the write gives up with
:class:`~faqkb.errors.InsightsError`. Deleted rows are overwritten (``secure_delete``), so
what was forgotten is not left in the file. Standard library only.
"""

from __future__ import annotations

import secrets
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Iterable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.request import pathname2url

from faqkb.errors import InsightsError
from faqkb.insights.events import HOURS_PER_DAY, OpenEvent, SearchEvent, Vote, current_hour

DATABASE_NAME = "insights.sqlite3"
DEFAULT_RETENTION_DAYS = 90
MAX_RETENTION_DAYS = 3660
SCHEMA_VERSION = "1"
_T = TypeVar("_T")
_PAUSE, _MAX_PAUSE = 0.01, 0.25  # seconds between tries of a busy database
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS searches (
    hour INTEGER NOT NULL, query TEXT NOT NULL, hits INTEGER NOT NULL,
    close_match INTEGER NOT NULL, corrected TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (hour, query, hits, close_match, corrected)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS opens (
    hour INTEGER NOT NULL, entry TEXT NOT NULL, query TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (hour, entry, query)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS votes (
    hour INTEGER NOT NULL, entry TEXT NOT NULL, generation TEXT NOT NULL,
    helpful INTEGER NOT NULL, comment TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (hour, entry, generation, helpful, comment)) WITHOUT ROWID;
"""
_TABLES = ("searches", "opens", "votes")
_UPSERT = {
    "searches": "INSERT INTO searches VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE "
                "SET count = count + excluded.count",
    "opens": "INSERT INTO opens VALUES (?, ?, ?, ?) ON CONFLICT DO UPDATE "
             "SET count = count + excluded.count",
    "votes": "INSERT INTO votes VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO UPDATE "
             "SET count = count + excluded.count",
}


def default_database(index_dir: Path) -> Path:
    """Where the insights of the index in ``index_dir`` are kept: beside its generations."""
    return Path(index_dir) / DATABASE_NAME


@dataclass(frozen=True, slots=True)
class SearchCount:
    """How often a query was searched in a period, with one outcome."""

    query: str
    close_match: bool
    corrected: str
    count: int
    last_hour: int


@dataclass(frozen=True, slots=True)
class OpenCount:
    """How often an entry was opened in a period from one search ("" for none)."""

    entry_id: str
    query: str
    count: int


@dataclass(frozen=True, slots=True)
class VoteCount:
    """How often an entry got one answer (and comment) in a period."""

    entry_id: str
    generation: str
    helpful: bool
    comment: str
    count: int
    last_hour: int


@dataclass(frozen=True, slots=True)
class DayCount:
    """The searches of one day (days since the Unix epoch, UTC), and how many of them had
    no close match."""

    day: int
    searches: int
    no_close_match: int


class InsightsStore:
    """The insights database at ``path`` (created, with its folder, on the first write).

    Every method opens a connection of its own and closes it, so one store may be used
    from any thread or forked process. Raises :class:`~faqkb.errors.InsightsError` when the
    database cannot be created, read or written (or stays busy for ``busy_seconds``).
    """

    def __init__(self, path: str | Path, *, busy_seconds: float = 5.0) -> None:
        self.path = Path(path)
        self.busy_seconds = busy_seconds
        self._ready = False

    def __repr__(self) -> str:
        return f"InsightsStore({str(self.path)!r})"

    def exists(self) -> bool:
        """Whether the database file is there (nothing has been recorded when it is not)."""
        return self.path.is_file()

    # -- writing --------------------------------------------------------------------

    def add(self, events: Iterable[SearchEvent | OpenEvent | Vote]) -> int:
        """Add events to the counts of their hour, in one transaction; how many were added."""
        rows: dict[str, Counter[tuple[object, ...]]] = {name: Counter() for name in _TABLES}
        added = 0
        for event in events:
            added += 1
            if isinstance(event, SearchEvent):
                rows["searches"][(event.hour, event.query, event.hits, int(event.close_match),
                                  event.corrected)] += 1
            elif isinstance(event, OpenEvent):
                rows["opens"][(event.hour, event.entry_id, event.query)] += 1
            else:
                rows["votes"][(event.hour, event.entry_id, event.generation,
                               int(event.helpful), event.comment)] += 1

        def write(connection: sqlite3.Connection) -> int:
            for table, counts in rows.items():
                if counts:
                    connection.executemany(_UPSERT[table],
                                           [(*key, count) for key, count in counts.items()])
            return added

        return self._run(write, write=True) if added else 0

    def set_retention(self, days: int) -> None:
        """Keep events for ``days`` days (1 to 3660): every process using the database, the
        report included, then forgets older ones."""
        if isinstance(days, bool) or not isinstance(days, int) \
                or not 1 <= days <= MAX_RETENTION_DAYS:
            raise ValueError(f"retention must be 1 to {MAX_RETENTION_DAYS} days, not {days!r}")
        self._run(lambda c: c.execute("INSERT OR REPLACE INTO meta VALUES ('retention_days', ?)",
                                      (str(days),)), write=True)

    def retention(self) -> int:
        """Days events are kept."""
        value = self._meta("retention_days")
        return int(value) if value and value.isdigit() else DEFAULT_RETENTION_DAYS

    def prune(self, now_hour: int | None = None) -> int:
        """Forget events older than the retention period; how many rows went."""
        if not self.exists():
            return 0
        now = current_hour() if now_hour is None else now_hour
        cutoff = now - self.retention() * HOURS_PER_DAY

        def delete(connection: sqlite3.Connection) -> int:
            return sum(connection.execute(f"DELETE FROM {table} WHERE hour <= ?",
                                          (cutoff,)).rowcount for table in _TABLES)

        return self._run(delete, write=True)

    def forget(self) -> dict[str, int]:
        """Forget every event; how many of each kind were forgotten."""
        if not self.exists():
            return dict.fromkeys(_TABLES, 0)

        def delete(connection: sqlite3.Connection) -> dict[str, int]:
            counts = {table: _total(connection, f"SELECT SUM(count) FROM {table}")
                      for table in _TABLES}
            for table in _TABLES:
                connection.execute(f"DELETE FROM {table}")
            return counts

        counts = self._run(delete, write=True)
        # Old pages stay in the write-ahead log until it is written back and emptied.
        self._run(lambda c: c.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall(), write=False)
        return counts

    def secret(self) -> bytes:
        """A random key made once per database, shared by every process that uses it (it
        signs the vote forms, so a form served by one process can be sent to another)."""
        value = self._meta("secret")
        if value is None:
            self._run(lambda c: c.execute("INSERT OR IGNORE INTO meta VALUES ('secret', ?)",
                                          (secrets.token_hex(32),)), write=True)
            value = self._meta("secret")
        if value is None:
            raise InsightsError(f"cannot keep a key in {self.path}")
        return bytes.fromhex(value)

    # -- reading --------------------------------------------------------------------

    def searches(self, start_hour: int, end_hour: int) -> list[SearchCount]:
        """Each query searched from ``start_hour`` to ``end_hour`` (excluded), by outcome."""
        rows = self._select(
            "SELECT query, close_match, corrected, SUM(count), MAX(hour) FROM searches "
            "WHERE hour >= ? AND hour < ? GROUP BY query, close_match, corrected",
            (start_hour, end_hour))
        return [SearchCount(q, bool(c), corrected, n, last) for q, c, corrected, n, last in rows]

    def days(self, start_hour: int, end_hour: int) -> list[DayCount]:
        """The searches of each day with any, from ``start_hour`` to ``end_hour`` (excluded)."""
        rows = self._select(
            f"SELECT hour / {HOURS_PER_DAY} AS day, SUM(count), "
            "SUM(CASE WHEN close_match THEN 0 ELSE count END) FROM searches "
            "WHERE hour >= ? AND hour < ? GROUP BY day ORDER BY day", (start_hour, end_hour))
        return [DayCount(day, n, missed) for day, n, missed in rows]

    def opens(self, start_hour: int, end_hour: int) -> list[OpenCount]:
        """Each entry opened from ``start_hour`` to ``end_hour`` (excluded), by search."""
        rows = self._select(
            "SELECT entry, query, SUM(count) FROM opens WHERE hour >= ? AND hour < ? "
            "GROUP BY entry, query", (start_hour, end_hour))
        return [OpenCount(entry, query, n) for entry, query, n in rows]

    def votes(self, start_hour: int, end_hour: int) -> list[VoteCount]:
        """Each answer given about an entry from ``start_hour`` to ``end_hour`` (excluded)."""
        rows = self._select(
            "SELECT entry, generation, helpful, comment, SUM(count), MAX(hour) FROM votes "
            "WHERE hour >= ? AND hour < ? GROUP BY entry, generation, helpful, comment",
            (start_hour, end_hour))
        return [VoteCount(e, g, bool(h), c, n, last) for e, g, h, c, n, last in rows]

    # -- internals ------------------------------------------------------------------

    def _meta(self, key: str) -> str | None:
        rows = self._select("SELECT value FROM meta WHERE key = ?", (key,))
        return str(rows[0][0]) if rows else None

    def _select(self, sql: str, parameters: tuple[object, ...]) -> list[tuple[Any, ...]]:
        if not self.exists():
            return []
        return self._run(lambda c: c.execute(sql, parameters).fetchall(), write=False)

    def _run(self, work: Callable[[sqlite3.Connection], _T], *, write: bool) -> _T:
        """Run ``work`` in one transaction, trying again while the database is busy."""
        deadline = time.monotonic() + self.busy_seconds
        pause = _PAUSE
        while True:
            try:
                with closing(self._connect(create=write)) as connection:
                    connection.execute("BEGIN IMMEDIATE" if write else "BEGIN")
                    try:
                        result = work(connection)
                        connection.execute("COMMIT")
                    except BaseException:
                        if connection.in_transaction:
                            connection.execute("ROLLBACK")
                        raise
                    return result
            except sqlite3.OperationalError as exc:
                if not _busy(exc) or time.monotonic() + pause > deadline:
                    raise InsightsError(f"cannot use the insights database {self.path}: "
                                        f"{exc}") from None
            except (sqlite3.Error, OSError) as exc:
                raise InsightsError(f"cannot use the insights database {self.path}: "
                                    f"{exc}") from None
            time.sleep(pause)
            pause = min(pause * 2, _MAX_PAUSE)

    def _connect(self, *, create: bool) -> sqlite3.Connection:
        if create:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        mode = "rwc" if create else "rw"
        connection = sqlite3.connect(f"file:{pathname2url(str(self.path))}?mode={mode}",
                                     uri=True, timeout=min(0.1, self.busy_seconds),
                                     isolation_level=None, check_same_thread=False)
        try:
            connection.execute("PRAGMA secure_delete = ON")
            if not self._ready:
                self._prepare(connection)
        except BaseException:
            connection.close()
            raise
        return connection

    def _prepare(self, connection: sqlite3.Connection) -> None:
        if connection.execute("PRAGMA journal_mode").fetchone()[0] != "wal":
            connection.execute("PRAGMA journal_mode = WAL")  # kept in the file from now on
        connection.executescript(_SCHEMA)
        connection.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        version = connection.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if version is None or version[0] != SCHEMA_VERSION:
            raise InsightsError(f"{self.path} was written by another version of faqkb "
                                f"(schema {version[0] if version else '?'})")
        self._ready = True


def _busy(error: sqlite3.OperationalError) -> bool:
    message = str(error).lower()
    return "locked" in message or "busy" in message


def _total(connection: sqlite3.Connection, sql: str) -> int:
    value = connection.execute(sql).fetchone()[0]
    return int(value or 0)
