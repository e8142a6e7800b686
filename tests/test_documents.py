"""Reading kb/: which files are documents, how they decode, and how plain text is laid out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from faqkb.documents import discover, load_documents, read_document
from faqkb.documents.plaintext import layout_plain_text
from faqkb.errors import DocumentError, KnowledgeBaseError


def write(folder: Path, name: str, data: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return path


def kinds(text: str) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for b in layout_plain_text(text)]


# -- layout of plain text -------------------------------------------------------------

def test_a_short_first_line_is_the_title() -> None:
    text = "Knee Care Basics\n\nIce helps swelling go down after a long run.\n"
    assert kinds(text)[0] == ("title", "Knee Care Basics")


def test_a_document_without_a_title_line_takes_its_first_sentence_as_title(
        tmp_path: Path) -> None:
    path = write(tmp_path, "notes.txt", "Ice helps swelling go down. It also numbs pain.\n")
    assert read_document(path).title == "Ice helps swelling go down."


def test_a_breadcrumb_ending_with_the_title_is_navigation() -> None:
    text = "HomeGuidesKnee Care Basics\n\nKnee Care Basics\n\nIce helps swelling go down.\n"
    assert kinds(text)[:2] == [("nav", "HomeGuidesKnee Care Basics"), ("title", "Knee Care Basics")]


def test_standalone_short_lines_are_headings_and_long_lines_paragraphs() -> None:
    text = ("Guide\n\nWarming Up\n\nA brisk five-minute walk raises your heart rate before "
            "a run and loosens the hips.\n")
    assert kinds(text)[1:] == [
        ("heading", "Warming Up"),
        ("paragraph", "A brisk five-minute walk raises your heart rate before a run and "
                      "loosens the hips."),
    ]


def test_bullets_become_items_without_their_marker() -> None:
    text = "Guide\n\n  • Rest: Take a day off.\n  • Ice: Cool the sore spot.\n"
    assert kinds(text)[1:] == [
        ("item", "Rest: Take a day off."), ("item", "Ice: Cool the sore spot.")]


def test_a_numbered_label_joins_the_line_that_follows_it() -> None:
    text = "Some tips follow, to read one by one, as listed:\n1. Rest:\nTake a day off.\n"
    blocks = layout_plain_text(text)
    assert (blocks[-1].kind, blocks[-1].text) == ("item", "Rest: Take a day off.")
    assert text[blocks[-1].start:blocks[-1].end] == "Rest:\nTake a day off."


def test_a_numbered_line_standing_alone_before_prose_is_a_heading() -> None:
    text = "Guide\n\n1. Strengthen Your Core\n\nPlanks build the muscles that steady your spine.\n"
    block = layout_plain_text(text)[1]
    assert (block.kind, block.text, block.numbered) == ("heading", "Strengthen Your Core", True)


def test_glued_table_cells_are_split_into_rows_with_a_header() -> None:
    text = ("Guide\n\nProblemRemedy\nShin splintsRest and ice\nBlistersBetter socks\n"
            "Side stitchSlower breathing\n")
    blocks = layout_plain_text(text)[1:]
    assert [(b.kind, b.cells) for b in blocks] == [
        ("header_row", ("Problem", "Remedy")),
        ("row", ("Shin splints", "Rest and ice")),
        ("row", ("Blisters", "Better socks")),
        ("row", ("Side stitch", "Slower breathing")),
    ]


def test_hard_wrapped_lines_join_into_one_paragraph() -> None:
    text = ("Notes on running in the heat and how to stay safe when\n"
            "the temperature climbs above thirty degrees in summer\n"
            "afternoons, when most runners should slow down a lot.\n\n"
            "Drink before you are thirsty, and drink again after\n"
            "the run; salty snacks help you keep the water in.\n")
    assert [k for k, _ in kinds(text)] == ["paragraph", "paragraph"]


def test_every_block_span_points_at_its_text() -> None:
    text = "Guide\n\n  • Rest: Take a day off.\n\nWarming Up\n\nWalk first.\n"
    for block in layout_plain_text(text):
        assert " ".join(text[block.start:block.end].split()) == block.text


# -- FAQ styles in plain text -----------------------------------------------------------

HARD_WRAPPED = """\
1. Why does the build fail?

   The compiler cannot find the library.  Install it first, with the
   package manager of your system or from source, and then run the
   build again, as shown below, from the top folder:

       make clean
       make

   See the manual

   It comes with the program and covers the other errors as well.
