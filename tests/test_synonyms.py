"""Synonyms: kb/synonyms.txt groups words that a search treats as one."""

from __future__ import annotations

from pathlib import Path

from faqkb import KnowledgeBase
from faqkb.index.analysis import analyze
from faqkb.search.synonyms import Synonyms

RULES = """\
# equivalent words
running, jogging, jog
lower back, low back, lumbar
back, spine
grass, concrete => surface
lonely
"""


def alternatives(rules: Synonyms, query: str) -> list[list[str]]:
    return [[" ".join(m) for m in match.alternatives] for match in rules.matches(analyze(query))]


def test_each_member_of_a_group_finds_the_others() -> None:
    assert alternatives(Synonyms.parse(RULES), "jogging") == [["run"]]
    assert alternatives(Synonyms.parse(RULES), "running") == [["jog"]]


def test_members_match_by_their_stems() -> None:
    assert alternatives(Synonyms.parse(RULES), "jogs") == [["run"]]


def test_a_multi_word_member_matches_words_in_a_row() -> None:
    assert alternatives(Synonyms.parse(RULES), "my low back hurts") == [["lower back", "lumbar"]]


def test_the_longest_member_wins() -> None:
    assert alternatives(Synonyms.parse(RULES), "lower back") == [["low back", "lumbar"]]


def test_a_one_way_rule_does_not_lead_back() -> None:
    rules = Synonyms.parse(RULES)
    assert alternatives(rules, "grass") == [["surfac"]]
    assert alternatives(rules, "surface") == []


def test_a_line_with_one_member_is_a_warning_not_an_error() -> None:
    assert Synonyms.parse(RULES).warnings == (
        "synonyms.txt:6: expected 'a, b, c' or 'a, b => c', each side with searchable words",)


def test_a_missing_file_means_no_synonyms(tmp_path: Path) -> None:
    assert not Synonyms.load(tmp_path / "synonyms.txt")


def test_a_synonym_finds_what_the_text_says_in_other_words(kb: KnowledgeBase,
                                                           kb_dir: Path) -> None:
    assert not kb.search("attire").hits
    (kb_dir / "synonyms.txt").write_text("attire, clothing, wear\n", encoding="utf-8")
    assert kb.search("attire")[0].question == "What should I wear to my first session?"


def test_editing_the_file_needs_no_rebuild(kb: KnowledgeBase, kb_dir: Path) -> None:
    kb.build()
    (kb_dir / "synonyms.txt").write_text("attire, clothing\n", encoding="utf-8")
    assert kb.is_fresh()


def test_the_bundled_synonyms_read_without_warnings() -> None:
    path = Path(__file__).resolve().parent.parent / "kb" / "synonyms.txt"
    rules = Synonyms.load(path)
    assert rules and rules.warnings == ()
