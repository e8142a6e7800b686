"""The knowledge base and its index: built on demand, kept in step with kb/, never rebuilt
needlessly, and swapped in atomically."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import faqkb
from faqkb import IndexBuildError, KnowledgeBase, KnowledgeBaseError, QueryError
from faqkb.index import lock as locking
from faqkb.index import storage
from faqkb.index.opened import open_generation
from faqkb.kb import default_kb_dir


def generation(kb: KnowledgeBase) -> str:
    current = storage.current_generation(kb.index_dir)
    assert current is not None
    return current.name


def test_the_first_search_builds_the_index(kb: KnowledgeBase) -> None:
    assert not kb.is_fresh()
    assert kb.search("towel")
    assert kb.is_fresh()


def test_warming_up_opens_the_index_building_it_when_there_is_none(
        kb: KnowledgeBase, kb_dir: Path, tmp_path: Path) -> None:
    kb.warm_up()
    assert storage.current_generation(kb.index_dir) is not None
    assert kb.search("towel").hits
    nothing = KnowledgeBase(kb_dir, tmp_path / "empty-index", read_only=True)
    with pytest.raises(IndexBuildError):
        nothing.warm_up()


def test_entries_can_be_read_one_at_a_time_in_the_same_order(kb: KnowledgeBase) -> None:
    assert list(kb.iter_entries()) == kb.entries()
    assert list(kb.iter_entries(kind="qa")) == kb.entries(kind="qa")
    assert list(kb.iter_entries(kind="claim")) == kb.entries(kind="claim")
    with pytest.raises(QueryError):
        next(kb.iter_entries(kind="pairs"))


def test_build_reports_documents_pairs_and_claims(kb: KnowledgeBase) -> None:
    report = kb.build()
    assert (report.rebuilt, report.documents, report.qa_pairs) == (True, 2, 4)
    assert report.claims > 0 and report.warnings == ()


def test_an_up_to_date_index_is_not_rebuilt(kb: KnowledgeBase) -> None:
    kb.build()
    before = generation(kb)
    assert kb.build().rebuilt is False
    kb.search("towel")
    assert generation(kb) == before


def test_touching_a_file_without_changing_it_does_not_rebuild(kb: KnowledgeBase,
                                                              kb_dir: Path) -> None:
    kb.build()
    os.utime(kb_dir / "clinic-faq.txt", ns=(1, 1))
    assert kb.is_fresh()


def test_a_changed_document_is_searchable_at_once(kb: KnowledgeBase, kb_dir: Path) -> None:
    kb.search("towel")
    (kb_dir / "clinic-faq.txt").write_text(
        "Clinic FAQ\n\nCan I bring my dog?\n\nDogs are welcome in the waiting room.\n",
        encoding="utf-8")
    assert kb.search("dog")[0].question == "Can I bring my dog?"
    assert not kb.search("towel")


def test_an_added_document_is_searchable_at_once(kb: KnowledgeBase, kb_dir: Path) -> None:
    kb.search("towel")
    (kb_dir / "parking.txt").write_text(
        "Parking\n\nWhere can I park?\n\nThe clinic has free parking behind the building.\n",
        encoding="utf-8")
    assert kb.search("park")[0].source == "parking.txt"


def test_a_removed_document_leaves_the_index(kb: KnowledgeBase, kb_dir: Path) -> None:
    kb.search("towel")
    (kb_dir / "clinic-faq.txt").unlink()
    assert not kb.search("towel")


def test_a_change_of_extractor_code_makes_the_index_stale(kb: KnowledgeBase,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    kb.build()
    monkeypatch.setattr(storage, "code_fingerprint", lambda: "another-extractor")
    assert not kb.is_fresh()


def live_generations(index_dir: Path) -> list[str]:
    """The generations not yet retired: the one in service and the one before."""
    return sorted(p.name for p in index_dir.iterdir()
                  if p.name.startswith("gen-") and not (p / storage.RETIRED).exists())


def test_a_rebuild_swaps_generations_and_keeps_the_last_two_live(kb: KnowledgeBase) -> None:
    names = [generation(kb) for _ in range(4) if kb.build(force=True)]
    assert len(set(names)) == 4 and live_generations(kb.index_dir) == sorted(names[-2:])


def test_a_retired_generation_stays_readable_for_a_grace_period_then_goes(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    kb.build()
    first = storage.current_generation(kb.index_dir)
    assert first is not None
    for _ in range(3):
        kb.build(force=True)
    # Another process read CURRENT just before the builds replaced it, and opens it now.
    assert (first / storage.RETIRED).exists()
    assert open_generation(first).searcher().document(kind="qa") is not None
    monkeypatch.setattr(storage, "RETIRED_GRACE", 0.0)
    kb.build(force=True)
    assert not first.exists()


def test_the_generation_of_a_killed_build_goes_at_the_next_build(kb: KnowledgeBase) -> None:
    kb.build()
    killed = storage.new_generation(kb.index_dir)  # written in part, never put in service
    (killed / "_MAIN_1.toc").write_bytes(b"half")
    kb.build(force=True)
    assert not killed.exists()


def test_a_search_that_read_the_old_pointer_does_not_reopen_the_old_index(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    kb.build()
    old = storage.current_generation(kb.index_dir)
    kb.build(force=True)
    new = kb.version
    monkeypatch.setattr(kb._service, "current", lambda: old)  # CURRENT read before the swap
    assert kb.version == new


def test_a_fresh_index_needs_no_lock_to_be_found_fresh(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    kb.build()

    def read_only(index_dir: Path, timeout: float = 0) -> None:
        raise IndexBuildError(f"cannot lock the index folder {index_dir}: Permission denied")

    monkeypatch.setattr("faqkb.index.keeper.build_lock", read_only)
    assert kb.build().mode == "none"


def test_a_lock_the_file_system_refuses_is_a_clear_error(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_locks(handle: object) -> bool:
        raise OSError(37, "No locks available")

    monkeypatch.setattr(locking, "_try_lock", no_locks)
    with pytest.raises(IndexBuildError, match="cannot lock the index folder .*No locks"):
        kb.build()


def test_an_update_leaves_the_files_of_the_generation_it_replaces_untouched(
        kb: KnowledgeBase, kb_dir: Path) -> None:
    kb.build()
    before = storage.current_generation(kb.index_dir)
    assert before is not None
    snapshot = {p.name: p.read_bytes() for p in before.iterdir() if p.is_file()}
    (kb_dir / "parking.txt").write_text(
        "Parking\n\nWhere can I park?\n\nThe clinic has free parking behind the building.\n",
        encoding="utf-8")
    assert kb.build().mode == "update"
    assert {p.name: p.read_bytes() for p in before.iterdir() if p.is_file()} == snapshot


def test_a_generation_that_cannot_be_put_in_service_is_removed(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    kb.build()
    before = live_generations(kb.index_dir)

    def full_disk(path: Path, text: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(storage, "_write_atomic", full_disk)
    with pytest.raises(IndexBuildError, match="No space left"):
        kb.build(force=True)
    assert live_generations(kb.index_dir) == before


def test_a_stray_temporary_file_is_not_carried_into_an_update(kb: KnowledgeBase,
                                                               kb_dir: Path) -> None:
    kb.build()
    before = storage.current_generation(kb.index_dir)
    assert before is not None
    (before / ".manifest.json.999.tmp").write_text("{}", encoding="utf-8")  # a killed write
    (kb_dir / "parking.txt").write_text(
        "Parking\n\nWhere can I park?\n\nThe clinic has free parking behind the building.\n",
        encoding="utf-8")
    assert kb.build().mode == "update"
    assert not (kb.index_dir / kb.version / ".manifest.json.999.tmp").exists()


def test_touched_files_are_remembered_so_the_next_check_hashes_nothing(
        kb: KnowledgeBase, kb_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kb.build()
    os.utime(kb_dir / "clinic-faq.txt", ns=(1, 1))
    assert kb.is_fresh()
    hashed: list[Path] = []
    real_hash = storage.file_hash
    monkeypatch.setattr(storage, "file_hash", lambda path: hashed.append(path) or real_hash(path))
    assert kb.is_fresh()
    assert hashed == []
    assert kb.build().rebuilt is False


def test_a_file_changed_after_it_was_touched_is_still_a_change(kb: KnowledgeBase,
                                                               kb_dir: Path) -> None:
    kb.build()
    path = kb_dir / "clinic-faq.txt"
    os.utime(path, ns=(1, 1))
    assert kb.is_fresh()
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("towel", "mat!!"), encoding="utf-8")  # the same size
    os.utime(path, ns=(2, 2))
    assert not kb.is_fresh()


def test_a_build_that_fails_leaves_the_previous_index_serving(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    kb.build()
    before = generation(kb)

    def broken(directory: Path, segments: object, words: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("faqkb.index.builder.commit_segments", broken)
    with pytest.raises(IndexBuildError, match="No space left"):
        kb.build(force=True)
    assert generation(kb) == before
    assert kb.search("towel")


def test_a_damaged_current_pointer_is_rebuilt(kb: KnowledgeBase) -> None:
    kb.build()
    (kb.index_dir / storage.CURRENT).write_text("../../elsewhere\n", encoding="utf-8")
    assert kb.search("towel")


def test_the_index_lives_in_the_user_cache_by_default(kb_dir: Path, tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAQKB_CACHE_DIR", str(tmp_path / "cache"))
    assert KnowledgeBase(kb_dir).index_dir.is_relative_to(tmp_path / "cache")


def test_an_environment_variable_names_the_index_folder(kb_dir: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAQKB_INDEX_DIR", str(tmp_path / "elsewhere"))
    assert KnowledgeBase(kb_dir).index_dir == tmp_path / "elsewhere"


def test_an_index_argument_beats_the_environment(kb_dir: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAQKB_INDEX_DIR", str(tmp_path / "elsewhere"))
    assert KnowledgeBase(kb_dir, tmp_path / "mine").index_dir == tmp_path / "mine"


def test_an_unwritable_index_location_is_a_clear_error(kb_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(IndexBuildError, match="cannot create the index folder"):
        KnowledgeBase(kb_dir, blocker / "index").build()


def test_a_missing_knowledge_base_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="not found"):
        KnowledgeBase(tmp_path / "nowhere", tmp_path / "index").build()


def test_entries_lists_everything_in_document_order(kb: KnowledgeBase) -> None:
    entries = kb.entries()
    assert [e.source for e in entries] == sorted(e.source for e in entries)
    assert {e.kind for e in kb.entries(kind="qa")} == {"qa"}
    assert kb.entry(entries[0].id) == entries[0]


def test_document_returns_only_indexed_documents(kb: KnowledgeBase) -> None:
    assert kb.document("clinic-faq.txt").title == "Stretching Clinic FAQ"
    with pytest.raises(KnowledgeBaseError):
        kb.document("../../etc/passwd")


def test_the_default_knowledge_base_is_the_bundled_kb() -> None:
    assert default_kb_dir() == Path(__file__).resolve().parent.parent / "kb"


def test_the_module_level_search_uses_the_bundled_kb() -> None:
    hits = faqkb.search("is running bad for my back", limit=3)
    assert len(hits) == 3 and all(h.source.endswith(".txt") for h in hits)


PARKING = "Parking\n\nWhere can I park?\n\nThe clinic has free parking behind the building.\n"


def test_an_added_document_is_indexed_alone(kb: KnowledgeBase, kb_dir: Path) -> None:
    kb.build()
    (kb_dir / "parking.txt").write_text(PARKING, encoding="utf-8")
    report = kb.build()
    assert (report.mode, report.reindexed, report.documents) == ("update", 1, 3)


def test_a_changed_document_is_indexed_alone_and_its_old_entries_go(
        kb: KnowledgeBase, kb_dir: Path) -> None:
    kb.build()
    (kb_dir / "clinic-faq.txt").write_text(PARKING, encoding="utf-8")
    report = kb.build()
    assert (report.mode, report.reindexed) == ("update", 1)
    assert [e.question for e in kb.entries(kind="qa", source="clinic-faq.txt")] == [
        "Where can I park?"]


def test_a_removed_document_is_dropped_without_a_full_build(kb: KnowledgeBase,
                                                            kb_dir: Path) -> None:
    kb.build()
    (kb_dir / "hamstrings.txt").unlink()
    report = kb.build()
    assert (report.mode, report.reindexed, report.documents) == ("update", 0, 1)
    assert {e.source for e in kb.entries()} == {"clinic-faq.txt"}


def test_an_update_keeps_the_spelling_vocabulary_in_step(kb: KnowledgeBase,
                                                         kb_dir: Path) -> None:
    kb.build()
    (kb_dir / "parking.txt").write_text(PARKING, encoding="utf-8")
    (kb_dir / "clinic-faq.txt").unlink()
    assert kb.search("parkign").suggestion == "parking"
    assert kb.search("towl").suggestion is None  # "towel" left with clinic-faq.txt


def test_forcing_a_build_indexes_everything(kb: KnowledgeBase) -> None:
    kb.build()
    report = kb.build(force=True)
    assert (report.mode, report.reindexed) == ("full", 2)


def test_a_new_extractor_means_a_full_build(kb: KnowledgeBase, kb_dir: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    kb.build()
    (kb_dir / "parking.txt").write_text(PARKING, encoding="utf-8")
    monkeypatch.setattr(storage, "code_fingerprint", lambda: "another-extractor")
    assert kb.build().mode == "full"


def test_many_updates_are_compacted_by_a_full_build(kb: KnowledgeBase, kb_dir: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("faqkb.index.builder.UPDATE_MAX_SEGMENTS", 3)
    kb.build()
    modes = []
    for number in range(4):
        (kb_dir / f"note-{number}.txt").write_text(PARKING, encoding="utf-8")
        modes.append(kb.build().mode)
    assert modes == ["update", "update", "full", "update"]


def test_the_same_search_is_answered_from_memory(kb: KnowledgeBase) -> None:
    assert kb.search("towel") is kb.search("towel")
    assert kb.search("towel") is not kb.search("towel", limit=5)


def test_remembered_results_are_forgotten_when_the_index_changes(kb: KnowledgeBase,
                                                                 kb_dir: Path) -> None:
    before = kb.search("park")
    (kb_dir / "parking.txt").write_text(PARKING, encoding="utf-8")
    after = kb.search("park")
    assert not before and after[0].source == "parking.txt"


def test_remembered_results_are_forgotten_when_the_synonyms_change(kb: KnowledgeBase,
                                                                   kb_dir: Path) -> None:
    assert not kb.search("attire")
    (kb_dir / "synonyms.txt").write_text("attire, wear\n", encoding="utf-8")
    assert kb.search("attire")


def test_a_large_knowledge_base_is_built_by_several_processes(
        kb_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    names = ["apple", "birch", "cedar", "daisy", "elder", "fern", "ginger", "hazel", "iris",
             "juniper", "kale", "lilac"]
    for name in names:
        (kb_dir / f"faq-{name}.txt").write_text(
            f"Page {name}\n\nWhat is the {name} item?\n\nThe {name} item is a thing with "
            f"a long description of towels and water bottles.\n", encoding="utf-8")
    serial = KnowledgeBase(kb_dir, tmp_path / "serial").build()
    monkeypatch.setattr("faqkb.index.builder.PARALLEL_MIN_BYTES", 0)  # every core, however small
    parallel_kb = KnowledgeBase(kb_dir, tmp_path / "parallel")
    parallel = parallel_kb.build(jobs=2)
    assert (parallel.documents, parallel.qa_pairs, parallel.claims) == (
        serial.documents, serial.qa_pairs, serial.claims)
    assert parallel_kb.search("hazel item")[0].question == "What is the hazel item?"
    assert parallel_kb.search("tawels").suggestion == "towels"


def test_entries_of_a_source_no_document_can_be_named_are_none(kb: KnowledgeBase) -> None:
    assert kb.entries(source="clinic\udcff.txt") == []
