"""Damage to an index's files that keeps their sizes: found by the checksums recorded at
build time, whichever file it hits, and repaired by a rebuild."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from faqkb import KnowledgeBase
from faqkb import kb as faqkb_kb
from faqkb.index import storage

# One file of each kind a generation holds: Whoosh's tables of contents, term index,
# postings and columns (stored fields, field lengths, filters), the spelling vocabulary
# and term counts, the manifest.
KINDS = [r"_MAIN_1\.toc", r"_MAIN_0\.toc", r"\.trm$", r"\.pst$", r"_stored\.col$",
         r"_body_len\.col$", r"\.kind\.col$", r"\.source\.col$", r"^words\.tsv$",
         r"^terms\.tsv$", r"^manifest\.json$"]


def current(kb: KnowledgeBase) -> Path:
    generation = storage.current_generation(kb.index_dir)
    assert generation is not None
    return generation


def overwrite_with_random_bytes(generation: Path, pattern: str) -> Path:
    target = next(p for p in sorted(generation.iterdir()) if re.search(pattern, p.name))
    size = target.stat().st_size
    target.write_bytes(random.Random(size).randbytes(size))
    return target


def results(kb: KnowledgeBase) -> list[tuple[str, ...]]:
    return [(h.id, h.snippet) for query in ("session", "towel", "hamstrings stretch")
            for h in kb.search(query)]


def test_one_file_of_each_kind_is_damaged_in_turn(kb: KnowledgeBase) -> None:
    kb.build()
    names = [p.name for p in current(kb).iterdir()]
    assert all(any(re.search(kind, name) for name in names) for kind in KINDS)


@pytest.mark.parametrize("kind", KINDS)
def test_same_size_damage_is_detected_on_opening_and_rebuilt(kb: KnowledgeBase,
                                                             kind: str) -> None:
    before = results(kb)
    kb.close()
    damaged = current(kb)
    overwrite_with_random_bytes(damaged, kind)
    reopened = KnowledgeBase(kb.kb_dir, kb.index_dir)
    assert results(reopened) == before
    assert current(reopened) != damaged


@pytest.mark.parametrize("kind", KINDS)
def test_build_does_not_call_a_damaged_index_up_to_date(kb: KnowledgeBase, kind: str) -> None:
    kb.build()
    damaged = current(kb)
    overwrite_with_random_bytes(damaged, kind)
    report = KnowledgeBase(kb.kb_dir, kb.index_dir).build()
    assert report.mode == "full" and current(kb) != damaged


def failing_once(monkeypatch: pytest.MonkeyPatch, error: Exception) -> None:
    """The next search fails with ``error``, as Whoosh does reading damaged bytes."""
    real = faqkb_kb.run_search
    failures = iter([error])

    def run_search(*args: object, **kwargs: object) -> object:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(faqkb_kb, "run_search", run_search)


def test_any_failure_of_a_search_over_damaged_files_rebuilds_them(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    before = results(kb)
    damaged = current(kb)
    overwrite_with_random_bytes(damaged, r"\.pst$")  # after the index was opened
    failing_once(monkeypatch, UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte"))
    assert kb.search("Session")[0].id == before[0][0]  # not "session": that one is remembered
    assert current(kb) != damaged


def test_a_failure_over_sound_files_is_raised_not_taken_for_damage(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    kb.build()
    sound = current(kb)
    failing_once(monkeypatch, IndexError("a bug"))
    with pytest.raises(IndexError, match="a bug"):
        kb.search("session")
    assert current(kb) == sound
