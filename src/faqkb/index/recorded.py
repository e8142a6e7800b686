"""The documents as they were indexed, kept with each generation.

A source view must show the text the entries' spans index, and nothing else: not a file
changed since, and never what a link swapped in for a document leads to. So a build keeps
every :class:`~faqkb.models.Document` it indexed (text, title, format, blocks) inside the
generation, and the knowledge base reads documents from there, never from ``kb/``.

- :class:`DocumentWriter` appends documents, each compressed on its own, to a file of
  the generation (``documents-<tag>.bin``; each worker of a parallel build writes its own)
  and says where each one went;
- :func:`save_catalogue` writes ``documents.json``, which document is where; an update
  carries the previous catalogue over, less what it re-indexed or dropped, and never
  changes a file it hard-linked from the generation it started from;
- :class:`RecordedDocuments` reads them back, one at a time, on demand.
"""

from __future__ import annotations

import json
import os
import pickle
import threading
import zlib
from collections.abc import Iterable, Mapping
from pathlib import Path

from faqkb.models import Document

CATALOGUE = "documents.json"
_PREFIX = "documents-"
Place = tuple[str, int, int]  # file, offset, length


class DocumentWriter:
    """Appends documents to a new file of the generation in ``directory``."""

    def __init__(self, directory: Path, tag: str) -> None:
        self.name = f"{_PREFIX}{tag}.bin"
        self._handle = (directory / self.name).open("xb")
        self._offset = 0
        self.places: dict[str, Place] = {}

    def add(self, document: Document) -> None:
        """Keep ``document`` (by its name)."""
        data = zlib.compress(_encode(document), 6)
        self._handle.write(data)
        self.places[document.name] = (self.name, self._offset, len(data))
        self._offset += len(data)

    def close(self) -> None:
        """Finish the file."""
        self._handle.close()


def save_catalogue(directory: Path, places: Mapping[str, Place]) -> None:
    """Write which document is where (replacing, never rewriting, the catalogue)."""
    temporary = directory / f".{CATALOGUE}.{os.getpid()}.tmp"
    temporary.write_text(json.dumps(places, ensure_ascii=False, separators=(",", ":")),
                         encoding="utf-8")
    os.replace(temporary, directory / CATALOGUE)


def load_catalogue(directory: Path) -> dict[str, Place]:
    """Which document of the generation in ``directory`` is where (empty when none)."""
    try:
        text = (directory / CATALOGUE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    return {name: (str(f), int(o), int(n)) for name, (f, o, n) in json.loads(text).items()}


def carried_over(directory: Path, dropped: Iterable[str]) -> dict[str, Place]:
    """The catalogue of an update's starting point, less the documents ``dropped``."""
    places = load_catalogue(directory)
    for name in dropped:
        places.pop(name, None)
    return places


def discard_unlisted(directory: Path, places: Mapping[str, Place]) -> None:
    """Remove document files no document of the catalogue is in (after an update)."""
    used = {file for file, _, _ in places.values()}
    for path in directory.glob(f"{_PREFIX}*.bin"):
        if path.name not in used:
            path.unlink(missing_ok=True)


class RecordedDocuments:
    """The documents of one generation, read back on demand (the catalogue on first use)."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._places: dict[str, Place] | None = None
        self._lock = threading.Lock()

    def names(self) -> set[str]:
        """The names of the documents kept."""
        return set(self._catalogue())

    def get(self, name: str) -> Document | None:
        """The document called ``name`` as it was indexed, or ``None``.

        Raises ``OSError``, ``EOFError``, ``zlib.error`` or an unpickling error when the
        files are damaged.
        """
        place = self._catalogue().get(name)
        if place is None:
            return None
        file, offset, length = place
        with (self._directory / file).open("rb") as handle:
            handle.seek(offset)
            data = handle.read(length)
        if len(data) != length:
            raise EOFError(f"{file} ends before the document {name!r}")
        return _decode(zlib.decompress(data))

    def _catalogue(self) -> dict[str, Place]:
        with self._lock:
            if self._places is None:
                self._places = load_catalogue(self._directory)
            return self._places


def _encode(document: Document) -> bytes:
    # Pickled, as Whoosh keeps its own segment records: the files are ours, and their
    # checksums are verified before a generation is opened.
    return pickle.dumps(document, protocol=pickle.HIGHEST_PROTOCOL)


def _decode(data: bytes) -> Document:
    document = pickle.loads(data)
    if not isinstance(document, Document):
        raise ValueError("not a recorded document")
    return document
