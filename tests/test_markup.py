"""Reading Markdown and reStructuredText: rendered, then read as a reader sees them."""

from __future__ import annotations

from pathlib import Path

import pytest

from faqkb.errors import DocumentError
from written import read

MARKDOWN = """---
title: Pond notes
---
Some **bold** words, `code`, and [a link](https://example.org/page).

## 1.2. Does a pond need a pump?

```
pump --on
```
"""

RST = """:tocdepth: 2

Pond notes
==========

.. contents::

Does a pond need a pump?
------------------------

Yes, see :func:`~pond.pump.start` and :ref:`the guide <pumps>`.

.. code-block:: shell
   :emphasize-lines: 1

   pump --on

.. versionchanged:: 2.0
   Pumps are cheaper now.
"""


def test_markdown_text_is_rendered_without_markup(tmp_path: Path) -> None:
    document = read(tmp_path, "pond.md", MARKDOWN)
    assert document.text == ("Some bold words, code, and a link.\n\n"
                             "1.2. Does a pond need a pump?\n\npump --on")


def test_markdown_front_matter_names_a_document_without_a_heading(tmp_path: Path) -> None:
    document = read(tmp_path, "pond.md", MARKDOWN)
    assert document.title == "Pond notes" and document.format == "markdown"


def test_markdown_numbered_heading_loses_its_number(tmp_path: Path) -> None:
    heading = read(tmp_path, "pond.md", MARKDOWN).blocks[1]
    assert (heading.kind, heading.text, heading.numbered) == (
        "heading", "Does a pond need a pump?", True)


def test_rst_roles_show_their_text_and_sphinx_directives_their_content(tmp_path: Path) -> None:
    document = read(tmp_path, "pond.rst", RST)
    assert document.text == ("Pond notes\n\nDoes a pond need a pump?\n\n"
                             "Yes, see start and the guide.\n\npump --on\n\n"
                             "Pumps are cheaper now.")


def test_markdown_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    document = read(tmp_path, "bom.md", "\ufeff# Crème brûlée\n".encode())
    assert document.title == "Crème brûlée"


def test_latin_1_markdown_is_read(tmp_path: Path) -> None:
    assert read(tmp_path, "old.md", "Ol\xe9 and fa\xe7ade.".encode("latin-1")).text == (
        "Olé and façade.")


@pytest.mark.parametrize("name, data, reason", [
    ("notes.md", b"\xff\xfeA\x00\x00\xd8", "invalid UTF-16"),
    ("guide.rst", b"\x01\x02\x03\x04\x05\x06 not text \x07\x08", "binary file"),
])
def test_an_undecodable_file_is_reported(tmp_path: Path, name: str, data: bytes,
                                         reason: str) -> None:
    with pytest.raises(DocumentError, match=f"{name}: {reason}"):
        read(tmp_path, name, data)
