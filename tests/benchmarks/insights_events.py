"""For ``load.py --insights``: which requests should write an insights event, and how many
the server's database holds.

A search writes one when it is a ``GET`` of a first page with a query, and opening a
passage (``/sources/NAME?entry=ID``) writes one. :func:`check_written` waits for the
writer threads of the served processes to catch up (until nothing changes for a few
seconds), then compares what the database holds with what the clients (attackers
included) were answered: a missing event and an extra one are both errors.
"""

from __future__ import annotations

import sqlite3
import time
from collections import Counter
from contextlib import closing
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

DATABASE = "insights.sqlite3"
SETTLE_SECONDS = 30.0  # the longest wait for the writers to catch up
QUIET_SECONDS = 3.0  # no change for this long: they have


def expected_event(kind: str, target: str) -> str | None:
    """The table an answered request adds an event to, if any."""
    if kind == "source":
        return "opens"
    if kind in ("search", "search.json"):
        params = parse_qs(urlsplit(target).query)
        if params.get("q", [""])[0].strip() and params.get("page", ["1"])[0] == "1":
            return "searches"
    return None


def written(index_dir: Path) -> Counter[str]:
    """The events the database beside ``index_dir`` holds, per table."""
    path = index_dir / DATABASE
    if not path.is_file():
        return Counter()
    with closing(sqlite3.connect(path, timeout=10)) as connection:
        return Counter({table: connection.execute(
            f"SELECT COALESCE(SUM(count), 0) FROM {table}").fetchone()[0]
            for table in ("searches", "opens")})


def check_written(index_dir: Path, before: Counter[str], expected: Counter[str]) -> int:
    """Print what was written against what was expected (once the writers have been
    quiet for QUIET_SECONDS); 1 if an event is missing or one more was written."""
    deadline = time.monotonic() + SETTLE_SECONDS
    last, since = Counter[str](), time.monotonic()
    while time.monotonic() < deadline:
        now = written(index_dir)
        now.subtract(before)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= QUIET_SECONDS:
            break
        time.sleep(0.2)
    missing = sum(max(0, count - last[table]) for table, count in expected.items())
    extra = sum(max(0, last[table] - count) for table, count in expected.items())
    print(f"  insights written: {last['searches']:,} of {expected['searches']:,} searches, "
          f"{last['opens']:,} of {expected['opens']:,} opened passages"
          + (f", MISSING {missing:,}" if missing else "")
          + (f", {extra:,} MORE than answered" if extra else "")
          + ("" if missing or extra else ", exactly as answered"))
    return 1 if missing or extra else 0
