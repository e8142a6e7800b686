"""Reading Markdown: rendered as a reader sees it, not as its author typed it.

The Markdown is rendered to HTML by markdown-it-py (CommonMark, with tables) and then
read like any HTML page (:mod:`.html`), so the document's text is the rendered text:
``**bold**`` is "bold", ``[a link](url)`` is "a link", code blocks keep their lines,
headings and list items stand on lines of their own. Markup is never indexed as
words, a span is exact for a pair and for its clean text alike, and the source view
shows readable text. A YAML front-matter block is left out; its ``title`` names the
document when the text has no top-level heading.
"""

from __future__ import annotations

import re
from dataclasses import replace

from markdown_it import MarkdownIt

from faqkb.documents.encoding import decode_bytes
from faqkb.documents.html import layout_html
from faqkb.documents.layout import Layout

_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(?P<body>.*?)^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)",
                           re.DOTALL | re.MULTILINE)
_FRONT_TITLE = re.compile(r"""^title:[ \t]*(?P<q>["']?)(?P<title>.+?)(?P=q)[ \t]*$""",
                          re.MULTILINE)
_FRONT_KEY = re.compile(r"^[\w-]+:", re.MULTILINE)


def read_markdown(raw: bytes) -> Layout:
    """Decode and lay out a Markdown document. Raises
    :class:`~faqkb.errors.DocumentError` when the bytes cannot be decoded."""
    text, encoding = decode_bytes(raw)
    source, title = _without_front_matter(text)
    layout = layout_html(_renderer().render(source), encoding)
    return replace(layout, title=layout.title or title)


def _renderer() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def _without_front_matter(text: str) -> tuple[str, str]:
    match = _FRONT_MATTER.match(text)
    if not match or not _FRONT_KEY.search(match.group("body")):
        return text, ""
    title = _FRONT_TITLE.search(match.group("body"))
    return text[match.end() :], title.group("title").strip() if title else ""
