"""Extraction: every Q&A pair and claim of a document, each with its exact span."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from faqkb.documents import read_document
from faqkb.extract import extract_entries
from faqkb.extract.sentences import split_sentences
from faqkb.models import Document, Entry

KB = Path(__file__).resolve().parent.parent / "kb"
SEEDS = sorted(p.name for p in KB.glob("*.txt"))

# Every question the five source documents answer, by document.
EXPECTED_QUESTIONS = {
    "001_3e53c1fb1fa78b88.txt": ["Is Running Good for Lower Back Pain?"],
    "002_db17141e699adb7c.txt": [
        "How Do I Prevent Lower Back Pain When Running?",
        "When I run Why does my lower back hurt?",
        "Is it OK to run with lower back pain?",
        "Is it normal to have back pain when running?",
        "How do you strengthen your lower back for running?",
        "How can I strengthen my lower back?",
        "Should I run everyday?",
        "What is good running technique?",
        "Does running strengthen your core?",
        "Does running strengthen your back?",
        "Is running hard on lower back?",
        "What is a runner’s face?",
    ],
    "003_20d2918933093171.txt": [
        "Is Running Bad for Lower Back Pain?",
        # An instruction heading is the question its section answers.
        "How to Modify Your Running Routine to Alleviate Lower Back Pain",
        "Can Running Actually Help Alleviate Lower Back Pain?",
        "Are There Any Specific Stretches That Can Help Prevent Lower Back Pain While Running?",
        "Can Running on Different Surfaces Affect Lower Back Pain?",
        "Is It Necessary to Take a Break From Running if Experiencing Lower Back Pain?",
        "Are There Any Specific Shoes or Equipment That Can Help Reduce Lower Back Pain "
        "While Running?",
    ],
    "004_5de43a1550719c79.txt": ["Can Your Back Hurt From Running"],
}

BOILERPLATE = [
    "HomeRunning", "Related Video", "How To Get A Strong Lower Back The RIGHT Way",
    "Editorial Team", "Join Our Newsletter", "Signup to get", "Newsletter Form",
    "Related Posts", "Picture yourself gliding", "I’m here to help", "we’re here to help",
    "Don’t worry", "let’s get started", "In this article",
]


def letters(text: str) -> str:
    """Only the letters and digits of ``text``: spans and clean texts differ in the rest."""
    return re.sub(r"\W", "", text)


def document(name: str) -> Document:
    return read_document(KB / name)


def entries(name: str) -> list[Entry]:
    return extract_entries(document(name))


def pairs(name: str) -> list[Entry]:
    return [e for e in entries(name) if e.kind == "qa"]


def claim_texts(name: str) -> list[str]:
    return [e.text for e in entries(name) if e.kind == "claim"]


@pytest.mark.parametrize("name", SEEDS)
def test_every_question_of_the_seeds_is_extracted(name: str) -> None:
    found = [q for pair in pairs(name) for q in pair.questions]
    assert found == EXPECTED_QUESTIONS.get(name, [])


@pytest.mark.parametrize("name", SEEDS)
def test_every_span_holds_its_entry(name: str) -> None:
    text = document(name).text
    for entry in entries(name):
        passage = letters(text[entry.start:entry.end])
        openings = [letters(entry.text)[:20]] + [letters(q) for q in entry.questions[:1]]
        assert any(passage.startswith(opening) for opening in openings), entry
        assert passage.endswith(letters(entry.text)[-20:]), entry


def test_a_pair_span_runs_from_its_question_through_its_answer() -> None:
    text = document("002_db17141e699adb7c.txt").text
    pair = next(p for p in pairs("002_db17141e699adb7c.txt")
                if p.question == "Is it OK to run with lower back pain?")
    assert text[pair.start:pair.end] == (
        "Is it OK to run with lower back pain?\n\nIn fact, running can be extremely beneficial "
        "if you have back pain A 2014 study suggests that aerobic exercise can be considered a "
        "form of effective treatment for low back pain. Other studies have found that runners "
        "have stronger spines."
    )


def test_identical_answers_make_one_entry_with_both_questions() -> None:
    merged = [p for p in pairs("002_db17141e699adb7c.txt") if len(p.questions) > 1]
    assert [p.questions for p in merged] == [(
        "How Do I Prevent Lower Back Pain When Running?",
        "When I run Why does my lower back hurt?",
    )]
    assert merged[0].text.startswith("Excess physical activity can cause muscles")


def test_a_question_opening_an_answer_is_not_a_pair() -> None:
    questions = [q for p in pairs("002_db17141e699adb7c.txt") for q in p.questions]
    assert "Does Running Cause Mid and Lower Back Pain?" not in questions
    assert "Should I run every day?" not in questions  # restates "Should I run everyday?"


def test_a_title_question_is_answered_by_the_conclusion() -> None:
    pair = pairs("004_5de43a1550719c79.txt")[0]
    assert pair.text == (
        "In conclusion, back pain can indeed be a result of running. Factors such as poor "
        "posture, muscle imbalances, running on hard or uneven surfaces, and improper footwear "
        "can contribute to this discomfort.")


def test_a_title_question_is_answered_by_the_summary_section() -> None:
    pair = next(p for p in pairs("003_20d2918933093171.txt")
                if p.question == "Is Running Bad for Lower Back Pain?")
    assert pair.text.startswith("Poor posture while running and weak core muscles")
    assert pair.text.count("\n") == 1  # the first two of the four key takeaways


def test_a_title_question_without_a_summary_gets_its_most_direct_passage() -> None:
    pair = pairs("001_3e53c1fb1fa78b88.txt")[0]
    assert pair.text == ("Running with lower back pain isn’t just a physical challenge; it’s an "
                         "emotional battle. But with the right approach, it’s a battle that can "
                         "be won.")


@pytest.mark.parametrize("name", SEEDS)
def test_no_boilerplate_or_rhetoric_is_in_any_entry(name: str) -> None:
    for entry in entries(name):
        for phrase in BOILERPLATE:
            assert phrase not in entry.text, (phrase, entry.text)
            assert all(phrase not in q for q in entry.questions)


def test_section_labels_alone_are_not_entries() -> None:
    texts = [e.text for e in entries("003_20d2918933093171.txt")]
    assert "Key Takeaways" not in texts and "Frequently Asked Questions" not in texts


def test_labelled_tips_are_claims_with_their_label() -> None:
    claims = claim_texts("000_a3c617c8645840b6.txt")
    assert any(c.startswith("Gradual Progression: Start with shorter distances") for c in claims)


def test_bullets_are_claims_with_their_label() -> None:
    claims = claim_texts("003_20d2918933093171.txt")
    assert any(c.startswith("Herniated Disc: The repetitive impact of running") for c in claims)


TABLE = ("Muscle strain — Strengthening exercises\nDisc degeneration — Physical therapy\n"
         "Spondylolisthesis — Medications\nHerniated disc — Injections\n"
         "Spinal stenosis — Surgery")


def test_a_table_is_one_claim_with_its_rows_as_lines_and_cells_apart() -> None:
    assert TABLE in claim_texts("003_20d2918933093171.txt")


def test_a_short_table_row_is_not_a_claim_of_its_own() -> None:
    claims = claim_texts("003_20d2918933093171.txt")
    assert "Spinal stenosis — Surgery" not in claims
    assert not any(c.startswith("Causes of Back Pain") for c in claims)  # the header row


def test_a_table_carries_its_header_as_context() -> None:
    table = next(e for e in entries("003_20d2918933093171.txt") if e.text == TABLE)
    assert table.context == "Causes of Back Pain — Treatment Options"
    assert table.heading == "Running and Back Pain"


def test_run_together_sentences_are_split() -> None:
    claims = claim_texts("002_db17141e699adb7c.txt")
    assert any(c.startswith("Excess physical activity can cause muscles and ligaments in your "
                            "lower back to stretch too much or tear. This can result in pain, "
                            "stiffness, and even muscle spasms. Strains") for c in claims)


def test_a_short_paragraph_is_one_claim_and_a_long_one_is_cut_in_parts() -> None:
    claims = claim_texts("003_20d2918933093171.txt")
    assert ("Another common cause of lower back pain in runners is a condition called lumbar "
            "disc degeneration. This occurs when the discs between the vertebrae in the lower back "
            "start to deteriorate, causing pain and discomfort. The repetitive impact of running "
            "can exacerbate this degeneration and lead to symptoms such as sciatica, where pain "
            "radiates down the leg.") in claims
    assert "If you’re experiencing lower back pain while running, it’s likely caused by factors " \
           "such as poor posture or weak core muscles. Running, a high-impact activity, can put " \
           "strain on the spine and lead to discomfort in the lower back." in claims


def test_a_sentence_leaning_on_the_one_before_stays_with_it() -> None:
    claims = claim_texts("003_20d2918933093171.txt")
    assert any(c.endswith("implement appropriate treatment options. These may include "
                          "strengthening exercises for the core and back muscles, physical "
                          "therapy, and adopting a proper running technique.") for c in claims)


def test_a_claim_is_cited_once_even_when_said_twice() -> None:
    claims = claim_texts("002_db17141e699adb7c.txt")
    assert sum(c.startswith("Excess physical activity") for c in claims) == 1


def test_claims_know_their_section() -> None:
    entry = next(e for e in entries("003_20d2918933093171.txt")
                 if e.text.startswith("Pelvic tilt:"))
    assert (entry.heading, entry.title) == (
        "Effective Rehab Exercises", "Is Running Bad for Lower Back Pain? Exploring the Connection")


def test_rhetorical_lines_make_no_claims() -> None:
    claims = claim_texts("001_3e53c1fb1fa78b88.txt")
    assert not any(c.startswith(("Picture yourself", "Envision", "Imagine", "However, hope"))
                   for c in claims)


def test_ids_are_stable_across_runs_and_unique() -> None:
    first = [e.id for e in entries("003_20d2918933093171.txt")]
    assert first == [e.id for e in entries("003_20d2918933093171.txt")]
    assert len(set(first)) == len(first)


def test_ids_survive_an_edit_elsewhere_in_the_document(tmp_path: Path) -> None:
    text = (KB / "002_db17141e699adb7c.txt").read_text(encoding="utf-8")
    edited = tmp_path / "002_db17141e699adb7c.txt"
    edited.write_text("A new opening line was added here.\n\n" + text, encoding="utf-8")
    before = {e.text: e.id for e in entries("002_db17141e699adb7c.txt") if e.kind == "qa"}
    after = {e.text: e.id for e in extract_entries(read_document(edited)) if e.kind == "qa"}
    assert before["In fact, running can be extremely beneficial if you have back pain A 2014 "
                  "study suggests that aerobic exercise can be considered a form of effective "
                  "treatment for low back pain. Other studies have found that runners have "
                  "stronger spines."] in after.values()


def test_sentences_keep_abbreviations_and_initials_whole() -> None:
    text = "Ask a physio, e.g. Dr. Smith, about it. J. Doe agrees. Then rest."
    assert [s.text for s in split_sentences(text)] == [
        "Ask a physio, e.g. Dr. Smith, about it.", "J. Doe agrees.", "Then rest."]
