"""A helper shared by the format tests: write a document, then read it as faqkb does."""

from __future__ import annotations

from pathlib import Path

from faqkb.documents import read_document
from faqkb.models import Document


def read(tmp_path: Path, name: str, data: str | bytes) -> Document:
    """Write ``data`` (text as UTF-8, or bytes as given) to ``tmp_path/name`` and read it."""
    path = tmp_path / name
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)
    return read_document(path)
