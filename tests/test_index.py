"""The index's analyzer: one set of terms for indexing and for querying."""

from __future__ import annotations

import pytest

from faqkb.index.analysis import ANALYZER, analyze, is_stop_word, located_terms

TEXTS = [
    "How do I strengthen my lower back for running?",
    "Runner’s face: the skin changes after many years of running.",
    "Café ŒUVRE straße naïve résumé ﬁnd 日本語 e\u0301 C++ x_y_z 3.14 don’t",
    "A I an the of",
    "",
]


@pytest.mark.parametrize("text", TEXTS)
def test_the_fast_analysis_gives_the_whoosh_analyzers_terms(text: str) -> None:
    assert analyze(text) == [token.text for token in ANALYZER(text)]


@pytest.mark.parametrize("text", TEXTS)
def test_terms_are_located_where_the_whoosh_analyzer_finds_them(text: str) -> None:
    assert located_terms(text) == [(t.startchar, t.endchar, t.text)
                                   for t in ANALYZER(text, chars=True)]


def test_words_of_asking_are_indexed_and_one_letter_words_are_not() -> None:
    assert analyze("How can I do what is it") == ["how", "can", "do", "what", "is", "it"]


def test_words_of_asking_are_known_as_such() -> None:
    assert all(is_stop_word(w) for w in ("how", "can", "what", "the", "tell"))
    assert not any(is_stop_word(w) for w in ("refund", "after", "lower"))


def test_word_forms_share_a_stem() -> None:
    assert analyze("stretches stretching stretched") == ["stretch"] * 3
