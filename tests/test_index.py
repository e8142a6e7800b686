"""The index's analyzer (one set of terms for indexing and for querying), and segments
written in one pass that Whoosh reads as its own."""

from __future__ import annotations

import bisect
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import index as whoosh_index

from faqkb.documents import load_documents
from faqkb.extract import extract_entries
from faqkb.index.analysis import ANALYZER, analyze, is_stop_word, located_terms
from faqkb.index.schema import entry_fields
from faqkb.index.terms import SortedTerms
from faqkb.index.writing import SegmentBuilder, commit_segments, create_index

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


_WORDY = st.text(st.sampled_from(list("abdlnrstuyDLRTY_09 .,—'éÉßİſK")), max_size=60)


@settings(max_examples=300, deadline=None)
@given(text=_WORDY | st.sampled_from(TEXTS + ["Dying, lying and tying; RUNNING runs"]),
       picks=st.lists(st.integers(0, 30), max_size=4))
def test_locating_some_terms_finds_exactly_those_of_all_the_terms(text: str,
                                                                   picks: list[int]) -> None:
    every = located_terms(text)
    wanted = {every[i % len(every)][2] for i in picks} if every else {"die"}
    assert located_terms(text, wanted) == [found for found in every if found[2] in wanted]


def test_words_of_asking_are_indexed_and_one_letter_words_are_not() -> None:
    assert analyze("How can I do what is it") == ["how", "can", "do", "what", "is", "it"]


def test_words_of_asking_are_known_as_such() -> None:
    assert all(is_stop_word(w) for w in ("how", "can", "what", "the", "tell"))
    assert not any(is_stop_word(w) for w in ("refund", "after", "lower"))


def test_word_forms_share_a_stem() -> None:
    assert analyze("stretches stretching stretched") == ["stretch"] * 3
    assert analyze("added adding add") == [analyze("add")[0]] * 3


def test_words_of_different_meaning_keep_different_stems() -> None:
    # Snowball's later English rules: no "universe" for "university", no "organ" for
    # "organization", no "even" for "evening".
    for one, other in (("university", "universe"), ("organization", "organ"),
                       ("evening", "even"), ("internal", "international")):
        assert analyze(one) != analyze(other), (one, other)


def whoosh_view(directory: Path) -> dict[str, object]:
    """Everything a Whoosh reader sees of an index: terms, postings, lengths, stored."""
    index = whoosh_index.open_dir(str(directory))
    with index.reader() as reader:
        fields = sorted(reader.indexed_field_names())
        view: dict[str, object] = {
            "docs": reader.doc_count(),
            "stored": [reader.stored_fields(n) for n in range(reader.doc_count())],
            "terms": sorted(reader.all_terms()),
            "postings": {(f, t): list(reader.postings(f, t).items_as("weight"))
                         for f, t in reader.all_terms()},
            "lengths": {f: [reader.doc_field_length(n, f) for n in range(reader.doc_count())]
                        for f in fields},
            "totals": {f: reader.field_length(f) for f in fields},
            "columns": {f: list(reader.column_reader(f)) for f in ("kind", "source")},
        }
    index.close()
    return view


def test_a_segment_written_in_one_pass_reads_as_whooshs_own(kb_dir: Path,
                                                             tmp_path: Path) -> None:
    documents, _ = load_documents(kb_dir)
    entries = [e for d in documents for e in extract_entries(d)]
    ours, theirs = tmp_path / "ours", tmp_path / "theirs"
    for folder in (ours, theirs):
        folder.mkdir()
        create_index(folder)
    builder = SegmentBuilder(ours)
    builder.add(entries)
    commit_segments(ours, [builder.finish()], builder.counts)
    writer = whoosh_index.open_dir(str(theirs)).writer()
    for entry in entries:
        writer.add_document(**entry_fields(entry)[0])
    writer.commit()
    assert whoosh_view(ours) == whoosh_view(theirs)


@settings(max_examples=200, deadline=None)
@given(words=st.sets(st.text(st.sampled_from(list("ab_9éß€x")), min_size=1, max_size=12),
                     max_size=40),
       probes=st.lists(st.text(st.sampled_from(list("ab_9éß€xy")), max_size=12), max_size=10))
def test_a_segments_terms_are_found_where_they_are_sorted(words: set[str],
                                                          probes: list[str]) -> None:
    terms = sorted(words)
    encoded = [t.encode("utf-8") for t in terms]
    offsets = np.cumsum([0] + [len(e) for e in encoded]).astype(np.int64)
    sorted_terms = SortedTerms(offsets, memoryview(b"".join(encoded)))
    assert list(sorted_terms) == terms
    for probe in terms + probes:
        low, high = sorted_terms.around(probe)
        position = bisect.bisect_left(sorted_terms, probe, low, high)
        found = position < high and sorted_terms[position] == probe
        assert found == (probe in words)
        if found:
            assert position == terms.index(probe)
