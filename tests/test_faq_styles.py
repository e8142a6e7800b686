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
    # HTML: a list of entries in italics under a "FAQ" heading; under it, even an entry
    # titled by a topic is one.
    "faq-list-items.html": [
        ("Where do I find the driver?", "On the CD in the box"),
        ("The printer prints blank pages.", "Replace the ink cartridge"),
        ("Setting up wireless printing", "Hold the Wi-Fi button"),
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
    # Markdown under "# Frequently Asked Questions": half the entries titled by a
    # statement, a question without "?", code in answers (a "# comment" in a fence is
    # code, not a heading), an answer opening with an error listing.
    "statements-markdown.md": [
        ("Do all boat types support all ferry commands", "Yes they do."),
        ("Can I copy my settings from one machine to another", "Sure! ferry keeps"),
        ("Running ferry from two harbours at once", "You can, if each harbour"),
        ('ferry gives a "mooring not found" error', "This happens when the mooring list"),
        ("Why is the crossing time shown in hours?", "Because most crossings"),
        ("Failed to open the chart on Windows", "Error: chart: open"),
    ],
    # reStructuredText FAQ: underlined titles, half statements, section ids with
    # "comments" and "share" in them, a note opening an answer, answers that are only a
    # cross-reference or a "see also".
    "statements-underlined.rst": [
        ("My garden isn't growing with compost", "Compost feeds the soil slowly."),
        ("How do I change the watering time?", "Open the Schedule page"),
        ("I get yellow leaves on my tomatoes", "Note\nYellow lower leaves"),
        ("Deleting an old planting plan", "See guides/planting-plans."),
        ("I want comments on my plans", "Plans have no comments of their own."),
        ("Can I share a plan with my neighbour?", "Yes. Open the plan"),
        ("What if two plans overlap?", "overlapping-plans"),
        ("Where are my plans stored?", "On your own computer"),
    ],
    # Plain text: "[TOPIC]" sections, a contents list of "* question" lines repeated in
    # the body with the answer in the paragraphs below, "----- snip -----" listings.
    "bulleted-questions.txt": [
        ("Which is the current version of Lanternfish?", "The current version is 2.4"),
        ("Where is the documentation?", "The manual pages are installed"),
        ('Why does the build fail with "cc: not found"?', "The build needs a C compiler"),
        ("Why does the test suite fail on old systems?", "Some tests need a clock"),
    ],
    # Plain text posted as a Usenet FAQ: "Section A:" topics (one wrapped under its
    # label), "N)" questions over two lines, tab-indented commands, lines leading into
    # them, a copyright notice and a licence after the last answer.
    "numbered-sections.txt": [
        ("What is it?", "Kiln reads a file of rules"),
        ("How can I build kiln with a compiler other than the default one?",
         "Set CC when you configure it."),
        ("Why does kiln rebuild everything after an upgrade?", "A new version may compile"),
        ("How can I see which rules kiln runs?", "Run it with the trace option:"),
    ],
    # Plain text: numbered titles underlined with dashes, statements among them, a title
    # over two lines, a list of references after the last answer.
    "underlined-statements.txt": [
        ("I've just upgraded and nothing starts.", "Delete the old cache"),
        ("How do I change the colours?", "Edit the theme file"),
        ("How do I bind a key to two actions? or How do I run two commands from one key?",
         "Write a small script"),
        ("How do I find the name of a key?", "Run ternkey"),
    ],
    # HTML (Docusaurus-like): "Direct link" anchors of zero-width spaces, a NUL byte in
    # an anchor, section ids with page-chrome words in them, a share bar, a feedback
    # widget, a comments box, pagination.
    "chrome-named-sections.html": [
        ("Do you use cookies?", "One: it remembers your language."),
        ("Can I share a notebook?", "Yes. Choose Share"),
        ("The menu bar is gone", "Press Alt to show it again"),
        ("How do I send feedback?", "Write to the mailing list"),
        ("Comments disappear after saving", "Comments are saved with the page"),
        ("Can I skip the welcome tour?", "Yes, press Escape"),
        ("What does the rating mean?", "It is how many readers"),
    ],
    # HTML (hand-made template): tabs of div accordions, the tab's label before its
    # questions, testimonials and a call to action after them.
    "tabbed-accordion.html": [
        ("How early do your crews arrive?", "Between 7 and 8 in the morning"),
        ("Do you pack fragile items?", "Yes, in double-walled boxes"),
        ("How long can you store my furniture?", "As long as you need"),
        ("Is my furniture insured during the move?", "Yes, up to the value"),
    ],
    # Markdown: question headings answered "A: ..." with no "Q:", and entries answered
    # "**Answer:** ...", one titled by a topic.
    "answer-labels.md": [
        ("When do we prune the apple trees?", "In late winter"),
        ("Can I bring my own ladder?", "Yes, if it is a tripod ladder"),
        ("Picking fruit that has fallen", "Windfalls go to the juice press"),
        ("Who decides what to plant?", "The members, by vote"),
    ],
    # Plain text: questions, and a statement, each answered "A: ..." with no "Q:".
    "answer-labels.txt": [
        ("How often are the hives inspected?", "Every nine days"),
        ("Do I need my own suit?", "No. The group lends suits"),
        ("The bees were angry on my first visit.", "Bees are calmer"),
    ],
    # HTML whose FAQPage data differs from the page: a question reworded there, one left
    # out of it; a sales question outside the FAQ.
    "faqpage-differs.html": [
        ("Do I need to book ahead?", "Only at weekends"),
        ("What is the longest rental?", "From one hour to two weeks"),
        ("Can children ride?", "Yes, we have bikes for children"),
        ("Are helmets included?", "Yes, a helmet comes with every bike"),
    ],
    # Plain text: a "Q:" whose question holds the command run and the error it printed.
    "question-with-code.txt": [
        ("When I run the importer like this: importer --all photos/ it stops with the "
         "message below. Why? importer: photos/raw: not a directory",
         "The --all option expects a folder of folders"),
        ("Can I import from a memory card directly?", "Yes. Give the card's mount point"),
        ("The importer is slow on a network drive. What can I do?",
         "Copy the photos to a local disk first"),
    ],
    # Plain text posted to Usenet: a header above the title, "Subject: 1.1." entries.
    "usenet-posting.txt": [
        ("What can go in a compost heap?", "Fruit and vegetable peelings"),
        ("How long does compost take?", "Six months to two years"),
        ("My heap smells bad.", "It is too wet."),
    ],
    # HTML marketing page: a tagline, call buttons, badges, places, price cards, a
    # testimonial and its attribution, then a FAQ.
    "marketing-page.html": [
        ("Do I need to be home?", "No, as long as we can reach"),
        ("What if it rains?", "We clean in light rain"),
        ("How do I pay?", "By card or bank transfer"),
    ],
}

