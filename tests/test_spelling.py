"""Typos: a word the index has never seen is corrected to the closest word it has."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from faqkb import KnowledgeBase
from faqkb.index.vocabulary import Vocabulary
from faqkb.search.spelling import allowed_distance, best_correction, edit_distance


@pytest.mark.parametrize("a, b, distance", [
    ("posture", "posture", 0), ("posure", "posture", 1), ("runing", "running", 1),
    ("recieve", "receive", 1), ("milage", "mileage", 1), ("sacroilliac", "sacroiliac", 1),
    ("gradualy", "gradually", 1), ("flexibilty", "flexibility", 1), ("abc", "xyz", 3),
])
def test_edit_distance_counts_insertions_deletions_changes_and_swaps(a: str, b: str,
                                                                    distance: int) -> None:
    assert edit_distance(a, b) == distance


@pytest.mark.parametrize("word, allowed", [("run", 0), ("rnu", 0), ("tilt", 1), ("posure", 1),
                                           ("gradualy", 2), ("flexibilty", 2), ("c3po", 0)])
def test_longer_words_may_be_corrected_further(word: str, allowed: int) -> None:
    assert allowed_distance(word) == allowed


def test_the_closest_and_then_the_most_frequent_candidate_wins() -> None:
    assert best_correction("stretchs", {"stretches": 4, "stretch": 9, "stretched": 1}) \
        == "stretch"
    assert best_correction("tilts", {"tilt": 3, "tills": 9}) == "tills"


def test_a_doubled_letter_missed_is_the_likeliest_slip() -> None:
    assert best_correction("runing", {"running": 40, "ruling": 90}) == "running"


def test_no_candidate_close_enough_means_no_correction() -> None:
    assert best_correction("zebra", {"cobra": 5, "zebrafish": 9}) is None


def test_a_misspelt_query_is_searched_as_corrected_and_says_so(kb: KnowledgeBase) -> None:
    results = kb.search("how long is a sesion")
    assert results.suggestion == "how long is a session"
    assert results.corrected
    assert results[0].question == "How long does a session last?"


def test_a_known_word_is_never_corrected(kb: KnowledgeBase) -> None:
    assert kb.search("session").suggestion is None


def test_a_short_unknown_word_is_left_alone(kb: KnowledgeBase) -> None:
    assert kb.search("twl").suggestion is None


def test_a_word_with_nothing_near_it_is_left_alone(kb: KnowledgeBase) -> None:
    assert kb.search("zebra").suggestion is None


def test_the_correction_keeps_the_rest_of_the_query_as_typed(kb: KnowledgeBase) -> None:
    assert kb.search('Tawel "water bottle" -doorway').suggestion == \
        'Towel "water bottle" -doorway'


def test_the_correction_finds_the_answer(kb: KnowledgeBase) -> None:
    assert kb.search("tawel")[0].question == "What should I wear to my first session?"


def test_an_abbreviation_finds_the_words_it_starts(kb: KnowledgeBase) -> None:
    assert kb.search("referr")[0].question == "Do I need a referral from my doctor?"


def test_the_vocabulary_counts_entries_not_occurrences() -> None:
    vocabulary = Vocabulary.from_texts([["towel", "towel", "water"], ["towel"]])
    assert vocabulary.counts == {"towel": 2, "water": 1}


def test_the_vocabulary_finds_the_words_within_the_distance() -> None:
    vocabulary = Vocabulary({"posture": 5, "postures": 1, "pasture": 2, "imposture": 1})
    assert vocabulary.similar("posure", 1) == {"posture": 5}
    assert vocabulary.similar("posure", 2) == {"posture": 5, "postures": 1, "pasture": 2}


def test_the_vocabulary_completes_a_prefix_most_used_first() -> None:
    vocabulary = Vocabulary({"cardio": 1, "cardiovascular": 2, "cardiac": 5, "care": 9})
    assert vocabulary.starting("cardi", 5) == ["cardiac", "cardiovascular", "cardio"]


def test_the_vocabulary_survives_saving_and_loading(tmp_path: Path) -> None:
    Vocabulary({"towel": 2, "water": 1}).save(tmp_path / "words.tsv")
    assert Vocabulary.load(tmp_path / "words.tsv").counts == {"towel": 2, "water": 1}
    assert len(Vocabulary.load(tmp_path / "missing.tsv")) == 0


def test_the_web_app_reads_the_english_word_list_as_it_starts(tmp_path: Path) -> None:
    # In a fresh interpreter: this one may have read the list already.
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "faq.txt").write_text("FAQ\n\nWhat is it?\n\nA thing.\n")
    script = (
        "import sys, time\n"
        "from faqkb.search import spelling\n"
        "from faqkb.web import create_app\n"
        "assert spelling._ENGLISH is None\n"
        "create_app({'FAQKB_KB_DIR': sys.argv[1], 'FAQKB_INDEX_DIR': sys.argv[2]})\n"
        "deadline = time.monotonic() + 30\n"
        "while spelling._ENGLISH is None and time.monotonic() < deadline:\n"
        "    time.sleep(0.05)\n"
        "print(len(spelling._ENGLISH or ()))\n")
    done = subprocess.run([sys.executable, "-c", script, str(tmp_path / "kb"),
                           str(tmp_path / "index")], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 10_000


def test_a_fork_while_the_word_list_is_read_leaves_the_child_able_to_read_it() -> None:
    script = (
        "import os, threading\n"
        "from faqkb.search import spelling\n"
        "release = threading.Event()\n"
        "def slow():\n"
        "    with spelling._ENGLISH_GUARD:\n"
        "        release.wait(5)\n"
        "threading.Thread(target=slow).start()\n"
        "pid = os.fork()\n"
        "if pid == 0:\n"
        "    os._exit(0 if spelling.is_english_word('house') else 3)\n"
        "release.set()\n"
        "_, status = os.waitpid(pid, 0)\n"
        "print(os.waitstatus_to_exitcode(status))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "0"
