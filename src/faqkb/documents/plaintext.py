"""The layout of a plain-text document: its title, headings, paragraphs, lists and tables.

Plain text carries its structure in lines and blank lines. Two styles are told apart:

- *soft-wrapped* text (as copied from a web page): every line is a paragraph, a
  heading, a list item or a table row of its own;
- *hard-wrapped* text (as in a README): consecutive lines form one paragraph
  until a blank line, a list marker or a change of indentation.

The lines and the marks on them are read by :mod:`.plainlines`. Recognised: bullets
(``•``, ``-``, ``*``, ...), numbered items (``1.``, ``2)``, ``4.12.``, ``Subject:
1.1.``), the header of a posted article (left out), a numbered label and its text on
the next line ("1. Gradual Progression:" then the advice), short lines standing alone
as headings, underlined headings (``====`` and ``----`` below the line, over one or
two lines; a longer line of dashes only separates), headings before a rule on their
line (``[MISC] =====``), ``Q:`` and ``A:`` lines, table rows whose cells were glued
together when the page was copied (:mod:`.gluedtables`), and a breadcrumb line that
ends with the title ("HomeRunning ...Title").

In hard-wrapped text, indentation means what it means to a reader: a numbered
heading's depth follows its numbering ("1." above "1.2.") and a numbered question may
run straight into its answer, a numbered line set in the body text ("(1) First")
is a list item, a line indented under a heading belongs to the text under it, and lines
indented deeper than the body text are code (commands, listings, error output),
as are runs of short lines that are not sentences ("./configure" then "make").
Every :class:`~faqkb.models.Block` keeps the exact span of its text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from faqkb.documents.gluedtables import table_rows
from faqkb.documents.markers import NUMBER
from faqkb.documents.plainlines import (
    MARKER_LINE,
    RULE,
    RULED,
    Line,
    chunks,
    header_lines,
    is_hard_wrapped,
    marker,
    read_lines,
    underlines,
)
from faqkb.models import Block, BlockKind

_MAX_LABEL_WORDS = 6
_CODE_INDENT = 2  # deeper than the body text by this much, a line is code
_SHORT_LINE_SHARE = 0.5
_HEADING_END_OK = re.compile(r"[\w)\]\"'”’?]$")
_WORD = re.compile(r"\w+")
_INTERROGATIVE = re.compile(
    r"(?i)(is|are|can|could|do|does|did|should|will|would|may|how|what|why|when|where|which|who)\b"
)
_MAX_HEADING_WORDS = 16
_MAX_QUESTION_HEADING_WORDS = 30
_MAX_NUMBERED_QUESTION_WORDS = 60
_DIGITS = re.compile(r"\d+")
_ASKS = re.compile(r"\?[\"'”’)\]]*$")
_MAX_HEADING_CHARS = 200
# "Section E:  " or "Note: " opening a line: a short label before its text.
_LABEL = re.compile(r"(?:\w+[ \t]){0,2}\w+:[ \t]+(?=\S)")


@dataclass(slots=True)
class _Unit:
    """Lines that make one block, before the block's kind is known."""

    lines: list[Line]
    chunk: int
    standalone: bool
    marker: str = ""  # "bullet" | "number" | "qa" (a Q: or A: line) | ""
    body_start: int = 0
    label: bool = False
    cells: tuple[str, ...] = ()
    header: bool = False
    underline: str = ""  # the character underlining a heading
    opens_chunk: bool = False


def layout_plain_text(text: str) -> list[Block]:
    """Split plain text into blocks; the first block is the title when the text has one."""
    lines = read_lines(text)
    # A posted article's header ("Archive-name: ...") is about the posting, not its text.
    lines[: header_lines(lines)] = []
    parts = chunks(lines)
    hard = is_hard_wrapped(parts)
    units: list[_Unit] = []
    for index, chunk in enumerate(parts):
        units.extend(_units(chunk, index, hard))
    blocks = _classify(units, text, _body_indent(units) if hard else None)
    return _with_title(blocks, text)


