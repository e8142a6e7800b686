"""Ranking and judging that hold on a knowledge base of any topic: words of asking tell
questions about the same thing apart, English words the kb lacks stay as typed and count
as missing, and questions nobody wrote an answer to say so."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from faqkb import KnowledgeBase

SHOP_FAQ = """\
# Orders, billing and shipping

## How much does shipping cost?

Shipping within the country is free for orders over forty euros; below that it is a flat
four euros ninety.

## How long does shipping take?

Parcels arrive in two to four working days; express parcels the next working day.

## Where can I download my invoice?

Every invoice is in your account, under Orders, as a PDF you can download at any time.

## Why is my invoice higher than my order?

An invoice includes shipping and any customs duties your country charges on import.

## How do I pay an invoice by bank transfer?

Use the IBAN printed on the invoice and put the invoice number in the reference.

## Can I change the delivery address of an order?

Until the parcel leaves the warehouse you can change the address in your account.

## How do I return an item?

Print the return label from your account and drop the parcel at any post office within
thirty days.

## When will I get my refund?

Refunds reach your card within five working days of the return arriving at the warehouse.
"""

OFF_TOPIC = ["how do I bake sourdough bread", "who won the football world cup",
             "what is the capital of france", "recipe for lemon cake",
             "how to knit a scarf", "how do I sharpen a lawnmower blade"]


@pytest.fixture()
def shop(tmp_path: Path) -> Iterator[KnowledgeBase]:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "shop-faq.md").write_text(SHOP_FAQ, encoding="utf-8")
    kb = KnowledgeBase(kb_dir=folder, index_dir=tmp_path / "index")
    yield kb
    kb.close()


@pytest.mark.parametrize("query, question", [
    ("where do I get my invoice", "Where can I download my invoice?"),
    ("why is the invoice more than I paid", "Why is my invoice higher than my order?"),
    ("how long until my parcel arrives", "How long does shipping take?"),
    ("how much is shipping", "How much does shipping cost?"),
    ("when is my refund paid", "When will I get my refund?"),
    ("how can I pay by bank", "How do I pay an invoice by bank transfer?"),
])
def test_words_of_asking_tell_questions_about_the_same_thing_apart(
        shop: KnowledgeBase, query: str, question: str) -> None:
    assert shop.search(query)[0].question == question


def test_a_question_asked_in_other_words_is_not_flagged(shop: KnowledgeBase) -> None:
    results = shop.search("how many days for shipping to nz")
    assert results[0].question == "How long does shipping take?"
    assert not results.no_close_match


@pytest.mark.parametrize("query", OFF_TOPIC)
def test_an_off_topic_question_has_no_close_match(shop: KnowledgeBase, query: str) -> None:
    results = shop.search(query)
    assert not results or results.no_close_match


@pytest.mark.parametrize("query", OFF_TOPIC)
def test_an_off_topic_question_has_no_close_match_in_the_bundled_kb(
        seeds: KnowledgeBase, query: str) -> None:
    results = seeds.search(query)
    assert not results or results.no_close_match


@pytest.mark.parametrize("query", ["how do I bake sourdough bread", "lost phone",
                                   "invoice for my order"])
def test_an_english_word_the_kb_lacks_is_not_corrected_into_one_it_has(
        seeds: KnowledgeBase, query: str) -> None:
    results = seeds.search(query)
    assert results.suggestion is None and not results.corrected


def test_a_misspelt_word_is_still_corrected(shop: KnowledgeBase) -> None:
    results = shop.search("shiping cost")
    assert results.suggestion == "shipping cost"
    assert results[0].question == "How much does shipping cost?"


def test_english_words_the_kb_lacks_count_as_asked_and_missing(shop: KnowledgeBase) -> None:
    results = shop.search("lawnmower gardening")
    assert results.suggestion is None
    assert not results or results.no_close_match


def test_a_pair_answering_two_questions_is_shown_under_the_one_asked(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "faq.md").write_text(
        "# Help\n\n## How do I reset my password?\n\nUse the link on the sign-in page.\n\n"
        "## I forgot my login name, what now?\n\nUse the link on the sign-in page.\n\n"
        "## How do I close my account?\n\nWrite to support from your account's address.\n",
        encoding="utf-8")
    kb = KnowledgeBase(kb_dir=folder, index_dir=tmp_path / "index")
    hit = kb.search("forgot login name")[0]
    assert len(hit.questions) == 2
    assert hit.question == "I forgot my login name, what now?"
    kb.close()
