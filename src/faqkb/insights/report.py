"""The insights report: what people searched for, what they opened, and what did not help.

:func:`build_report` reads a period of the :class:`~faqkb.insights.store.InsightsStore` into
a :class:`Report`:

- the searches of each day of the period (:class:`DailySearches`);
- the searches that had no close match, the list of what to write next, and the top
  searches, both grouped by their normalised words (:func:`normalise`: the same words in
  any order or form are one :class:`SearchGroup`, shown by the way of asking it seen most;
  a corrected search counts for the words it was corrected to);
- the answers most opened and the answers with the most "No" votes (:class:`AnswerStats`,
  with their comments, :class:`Comment`);
- the searches that were corrected (:class:`CorrectedSearch`).

Days are UTC days. ``Report.to_dict()`` is the JSON of ``faqkb insights --json`` and
``/insights.json``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from faqkb.index.analysis import is_stop_word, surface_words
from faqkb.insights.events import HOURS_PER_DAY, SECONDS_PER_HOUR, current_hour
from faqkb.insights.store import InsightsStore, OpenCount, SearchCount, VoteCount
from faqkb.models import Entry
from faqkb.search.query import clean_query, parse_query

DEFAULT_DAYS = 30
DEFAULT_LIMIT = 10
MAX_DAYS = 3660
COMMENTS_SHOWN = 5
EntryLookup = Callable[[str], Entry | None]


def normalise(query: str) -> str:
    """The words that say what ``query`` asks, each once, in alphabetical order: its index
    terms (stemmed, stop and question words out, filters such as ``kind:qa`` left out), or
    its lower-cased words when it has no index terms."""
    parsed = parse_query(query)
    terms = sorted({term for word, term in surface_words(parsed.text)
                    if term is not None and not is_stop_word(word)})
    return " ".join(terms) if terms else clean_query(query).lower()


@dataclass(frozen=True, slots=True)
class DailySearches:
    """The searches of one day, and how many had no close match."""

    day: date
    searches: int
    no_close_match: int


@dataclass(frozen=True, slots=True)
class SearchGroup:
    """Searches with the same normalised words: how often, in how many ways, and with what
    outcome."""

    words: str  # the normalised words (see normalise())
    example: str  # the way of asking seen most often (a typo as what it was corrected to)
    count: int
    variants: int  # the different ways of asking it
    no_close_match: int  # of ``count``, the searches that had no close match
    opened: int  # answers opened from these searches
    last_day: date


@dataclass(frozen=True, slots=True)
class CorrectedSearch:
    """A query that was searched as a corrected one, and how often."""

    query: str
    corrected: str
    count: int


@dataclass(frozen=True, slots=True)
class Comment:
    """A comment left with a vote."""

    helpful: bool
    text: str
    day: date


@dataclass(frozen=True, slots=True)
class AnswerStats:
    """What people did with one entry: opened it, said it answered them or not."""

    entry_id: str
    entry: Entry | None  # None when it is no longer in the knowledge base (or not looked up)
    opened: int
    yes: int
    no: int
    comments: tuple[Comment, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The row as a JSON-ready dictionary."""
        entry = self.entry
        return {"id": self.entry_id, "kind": entry.kind if entry else None,
                "question": entry.question if entry else None,
                "title": entry.title if entry else None,
                "source": entry.source if entry else None,
                "opened": self.opened, "yes": self.yes, "no": self.no,
                "comments": [{"helpful": c.helpful, "text": c.text, "day": c.day.isoformat()}
                             for c in self.comments]}


@dataclass(frozen=True, slots=True)
class Report:
    """The insights of the days from ``first_day`` to ``last_day`` (UTC), both included."""

    first_day: date
    last_day: date
    searches: int
    no_close_match: int
    corrected: int
    opened: int
    yes: int
    no: int
    daily: tuple[DailySearches, ...]
    unanswered: tuple[SearchGroup, ...]  # searches with no close match, most frequent first
    top_searches: tuple[SearchGroup, ...]
    most_opened: tuple[AnswerStats, ...]
    most_no: tuple[AnswerStats, ...]
    corrected_searches: tuple[CorrectedSearch, ...]

    @property
    def days(self) -> int:
        """How many days the report covers."""
        return (self.last_day - self.first_day).days + 1

    @property
    def empty(self) -> bool:
        """True when nothing at all was recorded in the period."""
        return not (self.searches or self.opened or self.yes or self.no)

    def to_dict(self) -> dict[str, Any]:
        """The report as a JSON-ready dictionary."""
        return {
            "first_day": self.first_day.isoformat(), "last_day": self.last_day.isoformat(),
            "days": self.days,
            "totals": {"searches": self.searches, "no_close_match": self.no_close_match,
                       "corrected": self.corrected, "opened": self.opened,
                       "yes": self.yes, "no": self.no},
            "daily": [{"day": d.day.isoformat(), "searches": d.searches,
                       "no_close_match": d.no_close_match} for d in self.daily],
            "unanswered": [_group_dict(g) for g in self.unanswered],
            "top_searches": [_group_dict(g) for g in self.top_searches],
            "most_opened": [a.to_dict() for a in self.most_opened],
            "most_no": [a.to_dict() for a in self.most_no],
            "corrected_searches": [{"query": c.query, "corrected": c.corrected,
                                    "count": c.count} for c in self.corrected_searches],
        }


