"""Searching: what people type never breaks it, and the best answer comes first."""

from __future__ import annotations

from pathlib import Path

import pytest

from faqkb import KnowledgeBase, QueryError
from faqkb.search.query import parse_query
from faqkb.search.snippets import make_snippet

HOSTILE_QUERIES = [
    "", " ", "?", "??", "*", "**", '"', '""', '"unclosed phrase', "'", "(", ")", "[", "]",
    "{", "}", "AND", "OR", "NOT", "NOT OR x", "AND OR NOT", "a AND", "OR b", "NOT NOT",
    "field:value", "question:", ":", "kind:", "kind:nonsense", "source:", "source:../../etc",
    "C++", "c#", "-", "--", "- -", "-running", "+", "~", "^2", "back~2", "pain^3",
    "run*", "*ing", "r?n", "[a TO z]", "{a TO z}", "\\", "\\\\", "/", "<script>alert(1)</script>",
    "🏃‍♀️", "💥 back pain 🔥", "\x00", "\x1b[31mred", "\u202e", "e\u0301", "ﬁnd", "日本語",
    "x" * 10_000, "back " * 500, '"' * 101, "a" * 300 + " pain", "%s %d {0}", "' OR 1=1 --",
]


@pytest.mark.parametrize("query", HOSTILE_QUERIES)
def test_search_never_raises_on_what_a_person_types(kb: KnowledgeBase, query: str) -> None:
    results = kb.search(query)
    assert len(results) <= 10


def test_an_empty_query_finds_nothing(kb: KnowledgeBase) -> None:
    results = kb.search("   ")
    assert (list(results), results.total) == ([], 0)


def test_words_are_or_ed_and_entries_matching_more_of_them_come_first(
        kb: KnowledgeBase) -> None:
    results = kb.search("session wear zzzunknownword")
    assert results[0].question == "What should I wear to my first session?"
    assert any(hit.question == "How long does a session last?" for hit in results)


def test_stems_match_other_forms_of_a_word(kb: KnowledgeBase) -> None:
    assert kb.search("stretched")[0].text.startswith(("Standing toe reach", "Doorway stretch",
                                                      "In conclusion"))


def test_question_words_and_stop_words_do_not_match_by_themselves(kb: KnowledgeBase) -> None:
    assert list(kb.search("how do I what is the")) == []


def test_a_question_match_outranks_a_passing_mention(kb: KnowledgeBase) -> None:
    assert kb.search("referral doctor")[0].question == "Do I need a referral from my doctor?"


def test_a_quoted_phrase_must_appear_as_written(kb: KnowledgeBase) -> None:
    results = kb.search('"water bottle"')
    assert [h.question for h in results] == ["What should I wear to my first session?"]
    assert not results.phrases_as_words


def test_a_phrase_said_nowhere_word_for_word_finds_its_words_and_says_so(
        kb: KnowledgeBase) -> None:
    results = kb.search('"bottle water"')
    assert results.phrases_as_words and results.to_dict()["phrases_as_words"]
    assert results.hits[0].question == "What should I wear to my first session?"


def test_a_quote_left_open_searches_the_words_after_it(kb: KnowledgeBase) -> None:
    results = kb.search('"how long is a session')
    assert results.phrases_as_words
    assert results.hits[0].question == "How long does a session last?"


def test_a_phrase_of_words_no_entry_holds_still_finds_nothing(kb: KnowledgeBase) -> None:
    results = kb.search('"zqxv flurbing"')
    assert not results.hits and not results.phrases_as_words


def test_a_minus_word_excludes_entries_containing_it(kb: KnowledgeBase) -> None:
    assert all("doorway" not in h.text.lower() for h in kb.search("stretch -doorway"))
    assert any("doorway" in h.text.lower() for h in kb.search("stretch"))


def test_not_word_excludes_like_minus(kb: KnowledgeBase) -> None:
    assert all("doorway" not in h.text.lower() for h in kb.search("stretch NOT doorway"))


def test_kind_filter_in_the_query_and_as_an_argument(kb: KnowledgeBase) -> None:
    assert {h.kind for h in kb.search("session kind:qa")} == {"qa"}
    assert {h.kind for h in kb.search("session", kind="claim")} == {"claim"}


def test_source_filter_takes_a_name_or_its_start(kb: KnowledgeBase) -> None:
    assert {h.source for h in kb.search("stretch source:hamstrings.txt")} == {"hamstrings.txt"}
    assert {h.source for h in kb.search("stretch", source="clinic")} <= {"clinic-faq.txt"}


def test_filters_given_as_arguments_narrow_the_filters_in_the_query(
        kb: KnowledgeBase) -> None:
    assert kb.search("session kind:qa", kind="claim").hits == ()
    assert kb.search("stretch source:hamstrings.txt", source="clinic").hits == ()
    assert {(h.kind, h.source) for h in kb.search("stretch source:hamstrings.txt",
                                                    kind="claim")} == {
        ("claim", "hamstrings.txt")}
    assert {h.kind for h in kb.search("session kind:qa kind:claim", kind="qa")} == {"qa"}


def test_results_count_matches_by_kind_and_source(kb: KnowledgeBase) -> None:
    results = kb.search("session")
    assert results.kind_counts.get("qa", 0) >= 2
    assert set(results.source_counts) == {"clinic-faq.txt"}


