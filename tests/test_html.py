"""Reading HTML: the text a browser shows, laid out as plain text, its blocks with exact
spans, page chrome left out, schema.org FAQPage data, and legacy charsets."""

from __future__ import annotations

from pathlib import Path

import pytest

from faqkb.documents import load_documents
from faqkb.errors import DocumentError
from faqkb.models import Block, Document, Dropped
from written import read

PAGE = """<!DOCTYPE html>
<html><head><title>Garden FAQ | Green Fingers</title>
<style>p { color: green }</style><script>track("visit")</script></head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header"><a href="/">Green Fingers</a></header>
<nav class="breadcrumbs"><a href="/">Home</a> › FAQ</nav>
<main id="main">
  <h1>Garden FAQ<a class="headerlink" href="#top">¶</a></h1>
  <p>Short   answers to
     common questions.</p>
  <h2>2.1. When should I sow <em>tomatoes</em>?</h2>
  <p>Indoors in March, <a href="/sowing">outside</a> after the last frost.</p>
  <ul><li>Use fresh compost.</li><li>Keep them warm:<ul><li>20 °C by day</li></ul></li></ul>
  <ol start="3"><li>Water</li><li>Wait</li></ol>
  <pre>sow --depth 1cm
   --spacing 40cm</pre>
  <table><thead><tr><th>Plant</th><th>Sow in</th></tr></thead>
  <tr><td>Beans</td><td>May</td></tr></table>
  <dl><dt>Compost</dt><dd>Rotted garden waste.</dd></dl>
  <form><label>Search</label><input name="q"></form>
</main>
<aside class="sidebar"><h3>Popular</h3><p>Ten tips for lawns</p></aside>
<footer><p>© 2024 Green Fingers. Found a bug?</p></footer>
</body></html>
"""

PAGE_TEXT = """Garden FAQ

Short answers to common questions.

2.1. When should I sow tomatoes?

Indoors in March, outside after the last frost.

• Use fresh compost.
• Keep them warm:
  ◦ 20 °C by day

3. Water
4. Wait

sow --depth 1cm
   --spacing 40cm

Plant | Sow in
Beans | May

Compost
Rotted garden waste."""

def kinds(document: Document) -> list[tuple[str, str]]:
    return [(b.kind, b.text) for b in document.blocks]


def source(document: Document, block: Block) -> str:
    return document.text[block.start : block.end]


def test_html_text_is_what_a_browser_shows_laid_out_as_plain_text(tmp_path: Path) -> None:
    assert read(tmp_path, "garden.html", PAGE).text == PAGE_TEXT


def test_html_blocks_carry_the_structure(tmp_path: Path) -> None:
    assert kinds(read(tmp_path, "garden.html", PAGE)) == [
        ("title", "Garden FAQ"),
        ("paragraph", "Short answers to common questions."),
        ("heading", "When should I sow tomatoes?"),
        ("paragraph", "Indoors in March, outside after the last frost."),
        ("item", "Use fresh compost."),
        ("item", "Keep them warm:"),
        ("item", "20 °C by day"),
        ("item", "Water"),
        ("item", "Wait"),
        ("code", "sow --depth 1cm\n   --spacing 40cm"),
        ("header_row", "Plant — Sow in"),
        ("row", "Beans — May"),
        ("heading", "Compost"),
        ("paragraph", "Rotted garden waste."),
    ]


def test_html_block_spans_hold_their_text_without_numbers_or_bullets(tmp_path: Path) -> None:
    document = read(tmp_path, "garden.html", PAGE)
    for block in document.blocks:
        if block.kind not in {"code", "row", "header_row"}:
            assert " ".join(source(document, block).split()) == block.text
    heading = document.blocks[2]
    assert (heading.level, heading.numbered) == (2, True)


def test_html_title_falls_back_to_the_title_element(tmp_path: Path) -> None:
    page = "<title>Opening hours</title><h2>Are you open on Sundays?</h2><p>No.</p>"
    assert read(tmp_path, "hours.html", page).title == "Opening hours"


