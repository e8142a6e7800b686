"""The sorted terms of a postings file, looked up without decoding them all.

A segment's terms are one UTF-8 blob and an array of offsets into it. Finding a term is
a binary search; the first 8 bytes of every term, as one array of numbers (made on the
first lookup), narrow it to the few terms that share those bytes.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt


class SortedTerms(Sequence[str]):
    """The sorted terms of a segment, decoded on demand from the mapped blob."""

    def __init__(self, offsets: npt.NDArray[np.int64], blob: memoryview) -> None:
        self._offsets = offsets
        self._blob = blob

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def __getitem__(self, index: Any) -> Any:
        start, end = int(self._offsets[index]), int(self._offsets[index + 1])
        return bytes(self._blob[start:end]).decode("utf-8")

    def around(self, term: str) -> tuple[int, int]:
        """The positions of the terms whose first 8 bytes are ``term``'s: where it is,
        if anywhere (UTF-8 sorts as the text does, so the prefixes are sorted too)."""
        if self._prefixes is None:
            self._prefixes = _prefixes(self._offsets, self._blob)
        key = _prefix(term.encode("utf-8"))
        return (int(self._prefixes.searchsorted(key, "left")),
                int(self._prefixes.searchsorted(key, "right")))

    _prefixes: npt.NDArray[np.uint64] | None = None


def _prefix(encoded: bytes) -> np.uint64:
    return np.uint64(int.from_bytes(encoded[:8].ljust(8, b"\0"), "big"))


def _prefixes(offsets: npt.NDArray[np.int64], blob: memoryview) -> npt.NDArray[np.uint64]:
    """Each term's first 8 bytes (zero-padded) as a big-endian number: sorted as the
    terms are."""
    data = np.frombuffer(blob, dtype=np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    if not len(data) or not len(starts):
        return np.zeros(len(starts), dtype=np.uint64)
    at = starts[:, None] + np.arange(8)
    padded = np.where(at < ends[:, None], data[np.minimum(at, len(data) - 1)], 0)
    return padded.astype(np.uint8).view(">u8").reshape(-1).astype(np.uint64)
