"""Relevance on the project's own judged queries over the bundled kb/: a floor that must
not be lost, and honest "no close match" answers."""

from __future__ import annotations

import pytest

from faqkb import KnowledgeBase
from faqkb.search.ranking import NO_CLOSE_MATCH_COVERAGE
from judged import BUNDLED_KB, JudgedQuery, load_queries, mean_ndcg

# The level reached when the judged queries were written (0.79); a change that loses
# more than noise fails here.
NDCG_FLOOR = 0.77

QUERIES = load_queries(BUNDLED_KB)
ANSWERABLE = [q for q in QUERIES if q.relevant]
UNANSWERABLE = [q for q in QUERIES if not q.relevant]


def test_mean_ndcg_on_the_judged_queries_stays_above_the_floor(seeds: KnowledgeBase) -> None:
    score = mean_ndcg(ANSWERABLE, lambda q: [(h.source, h.start, h.end)
                                             for h in seeds.search(q, limit=10)])
    assert score >= NDCG_FLOOR


# It shares "runners" with questions the kb asks, and lexical evidence cannot tell a
# question about runners that the kb does not answer from one it does.
KNOWN_MISSES = {"vitamin supplements for runners"}


@pytest.mark.parametrize("judged", [
    pytest.param(q, marks=pytest.mark.xfail(strict=True, reason="shares its subject with "
                                            "answered questions"))
    if q.query in KNOWN_MISSES else q for q in UNANSWERABLE],
    ids=[q.query for q in UNANSWERABLE])
def test_a_question_the_knowledge_base_cannot_answer_says_so(seeds: KnowledgeBase,
                                                             judged: JudgedQuery) -> None:
    results = seeds.search(judged.query)
    assert not results or results.no_close_match


@pytest.mark.parametrize("judged", ANSWERABLE, ids=[q.query for q in ANSWERABLE])
def test_a_question_the_knowledge_base_answers_is_not_flagged(seeds: KnowledgeBase,
                                                              judged: JudgedQuery) -> None:
    assert not seeds.search(judged.query).no_close_match


def test_the_threshold_is_a_share_of_the_query() -> None:
    assert 0.3 < NO_CLOSE_MATCH_COVERAGE < 0.7


def test_most_judged_queries_have_a_right_answer_first(seeds: KnowledgeBase) -> None:
    first = [mean_ndcg([q], lambda text: [(h.source, h.start, h.end)
                                          for h in seeds.search(text, limit=1)]) > 0
             for q in ANSWERABLE]
    assert sum(first) / len(first) >= 0.75
