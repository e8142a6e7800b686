"""Keeping the index in step with kb/ off the search path: checked on first use, then in
the background; a search never compares files itself unless asked to (interval 0)."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import pytest

from faqkb import KnowledgeBase
from faqkb.index import keeper as keeping
from faqkb.index import storage


def count_checks(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the threads that compare kb/ with the index, one per comparison."""
    threads: list[str] = []
    real = storage.find_changes

    def find_changes(*args: object, **kwargs: object) -> storage.Changes:
        threads.append(threading.current_thread().name)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(storage, "find_changes", find_changes)
    return threads


def test_the_first_search_of_a_process_checks_kb_first(kb_dir: Path, tmp_path: Path) -> None:
    KnowledgeBase(kb_dir, tmp_path / "index").build()
    (kb_dir / "parking.txt").write_text(
        "Parking\n\nWhere can I park?\n\nThe clinic has free parking behind the building.\n",
        encoding="utf-8")
    assert KnowledgeBase(kb_dir, tmp_path / "index", check_interval=60).search("park")


def test_later_searches_leave_the_check_to_a_background_thread(
        kb_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kb = KnowledgeBase(kb_dir, tmp_path / "index", check_interval=0.001)
    kb.search("towel")
    checks = count_checks(monkeypatch)
    for query in ("session", "referral", "water bottle", "doctor", "warm-up"):
        kb.search(query)
    kb.close()
    assert threading.current_thread().name not in checks


def test_the_background_thread_picks_up_a_change(kb_dir: Path, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    kb = KnowledgeBase(kb_dir, tmp_path / "index", check_interval=0.01)
    kb.search("towel")
    refreshed = threading.Event()
    real = keeping.IndexKeeper.check

    def check(self: keeping.IndexKeeper) -> None:
        real(self)
        if storage.current_generation(self.index_dir) != before:
            refreshed.set()

    before = storage.current_generation(kb.index_dir)
    monkeypatch.setattr(keeping.IndexKeeper, "check", check)
    (kb_dir / "parking.txt").write_text(
        "Parking\n\nWhere can I park?\n\nThe clinic has free parking behind the building.\n",
        encoding="utf-8")
    kb.search("session")  # starts the watcher
    assert refreshed.wait(timeout=30)
    assert kb.search("park")[0].source == "parking.txt"
    kb.close()


def test_an_interval_of_zero_checks_before_every_search(
        kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> None:
    kb.search("towel")
    checks = count_checks(monkeypatch)
    kb.search("session")
    kb.search("referral")
    assert checks == [threading.current_thread().name] * 2


def test_searching_imports_no_document_reader(kb_dir: Path, tmp_path: Path) -> None:
    KnowledgeBase(kb_dir, tmp_path / "index").build()
    script = (
        "import sys\n"
        "from faqkb.cli import main\n"
        "sys.argv = ['faqkb', 'search', '--kb', sys.argv[1], '--index-dir', sys.argv[2],"
        " 'towel']\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & "
        "{'bs4', 'lxml', 'markdown_it', 'docutils', 'flask', 'waitress'}))\n")
    out = subprocess.run([sys.executable, "-c", script, str(kb_dir), str(tmp_path / "index")],
                         capture_output=True, text=True, check=True).stdout
    assert "Wear loose clothing" in out and out.strip().endswith("[]")
