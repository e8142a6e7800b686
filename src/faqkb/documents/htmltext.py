"""Writing the visible text of an HTML tree, block by block, with exact spans.

:func:`parse_html` parses a page; :class:`TextWriter` walks it (page chrome already
removed) the way a browser lays it out, and writes the text a reader sees:

- paragraphs, headings, code blocks and tables are set apart by blank lines;
- a list item starts its own line with its bullet ("• ") or number ("3. "), nested
  items indented; a table row is one line, its cells separated by " | ";
- white space inside a block folds as in a browser, ``<br>`` breaks the line and
  ``<pre>`` keeps its text as it is;
- permalink marks ("¶") and "Back to top" links are left out.

Each block written becomes a :class:`~faqkb.models.Block` whose span holds exactly its
words: bullets, numbers ("7.1.") and permalink marks stay outside it. Definition
terms (``<dt>``), ``<summary>`` and bold lines standing alone ("**How do I…?**") are
headings below every ``<h6>``; so is the question (or italic title) that opens a list
item whose answer follows inside the item. An element classed as a question
(``class="faq-question"``) is one ``question`` block, and a number in a cell of its
own ("1.1.") numbers the block after it.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass

from bs4 import BeautifulSoup, MarkupResemblesLocatorWarning, Tag, XMLParsedAsHTMLWarning
from bs4.element import NavigableString, PreformattedString

from faqkb.documents.layout import fold
from faqkb.documents.markers import link_mark_length, number_length
from faqkb.models import Block, BlockKind

_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_TERMS = frozenset({"dt", "summary"})
_LISTS = frozenset({"ul", "ol", "menu", "dir"})
_CODE = frozenset({"pre", "listing", "xmp", "plaintext"})
_BOLD = frozenset({"b", "strong"})
_ITALIC = frozenset({"i", "em"})
BLOCK_TAGS = frozenset(
    """address article aside blockquote body caption center dd details dialog div dl dt
    fieldset figcaption figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr html legend
    li listing main nav ol p plaintext pre section summary table tbody td tfoot th thead
    tr ul menu dir xmp""".split()
)
BELOW_HEADINGS = 7
_ROWS = frozenset({"row", "header_row"})
_BULLETS = ("•", "◦", "▪")
_SPACE = re.compile(r"[ \t\n\r\f]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_MAX_LABEL_WORDS = 30
_MAX_MARKED_WORDS = 120  # more than that, and a "question" element holds a whole FAQ
_BARE_NUMBER = re.compile(r"\(?\d{1,3}(?:\.\d{1,3})*[.)]")
_CLASS_WORDS = re.compile(r"[a-z0-9]+")
_QUESTION_CLASS = re.compile(r"(?i)(?:^|[^a-z0-9])question(?:$|[^a-z0-9])")
_INVISIBLE_CHARS = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))
_PERMALINK_TEXT = re.compile(r"(?i)^\W*(?:[¶#§]|🔗|link|permalink|(?:back|return|go)\s+to\s+"
                             r"(?:the\s+)?top|top|↑)\W*$")


def parse_html(markup: str) -> BeautifulSoup:
    """Parse HTML with lxml, quietly: the markup is never a file name, nor XML here."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MarkupResemblesLocatorWarning)
        warnings.simplefilter("ignore", XMLParsedAsHTMLWarning)
        return BeautifulSoup(markup, "lxml")


@dataclass(slots=True)
class _Frame:
    """An element whose blocks take their kind from it: a heading, a list item, a table
    caption, or an element the page classes as a question."""

    kind: BlockKind
    level: int
    numbered: bool = False
    marker: str = ""
    indent: int = 0
    used: bool = False  # its first block (an item's carries the marker) is written
    answered: bool = False  # the item holds more blocks after its first one
    term: bool = False  # a <dt>: its definition follows on the next line


