"""The index as an artifact: `faqkb build --output DIR` publishes a self-contained
generation, and a read-only knowledge base serves it and follows each new one."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from faqkb import IndexBuildError, KnowledgeBase
from faqkb.cli import cli
from faqkb.index import storage
from faqkb.index.publish import read_publication

FIRST = "What colour is the widget?\n\nThe widget is painted blue at the factory.\n"
SECOND = "What colour is the widget?\n\nThe widget is painted green at the factory.\n"


def write_kb(folder: Path, answer: str, synonyms: str | None = None) -> Path:
    folder.mkdir(exist_ok=True)
    (folder / "widget.txt").write_text(answer, encoding="utf-8")
    if synonyms is not None:
        (folder / "synonyms.txt").write_text(synonyms, encoding="utf-8")
    return folder


def publish(runner: CliRunner, kb_dir: Path, output: Path, work: Path) -> str:
    result = runner.invoke(cli, ["build", "--kb", str(kb_dir), "--index-dir", str(work),
                                 "--output", str(output)])
    assert result.exit_code == 0, result.output
    return result.output


def snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns)
            for p in folder.rglob("*")}


@pytest.fixture
def replica(tmp_path: Path) -> Iterator[KnowledgeBase]:
    """A read-only knowledge base over tmp_path/published, checking on every use."""
    base = KnowledgeBase(tmp_path / "no-kb", tmp_path / "published", read_only=True,
                         check_interval=0)
    yield base
    base.close()


def test_build_output_publishes_a_generation_that_serves_without_kb(
        runner: CliRunner, tmp_path: Path, replica: KnowledgeBase) -> None:
    kb_dir = write_kb(tmp_path / "kb", FIRST)
    output = publish(runner, kb_dir, tmp_path / "published", tmp_path / "work")
    shutil.rmtree(kb_dir)
    shutil.rmtree(tmp_path / "work")
    assert "Published gen-" in output
    assert "blue" in replica.search("widget colour").hits[0].text
    assert replica.document("widget.txt").text == FIRST


def test_a_published_generation_carries_the_synonyms_of_kb(
        runner: CliRunner, tmp_path: Path, replica: KnowledgeBase) -> None:
    kb_dir = write_kb(tmp_path / "kb", FIRST, synonyms="widget, gizmo\n")
    publish(runner, kb_dir, tmp_path / "published", tmp_path / "work")
    shutil.rmtree(kb_dir)
    assert replica.search("gizmo").hits


def test_publishing_what_is_published_already_changes_nothing(
        runner: CliRunner, tmp_path: Path) -> None:
    kb_dir = write_kb(tmp_path / "kb", FIRST)
    publish(runner, kb_dir, tmp_path / "published", tmp_path / "work")
    before = storage.current_generation(tmp_path / "published")
    output = publish(runner, kb_dir, tmp_path / "published", tmp_path / "work")
    assert "Already published" in output
    assert storage.current_generation(tmp_path / "published") == before


def test_new_synonyms_alone_are_published_as_a_new_generation(
        runner: CliRunner, tmp_path: Path) -> None:
    kb_dir = write_kb(tmp_path / "kb", FIRST)
    publish(runner, kb_dir, tmp_path / "published", tmp_path / "work")
    before = storage.current_generation(tmp_path / "published")
    (kb_dir / "synonyms.txt").write_text("widget, gizmo\n", encoding="utf-8")
    publish(runner, kb_dir, tmp_path / "published", tmp_path / "work")
    after = storage.current_generation(tmp_path / "published")
    assert after is not None and after != before
    assert (after / "synonyms.txt").read_text(encoding="utf-8") == "widget, gizmo\n"


def test_a_published_generation_says_what_it_is(runner: CliRunner, tmp_path: Path) -> None:
    kb_dir = write_kb(tmp_path / "kb", FIRST)
    publish(runner, kb_dir, tmp_path / "published", tmp_path / "work")
    generation = storage.current_generation(tmp_path / "published")
    assert generation is not None
    record = read_publication(generation)
    assert record is not None
    assert len(record["digest"]) == 16
    assert record["source"].startswith(str(tmp_path / "work"))


def test_a_read_only_knowledge_base_writes_nothing(
        runner: CliRunner, tmp_path: Path, replica: KnowledgeBase) -> None:
    publish(runner, write_kb(tmp_path / "kb", FIRST), tmp_path / "published", tmp_path / "work")
    before = snapshot(tmp_path / "published")
    replica.search("widget")
    replica.entries()
    assert snapshot(tmp_path / "published") == before


def test_a_read_only_knowledge_base_refuses_to_build(
        runner: CliRunner, tmp_path: Path, replica: KnowledgeBase) -> None:
    publish(runner, write_kb(tmp_path / "kb", FIRST), tmp_path / "published", tmp_path / "work")
    with pytest.raises(IndexBuildError, match="read-only"):
        replica.build()


def test_a_read_only_knowledge_base_moves_to_the_generation_published_next(
        runner: CliRunner, tmp_path: Path, replica: KnowledgeBase) -> None:
    kb_dir = write_kb(tmp_path / "kb", FIRST)
    publish(runner, kb_dir, tmp_path / "published", tmp_path / "work")
    assert "blue" in replica.search("widget").hits[0].text
    write_kb(kb_dir, SECOND)
    publish(runner, kb_dir, tmp_path / "published", tmp_path / "work")
    assert "green" in replica.search("widget").hits[0].text


def test_a_read_only_knowledge_base_waits_for_a_first_publication(
        runner: CliRunner, tmp_path: Path, replica: KnowledgeBase) -> None:
    with pytest.raises(IndexBuildError, match="faqkb build --output"):
        replica.search("widget")
    publish(runner, write_kb(tmp_path / "kb", FIRST), tmp_path / "published", tmp_path / "work")
    assert replica.search("widget").hits


def test_a_damaged_publication_is_refused_and_the_one_before_keeps_serving(
        runner: CliRunner, tmp_path: Path, replica: KnowledgeBase) -> None:
    kb_dir = write_kb(tmp_path / "kb", FIRST)
    publish(runner, kb_dir, tmp_path / "published", tmp_path / "work")
    first = replica.version
    write_kb(kb_dir, SECOND)
    publish(runner, kb_dir, tmp_path / "published", tmp_path / "work")
    damaged = storage.current_generation(tmp_path / "published")
    assert damaged is not None
    segment = next(damaged.glob("*.trm"))
    size = segment.stat().st_size
    segment.unlink()  # a file of its own: it is hard-linked from the generation before
    segment.write_bytes(b"\0" * size)
    assert "blue" in replica.search("widget").hits[0].text
    assert replica.version == first


def test_one_generation_answers_a_whole_block_from_the_generation_it_opened(
        runner: CliRunner, tmp_path: Path, replica: KnowledgeBase) -> None:
    kb_dir = write_kb(tmp_path / "kb", FIRST)
    publish(runner, kb_dir, tmp_path / "published", tmp_path / "work")
    with replica.one_generation() as generation:
        replica.search("widget")
        write_kb(kb_dir, SECOND)
        publish(runner, kb_dir, tmp_path / "published", tmp_path / "work")
        assert "blue" in replica.search("widget").hits[0].text
        assert replica.version == generation()
    assert "green" in replica.search("widget").hits[0].text
