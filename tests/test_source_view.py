"""The source view reads like the document: questions the document marks (``Q:``) are
question headings, numbering at any depth ("7.1.", "(1)") and ``A:`` markers stay with
their blocks instead of standing alone as paragraphs, in plain text, Markdown and HTML."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag
from flask import Flask
from flask.testing import FlaskClient

from faqkb import KnowledgeBase
from faqkb.models import Document, Entry
from faqkb.web import create_app
from faqkb.web.layout import lay_out

PLAIN = """\
Widget Help Centre FAQ

7. Installing

7.1. How do I install the widget?

   Download the installer and run it. It takes about two minutes.

7.2. Can I install it without admin rights?

   Yes. Choose "just for me" in the first step.

Q: Does the widget work offline?
A: Yes, once it has synced at least once.

Q: How do I reset my password?
A: Click "Forgot password" on the sign-in page.

(1) Open the settings.
(2) Choose Accounts.
(3) Press Reset.
"""
MARKDOWN = """\
# Widget Help Centre FAQ

## 7. Installing

### 7.1. How do I install the widget?

Download the installer and run it. It takes about two minutes.

### 7.2. Can I install it without admin rights?

Yes. Choose "just for me" in the first step.

Q: Does the widget work offline?

A: Yes, once it has synced at least once.

**Q: How do I reset my password?**

A: Click "Forgot password" on the sign-in page.

1. Open the settings.
2. Choose Accounts.
   1. Pick your account.
3. Press Reset.
"""
HTML = """\
<!doctype html><html><head><title>Widget FAQ</title></head><body><main>
<h1>Widget Help Centre FAQ</h1>
<h2>7. Installing</h2>
<h3>7.1. How do I install the widget?</h3>
<p>Download the installer and run it. It takes about two minutes.</p>
<h3>7.2. Can I install it without admin rights?</h3>
<p>Yes. Choose "just for me" in the first step.</p>
<p>Q: Does the widget work offline?</p>
<p>A: Yes, once it has synced at least once.</p>
<p><strong>Q: How do I reset my password?</strong></p>
<p>A: Click "Forgot password" on the sign-in page.</p>
<p>(1) Open the settings.</p>
<p>(2) Choose Accounts.</p>
<p>(3) Press Reset.</p>
</main></body></html>
"""
DOCUMENTS = {"widget.txt": PLAIN, "widget.md": MARKDOWN, "widget.html": HTML}
NUMBERED_HEADINGS = ["7. Installing", "7.1. How do I install the widget?",
                     "7.2. Can I install it without admin rights?"]
MARKED_QUESTIONS = ["Q: Does the widget work offline?", "Q: How do I reset my password?"]
ANSWERS = ["A: Yes, once it has synced at least once.",
           'A: Click "Forgot password" on the sign-in page.']
STEPS = ["(1) Open the settings.", "(2) Choose Accounts.", "(3) Press Reset."]
LOOSE_MARKERS = {"7.", "7.1.", "7.2.", "Q:", "A:", "(1)", "(2)", "(3)", "1.", "2.", "3."}


@pytest.fixture
def widget_app(tmp_path: Path) -> Iterator[Flask]:
    folder = tmp_path / "kb"
    folder.mkdir()
    for name, text in DOCUMENTS.items():
        (folder / name).write_text(text, encoding="utf-8")
    app = create_app({"TESTING": True, "FAQKB_KB_DIR": folder,
                      "FAQKB_INDEX_DIR": tmp_path / "index"})
    yield app
    app.extensions["faqkb"].close()


@pytest.fixture
def widget(widget_app: Flask) -> FlaskClient:
    return widget_app.test_client()


def body_of(client: FlaskClient, url: str) -> Tag:
    response = client.get(url)
    assert response.status_code == 200
    body = BeautifulSoup(response.get_data(as_text=True), "html.parser").select_one(
        ".document-body")
    assert body is not None
    return body


def texts(body: Tag, selector: str) -> list[str]:
    return [" ".join(tag.get_text().split()) for tag in body.select(selector)]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_numbered_headings_keep_their_numbers_at_any_depth(widget: FlaskClient,
                                                          name: str) -> None:
    body = body_of(widget, f"/sources/{name}")
    assert texts(body, "h2, h3")[:3] == NUMBERED_HEADINGS
    assert texts(body, "h3 .marker") == ["7.1.", "7.2."]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_a_question_the_document_marks_is_a_question_heading(widget: FlaskClient,
                                                             name: str) -> None:
    body = body_of(widget, f"/sources/{name}")
    assert texts(body, ".question") == MARKED_QUESTIONS
    assert {tag.name for tag in body.select(".question")} == {"h4"}


@pytest.mark.parametrize("name", DOCUMENTS)
def test_an_answer_marker_stays_with_its_answer(widget: FlaskClient, name: str) -> None:
    body = body_of(widget, f"/sources/{name}")
    assert [p for p in texts(body, "p") if p.startswith("A:")] == ANSWERS


@pytest.mark.parametrize("name", DOCUMENTS)
def test_no_marker_stands_alone_as_a_paragraph(widget: FlaskClient, name: str) -> None:
    body = body_of(widget, f"/sources/{name}")
    assert LOOSE_MARKERS.isdisjoint(texts(body, "p, li"))


@pytest.mark.parametrize("name, selector", [("widget.txt", "ol.own-markers > li"),
                                            ("widget.html", "p")])
def test_steps_numbered_in_their_own_style_show_their_numbers(widget: FlaskClient, name: str,
                                                              selector: str) -> None:
    body = body_of(widget, f"/sources/{name}")
    assert [t for t in texts(body, selector) if t.startswith("(")] == STEPS


def test_a_list_counting_from_one_is_an_ordinary_ordered_list(widget: FlaskClient) -> None:
    body = body_of(widget, "/sources/widget.md")
    assert not body.select("ol.own-markers")
    assert texts(body, "ol > li > ol > li") == ["Pick your account."]
    steps = body.select_one("ol")
    assert steps is not None
    assert ["".join(li.find_all(string=True, recursive=False))
            for li in steps.find_all("li", recursive=False)] == [
        "Open the settings.", "Choose Accounts.", "Press Reset."]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_a_marked_question_opens_with_its_passage_marked(widget: FlaskClient,
                                                         widget_app: Flask, name: str) -> None:
    kb: KnowledgeBase = widget_app.extensions["faqkb"]
    [pair] = [e for e in kb.entries(source=name) if e.question == MARKED_QUESTIONS[0][3:]]
    body = body_of(widget, f"/sources/{name}?entry={pair.id}")
    assert texts(body, ".in-passage") == [MARKED_QUESTIONS[0], ANSWERS[0]]
    assert body.select_one(f".question #e-{pair.id}") is not None


# -- the passage as one box; views laid out once per index generation -------------------

STEPS_FAQ = """\
Printer FAQ

