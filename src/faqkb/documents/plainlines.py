"""Lines of plain text, and the marks on them: what the layout of plain text
(:mod:`.plaintext`) is built from.

- :class:`Line`: a line's text, its exact span and its indentation (a tab indents to
  the next multiple of eight columns, as a terminal shows it);
- :func:`chunks`: lines between blank lines; :func:`is_hard_wrapped`: whether the
  text is wrapped at a width (a README) or one line a paragraph (a copied page);
- :func:`marker`: the bullet (``•``, ``*``, ``[3]``), number (``4.12.``, ``2)``, also
  after a field name: ``Subject: 1.1.``) or ``Q:``/``A:`` opening a line;
- rules: lines of ``====`` or ``----`` (:func:`underlines` tells an underline from a
  separator), a heading set before a rule on its line (``[MISC] =====``), a marker
  between rules around a listing (``----- snip -----``);
- :func:`header_lines`: the header of a posted article ("Archive-name: ...",
  "Last-modified: ...") at the top of the text, which is no part of its content.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from faqkb.documents.markers import NUMBER, answer_marker_length, question_marker_length

_BULLET = re.compile(r"([•●▪◦‣∙·○■□➢➤►✓✔\-*–—+])\s+(?=\S)")
# "[3] http://example.org": an item of a list of references.
_REFERENCE = re.compile(r"\[\d{1,3}\]\s+(?=\S)")
RULE = re.compile(r"([=\-~^*#+_`'\".:])\1{2,}")
# "[MISC] =========": a heading set before a rule on its own line.
RULED = re.compile(r"(?P<title>[^\s=\-~*#].{0,80}?)[ \t]+(?P<rule>(?P<ch>[=\-~*#])(?P=ch){9,})")
# "----- snip:start -----": a marker between rules, around a listing.
MARKER_LINE = re.compile(r"([=\-~*#])\1{2,}[ \t]*[\w:.-]{0,20}(?:[ \t]+[\w:.-]+){0,2}[ \t]*\1{3,}")
_MIN_UNDERLINE_SHARE = 0.6
_MAX_UNDERLINE_SHARE = 1.2
_UNDERLINE_SLACK = 2
_MAX_UNDERLINED_CHARS = 120
_TAB_STOP = 8
_SOFT_LINE = 100
# "Subject: 1.1. What is it?": a field name before an entry's number.
_FIELD = re.compile(r"[A-Z][A-Za-z-]{2,15}:[ \t]+(?=\(?\d{1,3}(?:\.\d{1,3})*[.)]\s)")
# "Archive-name: faq/part1": a header field of a posted article (RFC 5536 and the
# news.answers conventions), or any hyphenated field name ("Posting-Frequency").
_HEADER_FIELD = re.compile(
    r"(?:[A-Za-z0-9]+(?:-[A-Za-z0-9]+)+|From|Subject|Newsgroups|Date|Organization|Version|"
    r"Summary|Keywords|References|Expires|Approved|Supersedes|Lines|Sender|Path|URL|"
    r"Maintainer|Copyright):[ \t]+\S", re.IGNORECASE)
_MIN_HEADER_FIELDS = 2


@dataclass(slots=True)
class Line:
    """A line of text that is not blank: ``text`` is stripped, ``start``/``end`` its span,
    ``indent`` the column it starts at."""

    start: int
    end: int
    indent: int
    text: str


def read_lines(text: str) -> list[Line | None]:
    """The lines of ``text``, ``None`` for a blank one."""
    lines: list[Line | None] = []
    for match in re.finditer(r"[^\n]*\n?", text):
        raw = match.group()
        if not raw:
            continue
        content = raw.rstrip("\r\n")
        stripped = content.strip()
        if not stripped:
            lines.append(None)
            continue
        margin = len(content) - len(content.lstrip())
        start = match.start() + margin
        # A tab indents to the next multiple of eight columns, as a terminal shows it.
        indent = len(content[:margin].expandtabs(_TAB_STOP))
        lines.append(Line(start, start + len(stripped), indent, stripped))
    return lines


def chunks(lines: list[Line | None]) -> list[list[Line]]:
    """Runs of lines between blank lines."""
    chunks: list[list[Line]] = []
    current: list[Line] = []
    for line in lines:
        if line is None:
            if current:
                chunks.append(current)
                current = []
        else:
            current.append(line)
    if current:
        chunks.append(current)
    return chunks


def is_hard_wrapped(chunks: list[list[Line]]) -> bool:
    """True for text wrapped at a width: few long lines, and paragraphs of several."""
    lines = [line for chunk in chunks for line in chunk]
    if not lines:
        return False
    long_lines = sum(1 for line in lines if len(line.text) > _SOFT_LINE)
    wrapped = [line for chunk in chunks if len(chunk) > 1 for line in chunk[:-1]]
    return long_lines <= 0.05 * len(lines) and len(wrapped) >= 3


def marker(line: Line) -> tuple[str, int]:
    """The kind of mark opening ``line`` ("bullet", "number", "qa" or "") and where the
    text after it starts."""
    if question_marker_length(line.text) or answer_marker_length(line.text):
        return "qa", line.start  # the marker stays in the block until it is resolved
    for kind, pattern in (("bullet", _BULLET), ("bullet", _REFERENCE), ("number", NUMBER)):
        match = pattern.match(line.text)
        if match:
            return kind, line.start + match.end()
    field = _FIELD.match(line.text)
    number = NUMBER.match(line.text, field.end()) if field else None
    if number:
        return "number", line.start + number.end()
    return "", line.start


def header_lines(lines: list[Line | None]) -> int:
    """How many lines at the top of the text are the header of a posted article
    ("Archive-name: ...", "Version: 2.3"): at least two fields, one a line."""
    count = 0
    for line in lines:
        if line is None or not _HEADER_FIELD.match(line.text):
            break
        count += 1
    return count if count >= _MIN_HEADER_FIELDS else 0


def underlines(rule: Line, line: Line) -> bool:
    """True when ``rule`` underlines ``line``; a rule much longer than the line above it
    is a separator below a paragraph."""
    return bool(RULE.fullmatch(rule.text)) and not RULE.fullmatch(line.text) \
        and len(line.text) <= _MAX_UNDERLINED_CHARS \
        and _MIN_UNDERLINE_SHARE * len(line.text) <= len(rule.text) \
        <= _MAX_UNDERLINE_SHARE * len(line.text) + _UNDERLINE_SLACK


