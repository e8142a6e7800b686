"""Tables in plain text whose cells were glued together when a page was copied.

Copying a web page's table gives lines like "Leaves turn yellowWater less often": the
cells meet where a lower-case letter runs into a capital. Cells separated by tabs or
runs of spaces count too. A table is at least three such lines with the same number
of cells; a first row in Title Case over rows that are not is its header.
"""

from __future__ import annotations

import re

_GLUE = re.compile(r"(?<=[a-z0-9)\]])(?=[A-Z][a-z])")
_TAB_CELLS = re.compile(r"\t+| {3,}")
_WORD = re.compile(r"\w+")
_MIN_TABLE_ROWS = 3


def table_rows(lines: list[str]) -> dict[int, tuple[tuple[str, ...], bool]]:
    """The table rows among ``lines`` (by index): runs of short lines with the same number
    of cells, each with its cells and whether it is the table's header row."""
    splits: list[list[str] | None] = [_cells(line) for line in lines]
    rows: dict[int, tuple[tuple[str, ...], bool]] = {}
    i = 0
    while i < len(lines):
        first = splits[i]
        j = i
        while j < len(lines) and (cells := splits[j]) is not None and first is not None \
                and len(cells) == len(first):
            j += 1
        if j - i >= _MIN_TABLE_ROWS:
            run = [splits[k] or [] for k in range(i, j)]
            header = _is_title_case_row(run[0]) and not all(_is_title_case_row(r) for r in run)
            for k, cells in zip(range(i, j), run, strict=True):
                rows[k] = (tuple(cells), header and k == i)
            i = j
        else:
            i += 1
    return rows


def _cells(text: str) -> list[str] | None:
    if len(text) > 120 or text[-1] in ".!?:;,":
        return None
    cells = [c.strip() for c in _TAB_CELLS.split(text)]
    if len(cells) < 2:
        cells = [c.strip() for c in _GLUE.split(text)]
    if len(cells) < 2 or not all(cells):
        return None
    return cells


def _is_title_case_row(cells: list[str]) -> bool:
    words = [w for cell in cells for w in _WORD.findall(cell) if len(w) > 3]
    return bool(words) and all(w[0].isupper() for w in words)