def _units(chunk: list[Line], index: int, hard: bool) -> list[_Unit]:
    table = table_rows([line.text for line in chunk])
    units: list[_Unit] = []
    i = 0
    while i < len(chunk):
        line = chunk[i]
        if RULE.fullmatch(line.text) or MARKER_LINE.fullmatch(line.text):
            i += 1  # a separator, the line over a heading, or a marker around code
            continue
        ruled = RULED.fullmatch(line.text)
        if ruled and i not in table:
            # "[MISC] ======" or "=== Setup ===": a heading set in its own rule.
            title = Line(line.start + ruled.start("title"), line.start + ruled.end("title"),
                          line.indent, ruled.group("title"))
            units.append(_Unit([title], index, True, underline=ruled.group("rule")[0]))
            i += 1
            continue
        if i + 1 < len(chunk) and i not in table and underlines(chunk[i + 1], line):
            units.append(_Unit([line], index, True, underline=chunk[i + 1].text[0]))
            i += 2
            continue
        if i + 2 < len(chunk) and (i == 0 or RULE.fullmatch(chunk[i - 1].text)) \
                and not {i, i + 1} & table.keys() \
                and underlines(chunk[i + 2], max(line, chunk[i + 1], key=lambda ln: len(ln.text))):
            # A title over two lines, underlined as one.
            units.append(_Unit([line, chunk[i + 1]], index, True, underline=chunk[i + 2].text[0]))
            i += 3
            continue
        if i in table:
            cells, header = table[i]
            units.append(_Unit([line], index, False, cells=cells, header=header))
            i += 1
            continue
        kind, body_start = marker(line)
        unit = _Unit([line], index, False, kind, body_start, opens_chunk=not units)
        i += 1
        if kind and i < len(chunk) and i not in table and _is_label(line, body_start):
            follower = chunk[i]
            if not marker(follower)[0] and follower.indent <= line.indent:
                unit.lines.append(follower)
                unit.label = True
                i += 1
        if hard:
            while i < len(chunk) and i not in table and _continues(unit, chunk[i]) \
                    and not (i + 1 < len(chunk) and underlines(chunk[i + 1], chunk[i])):
                unit.lines.append(chunk[i])
                i += 1
        units.append(unit)
    if len(units) == 1:
        units[0].standalone = True
    return units


def _is_label(line: Line, body_start: int) -> bool:
    """True for a short numbered or bulleted label ("1. Rest:") whose text follows."""
    body = line.text[body_start - line.start :]
    return body.endswith(":") and len(_WORD.findall(body)) <= _MAX_LABEL_WORDS


def _continues(unit: _Unit, line: Line) -> bool:
    if marker(line)[0] or RULE.fullmatch(line.text):
        return False
    first, last = unit.lines[0], unit.lines[-1]
    if unit.marker == "number":
        # A numbered question may run on at its number's own indentation, and its answer
        # may follow at once: it ends where it asks ("?"), where it leads into what
        # follows (":", unless the next line finishes asking) or, unindented, where its
        # sentence ends.
        if _ASKS.search(last.text) or (last.text.endswith(":") and not _ASKS.search(line.text)):
            return False
        return line.indent > first.indent or (line.indent == first.indent
                                              and not last.text.endswith((".", "!")))
    if unit.marker == "bullet":
        return line.indent > first.indent
    if unit.marker == "qa" and line.indent > first.indent:
        return True  # an answer's lines hang under the text after its "A:"
    if len(unit.lines) == 1 and _hangs_under_label(first, line):
        return True  # "Section E:  How can I ..." with its next line hung under "How"
    return abs(line.indent - last.indent) < 4


def _hangs_under_label(first: Line, line: Line) -> bool:
    label = _LABEL.match(first.text)
    return label is not None and line.indent == first.indent + label.end()


def _looks_like_heading(text: str) -> bool:
    words = len(_WORD.findall(text))
    # A long line ending in "?" is a heading only when it is a question from its first
    # word (after a label such as "Section E:"); otherwise it is prose that happens to
    # end with a question.
    label = _LABEL.match(text)
    asked = text[label.end() :] if label else text
    long_question = text.endswith("?") and bool(_INTERROGATIVE.match(asked))
    limit = _MAX_QUESTION_HEADING_WORDS if long_question else _MAX_HEADING_WORDS
    first = next((ch for ch in text if ch.isalnum()), "")
    return (
        0 < words <= limit
        and len(text) <= _MAX_HEADING_CHARS
        and bool(_HEADING_END_OK.search(text))
        and (first.isupper() or first.isdigit())
    )


def _body_indent(units: list[_Unit]) -> int:
    """The indentation of most body text (hard-wrapped documents only)."""
    counts: dict[int, int] = {}
    for unit in units:
        if not unit.marker and not unit.cells and not unit.underline:
            for line in unit.lines:
                counts[line.indent] = counts.get(line.indent, 0) + 1
    return max(counts, key=lambda indent: (counts[indent], -indent)) if counts else 0


def _classify(units: list[_Unit], text: str, body_indent: int | None) -> list[Block]:
    """Blocks for ``units``; ``body_indent`` is given for hard-wrapped text only."""
    blocks: list[Block] = []
    underlines: dict[str, int] = {}
    heading_indent: int | None = None
    wrap = max((len(line.text) + line.indent for unit in units for line in unit.lines),
               default=0)
    # A document does not open with code: an indented first line is a centred title.
    code = [body_indent is not None and i > 0 and not unit.marker and not unit.cells
            and not unit.underline and (unit.lines[0].indent >= body_indent + _CODE_INDENT
                                        or _short_lines(unit, wrap))
            for i, unit in enumerate(units)]
    for i, unit in enumerate(units):
        following = units[i + 1] if i + 1 < len(units) else None
        indent = unit.lines[0].indent
        if code[i]:
            blocks.append(_code(unit, text))
            continue
        if unit.marker:
            # A numbered line set in the body text ("(1) First, ...") is a list item.
            under_heading = body_indent is not None and 0 < body_indent <= indent
        else:
            under_heading = body_indent is not None and heading_indent is not None \
                and indent > heading_indent
        if unit.underline:
            level = underlines.setdefault(unit.underline, len(underlines) + 1)
            block = _underlined(unit, level)
        else:
            # A line leading straight into code ("You may also need") introduces it, and a
            # line after a lead-in ("... when it connects:") is what it leads to.
            leads_into_code = i + 1 < len(code) and code[i + 1]
            led_in = i > 0 and units[i - 1].lines[-1].text.endswith(":")
            block = _block(unit, following, under_heading, leads_into_code or led_in)
        if block.kind == "heading":
            heading_indent = indent
        blocks.append(block)
    return blocks