The printer prints twenty pages a minute in black and white. \
Here are a few tips that have worked for me:

How do I clear a paper jam?

Turn the printer off before you open it.

  • Open the front cover.
  • Pull the paper out slowly.
  • Close the cover and turn the printer on.

The printer checks itself when it starts.

Does the printer need special paper?

No: any office paper of 80 grams works.
"""


@pytest.fixture
def printer(tmp_path: Path) -> Iterator[Flask]:
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "printer.txt").write_text(STEPS_FAQ, encoding="utf-8")
    app = create_app({"TESTING": True, "FAQKB_KB_DIR": folder,
                      "FAQKB_INDEX_DIR": tmp_path / "index", "FAQKB_CHECK_INTERVAL": 0})
    yield app
    app.extensions["faqkb"].close()


def pair_of(app: Flask, question: str) -> Entry:
    kb: KnowledgeBase = app.extensions["faqkb"]
    return next(e for e in kb.entries(kind="qa") if e.question == question)


def test_a_passage_of_several_blocks_is_one_box_with_its_list_inside(printer: Flask) -> None:
    pair = pair_of(printer, "How do I clear a paper jam?")
    body = body_of(printer.test_client(), f"/sources/printer.txt?entry={pair.id}")
    [box] = body.select(".passage-box")
    assert texts(box, "ul > li") == ["Open the front cover.", "Pull the paper out slowly.",
                                     "Close the cover and turn the printer on."]
    assert texts(box, "h2, h3")[0] == "How do I clear a paper jam?"
    assert box.select_one(f"#e-{pair.id}") is not None
    assert "Does the printer need special paper?" not in box.get_text()


def test_a_passage_inside_one_block_is_marked_where_it_is_without_a_box(
        printer: Flask) -> None:
    kb: KnowledgeBase = printer.extensions["faqkb"]
    claim = next(e for e in kb.entries(kind="claim") if e.text.startswith("The printer prints"))
    body = body_of(printer.test_client(), f"/sources/printer.txt?entry={claim.id}")
    assert not body.select(".passage-box")
    assert texts(body, "mark.passage") == [claim.text]
    assert "Here are a few tips" in texts(body, "p")[0]


def test_one_item_of_a_list_is_boxed_with_its_bullet(printer: Flask) -> None:
    kb: KnowledgeBase = printer.extensions["faqkb"]
    claim = next(e for e in kb.entries(kind="claim") if e.text.startswith("Pull the paper"))
    body = body_of(printer.test_client(), f"/sources/printer.txt?entry={claim.id}")
    [box] = body.select(".passage-box")
    assert texts(box, "ul > li") == ["Pull the paper out slowly."]
    assert texts(body, "ul > li") == ["Open the front cover.", "Pull the paper out slowly.",
                                      "Close the cover and turn the printer on."]


def test_marking_a_passage_shows_the_page_the_whole_layout_would(printer: Flask) -> None:
    kb: KnowledgeBase = printer.extensions["faqkb"]
    client = printer.test_client()
    macros = printer.jinja_env.get_template("_document.html").module
    document = kb.document("printer.txt")
    for entry in kb.entries():
        whole = "".join(macros.render_node(node)  # type: ignore[attr-defined]
                        for node in lay_out(document, kb.entries(), entry))
        shown = body_of(client, f"/sources/printer.txt?entry={entry.id}")
        for box in shown.select(".passage-box"):
            box.unwrap()
        expected = BeautifulSoup(whole, "html.parser")
        assert texts(shown, "*") == texts(expected, "*")
        assert len(shown.select("mark.passage")) == len(expected.select("mark.passage"))


def test_a_document_is_read_and_laid_out_once_per_index_generation(
        printer: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    kb: KnowledgeBase = printer.extensions["faqkb"]
    client = printer.test_client()
    real, reads = kb.document, []

    def document(name: str) -> Document:
        reads.append(name)
        return real(name)

    monkeypatch.setattr(kb, "document", document)
    for entry in kb.entries():
        assert client.get(f"/sources/printer.txt?entry={entry.id}").status_code == 200
    assert client.get("/sources/printer.txt.json").status_code == 200
    assert reads == ["printer.txt"]
    with (kb.kb_dir / "printer.txt").open("a", encoding="utf-8") as handle:
        handle.write("\nIs there a warranty?\n\nTwo years, parts included.\n")
    assert "warranty" in client.get("/sources/printer.txt").get_data(as_text=True)
    assert reads == ["printer.txt", "printer.txt"]
