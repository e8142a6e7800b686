"""The search core over postings arrays: filters cost what the page costs, totals are exact
or say they are estimates, and paging never runs past what exists."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from faqkb import KnowledgeBase
from faqkb.search import retrieval

DOCUMENTS = 300


@pytest.fixture(scope="module")
def many(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    root = tmp_path_factory.mktemp("many")
    folder = root / "kb"
    folder.mkdir()
    for number in range(DOCUMENTS):
        (folder / f"d{number:03d}.txt").write_text(
            f"Notes on topic {number}\n\nThe parcel service delivers item {number} "
            f"within a week of the order.\n", encoding="utf-8")
    kb = KnowledgeBase(kb_dir=folder, index_dir=root / "index")
    kb.build()
    yield kb
    kb.close()


def count_reads(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    reads: list[int] = []
    original = retrieval._entry

    def counting(searcher: Any, docnum: int) -> Any:
        reads.append(docnum)
        return original(searcher, docnum)

    monkeypatch.setattr(retrieval, "_entry", counting)
    return reads


def test_a_source_prefix_matching_every_document_reads_only_the_page(
        many: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = count_reads(monkeypatch)
    results = many.search("parcel delivers", limit=10, source="d")
    assert len(results) == 10 and not results.partial
    assert len(reads) <= 10 + sum(len(h.also_in) for h in results)


def test_a_source_prefix_matching_nothing_finds_nothing_without_reading(
        many: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    reads = count_reads(monkeypatch)
    assert not many.search("parcel", source="zzz")
    assert reads == []


def test_the_total_counts_every_hit_and_the_counts_add_up_to_it(
        many: KnowledgeBase) -> None:
    results = many.search("parcel")
    assert results.total == sum(results.kind_counts.values())
    assert results.total == sum(results.source_counts.values())
    assert len(results.source_counts) == DOCUMENTS


def test_an_estimated_total_says_so(many: KnowledgeBase,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retrieval, "EXACT_MATCHES", 50)
    results = many.search("parcel service", limit=10)
    assert results.total_exact is False
    assert results.total >= len(results)
    assert sum(results.kind_counts.values()) == results.total


def test_the_last_page_holds_what_is_left_and_the_next_one_nothing(
        many: KnowledgeBase) -> None:
    total = many.search("parcel").total
    last = many.search("parcel", limit=7, offset=(total - 1) // 7 * 7)
    assert 1 <= len(last) <= 7
    assert not many.search("parcel", limit=7, offset=total)


def test_pages_past_the_collapsed_best_candidates_are_still_found(
        many: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retrieval, "EXACT_MATCHES", 20)
    monkeypatch.setattr(retrieval, "MIN_CANDIDATES", 10)
    deep = many.search("parcel service", limit=10, offset=200)
    everything = many.search("parcel service", limit=1000)
    assert [h.id for h in deep] == [h.id for h in everything][200:210]


def test_a_written_index_has_postings_beside_each_segment(many: KnowledgeBase) -> None:
    generation = Path(many.index_dir) / many.version
    assert list(generation.glob("*.postings"))


def test_kind_totals_say_what_a_search_of_each_kind_finds(seeds: KnowledgeBase) -> None:
    results = seeds.search("running posture")
    for kind in ("qa", "claim"):
        assert results.kind_totals[kind] == seeds.search("running posture", kind=kind).total


def test_the_best_matching_questions_come_when_asked_for(seeds: KnowledgeBase) -> None:
    results = seeds.search("strengthen lower back", questions=3)
    pairs = seeds.search("strengthen lower back", kind="qa", limit=3)
    assert [e.id for e in results.questions] == [h.id for h in pairs]
    assert seeds.search("strengthen lower back").questions == ()