class TextWriter:
    """Writes an HTML tree as text; ``text`` and ``blocks`` hold the result."""

    def __init__(self) -> None:
        self._parts: list[str] = []
        self._size = 0
        self.blocks: list[Block] = []
        self._run: list[str] = []
        self._plain_words = False  # the run holds words outside <b>/<strong>
        self._roman_words = False  # the run holds words outside <b>, <strong>, <i>, <em>
        self._italic = 0
        self._bold_lead: int | None = None  # where words in bold that open the run end
        self._bold = 0
        self._frames: list[_Frame] = []
        self._depth = 0
        self._lists = 0  # top-level lists begun: items of one list are written line by line
        self._item_list = -1  # the list the last item written belongs to
        self._after_term = False
        self._numbering = False  # a number was written for the next block

    @property
    def text(self) -> str:
        """The text written so far."""
        return "".join(self._parts)

    def write(self, root: Tag) -> None:
        """Write ``root`` and everything in it."""
        self._children(root)
        self._flush()

    def write_block(self, kind: BlockKind, content: str, level: int = 1) -> None:
        """Write one block of text that is not in the tree (white space folded)."""
        self._flush()
        content = fold(content)
        if content:
            self._write(kind, content, level=level)

    # -- the tree ------------------------------------------------------------------

    def _children(self, node: Tag) -> None:
        for child in node.children:
            if isinstance(child, Tag):
                self._element(child)
            elif isinstance(child, NavigableString) and not isinstance(child,
                                                                     PreformattedString):
                self._inline(str(child))

    def _element(self, tag: Tag) -> None:
        name = tag.name
        if name == "br":
            self._line_break()
        elif name not in _CODE | _LISTS and _marks_question(tag):
            self._framed(tag, _Frame("question", _HEADINGS.get(name, BELOW_HEADINGS)))
        elif name in _HEADINGS:
            self._framed(tag, _Frame("heading", _HEADINGS[name]))
        elif name in _TERMS:
            self._framed(tag, _Frame("heading", BELOW_HEADINGS, term=name == "dt"))
        elif name in _CODE:
            self._code(tag)
        elif name in _LISTS:
            self._list(tag)
        elif name == "li":
            self._item(tag, _BULLETS[0] + " ", numbered=False)
        elif name == "table" and not _is_layout_table(tag):
            self._table(tag)
        elif name == "a" and _is_permalink(tag):
            return
        elif name in _BOLD:
            self._bold += 1
            self._children(tag)
            self._bold -= 1
        elif name in _ITALIC:
            self._italic += 1
            self._children(tag)
            self._italic -= 1
        elif name in BLOCK_TAGS:
            self._flush()
            self._children(tag)
            self._flush()
        else:
            self._children(tag)

    def _framed(self, tag: Tag, frame: _Frame) -> None:
        self._flush()
        self._frames.append(frame)
        self._children(tag)
        self._flush()
        self._frames.pop()

    def _list(self, tag: Tag) -> None:
        self._flush()
        ordered = tag.name == "ol"
        number = _int(tag.get("start"), 1)
        self._lists += self._depth == 0
        self._depth += 1
        for child in tag.children:
            if isinstance(child, Tag) and child.name == "li":
                number = _int(child.get("value"), number)
                bullet = _BULLETS[min(self._depth, len(_BULLETS)) - 1]
                self._item(child, f"{number}. " if ordered else f"{bullet} ", numbered=ordered)
                number += 1
            elif isinstance(child, Tag):
                self._element(child)
            elif isinstance(child, NavigableString) and child.strip() \
                    and not isinstance(child, PreformattedString):  # a comment is not shown
                self._inline(str(child))
        self._flush()
        self._depth -= 1

    def _item(self, tag: Tag, marker: str, numbered: bool) -> None:
        frame = _Frame("item", max(1, self._depth), numbered, marker,
                       indent=max(0, self._depth - 1), answered=_holds_several_blocks(tag))
        self._framed(tag, frame)

    def _code(self, tag: Tag) -> None:
        self._flush()
        code = tag.get_text().strip("\r\n").rstrip()
        if code.strip():
            self._write("code", code, marker=self._item_marker())

    def _table(self, tag: Tag) -> None:
        self._flush()
        for caption in tag.find_all("caption", recursive=False):
            self._framed(caption, _Frame("paragraph", 1))
        for row in tag.find_all("tr"):
            cells = [fold(cell.get_text(" ")) for cell in row.find_all(["td", "th"],
                                                                       recursive=False)]
            cells = [cell for cell in cells if cell]
            if len(cells) == 1:
                self._write("paragraph", cells[0])
            elif cells:
                header = row.parent is not None and row.parent.name == "thead" or all(
                    cell.name == "th" for cell in row.find_all(["td", "th"], recursive=False))
                self._write("header_row" if header else "row", " | ".join(cells),
                            text=" — ".join(cells), cells=tuple(cells))

    # -- inline text -----------------------------------------------------------------

    def _inline(self, text: str) -> None:
        text = _SPACE.sub(" ", text)
        if text.strip() and not self._bold and not self._italic:
            self._roman_words = True
        if text.strip() and not self._bold and not self._plain_words:
            if "".join(self._run).strip():
                self._bold_lead = sum(len(piece) for piece in self._run)
            self._plain_words = True
        if text.startswith(" ") and (not self._run or self._run[-1].endswith((" ", "\n"))):
            text = text[1:]
        if text:
            self._run.append(text)

    def _line_break(self) -> None:
        if self._run_is_label():
            self._flush(label=True)
        elif self._run:
            self._run[-1] = self._run[-1].rstrip(" ")
            self._run.append("\n")

    def _run_is_label(self) -> bool:
        words = "".join(self._run).split()
        return bool(words) and not self._plain_words and len(words) <= _MAX_LABEL_WORDS

    # -- blocks ----------------------------------------------------------------------

    def _flush(self, label: bool = False) -> None:
        label = label or self._run_is_label()
        emphasised = bool(self._run) and not self._roman_words
        run, lead = "".join(self._run), self._bold_lead
        self._run.clear()
        self._plain_words = self._roman_words = False
        self._bold_lead = None
        in_heading = bool(self._frames) and self._frames[-1].kind == "heading"
        # "<b>How do I pay?</b> By card." is a question in bold and its answer.
        if lead is not None and not in_heading and run[:lead].strip().endswith("?"):
            self._write_run(run[:lead], asks=True)
            self._write_run(run[lead:])
        else:
            self._write_run(run, label=label, emphasised=emphasised)

    def _write_run(self, run: str, label: bool = False, asks: bool = False,
                   emphasised: bool = False) -> None:
        content = _BLANK_LINES.sub("\n\n", "\n".join(
            line.strip(" \xa0") for line in run.split("\n")).strip("\n"))
        if not content:
            return
        if _BARE_NUMBER.fullmatch(content):
            # A number standing apart ("<td>1.1.</td><td>Question?</td>") numbers what follows.
            self._emit(self._separator("paragraph") + content)
            self._numbering = True
            return
        frame = self._frames[-1] if self._frames else None
        item = next((f for f in reversed(self._frames) if f.kind == "item"), None)
        first_in_item = item is not None and not item.used
        marker = self._item_marker()
        marked = next((f for f in reversed(self._frames) if f.kind == "question"), None)
        kind: BlockKind
        if marked is not None and not marked.used:
            # The page marks this element as a question: its first words ask it, and the
            # rest (an error message, "or like this:") is part of what it shows.
            marked.used = True
            kind = "question"
            level = frame.level if frame is not None and frame.kind == "heading" else marked.level
        elif marked is not None and (frame is None or frame.kind != "heading"):
            kind, level = "paragraph", 1
        elif frame is not None and frame.kind in {"heading", "paragraph"}:
            kind, level = frame.kind, frame.level
            self._after_term = frame.term
        elif asks:
            kind, level = "heading", BELOW_HEADINGS
        elif item is not None and first_in_item and not item.answered:
            kind, level = "item", item.level
        elif label or (first_in_item and (content.endswith("?") or emphasised)):
            kind, level = "heading", BELOW_HEADINGS
        elif item is not None and first_in_item:
            kind, level = "item", item.level
        else:
            kind, level = "paragraph", 1
        numbered = item is not None and first_in_item and item.numbered
        lead = trail = 0
        if kind in {"heading", "paragraph"}:
            trail = link_mark_length(content) if kind == "heading" else 0
            lead = number_length(content[: len(content) - trail])
            numbered = numbered or lead > 0
        self._write(kind, content, lead=lead, trail=trail, level=level, numbered=numbered,
                    marker=marker)

    def _item_marker(self) -> str:
        """The marker (and indentation) to write before the open list item's first block."""
        item = next((f for f in reversed(self._frames) if f.kind == "item"), None)
        if item is None or item.used:
            return ""
        item.used = True
        return "  " * item.indent + item.marker

    def _write(self, kind: BlockKind, content: str, *, lead: int = 0, trail: int = 0,
               level: int = 1, numbered: bool = False, marker: str = "",
               text: str | None = None, cells: tuple[str, ...] = ()) -> None:
        self._emit((" " if self._numbering else self._separator(kind)) + marker)
        numbered = numbered or self._numbering
        self._numbering = False
        start = self._size + lead
        self._emit(content)
        end = self._size - trail
        if text is None:
            text = content if kind == "code" else fold(content[lead : len(content) - trail])
        self.blocks.append(Block(kind, start, end, text, level, cells, numbered))

    def _separator(self, kind: BlockKind) -> str:
        if not self.blocks:
            if kind == "item":
                self._item_list = self._lists
            return ""
        previous = self.blocks[-1].kind
        same_list = kind == previous == "item" and self._item_list == self._lists
        tight = (self._after_term and kind != "heading") or same_list \
            or (kind in _ROWS and previous in _ROWS)
        if kind != "heading":
            self._after_term = False
        if kind == "item":
            self._item_list = self._lists
        return "\n" if tight else "\n\n"

    def _emit(self, piece: str) -> None:
        self._parts.append(piece)
        self._size += len(piece)


