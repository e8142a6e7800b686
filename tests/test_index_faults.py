"""Index faults: a killed build, a damaged index, two builds at once, a rebuild under a
search; the index keeps answering and nothing is lost or mixed."""

from __future__ import annotations

import contextlib
import errno
import itertools
import logging
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from faqkb import IndexBuildError, KnowledgeBase
from faqkb import kb as faqkb_kb
from faqkb.index import storage
from faqkb.index.keeper import IndexKeeper
from faqkb.index.lock import build_lock
from faqkb.index.opened import DAMAGE, open_generation


def current(kb: KnowledgeBase) -> Path:
    generation = storage.current_generation(kb.index_dir)
    assert generation is not None
    return generation


def segment_file(generation: Path) -> Path:
    """A file of the generation's Whoosh segment: its postings."""
    return next(p for p in generation.iterdir() if p.suffix == ".pst")


def hits(kb: KnowledgeBase, query: str = "session") -> list[str]:
    return [h.id for h in kb.search(query)]


def made_up_faq(rng: random.Random, number: int) -> str:
    """A FAQ page of made-up words; every tenth one mentions "taifloulbam"."""
    def words(count: int) -> str:
        return " ".join("".join(rng.choice("aeioubdfklmnrst") for _ in range(rng.randint(3, 9)))
                        for _ in range(count))
    lines = [f"Page {number}: {words(3)}", ""]
    for _ in range(15):
        lines += [f"How do I {words(3)}?", "", f"{words(14).capitalize()}. {words(10)}.", ""]
    if number % 10 == 0:
        lines += ["What is taifloulbam?", "", f"Taifloulbam is {words(8)}.", ""]
    return "\n".join(lines)


@pytest.fixture
def generated_kb(tmp_path: Path) -> Path:
    """A knowledge base that takes a few seconds to build (about 1.5 MB of FAQs)."""
    folder = tmp_path / "generated"
    folder.mkdir()
    rng = random.Random(7)
    for number in range(250):
        (folder / f"page-{number:03d}.txt").write_text(made_up_faq(rng, number),
                                                       encoding="utf-8")
    return folder


