"""What insights record: a search, an answer opened, a vote. No person is in any of them.

Each event carries the hour it happened in (hours since the Unix epoch, UTC), never a finer
time, and nothing about who caused it: no address, cookie, user agent or id. The store adds
identical events of one hour up into a row with a count, so the order in which someone
searched and read cannot be pieced together from the database either.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from faqkb.models import SearchResults
from faqkb.search.query import MAX_QUERY_CHARS, clean_query

SECONDS_PER_HOUR = 3600
HOURS_PER_DAY = 24
MAX_COMMENT_CHARS = 500
MAX_ID_CHARS = 200


def current_hour() -> int:
    """The hour now, in hours since the Unix epoch (UTC)."""
    return int(time.time() // SECONDS_PER_HOUR)


def storable(text: str, limit: int) -> str:
    """``text`` cleaned for storage: no control characters or lone surrogates, squeezed,
    at most ``limit`` characters."""
    cleaned = clean_query(text)[:limit]
    return cleaned.encode("utf-8", "replace").decode("utf-8")


@dataclass(frozen=True, slots=True)
class SearchEvent:
    """One search: what was typed, how many entries matched, whether one matched well, and
    the query the results are for when the typed one was corrected ("" otherwise)."""

    query: str
    hits: int
    close_match: bool
    corrected: str = ""
    hour: int = field(default_factory=current_hour)

    def __post_init__(self) -> None:
        object.__setattr__(self, "query", storable(self.query, MAX_QUERY_CHARS))
        object.__setattr__(self, "corrected", storable(self.corrected, MAX_QUERY_CHARS))

    @classmethod
    def of(cls, query: str, results: SearchResults) -> SearchEvent:
        """The event of a search for ``query`` that found ``results`` (a search that found
        nothing had no close match)."""
        corrected = results.suggestion if results.corrected and results.suggestion else ""
        return cls(query=query, hits=max(0, results.total),
                   close_match=results.total > 0 and not results.no_close_match,
                   corrected=corrected)


@dataclass(frozen=True, slots=True)
class OpenEvent:
    """An answer (or claim) opened in its source, and the search it was opened from ("" when
    it was opened some other way)."""

    entry_id: str
    query: str = ""
    hour: int = field(default_factory=current_hour)

    def __post_init__(self) -> None:
        object.__setattr__(self, "entry_id", storable(self.entry_id, MAX_ID_CHARS))
        object.__setattr__(self, "query", storable(self.query, MAX_QUERY_CHARS))


@dataclass(frozen=True, slots=True)
class Vote:
    """An answer to "Did this answer your question?" about an entry, as shown by the index
    generation ``generation``, with an optional short comment."""

    entry_id: str
    generation: str
    helpful: bool
    comment: str = ""
    hour: int = field(default_factory=current_hour)

    def __post_init__(self) -> None:
        object.__setattr__(self, "entry_id", storable(self.entry_id, MAX_ID_CHARS))
        object.__setattr__(self, "generation", storable(self.generation, MAX_ID_CHARS))
        object.__setattr__(self, "comment", storable(self.comment, MAX_COMMENT_CHARS))
