"""Searching an index: from what a person typed to ranked hits.

- :mod:`~faqkb.search.query`: reading a query, never failing on it;
- :mod:`~faqkb.search.spelling` and :mod:`~faqkb.search.synonyms`: other ways to say a word;
- :mod:`~faqkb.search.plan`: the query's concepts in the index's own terms;
- :mod:`~faqkb.search.retrieval`: candidates from the index, within a time budget;
- :mod:`~faqkb.search.ranking`: re-ranking, collapsing repeats, judging weak results;
- :mod:`~faqkb.search.snippets`: the words that matched, marked;
- :mod:`~faqkb.search.suggest`: questions suggested as one types.
"""
