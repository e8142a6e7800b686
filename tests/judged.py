"""Judged queries and the metrics to score a search against them.

The matching rule is the one of the relevance harness the project is compared with
(``../shared/eval``): a hit matches a judged passage when it names the same source and
their overlap covers at least half of the passage and at least a quarter of the hit
(a hit must pinpoint the answer). Each judged passage is credited once, to the first
hit that matches it; nDCG@10 uses the grade as gain and a log2(rank + 1) discount.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

QUERIES = Path(__file__).resolve().parent / "data" / "relevance_queries.jsonl"
BUNDLED_KB = Path(__file__).resolve().parent.parent / "kb"
K = 10


@dataclass(frozen=True, slots=True)
class Judged:
    """A passage of a source that answers a query, with its grade (1 to 3)."""

    source: str
    start: int
    end: int
    grade: int


@dataclass(frozen=True, slots=True)
class JudgedQuery:
    """A query and every passage that answers it (none for an unanswerable query)."""

    id: str
    query: str
    relevant: tuple[Judged, ...]


def load_queries(kb_dir: Path, path: Path = QUERIES) -> list[JudgedQuery]:
    """Read judged queries, locating each quoted passage in its source document."""
    texts: dict[str, str] = {}
    queries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        relevant = []
        for item in row["relevant"]:
            source = item["source"]
            text = texts.setdefault(source, (kb_dir / source).read_text(encoding="utf-8"))
            start = text.index(item["quote"])
            relevant.append(Judged(source, start, start + len(item["quote"]), item["grade"]))
        queries.append(JudgedQuery(row["id"], row["query"], tuple(relevant)))
    return queries


def ndcg_at_k(hits: Sequence[tuple[str, int, int]], relevant: Sequence[Judged]) -> float:
    """nDCG@10 of ``hits`` (source, start, end) against the judged passages."""
    credited: set[int] = set()
    dcg = 0.0
    for rank, (source, start, end) in enumerate(hits[:K], 1):
        gain = 0
        for index, item in enumerate(relevant):
            if index not in credited and _matches(source, start, end, item):
                credited.add(index)
                gain = max(gain, item.grade)
        dcg += gain / math.log2(rank + 1)
    ideal = sorted((item.grade for item in relevant), reverse=True)[:K]
    best = sum(grade / math.log2(rank + 1) for rank, grade in enumerate(ideal, 1))
    return dcg / best if best else 0.0


def mean_ndcg(queries: Iterable[JudgedQuery],
              search: Callable[[str], Sequence[tuple[str, int, int]]]) -> float:
    """Mean nDCG@10 over the answerable queries."""
    scores = [ndcg_at_k(search(q.query), q.relevant) for q in queries if q.relevant]
    return sum(scores) / len(scores)


def _matches(source: str, start: int, end: int, item: Judged) -> bool:
    if source != item.source:
        return False
    overlap = min(end, item.end) - max(start, item.start)
    return overlap >= 0.5 * (item.end - item.start) and overlap >= 0.25 * (end - start)