def descendants(root: int) -> set[int]:
    """The live processes descended from ``root``."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, pending = set(), [root]
    while pending:
        for child in children.get(pending.pop(), []):
            found.add(child)
            pending.append(child)
    return found


def test_a_missing_index_file_is_detected_and_rebuilt(kb: KnowledgeBase) -> None:
    before = hits(kb)
    kb.close()
    segment_file(current(kb)).unlink()
    assert hits(KnowledgeBase(kb.kb_dir, kb.index_dir)) == before


def test_a_truncated_index_file_is_detected_and_rebuilt(kb: KnowledgeBase) -> None:
    before = hits(kb)
    kb.close()
    os.truncate(segment_file(current(kb)), 100)
    assert hits(KnowledgeBase(kb.kb_dir, kb.index_dir)) == before


def test_a_lost_table_of_contents_is_not_taken_for_an_empty_index(kb: KnowledgeBase) -> None:
    before = hits(kb)
    kb.close()
    for toc in current(kb).glob("*.toc"):
        if toc.name != "_MAIN_0.toc":
            toc.unlink()
    assert hits(KnowledgeBase(kb.kb_dir, kb.index_dir)) == before


def test_files_failing_during_a_search_are_rebuilt_and_the_search_retried(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    before, damaged = hits(kb), current(kb)
    real = faqkb_kb.run_search
    failures = iter([FileNotFoundError(2, "No such file", "MAIN_x.seg")])

    def failing_once(*args: object, **kwargs: object) -> object:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(faqkb_kb, "run_search", failing_once)
    with caplog.at_level(logging.WARNING, logger="faqkb"):
        assert hits(kb, "Session") == before  # not "session": that one is remembered
    assert current(kb) != damaged
    assert f"the index in {damaged} failed" in caplog.text


def test_damage_is_reported_clearly_when_rebuilding_is_not_allowed(kb: KnowledgeBase) -> None:
    kb.build()
    segment_file(current(kb)).unlink()
    reader = KnowledgeBase(kb.kb_dir, kb.index_dir, auto_build=False)
    with pytest.raises(IndexBuildError, match=r"is damaged: .*\.pst is missing; run `faqkb "
                                              r"build --force`"):
        reader.search("session")


def test_a_stale_index_keeps_answering_when_it_cannot_be_rebuilt(
        kb: KnowledgeBase, kb_dir: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    before = hits(kb)
    (kb_dir / "new.txt").write_text("News\n\nWhat is new?\n\nNothing much.\n", encoding="utf-8")

    def read_only(*args: object, **kwargs: object) -> None:
        raise IndexBuildError("cannot create /read-only/index: Read-only file system")

    monkeypatch.setattr("faqkb.index.keeper.build_generation", read_only)
    kb.check_interval = 0
    with caplog.at_level(logging.WARNING, logger="faqkb"):
        assert hits(kb) == before
        assert hits(kb, "Session") == before  # checked again, failed again: said once
    assert caplog.text.count("Read-only file system; searching the index as it is") == 1


def test_a_full_disk_is_warned_about_once_and_not_retried_at_every_search(
        kb: KnowledgeBase, kb_dir: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    before = hits(kb)
    attempts = itertools.count(1)

    def disk_full(*args: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device",
                      str(kb.index_dir / f"gen-{next(attempts):06d}" / "MAIN.seg"))

    monkeypatch.setattr("faqkb.index.builder.update_index", disk_full)
    monkeypatch.setattr("faqkb.index.builder.create_index", disk_full)
    (kb_dir / "new.txt").write_text("News\n\nWhat is new?\n\nNothing much.\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="faqkb"):
        for query in ("session", "Session", "SESSION", "session?", "a session"):
            assert hits(kb, query) == before
    assert caplog.text.count("No space left on device") == 2  # the update, the full build
    assert next(attempts) <= 3  # tried once, not at every search


def test_a_damaged_index_is_built_afresh_rather_than_updated(kb: KnowledgeBase,
                                                             kb_dir: Path) -> None:
    kb.build()
    kb.close()
    os.truncate(segment_file(current(kb)), 100)
    (kb_dir / "new.txt").write_text("News\n\nWhat is new?\n\nNothing much.\n", encoding="utf-8")
    fresh = KnowledgeBase(kb_dir, kb.index_dir)
    assert fresh.build().mode == "full"
    assert hits(fresh, "new") and hits(fresh)


def test_an_update_that_fails_falls_back_to_a_full_build(
        kb: KnowledgeBase, kb_dir: Path, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    before = hits(kb)

    def broken(*args: object) -> None:
        raise ValueError("unexpected segment")

    monkeypatch.setattr("faqkb.index.builder.update_index", broken)
    (kb_dir / "new.txt").write_text("News\n\nWhat is new?\n\nNothing much.\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="faqkb"):
        assert kb.build().mode == "full"
    assert "building it afresh" in caplog.text
    assert hits(kb) == before and hits(kb, "new")


def test_a_search_does_not_wait_for_a_build_in_progress(kb: KnowledgeBase,
                                                        kb_dir: Path) -> None:
    before = hits(kb)
    (kb_dir / "new.txt").write_text("News\n\nWhat is new?\n\nNothing much.\n", encoding="utf-8")
    reader = KnowledgeBase(kb_dir, kb.index_dir, check_interval=0)
    answered: list[list[str]] = []
    with build_lock(kb.index_dir):  # a long build, in this process or another
        searcher = threading.Thread(target=lambda: answered.append(hits(reader)))
        searcher.start()
        searcher.join(timeout=30)
        assert not searcher.is_alive(), "the search waited for the build"
    assert answered == [before]  # the index in service answered meanwhile
    assert hits(reader, "new")  # and once the build lock is free, the search refreshes it


def test_a_generation_removed_under_a_reader_counts_as_damage(kb: KnowledgeBase) -> None:
    kb.build()
    opened = open_generation(current(kb))
    shutil.rmtree(opened.generation)  # by another process, after too long a wait
    failures: list[BaseException] = []

    def search_in_a_new_thread() -> None:  # a new thread opens its own searcher
        try:
            opened.searcher()
        except BaseException as exc:  # noqa: BLE001 - what it raises is the point
            failures.append(exc)

    thread = threading.Thread(target=search_in_a_new_thread)
    thread.start()
    thread.join()
    assert len(failures) == 1 and isinstance(failures[0], DAMAGE)


def test_a_damaged_index_another_build_replaced_is_not_rebuilt_again(
        kb: KnowledgeBase) -> None:
    kb.build()
    damaged = current(kb)
    kb.build(force=True)  # another worker saw the damage first and rebuilt
    replaced = current(kb)
    IndexKeeper(kb.kb_dir, kb.index_dir, auto_build=True, check_interval=0).rebuild(damaged)
    assert current(kb) == replaced


def test_a_killed_build_leaves_the_previous_index_serving(generated_kb: Path,
                                                          tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    kb = KnowledgeBase(generated_kb, index_dir)
    kb.build()
    serving, before = current(kb), hits(kb, "taifloulbam")
    command = [sys.executable, "-m", "faqkb", "build", "--force", "--kb", str(generated_kb),
               "--index-dir", str(index_dir)]
    kills = 0
    for delay in (0.05, 0.4, 1.0, 2.0):
        build = subprocess.Popen(command, start_new_session=True, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        try:
            build.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.killpg(build.pid, signal.SIGKILL)
            build.wait()
        if build.returncode == -signal.SIGKILL:
            kills += 1
            assert current(kb) == serving
            assert hits(KnowledgeBase(generated_kb, index_dir, auto_build=False),
                        "taifloulbam") == before
        else:  # the build finished before the kill: the new index serves
            serving = current(kb)
    assert kills >= 2
    assert KnowledgeBase(generated_kb, index_dir).build(force=True).mode == "full"
    live = [p for p in index_dir.iterdir()
            if p.name.startswith("gen-") and not (p / storage.RETIRED).exists()]
    assert len(live) == 2  # the killed builds' generations are gone, none was put in service
    assert hits(KnowledgeBase(generated_kb, index_dir), "taifloulbam") == before


def test_two_builds_at_once_make_one_whole_index(kb_dir: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "index"
    command = [sys.executable, "-m", "faqkb", "build", "--force", "--kb", str(kb_dir),
               "--index-dir", str(index_dir)]
    builds = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True) for _ in range(2)]
    outputs = [build.communicate(timeout=120) for build in builds]
    assert [build.returncode for build in builds] == [0, 0], outputs
    kb = KnowledgeBase(kb_dir, index_dir, auto_build=False)
    entries = kb.entries()
    assert len(entries) == len({e.id for e in entries}) == storage.read_manifest(
        current(kb)).entries  # type: ignore[union-attr]


def test_searches_go_on_while_the_index_is_rebuilt(kb: KnowledgeBase, kb_dir: Path,
                                                   tmp_path: Path) -> None:
    expected = hits(kb)
    failures: list[BaseException] = []
    results: list[list[str]] = []
    stop = threading.Event()

    def search_until_stopped() -> None:
        reader = KnowledgeBase(kb_dir, kb.index_dir, check_interval=0)
        while not stop.is_set():
            try:
                results.append(hits(reader))
            except BaseException as exc:  # noqa: BLE001 - every failure counts
                failures.append(exc)

    searchers = [threading.Thread(target=search_until_stopped) for _ in range(3)]
    for thread in searchers:
        thread.start()
    try:
        for _ in range(8):
            KnowledgeBase(kb_dir, kb.index_dir).build(force=True)
    finally:
        stop.set()
        for thread in searchers:
            thread.join()
    assert failures == []
    assert results and all(result == expected for result in results)


@pytest.mark.skipif(not hasattr(os, "pidfd_open"), reason="waits on processes with pidfd_open")
def test_build_workers_die_with_their_killed_parent(tmp_path: Path) -> None:
    folder = tmp_path / "large"  # over 2 MB: built by one worker per core
    folder.mkdir()
    rng = random.Random(8)
    for number in range(700):
        (folder / f"page-{number:03d}.txt").write_text(made_up_faq(rng, number),
                                                       encoding="utf-8")
    command = [sys.executable, "-m", "faqkb", "build", "--force", "-j", "2", "--kb",
               str(folder), "--index-dir", str(tmp_path / "index")]
    build = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    workers: set[int] = set()
    while len(workers) < 2 and build.poll() is None:
        workers = {pid for pid in descendants(build.pid)
                   if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()}
        with contextlib.suppress(subprocess.TimeoutExpired):
            build.wait(timeout=0.02)
    left = descendants(build.pid)
    assert len(workers) == 2, "the build did not start its workers"
    build.kill()
    build.wait()
    handles = []
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            handles.append(os.pidfd_open(pid))
    try:
        for handle in handles:  # readable once the process has exited
            assert select.select([handle], [], [], 30.0)[0], "a worker outlived its parent"
    finally:
        for handle in handles:
            os.close(handle)