def test_a_claim_inside_a_returned_answer_is_not_listed_again(kb: KnowledgeBase) -> None:
    hits = kb.search("what should I wear to my first session")
    spans = [(h.source, h.start, h.end) for h in hits]
    for i, (source, start, end) in enumerate(spans):
        for other_source, other_start, other_end in spans[i + 1:]:
            assert source != other_source or end <= other_start or other_end <= start


def test_snippets_mark_the_matched_words(kb: KnowledgeBase) -> None:
    hit = kb.search("towel")[0]
    assert [hit.snippet[s:e] for s, e in hit.highlights] == ["towel"]


def test_offset_pages_through_results(kb: KnowledgeBase) -> None:
    everything = [h.id for h in kb.search("session stretch", limit=20)]
    assert [h.id for h in kb.search("session stretch", limit=2, offset=2)] == everything[2:4]


@pytest.mark.parametrize("arguments", [{"limit": 0}, {"limit": -1}, {"limit": 10_000},
                                       {"limit": "10"}, {"offset": -1}, {"kind": "faq"}])
def test_invalid_arguments_raise_query_error(kb: KnowledgeBase, arguments: dict) -> None:
    with pytest.raises(QueryError):
        kb.search("session", **arguments)


def test_the_parser_reads_phrases_exclusions_and_filters() -> None:
    parsed = parse_query('back "lower back" -knee NOT hip kind:qa source:002 AND x:y')
    assert parsed.words == ("back", "x:y")
    assert parsed.phrases == ("lower back",)
    assert parsed.excluded == ("knee", "hip")
    assert (parsed.kinds, parsed.sources) == (("qa",), ("002",))


def test_hits_carry_everything_a_result_page_needs(seeds: KnowledgeBase) -> None:
    hit = seeds.search("is it ok to run with lower back pain")[0]
    assert hit.kind == "qa" and hit.question and hit.answer == hit.text
    assert hit.source.endswith(".txt") and 0 <= hit.start < hit.end
    assert hit.title and hit.score > 0 and hit.snippet


def test_an_exact_question_comes_first(seeds: KnowledgeBase) -> None:
    hit = seeds.search("Is it OK to run with lower back pain?")[0]
    assert hit.question == "Is it OK to run with lower back pain?"


SHOE_CARE = """\
Shoe Care

How do I look after my running shoes?

Rinse the mud off with cold water and a soft brush after a muddy trail run, then take the \
insoles out so that both parts can air.

Dry them at room temperature and stuff them with newspaper, which draws the moisture out; \
never put them on a radiator or in a tumble dryer, because heat warps the foam.
"""


def test_the_same_text_in_two_documents_is_one_hit_naming_both(kb: KnowledgeBase,
                                                                kb_dir: Path) -> None:
    sentence = "Long hours at a desk shorten the hip flexors and stiffen the lower back.\n"
    (kb_dir / "one.txt").write_text("Desk Work\n\n" + sentence, encoding="utf-8")
    (kb_dir / "two.txt").write_text("Office Life\n\n" + sentence, encoding="utf-8")
    hits = [h for h in kb.search("desk hip flexors") if "Long hours at a desk" in h.text]
    assert len(hits) == 1
    assert {hits[0].source} | {e.source for e in hits[0].also_in} == {"one.txt", "two.txt"}


def test_a_passage_inside_a_long_answer_is_shown_when_it_is_what_was_asked(
        kb: KnowledgeBase, kb_dir: Path) -> None:
    (kb_dir / "shoes.txt").write_text(SHOE_CARE, encoding="utf-8")
    hit = kb.search("radiator tumble dryer")[0]
    assert (hit.kind, hit.text[:25]) == ("claim", "Dry them at room temperat")


def test_a_pair_asked_in_its_own_words_stays_whole(kb: KnowledgeBase, kb_dir: Path) -> None:
    (kb_dir / "shoes.txt").write_text(SHOE_CARE, encoding="utf-8")
    hit = kb.search("how do I look after my running shoes")[0]
    assert hit.question == "How do I look after my running shoes?"


def test_a_snippet_of_a_long_text_is_the_window_richest_in_matches() -> None:
    text = "Filler words go here. " * 40 + "Towels and water bottles help. " + "More. " * 40
    snippet, highlights = make_snippet(text, {"towel", "water"})
    assert [snippet[s:e] for s, e in highlights] == ["Towels", "water"]
    assert snippet.startswith("…") and len(snippet) <= 245


def test_a_snippet_ending_with_a_sentence_has_no_ellipsis_after_it() -> None:
    text = "Towels help a lot. Xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx and more."
    assert make_snippet(text, {"towel"}, width=25)[0] == "Towels help a lot."


def test_a_snippet_cut_mid_sentence_says_more_follows() -> None:
    text = "Towels help a lot when it rains and the track is muddy."
    assert make_snippet(text, {"towel"}, width=25)[0] == "Towels help a lot when…"


def test_correcting_can_be_turned_off(kb: KnowledgeBase) -> None:
    results = kb.search("tawel", correct=False)
    assert (results.suggestion, list(results)) == (None, [])