def test_html_wrapper_with_a_chrome_like_class_is_kept_when_it_holds_the_content(
        tmp_path: Path) -> None:
    page = ('<body><div class="layout-with-sidebar"><h2>Why?</h2><p>Because it helps a lot '
            'and people say so.</p></div><div class="sidebar">Links</div></body>')
    assert read(tmp_path, "page.html", page).text == (
        "Why?\n\nBecause it helps a lot and people say so.")


CHROME_WORDS = ["cookie", "share", "menu", "feedback", "comments", "skip", "rating"]


@pytest.mark.parametrize("word", CHROME_WORDS)
def test_a_section_whose_heading_id_names_page_chrome_keeps_its_text(
        tmp_path: Path, word: str) -> None:
    page = (f'<main><h1>Help</h1><section id="{word}-section"><h2 id="{word}">Can I change '
            f'it later?</h2><p>Yes, any time, from the <a href="/settings">settings</a> '
            f'page.</p></section></main>')
    assert read(tmp_path, "help.html", page).text == (
        "Help\n\nCan I change it later?\n\nYes, any time, from the settings page.")


@pytest.mark.parametrize("word", CHROME_WORDS)
def test_a_paragraph_classed_with_a_chrome_word_is_content(tmp_path: Path, word: str) -> None:
    page = f'<p class="{word}">The first month is free for every new member.</p>'
    assert read(tmp_path, "offer.html", page).text == (
        "The first month is free for every new member.")


def test_an_element_named_as_chrome_that_looks_like_it_is_dropped_and_reported(
        tmp_path: Path) -> None:
    page = ('<p>The pool is open daily from seven in the morning.</p><div class="share-links">'
            '<a href="/t">Twitter</a> <a href="/f">Facebook</a></div>')
    document = read(tmp_path, "open.html", page)
    assert document.text == "The pool is open daily from seven in the morning."
    assert document.dropped == (Dropped('class "share-links", mostly links', "Twitter Facebook"),)


def test_page_navigation_is_reported_as_dropped(tmp_path: Path) -> None:
    page = '<nav><a href="/">Home</a> › Help</nav><h1>Help</h1><p>Ask us anything.</p>'
    assert [d.reason for d in read(tmp_path, "help.html", page).dropped] == ["<nav>"]


def test_a_note_set_aside_is_content(tmp_path: Path) -> None:
    page = '<h2>Can I pause?</h2><aside class="admonition"><p>See also: holds.</p></aside>'
    assert read(tmp_path, "pause.html", page).text == "Can I pause?\n\nSee also: holds."


def test_an_html_comment_is_not_text(tmp_path: Path) -> None:
    page = "<ul><li>One</li><!-- Second tab --><li>Two</li></ul>"
    assert read(tmp_path, "tabs.html", page).text == "• One\n• Two"


def test_a_permalink_showing_only_a_zero_width_space_is_left_out(tmp_path: Path) -> None:
    page = '<h2 id="q">Is it open?<a href="#q" class="hash-link">\u200b</a></h2><p>Yes.</p>'
    assert kinds(read(tmp_path, "q.html", page)) == [("heading", "Is it open?"),
                                                    ("paragraph", "Yes.")]


def test_html_bold_line_before_a_break_is_a_heading(tmp_path: Path) -> None:
    page = "<p><b>Can I come late?</b><br>Yes, until ten.</p>"
    assert kinds(read(tmp_path, "late.html", page)) == [
        ("heading", "Can I come late?"), ("paragraph", "Yes, until ten.")]


def test_an_element_classed_question_is_one_question_whatever_it_shows(
        tmp_path: Path) -> None:
    page = ('<div class="faq-question"><b>It fails like this:</b><pre>error 42</pre>'
            '<b>or like this.</b></div><div class="faq-answer"><p>Restart it.</p></div>')
    assert kinds(read(tmp_path, "q.html", page)) == [
        ("question", "It fails like this:"), ("code", "error 42"),
        ("paragraph", "or like this."), ("paragraph", "Restart it.")]