def _holds_several_blocks(item: Tag) -> bool:
    """True when a list item holds more than one block (its first line and more)."""
    groups = 0
    inline = False  # inline content waiting to make a block of its own
    for child in item.children:
        if isinstance(child, Tag) and child.name in BLOCK_TAGS:
            groups += 1 + inline
            inline = False
        elif isinstance(child, Tag):
            inline = inline or child.name != "br"
        elif isinstance(child, NavigableString) and not isinstance(child, PreformattedString):
            inline = inline or bool(child.strip())
    return groups + inline > 1


def _marks_question(tag: Tag) -> bool:
    """True for an element whose class names it a question ("question", "faq-question")."""
    classes = tag.get("class")
    tokens = _CLASS_WORDS.findall(" ".join(classes).lower()) if isinstance(classes, list) else []
    return "question" in tokens and len(tag.get_text(" ").split()) <= _MAX_MARKED_WORDS \
        and tag.find(class_=_QUESTION_CLASS) is None


def _is_layout_table(table: Tag) -> bool:
    """True for a table that lays out a page rather than holding data."""
    return table.find(["p", "div", "ul", "ol", "dl", "table", "pre", "blockquote",
                       "h1", "h2", "h3", "h4", "h5", "h6"]) is not None


def _is_permalink(tag: Tag) -> bool:
    """True for a link to a place on the page that shows a mark ("¶", "#") or nothing a
    reader sees (a zero-width space: "Direct link to ..." anchors)."""
    href = tag.get("href")
    if not isinstance(href, str) or not href.startswith("#"):
        return False
    shown = tag.get_text().translate(_INVISIBLE_CHARS)
    return not shown.strip() or bool(_PERMALINK_TEXT.match(shown))


def _int(value: object, default: int) -> int:
    try:
        return int(str(value)) if value is not None else default
    except ValueError:
        return default
