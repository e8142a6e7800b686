"""Insights: what people ask a knowledge base, what they open, and whether it helped.

Opt-in, local and private: events go to a SQLite file beside the index (no service), hold
the hour they happened in and never who caused them (no address, cookie or id), are added up
per hour, and are forgotten after a retention period or on request. No Flask here; the web
app records through :mod:`faqkb.web.insights`.

- :mod:`.events`: the records of a search, an answer opened and a vote.
- :mod:`.store`: the database (WAL, short transactions, retries while busy), retention.
- :mod:`.recorder`: writing from a thread of its own, so that a search never waits.
- :mod:`.votes`: signed vote forms and reading a vote.
- :mod:`.report`: the report of a period, its searches grouped by normalised words.
- :mod:`.settings`: the ``[insights]`` table of ``kb/faqkb.toml``.
- :mod:`.text`: the report as text for a terminal.
"""

from faqkb.insights.events import OpenEvent, SearchEvent, Vote
from faqkb.insights.recorder import EventRecorder
from faqkb.insights.report import Report, build_report, normalise
from faqkb.insights.store import (
    DEFAULT_RETENTION_DAYS,
    InsightsStore,
    default_database,
)

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "EventRecorder",
    "InsightsStore",
    "OpenEvent",
    "Report",
    "SearchEvent",
    "Vote",
    "build_report",
    "default_database",
    "normalise",
]
