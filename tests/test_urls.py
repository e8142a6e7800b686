"""The URLs the app writes are the ones Flask's url_for would write, however the app is
mounted and whatever the documents are called."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, url_for

from faqkb.models import Entry
from faqkb.web import create_app
from faqkb.web.views import passage_url, source_url

NAMES = ["plain.txt", "a b.txt", "päge.md", "q?.txt", "h#sh.txt", "pct%20.txt",
         "dir/sub file.txt", ".hidden.txt", "x.json"]


@pytest.fixture
def mounted(tmp_path: Path) -> Iterator[Flask]:
    (tmp_path / "kb").mkdir()
    (tmp_path / "kb" / "faq.txt").write_text("FAQ\n\nWhat is it?\n\nIt is a thing.\n")
    app = create_app({"TESTING": True, "FAQKB_KB_DIR": tmp_path / "kb",
                      "FAQKB_INDEX_DIR": tmp_path / "index", "SERVER_NAME": "kb.example.com"})
    yield app
    app.extensions["faqkb"].close()


@pytest.mark.parametrize("root", ["", "/help", "/pré fix"])
@pytest.mark.parametrize("name", NAMES)
def test_links_to_a_document_are_what_url_for_builds(mounted: Flask, root: str,
                                                     name: str) -> None:
    entry = Entry(id="0123abcd4567ef89", kind="qa", source=name, start=0, end=3, text="x")
    with mounted.test_request_context("/search", base_url=f"http://10.0.0.5:8000{root}"):
        assert source_url(name) == url_for("faqkb.source", name=name)
        assert source_url(name, external=True) == url_for("faqkb.source", name=name,
                                                          _external=True)
        expected = url_for("faqkb.source", name=name, entry=entry.id,
                           _anchor=f"e-{entry.id}", _external=True)
        assert passage_url(entry, external=True) == expected
        assert passage_url(entry) == url_for("faqkb.source", name=name, entry=entry.id,
                                             _anchor=f"e-{entry.id}")


def test_a_link_made_outside_a_request_is_a_path_and_changes_no_later_link(
        mounted: Flask) -> None:
    with mounted.app_context():
        assert source_url("plain.txt") == "/sources/plain.txt"
    with mounted.test_request_context("/search"):
        assert source_url("plain.txt") == "/sources/plain.txt"
        assert source_url("plain.txt", external=True) == "http://kb.example.com/sources/plain.txt"
