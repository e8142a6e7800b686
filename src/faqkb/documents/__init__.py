"""Reading the knowledge-base folder: which files are documents, and what each one says.

- :func:`discover` lists the document files of a ``kb/`` folder (recursively, in a
  stable order), leaving out hidden files, editor backups, configuration files such as
  ``synonyms.txt`` and links that lead out of the folder, and saying why it left out
  anything that looks meant for it.
- :func:`read_document` turns one file into a :class:`~faqkb.models.Document`: it
  decodes the bytes (:mod:`.encoding`), derives the text and lays it out in blocks
  with the reader for its format (:mod:`.plaintext`, :mod:`.markdown`, :mod:`.html`,
  :mod:`.rst`), and finds the title.
- :func:`load_documents` does both for a whole folder, collecting a warning for each
  file it could not read instead of failing.

Nothing here knows about the index or the web.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from faqkb.documents.encoding import decode_bytes
from faqkb.documents.html import read_html
from faqkb.documents.layout import Layout, mark_questions
from faqkb.documents.markdown import read_markdown
from faqkb.documents.plaintext import layout_plain_text
from faqkb.documents.rst import read_rst
from faqkb.errors import DocumentError, KnowledgeBaseError
from faqkb.models import Document

__all__ = [
    "CONFIG_FILES",
    "FileState",
    "SUPPORTED_SUFFIXES",
    "discover",
    "load_documents",
    "read_document",
    "scan",
]

_Reader = Callable[[bytes], Layout]


def _read_plain_text(raw: bytes) -> Layout:
    text, encoding = decode_bytes(raw)
    return Layout(text, encoding, tuple(mark_questions(text, layout_plain_text(text))))


_READERS: dict[str, tuple[str, _Reader]] = {
    ".txt": ("text", _read_plain_text),
    ".text": ("text", _read_plain_text),
    ".md": ("markdown", read_markdown),
    ".markdown": ("markdown", read_markdown),
    ".html": ("html", read_html),
    ".htm": ("html", read_html),
    ".xhtml": ("html", read_html),
    ".rst": ("rst", read_rst),
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(_READERS)
MAX_DOCUMENT_BYTES = 64 * 1024 * 1024
_BACKUP = re.compile(r"(~|\.(bak|swp|swo|tmp|orig|rej)|^#.*#)$", re.IGNORECASE)
_TITLE_CHARS = 90
# Files at the top of kb/ that configure faqkb rather than hold knowledge.
CONFIG_FILES = frozenset({"synonyms.txt"})


@dataclass(frozen=True, slots=True)
class FileState:
    """What the freshness check compares: a document file's name, size and mtime."""

    name: str
    size: int
    mtime_ns: int


def discover(kb_dir: Path) -> tuple[list[Path], list[str]]:
    """The document files of ``kb_dir``, sorted, and a warning for each file skipped.

    Raises :class:`KnowledgeBaseError` when ``kb_dir`` is not a readable folder.
    """
    root = _checked_root(kb_dir)
    found: list[Path] = []
    warnings: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        here = Path(dirpath)
        # os.walk does not descend into linked folders (followlinks=False).
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for filename in sorted(filenames):
            path = here / filename
            if filename.startswith(".") or _BACKUP.search(filename):
                continue
            if here == root and filename in CONFIG_FILES:
                continue
            if path.suffix.lower() not in _READERS:
                warnings.append(f"{_name(path, root)}: skipped, not a supported format "
                                f"({', '.join(SUPPORTED_SUFFIXES)})")
                continue
            if _inside(path, root, warnings):
                found.append(path)
    found.sort(key=lambda p: _name(p, root))
    return found, warnings


def scan(kb_dir: Path) -> list[FileState]:
    """Name, size and modification time of each document file: the cheap freshness key."""
    root = _checked_root(kb_dir)
    states: list[FileState] = []
    for path in discover(root)[0]:
        try:
            stat = path.stat()
        except OSError:
            continue
        states.append(FileState(_name(path, root), stat.st_size, stat.st_mtime_ns))
    return states


def read_document(path: Path, name: str | None = None) -> Document:
    """Read one document file. ``name`` is how entries will cite it (default: file name).

    Raises :class:`DocumentError` when the file cannot be read or decoded.
    """
    name = name or path.name
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise DocumentError(f"{name}: not a supported format ({', '.join(SUPPORTED_SUFFIXES)})")
    try:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise DocumentError(f"{name}: larger than {MAX_DOCUMENT_BYTES // 2**20} MB")
        raw = path.read_bytes()
    except OSError as exc:
        raise DocumentError(f"{name}: cannot read the file ({exc.strerror or exc})") from None
    fmt, read = reader
    try:
        layout = read(raw)
    except DocumentError as exc:
        raise DocumentError(f"{name}: {exc}") from None
    except RecursionError:
        raise DocumentError(f"{name}: nested too deeply to read") from None
    return Document(
        name=name,
        text=layout.text,
        title=_title(layout, path),
        format=fmt,
        blocks=layout.blocks,
        fingerprint=hashlib.sha256(raw).hexdigest(),
        encoding=layout.encoding,
    )


def load_documents(kb_dir: Path) -> tuple[list[Document], list[str]]:
    """Every readable document of ``kb_dir`` and a warning for each file that is not."""
    root = _checked_root(kb_dir)
    paths, warnings = discover(root)
    documents: list[Document] = []
    for path in paths:
        try:
            documents.append(read_document(path, _name(path, root)))
        except DocumentError as exc:
            warnings.append(str(exc))
    return documents, warnings


def _checked_root(kb_dir: Path) -> Path:
    root = Path(kb_dir)
    if not root.exists():
        raise KnowledgeBaseError(f"knowledge-base folder not found: {root}")
    if not root.is_dir():
        raise KnowledgeBaseError(f"not a folder: {root}")
    return root.resolve()


def _name(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _inside(path: Path, root: Path, warnings: list[str]) -> bool:
    """False (with a warning) for a link that leads out of the knowledge base or nowhere."""
    if not path.is_symlink():
        return True
    try:
        target = path.resolve(strict=True)
    except (OSError, RuntimeError):
        warnings.append(f"{_name(path, root)}: skipped, a broken or looping link")
        return False
    if not target.is_relative_to(root):
        warnings.append(f"{_name(path, root)}: skipped, a link to outside the knowledge base")
        return False
    return True


def _title(layout: Layout, path: Path) -> str:
    for block in layout.blocks:
        if block.kind == "title":
            return block.text
    if layout.title:
        return layout.title
    for block in layout.blocks:
        if block.kind in {"paragraph", "item"}:
            return _first_sentence(block.text)
    return path.stem


def _first_sentence(text: str) -> str:
    match = re.match(r"(.+?[.!?])(\s|$)", text)
    sentence = match.group(1) if match else text
    if len(sentence) <= _TITLE_CHARS:
        return sentence
    cut = sentence[:_TITLE_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