"""


def test_q_and_a_markers_make_a_question_and_its_answer(tmp_path: Path) -> None:
    path = write(tmp_path, "qa.txt", "Club notes\n\nQ: Is parking free?\nA: Yes, after six.\n")
    assert [(b.kind, b.text) for b in read_document(path).blocks][1:] == [
        ("question", "Is parking free?"), ("paragraph", "Yes, after six.")]


def test_a_q_marker_without_a_question_or_an_answer_is_plain_text(tmp_path: Path) -> None:
    path = write(tmp_path, "report.txt", "Results\n\nQ3: sales grew by a tenth overall.\n")
    assert [(b.kind, b.text) for b in read_document(path).blocks][1:] == [
        ("paragraph", "Q3: sales grew by a tenth overall.")]


def test_underlines_make_headings_with_levels_in_order_of_appearance() -> None:
    text = "Guide\n=====\n\nTopic\n-----\n\nA sentence of text under the topic.\n\nOther\n-----\n"
    assert [(b.kind, b.text, b.level) for b in layout_plain_text(text)] == [
        ("title", "Guide", 0), ("heading", "Topic", 2),
        ("paragraph", "A sentence of text under the topic.", 1), ("heading", "Other", 2)]


def test_numbered_headings_are_as_deep_as_their_numbering() -> None:
    text = "1. General\n\nAbout the club.\n\n1.1. Who runs it?\n\nThe members do.\n"
    assert [(b.text, b.level) for b in layout_plain_text(text) if b.kind == "heading"] == [
        ("General", 2), ("Who runs it?", 3)]


def test_lines_indented_deeper_than_the_text_are_code() -> None:
    blocks = layout_plain_text(HARD_WRAPPED)
    assert ("code", "make clean\nmake") in [(b.kind, b.text) for b in blocks]


def test_a_short_line_indented_under_a_heading_is_not_a_heading() -> None:
    assert [b.kind for b in layout_plain_text(HARD_WRAPPED)] == [
        "heading", "paragraph", "code", "paragraph", "paragraph"]


# Hard-wrapped text, as README and FAQ files are: lines broken at a width.
PREAMBLE = ("This FAQ answers the questions people ask about the tool most often,\n"
            "in the order they usually come up when they start to use it, and it\n"
            "is kept up to date by the people who answer them on the mailing list\n"
            "every week.\n\n")
WRAPPED_FAQ = (PREAMBLE +
               "1) How do I print the version?\n\n"
               "Print it with the flag. You can use\n\n\ttool --version\n\n"
               "which also shows the build date, or look at the first line of\n"
               "the manual page for the same.\n")


def test_a_tab_indents_a_line_by_eight_columns() -> None:
    assert ("code", "tool --version") in kinds(WRAPPED_FAQ)


def test_a_line_leading_into_code_is_not_a_heading() -> None:
    assert ("paragraph", "Print it with the flag. You can use") in kinds(WRAPPED_FAQ)


def test_a_heading_set_before_a_rule_on_its_line_is_a_heading() -> None:
    text = PREAMBLE + "[SETUP] ==============================\n\n* Where is it?\n\nIn /opt.\n"
    assert ("heading", "[SETUP]") in kinds(text)


def test_markers_between_rules_around_a_listing_are_left_out() -> None:
    text = (PREAMBLE + "Use this when the build stops halfway and you want it to go on:\n\n"
            "----- snip:start -----\n  make -k\n----- snip:end -----\n")
    assert [kind for kind, _ in kinds(text)][-2:] == ["paragraph", "code"]


def test_a_line_hung_under_a_label_continues_it() -> None:
    text = (PREAMBLE + "Section B:  Using the tool, and why it does things the way\n"
            "            it does\n\n1) Why is it slow?\n\nIt checks every file.\n")
    assert ("heading", "Section B: Using the tool, and why it does things the way it does") \
        in kinds(text)


def test_a_title_over_two_lines_may_be_underlined_as_one() -> None:
    text = "1. How do I start it?\n or How do I run it?\n-----------------------\nType go.\n"
    assert kinds(text)[0] == ("heading", "How do I start it? or How do I run it?")


def test_a_list_of_references_is_a_list() -> None:
    text = "Where to read more.\n\n[1] http://example.org/a\n[2] http://example.org/b\n"
    assert [kind for kind, _ in kinds(text)][-2:] == ["item", "item"]


def test_short_lines_that_are_not_sentences_are_code() -> None:
    text = ("1. How do I build it?\n\n   Run these commands in the top folder of the source "
            "tree,\n   one after the other, in the order shown here, and wait\n   for each "
            "of them to finish before you start the next:\n\n   ./configure\n   make\n")
    assert layout_plain_text(text)[-1].kind == "code"


def test_a_numbered_question_may_run_straight_into_its_answer() -> None:
    text = ("1. Is it free? \nYes, for everyone, and it always will be free of charge for\n"
            "people who use it at home, at school or at work, whatever\n"
            "they use it for and however often they use it.\n\n"
            "2. Is it safe? \nYes. It has been checked by three independent reviewers and\n"
            "by thousands of users.\n")
    assert [(b.kind, b.text) for b in layout_plain_text(text)][:2] == [
        ("heading", "Is it free?"),
        ("paragraph", "Yes, for everyone, and it always will be free of charge for people who "
                      "use it at home, at school or at work, whatever they use it for and "
                      "however often they use it.")]


def test_a_line_of_dashes_longer_than_the_line_above_is_a_separator() -> None:
    text = "Keep the lid closed while it boils.\n" + "-" * 60 + "\n\nNext part.\n"
    assert [b.kind for b in layout_plain_text(text)] == ["paragraph", "paragraph"]


def test_numbered_lines_set_in_the_running_text_are_list_items() -> None:
    text = ("1. How do I clean it?\n\n   Cleaning takes ten minutes and needs no tools at all,\n"
            "   only a cloth, a towel and some patience.\n\n"
            "   (1) Unplug it and let it cool down for an hour or\n"
            "   so, then wipe the outside with a damp cloth.\n\n   (2) Dry it with a towel "
            "before you plug it in again,\n   or leave it to dry overnight.\n")
    assert [b.kind for b in layout_plain_text(text)] == ["heading", "paragraph", "item", "item"]


# -- decoding ---------------------------------------------------------------------------

def test_utf8_with_a_byte_order_mark_is_read_without_it(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.txt", "\ufeffCafé Questions\n\nWhy run?\n\nFor joy.\n".encode())
    document = read_document(path)
    assert document.text.startswith("Café") and document.encoding == "utf-8-sig"


def test_windows_1252_text_is_read_as_such(tmp_path: Path) -> None:
    path = write(tmp_path, "legacy.txt", "Don\x92t overstride \x96 land under your hips.".encode(
        "latin-1"))
    assert read_document(path).text == "Don’t overstride – land under your hips."


def test_binary_files_are_refused_with_a_clear_error(tmp_path: Path) -> None:
    path = write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(DocumentError, match="image.txt: binary file"):
        read_document(path)


# -- discovery --------------------------------------------------------------------------

def test_a_stray_nul_byte_is_left_out_of_the_text(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.txt", b"Tea is served at four.\x00 " + b"Cake too. " * 200)
    assert read_document(path).text.startswith("Tea is served at four. Cake too.")


def test_discovery_skips_hidden_files_and_editor_backups(tmp_path: Path) -> None:
    for name in ["a.txt", ".hidden.txt", "b.txt~", "#c.txt#", "d.txt.swp", "sub/e.txt"]:
        write(tmp_path, name, "Some text here for the test.")
    paths, _ = discover(tmp_path)
    assert [p.relative_to(tmp_path.resolve()).as_posix() for p in paths] == ["a.txt", "sub/e.txt"]


def test_discovery_leaves_out_the_synonyms_file_at_the_top(tmp_path: Path) -> None:
    write(tmp_path, "synonyms.txt", "jogging, running\n")
    write(tmp_path, "guides/synonyms.txt", "A guide that happens to be called synonyms.")
    paths, _ = discover(tmp_path)
    assert [p.relative_to(tmp_path.resolve()).as_posix() for p in paths] == [
        "guides/synonyms.txt"]


def test_discovery_reports_unsupported_formats(tmp_path: Path) -> None:
    write(tmp_path, "scan.pdf", b"%PDF-1.4")
    paths, warnings = discover(tmp_path)
    assert paths == [] and warnings == [
        "scan.pdf: skipped, not a supported format "
        "(.txt, .text, .md, .markdown, .html, .htm, .xhtml, .rst)"]


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symlinks on this platform")
def test_a_link_out_of_the_knowledge_base_is_not_followed(tmp_path: Path) -> None:
    outside = write(tmp_path, "secret.txt", "Not part of the knowledge base at all.")
    kb = tmp_path / "kb"
    kb.mkdir()
    (kb / "leak.txt").symlink_to(outside)
    paths, warnings = discover(kb)
    assert paths == [] and warnings == ["leak.txt: skipped, a link to outside the knowledge base"]


def test_load_documents_keeps_going_past_a_bad_file(tmp_path: Path) -> None:
    write(tmp_path, "good.txt", "Hydration\n\nDrink water before a long run.\n")
    write(tmp_path, "bad.txt", b"\x00\x01\x02")
    documents, warnings = load_documents(tmp_path)
    assert [d.name for d in documents] == ["good.txt"]
    assert warnings == ["bad.txt: binary file (contains NUL bytes)"]


def test_a_missing_folder_is_a_knowledge_base_error(tmp_path: Path) -> None:
    with pytest.raises(KnowledgeBaseError, match="not found"):
        discover(tmp_path / "nowhere")
