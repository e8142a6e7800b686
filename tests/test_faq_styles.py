"""FAQ styles people write: every pair of each made-up fixture is found, and nothing else.

Each fixture in ``tests/fixtures/styles`` shows one way of writing a FAQ; the table
below is what a careful reader finds in it: each question (without its numbering or
``Q:`` marker) and how its answer starts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from faqkb.documents import read_document
from faqkb.extract import extract_entries
from faqkb.models import Entry

STYLES = Path(__file__).resolve().parent / "fixtures" / "styles"

EXPECTED_PAIRS = {
    # Plain text: numbered entries with indented answers, a statement standing in a
    # question's place, a question over two lines, code in answers, a contents list.
    "numbered-indented.txt": [
        ("Does tarpit run on Windows?", "Yes. Use the installer"),
        ('The build stops with "missing header".', "Install the development headers"),
        ("How do I build a static binary that also works on older systems?",
         "Pass the static flag"),
        ("The program crashes when the disk is full.", "Please send a short program"),
    ],
    # Plain text: Q:/A: and Q./A. markers; a marked statement is a question too.
    "q-and-a-markers.txt": [
        ("How often should I descale my kettle?", "Once a month"),
        ("My kettle switches itself off before the water boils.", "The thermostat"),
        ("Can I boil milk in the kettle?", "No. Milk burns"),
        ("Is the club open in winter?", "Yes, on Saturday mornings."),
        ("Can I bring a guest?", "Yes. Guests are welcome"),
    ],
    # Plain text: questions running straight into their answers, lines of dashes between
    # entries, numbered topics above the numbered questions, a contents list.
    "numbered-run-on.txt": [
        ("Where do I download Gadget?", "From the project page."),
        ("The installer stops with this message:", "gadget: cannot write to /opt/gadget"),
        ("My settings are lost when Gadget restarts, even after I save them twice.",
         "Check that the settings folder"),
        ("Can I run two copies of Gadget at once?", "Yes, each with its own settings folder."),
    ],
    # Plain text: section numbering mixing topics and questions, a question answered by
    # its subsection, an answer enumerating "(1)", "(2)".
    "sectioned-numbering.txt": [
        ("What is a knot?", "A knot is a tangle"),
        ("How do I tie a bowline?", "With one hand"),
        ("How do I untie a jammed knot?", "(1) Push the loops towards each other"),
    ],
    # Plain text: underlined headings, numbered questions under topic headings.
    "underlined.txt": [
        ("What is Lantern?", "Lantern is a small reading lamp"),
        ("How long does a charge last?", "About twelve hours"),
        ("Can I clean it with water?", "Wipe it with a damp cloth"),
    ],
    # Markdown: "## 3.1. Question?" headings, a linked contents list, code and lists in
    # answers, a statement in the numbering.
    "numbered-headings.md": [
        ("How often should I oil the chain?", "Every 300 km"),
        ("Which tyre pressure is right?", "It depends on the tyre:"),
        ("The brakes squeal.", "Clean the rims"),
    ],
    # Markdown: bold questions on lines of their own and in a numbered list.
    "bold-questions.md": [
        ("When does the greenhouse open?", "Every day from 8 am"),
        ("Can I bring my dog?", "Only guide dogs"),
        ("Where do I park?", "On the road outside."),
        ("Is there a café?", "Yes, beside the entrance."),
    ],
    # HTML from Sphinx: question headings under topic headings, ¶ marks, a contents
    # box, navigation, sidebar and a "Found a bug?" footer.
    "sphinx-headings.html": [
        ("Do fish need a pump?", "Yes, in any pond"),
        ("Why is the water green?", "Algae grow"),
        ("My pond froze over, and I can’t see the fish.", "Do not break the ice."),
    ],
    # HTML: a definition list, page header and footer.
    "definition-list.html": [
        ("Who can get a library card?", "Anyone who lives"),
        ("How many books can I borrow?", "Up to twelve at a time."),
        ("I lost my card.", "Report it at any desk"),
    ],
    # HTML: <details><summary> accordions, a cookie banner, a related-links box.
    "details-summary.html": [
        ("Can I change the date of my ticket?", "Yes, up to 24 hours"),
        ("Do children travel free?", "Children under four"),
    ],
    # HTML with schema.org FAQPage JSON-LD: its questions and no others; one of them is
    # not on the page.
    "faqpage-jsonld.html": [
        ("When will my order arrive?", "Within three working days."),
        ("Can I change the delivery address?", "Yes, until the parcel"),
        ("Do you deliver on Sundays?", "No, only Monday to Saturday."),
    ],
    # HTML with FAQPage microdata: even a question worded as a topic is one.
    "faqpage-microdata.html": [
        ("May I keep chickens on my plot?", "Up to six hens"),
        ("Bonfires", "Only between November and February."),
    ],
    # Old HTML: bold questions before a <br> or their answer, upper-case tags, a layout
    # table, "Back to top" links.
    "bold-paragraphs.htm": [
        ("Do I need to read music?", "No. Most of our singers"),
        ("What does it cost?", "Membership is £40 a year"),
        ("Which voices do you need?", "Tenors, always."),
        ("Can I bring a friend?", "Yes, to any open rehearsal."),
    ],
    # HTML (DocBook): a table of rows marked "question" and "answer", numbers in cells of
    # their own, a question showing an error message.
    "qanda-table.html": [
        ("Why is the image upside down?", "Because a simple telescope"),
        ("The focuser slips, like this:", "click... click... thud"),
    ],
    # HTML: a list of entries in italics under a "FAQ" heading; a topic among them.
    "faq-list-items.html": [
        ("Where do I find the driver?", "On the CD in the box"),
        ("The printer prints blank pages.", "Replace the ink cartridge"),
    ],
    # HTML: a help-centre page answering the one question of its title, with steps and
    # a "Was this article helpful?" box.
    "help-article.html": [
        ("How do I reset my password?", "You can reset it from the sign-in page"),
    ],
    # HTML: a table of questions and answers, and a table that is only data.
    "question-table.html": [
        ("Are towels provided?", "Only for members"),
        ("Is there a lifeguard?", "Yes, whenever the pool is open."),
    ],
    # reStructuredText for Sphinx: unknown roles and directives, a contents directive.
    "sphinx-source.rst": [
        ("How much does a first hive cost?", "About 300 euros with a nucleus colony"),
        ("Which tools do I need?", "A smoker and a hive tool."),
        ("Do bees sting often?", "Rarely, when they are handled calmly."),
    ],
}

NOT_IN_ANY_ANSWER = ["¶", "Permalink", "Found a bug", "Back to top", "cookies", "](", "**",
                     ":term:", ":ref:", "Navigation", "Report a Bug"]


def pairs(name: str) -> list[Entry]:
    return [e for e in extract_entries(read_document(STYLES / name)) if e.kind == "qa"]


def letters(text: str) -> str:
    return re.sub(r"\W", "", text)


def test_every_style_has_a_fixture() -> None:
    assert sorted(p.name for p in STYLES.iterdir()) == sorted(EXPECTED_PAIRS)


@pytest.mark.parametrize("name", sorted(EXPECTED_PAIRS))
def test_each_style_yields_exactly_its_questions(name: str) -> None:
    assert [p.question for p in pairs(name)] == [q for q, _ in EXPECTED_PAIRS[name]]


@pytest.mark.parametrize("name", sorted(EXPECTED_PAIRS))
def test_each_answer_starts_where_the_answer_starts(name: str) -> None:
    starts = [a for _, a in EXPECTED_PAIRS[name]]
    assert [p.answer[: len(a)] for p, a in zip(pairs(name), starts, strict=True)] == starts


@pytest.mark.parametrize("name", sorted(EXPECTED_PAIRS))
def test_each_pair_span_holds_its_question_and_answer(name: str) -> None:
    text = read_document(STYLES / name).text
    for pair in pairs(name):
        passage = letters(text[pair.start : pair.end])
        assert passage.startswith(letters(pair.question or "")), pair
        assert passage.endswith(letters(pair.answer or "")[-30:]), pair


@pytest.mark.parametrize("name", sorted(EXPECTED_PAIRS))
def test_answers_hold_no_markup_or_page_chrome(name: str) -> None:
    for pair in pairs(name):
        assert not [junk for junk in NOT_IN_ANY_ANSWER if junk in (pair.answer or "")], pair


def test_an_answer_keeps_its_code_block_whole() -> None:
    pair = pairs("numbered-indented.txt")[2]
    assert pair.answer == ("Pass the static flag to the configure script:\n"
                           "./configure --static\nmake\n"
                           "The result runs on any system with the same processor.")


def test_an_answer_keeps_the_numbers_of_its_steps() -> None:
    assert pairs("sectioned-numbering.txt")[2].answer.splitlines()[-1] == (
        "(2) If that fails, roll the knot under your foot on a hard floor.")


def test_a_help_centre_answer_is_the_whole_page_under_its_question() -> None:
    assert pairs("help-article.html")[0].answer == (
        "You can reset it from the sign-in page in a minute.\n1. Click Forgot password.\n"
        "2. Enter your email address.\n3. Follow the link we send you.\n"
        "The link works for 24 hours.")


def test_an_answer_keeps_its_list() -> None:
    pair = pairs("numbered-headings.md")[1]
    assert pair.answer.splitlines()[1:3] == ["Road tyres: 6 to 8 bar.", "City tyres: 3.5 to 5 bar."]


@pytest.mark.parametrize("name", ["numbered-indented.txt", "numbered-headings.md",
                                  "numbered-run-on.txt", "sectioned-numbering.txt"])
def test_a_contents_list_is_neither_a_pair_nor_a_claim(name: str) -> None:
    entries = extract_entries(read_document(STYLES / name))
    questions = [q for q, _ in EXPECTED_PAIRS[name]]
    assert not [e for e in entries if e.kind == "claim" and any(q in e.text for q in questions)]
    assert [e.question for e in entries if e.kind == "qa"] == questions


def test_a_contents_lists_heading_heads_no_section() -> None:
    assert {p.heading for p in pairs("numbered-headings.md")} == {""}


def test_marked_questions_in_a_row_share_the_answer_after_them() -> None:
    shared = pairs("q-and-a-markers.txt")[-1]
    assert shared.questions == ("Can I bring a guest?", "Can guests use the club kettles?")
    assert shared.answer == ("Yes. Guests are welcome at every meeting and may use any kettle "
                             "on the demonstration table.")


def test_a_question_asked_inside_an_answer_leaves_the_answer_whole() -> None:
    pair = pairs("sphinx-headings.html")[1]
    assert pair.answer.endswith("Then plant a small tree on its south side.")


def test_a_question_asked_outside_the_pages_faqpage_data_is_not_a_pair() -> None:
    assert "Why choose our express service?" not in [p.question for p in pairs(
        "faqpage-jsonld.html")]