def _short_lines(unit: _Unit, wrap: int) -> bool:
    """True for lines that stop short of the wrap width without ending a sentence."""
    return len(unit.lines) >= 2 and all(
        len(line.text) <= wrap * _SHORT_LINE_SHARE and not line.text.endswith((".", "!", "?"))
        for line in unit.lines)


def _next_in_list(unit: _Unit, following: _Unit) -> bool:
    """True when ``following`` is the next item of the numbered list ``unit`` is in, not
    a numbered subsection ("2.2.1." under "2.2.") or a list inside it."""
    if following.marker != "number":
        return False
    first, after = unit.lines[0], following.lines[0]
    number = _number(first, unit.body_start)
    return after.indent <= first.indent and not _number(after, following.body_start).startswith(
        number + ".")


def _number(line: Line, body_start: int) -> str:
    return ".".join(_DIGITS.findall(line.text[: body_start - line.start]))


def _code(unit: _Unit, text: str) -> Block:
    first, last = unit.lines[0], unit.lines[-1]
    margin = min(line.indent for line in unit.lines)
    lines = [" " * (line.indent - margin) + line.text for line in unit.lines]
    return Block("code", first.start, last.end, "\n".join(lines))


def _underlined(unit: _Unit, level: int) -> Block:
    line, last = unit.lines[0], unit.lines[-1]
    match = NUMBER.match(line.text)
    start = line.start + (match.end() if match else 0)
    text = " ".join(ln.text for ln in unit.lines)[start - line.start :]
    return Block("heading", start, last.end, _fold(text), level=level,
                 numbered=match is not None)


def _block(unit: _Unit, following: _Unit | None, under_heading: bool = False,
           leads_into_code: bool = False) -> Block:
    first, last = unit.lines[0], unit.lines[-1]
    if unit.cells:
        kind: BlockKind = "header_row" if unit.header else "row"
        text = " — ".join(unit.cells)
        return Block(kind, first.start, last.end, text, cells=unit.cells)
    body = " ".join(line.text for line in unit.lines)
    body = _fold(body[unit.body_start - first.start :])
    if unit.marker == "number" and not unit.label and not under_heading:
        words = len(_WORD.findall(body))
        limit = _MAX_NUMBERED_QUESTION_WORDS if body.endswith("?") \
            else _MAX_QUESTION_HEADING_WORDS
        # Standing alone, or asking ("?", ":") with its answer on the very next line.
        asks = unit.opens_chunk and body.endswith(("?", ":")) and following is not None \
            and following.chunk == unit.chunk and not following.marker
        if (unit.standalone or asks) and words <= limit and following is not None \
                and not _next_in_list(unit, following):
            depth = _number(first, unit.body_start).count(".") + 1
            return Block("heading", unit.body_start, last.end, body, level=1 + depth,
                         numbered=True)
    if unit.marker in {"bullet", "number"}:
        level = 1 + first.indent // 2
        return Block("item", unit.body_start, last.end, body, level=level,
                     numbered=unit.marker == "number")
    one_line = len(unit.lines) == 1 or (
        len(unit.lines) == 2 and _hangs_under_label(first, last))
    if one_line and not under_heading and _looks_like_heading(body) \
            and not (leads_into_code and not body.endswith("?")):
        leads = following is not None and following.chunk == unit.chunk \
            and len(following.lines[0].text) >= 2 * len(body)
        if unit.standalone or leads:
            return Block("heading", first.start, last.end, body, level=1)
    return Block("paragraph", first.start, last.end, body)


def _fold(text: str) -> str:
    return " ".join(text.split())


def _with_title(blocks: list[Block], text: str) -> list[Block]:
    """Mark a leading breadcrumb as ``nav`` and the first heading as the title."""
    if len(blocks) >= 2:
        first, second = blocks[0], blocks[1]
        if first.text != second.text and first.text.endswith(second.text) \
                and second.kind == "heading":
            blocks[0] = Block("nav", first.start, first.end, first.text)
    for i, block in enumerate(blocks):
        if block.kind == "nav":
            continue
        if block.kind == "heading" and not block.numbered:
            blocks[i] = Block("title", block.start, block.end, block.text, level=0)
        break
    return blocks
