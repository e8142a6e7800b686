"""Suggestions: questions whose words start with what was typed, best first."""

from __future__ import annotations

import pytest

from faqkb.models import Entry
from faqkb.search.suggest import Suggester, fold_words


def pair(entry_id: str, *questions: str) -> Entry:
    return Entry(id=entry_id, kind="qa", source="faq.txt", start=0, end=1, text="An answer.",
                 questions=questions)


QUESTIONS = [
    pair("a", "Is running good for lower back pain?"),
    pair("b", "How do I strengthen my lower back?"),
    pair("c", "What is good running technique?"),
    pair("d", "Should I run every day?", "Can I run daily?"),
    pair("e", "Is running good for lower back pain?"),
    Entry(id="f", kind="claim", source="faq.txt", start=0, end=1, text="Running is fun."),
]


def suggested(typed: str, limit: int = 8) -> list[str]:
    return [s.question for s in Suggester(QUESTIONS).suggest(typed, limit)]


def test_every_typed_word_must_start_a_word_of_the_question() -> None:
    assert suggested("str lo") == ["How do I strengthen my lower back?"]


def test_questions_that_begin_with_what_was_typed_come_first() -> None:
    assert suggested("is run")[0] == "Is running good for lower back pain?"
    assert suggested("run") == ["Can I run daily?", "Should I run every day?",
                                "What is good running technique?",
                                "Is running good for lower back pain?"]


def test_case_and_accents_do_not_matter() -> None:
    assert suggested("ÉVERY") == ["Should I run every day?"]


def test_each_question_of_a_pair_is_offered_once() -> None:
    assert suggested("is running good").count("Is running good for lower back pain?") == 1
    assert "Can I run daily?" in suggested("daily")


def test_claims_are_never_suggested() -> None:
    assert suggested("fun") == []


@pytest.mark.parametrize("typed", ["", "   ", "?!", "zebra"])
def test_text_without_matching_words_suggests_nothing(typed: str) -> None:
    assert suggested(typed) == []


def test_the_limit_caps_the_suggestions() -> None:
    assert len(suggested("i", limit=2)) == 2


def test_highlights_cover_the_typed_prefixes() -> None:
    suggestion = Suggester(QUESTIONS).suggest("lo str")[0]
    parts = [suggestion.question[s:e] for s, e in suggestion.highlights]
    assert parts == ["str", "lo"]


def test_a_limit_below_one_is_an_error() -> None:
    with pytest.raises(ValueError):
        Suggester(QUESTIONS).suggest("run", limit=0)


def test_words_are_folded_for_comparison() -> None:
    assert fold_words("Runner’s Café, 2nd!") == ["runner", "s", "cafe", "2nd"]
