"""The faqkb command: build, search and extract, end to end."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from faqkb.cli import cli


def invoke(runner: CliRunner, *args: str) -> tuple[int, str, str]:
    result = runner.invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_build_prints_a_summary(runner: CliRunner, kb_dir: Path, tmp_path: Path) -> None:
    code, out, _ = invoke(runner, "build", "--kb", str(kb_dir), "--index-dir", str(tmp_path / "i"))
    assert code == 0
    assert out.startswith("Built: 2 documents, 4 Q&A pairs, ")
    assert ", 0 warnings" in out


def test_a_second_build_says_the_index_is_up_to_date(runner: CliRunner, kb_dir: Path,
                                                     tmp_path: Path) -> None:
    args = ("build", "--kb", str(kb_dir), "--index-dir", str(tmp_path / "i"))
    invoke(runner, *args)
    assert invoke(runner, *args)[1].startswith("Up to date: 2 documents")


def test_build_strict_fails_naming_the_skipped_documents(runner: CliRunner, kb_dir: Path,
                                                         tmp_path: Path) -> None:
    (kb_dir / "broken.txt").write_bytes(b"\x00\xff\x00")
    code, _, err = invoke(runner, "build", "--strict", "--kb", str(kb_dir),
                          "--index-dir", str(tmp_path / "i"))
    assert code == 1
    assert "warning: broken.txt: binary file" in err
    assert "1 documents were skipped (--strict)" in err


def test_search_prints_readable_results_with_their_source(runner: CliRunner, kb_dir: Path,
                                                          tmp_path: Path) -> None:
    code, out, _ = invoke(runner, "search", "--kb", str(kb_dir), "--index-dir",
                          str(tmp_path / "i"), "how", "long", "is", "a", "session")
    assert code == 0
    first = out.splitlines()
    assert first[0] == "1. [Q&A] How long does a session last?"
    assert first[2].strip().startswith("clinic-faq.txt:")


def test_search_json_has_the_library_fields(runner: CliRunner, kb_dir: Path,
                                            tmp_path: Path) -> None:
    code, out, _ = invoke(runner, "search", "--json", "--kb", str(kb_dir), "--index-dir",
                          str(tmp_path / "i"), "towel")
    hit = json.loads(out)["hits"][0]
    assert code == 0
    assert {"kind", "question", "answer", "text", "source", "start", "end", "title",
            "heading", "score", "snippet"} <= set(hit)


def test_search_says_when_a_phrase_was_searched_as_words(runner: CliRunner, kb_dir: Path,
                                                          tmp_path: Path) -> None:
    code, out, _ = invoke(runner, "search", "--kb", str(kb_dir), "--index-dir",
                          str(tmp_path / "index"), '"bottle water"')
    assert code == 0
    assert "No document says the quoted words in that order" in out
    assert "What should I wear to my first session?" in out


def test_search_with_no_match_says_so(runner: CliRunner, kb_dir: Path, tmp_path: Path) -> None:
    code, out, _ = invoke(runner, "search", "--kb", str(kb_dir), "--index-dir",
                          str(tmp_path / "i"), "zzzz")
    assert (code, out.strip()) == (0, "No results. Try other words, or fewer of them.")


def test_extract_prints_one_json_entry_a_line(runner: CliRunner, kb_dir: Path) -> None:
    code, out, _ = invoke(runner, "extract", str(kb_dir / "clinic-faq.txt"))
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0
    assert rows[0]["question"] == "What should I wear to my first session?"
    assert rows[0]["source"] == "clinic-faq.txt"
    text = (kb_dir / "clinic-faq.txt").read_text(encoding="utf-8")
    assert all(text[r["start"]:r["end"]] for r in rows)


def test_extract_can_keep_only_pairs(runner: CliRunner, kb_dir: Path) -> None:
    code, out, _ = invoke(runner, "extract", "--kind", "qa", str(kb_dir))
    assert code == 0 and {json.loads(line)["kind"] for line in out.splitlines()} == {"qa"}


def test_extract_reads_the_knowledge_base_named_by_kb(runner: CliRunner, kb_dir: Path) -> None:
    code, out, _ = invoke(runner, "extract", "--kb", str(kb_dir))
    sources = {json.loads(line)["source"] for line in out.splitlines()}
    assert (code, sources) == (0, {"clinic-faq.txt", "hamstrings.txt"})


def test_extract_of_a_missing_knowledge_base_is_one_line(runner: CliRunner,
                                                         tmp_path: Path) -> None:
    code, _, err = invoke(runner, "extract", "--kb", str(tmp_path / "nowhere"))
    assert code == 1
    assert err.strip() == f"Error: knowledge-base folder not found: {tmp_path / 'nowhere'}"


def test_every_command_that_reads_a_knowledge_base_takes_kb() -> None:
    for name, command in cli.commands.items():
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        assert "--kb" in options, name


def test_a_missing_knowledge_base_is_one_line_without_traceback(runner: CliRunner,
                                                                tmp_path: Path) -> None:
    code, _, err = invoke(runner, "search", "--kb", str(tmp_path / "nowhere"), "pain")
    assert code == 1
    assert err.strip() == f"Error: knowledge-base folder not found: {tmp_path / 'nowhere'}"


def test_python_dash_m_runs_the_command(kb_dir: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "faqkb", "search", "--kb", str(kb_dir), "--index-dir",
         str(tmp_path / "i"), "towel"],
        capture_output=True, text=True, check=False, timeout=120)
    assert result.returncode == 0 and "towel" in result.stdout


def test_build_after_an_edit_re_indexes_only_that_document(runner: CliRunner, kb_dir: Path,
                                                            tmp_path: Path) -> None:
    args = ("build", "--kb", str(kb_dir), "--index-dir", str(tmp_path / "i"))
    invoke(runner, *args)
    with (kb_dir / "clinic-faq.txt").open("a", encoding="utf-8") as handle:
        handle.write("\nIs there parking?\n\nYes, behind the building.\n")
    assert invoke(runner, *args)[1].startswith("Updated 1 changed document(s): 2 documents")