NOT_IN_ANY_ANSWER = ["¶", "Permalink", "Found a bug", "Back to top", "cookies", "](", "**",
                     ":term:", ":ref:", "Navigation", "Report a Bug", "\u200b", "```",
                     "Was this page helpful", "Previous:", "Copyright", "Ready to", "Get a Quote",
                     "Storage & Insurance", "Moving Day", "Permission is hereby"]


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


def test_a_faq_entry_titled_by_a_statement_keeps_its_whole_answer() -> None:
    pair = pairs("statements-markdown.md")[2]
    assert pair.answer.splitlines()[1:] == ["# each harbour gets its own folder",
                                            "ferry run --log /var/log/ferry/north",
                                            "ferry run --log /var/log/ferry/south"]


def test_the_last_answer_ends_before_a_list_of_references_it_does_not_cite() -> None:
    assert pairs("underlined-statements.txt")[-1].answer == (
        "Run ternkey and press the key; it prints the name.")


def test_the_last_answer_ends_before_the_copyright_notice() -> None:
    assert pairs("numbered-sections.txt")[-1].answer.endswith(
        "which prints every command, this prints only the rule names.")


def test_tab_indented_commands_are_code_inside_the_answer() -> None:
    assert pairs("numbered-sections.txt")[1].answer == (
        "Set CC when you configure it. You can use\nCC=clang ./configure\n"
        "and then build as usual.")


def test_a_topic_heading_ends_the_answer_before_it() -> None:
    assert pairs("numbered-sections.txt")[1].answer.endswith("and then build as usual.")


def test_the_label_of_the_next_group_of_questions_ends_an_answer() -> None:
    assert pairs("tabbed-accordion.html")[1].answer == (
        "Yes, in double-walled boxes with paper, at no extra cost.")


def test_a_call_to_action_and_testimonials_are_not_entries() -> None:
    questions = [p.question for p in pairs("tabbed-accordion.html")]
    assert not [q for q in questions if q.startswith(("Ready", "The crew", "Storage was"))]


def test_a_question_asked_in_a_list_item_is_not_a_claim() -> None:
    entries = extract_entries(read_document(STYLES / "tabbed-accordion.html"))
    assert "How early do your crews arrive?" not in [e.text for e in entries
                                                      if e.kind == "claim"]


def test_a_contents_list_of_bulleted_questions_is_not_counted_twice() -> None:
    questions = [p.question for p in pairs("bulleted-questions.txt")]
    assert len(questions) == len(set(questions)) == 4


@pytest.mark.parametrize("name", sorted(EXPECTED_PAIRS))
def test_no_answer_keeps_its_label(name: str) -> None:
    assert not [p for p in pairs(name) if re.match(r"(?i)(a|answer)\s*:", p.answer or "")]


@pytest.mark.parametrize("name", sorted(EXPECTED_PAIRS))
def test_no_question_keeps_a_marker_or_a_field_name(name: str) -> None:
    assert not [p for p in pairs(name) if re.match(r"(?i)(q|question|subject)\s*:|\d+[.)]",
                                                   p.question or "")]


def test_a_usenet_header_is_not_part_of_the_title() -> None:
    assert read_document(STYLES / "usenet-posting.txt").title == "Gardening: Compost FAQ"


def claims(name: str) -> list[str]:
    return [e.text for e in extract_entries(read_document(STYLES / name)) if e.kind == "claim"]


def test_page_furniture_of_a_marketing_page_makes_no_claims() -> None:
    assert claims("marketing-page.html")[:4] == [
        "We clean homes and shops within twenty miles of the centre of Bristol.",
        "£15 — Front and back windows, with frames and sills wiped down.",
        "£25 — Every window, frame and sill, and the conservatory roof.",
        "“They turned up on time and our windows have never looked better.”"]


def test_a_price_stays_with_what_it_is_the_price_of() -> None:
    text = read_document(STYLES / "marketing-page.html").text
    entry = next(e for e in extract_entries(read_document(STYLES / "marketing-page.html"))
                 if e.text.startswith("£15"))
    assert text[entry.start : entry.end] == (
        "£15\n\nFront and back windows, with frames and sills wiped down.")