def test_a_number_in_a_cell_of_its_own_numbers_the_next_block(tmp_path: Path) -> None:
    page = "<table><tr><td><b>2.1.</b></td><td><div>Why is it red?</div></td></tr></table>"
    document = read(tmp_path, "n.html", page)
    assert document.text == "2.1. Why is it red?"
    assert [(b.text, b.numbered) for b in document.blocks] == [("Why is it red?", True)]


def test_an_italic_first_line_of_a_list_item_with_more_below_is_its_title(
        tmp_path: Path) -> None:
    page = "<ol><li><em>Paper jams</em><p>Open the back cover.</p></li></ol>"
    assert kinds(read(tmp_path, "i.html", page)) == [
        ("heading", "Paper jams"), ("paragraph", "Open the back cover.")]


def test_faqpage_questions_missing_from_the_page_are_written_after_it(tmp_path: Path) -> None:
    page = ('<script type="application/ld+json">{"@context": "https://schema.org", "@graph": '
            '[{"@type": "FAQPage", "mainEntity": {"@type": "Question", "name": "Is it free?", '
            '"acceptedAnswer": {"@type": "Answer", "text": "Yes, <b>always</b>."}}}]}</script>'
            "<p>Welcome to the help centre.</p>")
    document = read(tmp_path, "help.html", page)
    assert document.text == "Welcome to the help centre.\n\nIs it free?\n\nYes, always."
    assert [(b.kind, source(document, b)) for b in document.blocks[1:]] == [
        ("question", "Is it free?"), ("paragraph", "Yes, always.")]


# -- encodings ----------------------------------------------------------------------------

def test_html_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    document = read(tmp_path, "bom.html", "\ufeff<p>Café au lait.</p>".encode())
    assert (document.text, document.encoding) == ("Café au lait.", "utf-8-sig")


@pytest.mark.parametrize("declaration", [
    '<meta charset="windows-1252">',
    '<meta http-equiv="Content-Type" content="text/html; charset=iso-8859-1">',
])
def test_legacy_html_is_read_in_its_declared_charset(tmp_path: Path, declaration: str) -> None:
    page = f"<html><head>{declaration}</head><body><p>Don’t pay €5 – it’s free.</p></body></html>"
    document = read(tmp_path, "old.htm", page.encode("cp1252"))
    assert document.text == "Don’t pay €5 – it’s free." and document.encoding == "cp1252"


def test_a_declared_non_latin_charset_is_honoured(tmp_path: Path) -> None:
    page = '<meta charset="iso-8859-7"><p>Καλημέρα</p>'
    assert read(tmp_path, "greek.html", page.encode("iso-8859-7")).text == "Καλημέρα"


def test_binary_html_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="photo.html: binary file"):
        read(tmp_path, "photo.html", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01")


def test_markup_nested_beyond_reason_is_reported(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match="deep.html: nested too deeply"):
        read(tmp_path, "deep.html", "<p>" + "<b>" * 1000 + "bold" + "</b>" * 1000)


def test_an_undecodable_file_is_skipped_and_the_rest_are_read(tmp_path: Path) -> None:
    (tmp_path / "good.html").write_text("<h2>Open?</h2><p>Yes.</p>", encoding="utf-8")
    (tmp_path / "bad.html").write_bytes(b"\x00\x01binary")
    documents, warnings = load_documents(tmp_path)
    assert [d.name for d in documents] == ["good.html"]
    assert warnings == ["bad.html: binary file (contains NUL bytes)"]


def test_a_stray_nul_byte_in_markup_does_not_make_a_page_binary(tmp_path: Path) -> None:
    page = b'<h2>Is it fast?<a href="#is-\x00fast">#</a></h2><p>' + b"Yes, very. " * 100 + b"</p>"
    document = read(tmp_path, "fast.html", page)
    assert document.blocks[0].text == "Is it fast?" and "\x00" not in document.text