def build_report(store: InsightsStore, *, days: int = DEFAULT_DAYS, limit: int = DEFAULT_LIMIT,
                 now_hour: int | None = None, lookup: EntryLookup | None = None) -> Report:
    """The report of the last ``days`` days (1 to 3660, today included), ``limit`` rows a
    table (1 to 1000). ``lookup`` finds the entry of an id, to name the answers.

    Raises :class:`ValueError` for a bad ``days`` or ``limit`` and
    :class:`~faqkb.errors.InsightsError` when the database cannot be read.
    """
    _check(days, "days", MAX_DAYS)
    _check(limit, "limit", 1000)
    today = (current_hour() if now_hour is None else now_hour) // HOURS_PER_DAY
    start = (today - days + 1) * HOURS_PER_DAY
    end = (today + 1) * HOURS_PER_DAY
    searches = store.searches(start, end)
    opens = store.opens(start, end)
    votes = store.votes(start, end)
    per_day = {d.day: d for d in store.days(start, end)}
    daily = tuple(DailySearches(_date(day), per_day[day].searches if day in per_day else 0,
                                per_day[day].no_close_match if day in per_day else 0)
                  for day in range(today - days + 1, today + 1))

    corrections = {row.query: row.corrected for row in searches if row.corrected}
    opened_from: Counter[str] = Counter()
    for row in opens:
        if row.query:
            opened_from[normalise(corrections.get(row.query, row.query))] += row.count
    unanswered = sorted(_groups([r for r in searches if not r.close_match], opened_from),
                        key=lambda g: (-g.count, g.words))
    top = sorted(_groups(searches, opened_from), key=lambda g: (-g.count, g.words))

    answers = _answers(opens, votes, lookup)
    most_opened = sorted((a for a in answers if a.opened), key=lambda a: (-a.opened, a.entry_id))
    most_no = sorted((a for a in answers if a.no), key=lambda a: (-a.no, a.yes, a.entry_id))
    return Report(
        first_day=_date(today - days + 1), last_day=_date(today),
        searches=sum(r.count for r in searches),
        no_close_match=sum(r.count for r in searches if not r.close_match),
        corrected=sum(r.count for r in searches if r.corrected),
        opened=sum(r.count for r in opens),
        yes=sum(v.count for v in votes if v.helpful),
        no=sum(v.count for v in votes if not v.helpful),
        daily=daily, unanswered=tuple(unanswered[:limit]), top_searches=tuple(top[:limit]),
        most_opened=tuple(most_opened[:limit]), most_no=tuple(most_no[:limit]),
        corrected_searches=tuple(_corrected(searches)[:limit]),
    )


def _groups(searches: list[SearchCount], opened_from: Counter[str]) -> list[SearchGroup]:
    by_words: dict[str, list[SearchCount]] = defaultdict(list)
    for row in searches:  # a corrected search asked for what it was corrected to
        by_words[normalise(row.corrected or row.query)].append(row)
    groups = []
    for words, rows in by_words.items():
        searched_as: Counter[str] = Counter()  # typos as what they were corrected to
        for row in rows:
            searched_as[row.corrected or row.query] += row.count
        groups.append(SearchGroup(
            words=words, example=_most_common(searched_as), count=sum(searched_as.values()),
            variants=len({row.query for row in rows}),
            no_close_match=sum(row.count for row in rows if not row.close_match),
            opened=opened_from[words],
            last_day=_date(max(row.last_hour for row in rows) // HOURS_PER_DAY)))
    return groups


def _most_common(counts: Counter[str]) -> str:
    """The most frequent way of asking; of equals, the shortest, then the first in order."""
    return min(counts, key=lambda text: (-counts[text], len(text), text))


def _corrected(searches: list[SearchCount]) -> list[CorrectedSearch]:
    counts: Counter[tuple[str, str]] = Counter()
    for row in searches:
        if row.corrected:
            counts[(row.query, row.corrected)] += row.count
    return [CorrectedSearch(query, corrected, count) for (query, corrected), count
            in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def _answers(opens: list[OpenCount], votes: list[VoteCount],
             lookup: EntryLookup | None) -> list[AnswerStats]:
    opened: Counter[str] = Counter()
    for row in opens:
        opened[row.entry_id] += row.count
    yes: Counter[str] = Counter()
    no: Counter[str] = Counter()
    comments: dict[str, list[tuple[int, Comment]]] = defaultdict(list)
    for vote in votes:
        (yes if vote.helpful else no)[vote.entry_id] += vote.count
        if vote.comment:
            comments[vote.entry_id].append(
                (vote.last_hour, Comment(vote.helpful, vote.comment,
                                         _date(vote.last_hour // HOURS_PER_DAY))))
    answers = []
    for entry_id in sorted(set(opened) | set(yes) | set(no)):
        latest = sorted(comments.get(entry_id, []), key=lambda item: (-item[0], item[1].text))
        answers.append(AnswerStats(
            entry_id=entry_id, entry=_look_up(lookup, entry_id), opened=opened[entry_id],
            yes=yes[entry_id], no=no[entry_id],
            comments=tuple(comment for _, comment in latest[:COMMENTS_SHOWN])))
    return answers


def _look_up(lookup: EntryLookup | None, entry_id: str) -> Entry | None:
    return lookup(entry_id) if lookup is not None else None


def _group_dict(group: SearchGroup) -> dict[str, Any]:
    return {"words": group.words, "example": group.example, "count": group.count,
            "variants": group.variants, "no_close_match": group.no_close_match,
            "opened": group.opened, "last_day": group.last_day.isoformat()}


def _date(day: int) -> date:
    return datetime.fromtimestamp(day * HOURS_PER_DAY * SECONDS_PER_HOUR, UTC).date()


def _check(value: int, name: str, highest: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= highest:
        raise ValueError(f"{name} must be a whole number from 1 to {highest}, not {value!r}")
