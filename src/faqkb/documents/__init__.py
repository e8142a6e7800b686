"""Reading the knowledge-base folder: which files are documents, and what each one says.

- :func:`discover` lists the document files of a ``kb/`` folder (recursively, in a
  stable order), leaving out hidden files and folders, editor backups and
  configuration files such as ``synonyms.txt``, and saying in one line why it left out
  anything else: an unsupported format, a link that leads out of the folder, is broken
  or loops, a linked folder (never followed), something that is not a regular file (a
  named pipe would block a read forever), a folder it cannot list.
- :func:`read_document` turns one file into a :class:`~faqkb.models.Document`: it
  decodes the bytes (:mod:`.encoding`), derives the text and lays it out in blocks
  with the reader for its format (:mod:`.plaintext`, :mod:`.markdown`, :mod:`.html`,
  :mod:`.rst`), and finds the title. It refuses, with a reason, a file it cannot
  read, one larger than :data:`MAX_DOCUMENT_BYTES`, and one with no text.
- :func:`load_documents` does both for a whole folder, collecting a warning for each
  file it could not read instead of failing.

Nothing here knows about the index or the web.
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from faqkb.errors import DocumentError, KnowledgeBaseError
from faqkb.models import Document

__all__ = [
    "CONFIG_FILES",
    "FileState",
    "SUPPORTED_SUFFIXES",
    "discover",
    "load_documents",
    "name_problem",
    "read_document",
    "scan",
    "shown_name",
]

if TYPE_CHECKING:
    from faqkb.documents.layout import Layout

_Reader = Callable[[bytes], "Layout"]


# The readers import their modules (and those their parsers: BeautifulSoup and lxml,
# markdown-it, docutils) when first used: a process that only searches never reads a
# document, and importing them all would be most of the start-up time of `faqkb search`.
def _read_plain_text(raw: bytes) -> Layout:
    from faqkb.documents.encoding import decode_bytes
    from faqkb.documents.layout import Layout, mark_questions
    from faqkb.documents.plaintext import layout_plain_text

    text, encoding = decode_bytes(raw)
    return Layout(text, encoding, tuple(mark_questions(text, layout_plain_text(text))))


def _read_html(raw: bytes) -> Layout:
    from faqkb.documents.html import read_html

    return read_html(raw)


def _read_markdown(raw: bytes) -> Layout:
    from faqkb.documents.markdown import read_markdown

    return read_markdown(raw)


def _read_rst(raw: bytes) -> Layout:
    from faqkb.documents.rst import read_rst

    return read_rst(raw)


_READERS: dict[str, tuple[str, _Reader]] = {
    ".txt": ("text", _read_plain_text),
    ".text": ("text", _read_plain_text),
    ".md": ("markdown", _read_markdown),
    ".markdown": ("markdown", _read_markdown),
    ".html": ("html", _read_html),
    ".htm": ("html", _read_html),
    ".xhtml": ("html", _read_html),
    ".rst": ("rst", _read_rst),
}
SUPPORTED_SUFFIXES: tuple[str, ...] = tuple(_READERS)
# Far beyond any FAQ page (the largest real-world pages are a few hundred KB), and
# small enough that reading and extracting one stays a matter of seconds.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
_BACKUP = re.compile(r"(~|\.(bak|swp|swo|tmp|orig|rej)|^#.*#)$", re.IGNORECASE)
_TITLE_CHARS = 90
# Files at the top of kb/ that configure faqkb rather than hold knowledge.
CONFIG_FILES = frozenset({"synonyms.txt", "faqkb.toml"})


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
    found, warnings = _walk(_checked_root(kb_dir))
    return [Path(item.path) for _, item in found], warnings


def scan(kb_dir: Path) -> list[FileState]:
    """Name, size and modification time of each document file: the cheap freshness key."""
    states: list[FileState] = []
    for name, item in _walk(_checked_root(kb_dir))[0]:
        try:
            info = item.stat()  # follows a link (inside kb/: the walk checked)
        except OSError:
            continue
        states.append(FileState(name, info.st_size, info.st_mtime_ns))
    return states


def _walk(root: Path) -> tuple[list[tuple[str, os.DirEntry[str]]], list[str]]:
    """Each document file under ``root`` as (name, directory entry), by name, and the
    warnings about what was skipped. Names are built as strings as the walk goes: with
    thousands of files, pathlib objects are most of the cost of a freshness check."""
    found: list[tuple[str, os.DirEntry[str]]] = []
    warnings: list[str] = []
    folders: list[tuple[Path, str]] = [(root, "")]
    while folders:  # a stack, not recursion: a folder may nest deeper than Python can
        folder, prefix = folders.pop()
        try:
            with os.scandir(folder) as listing:
                items = sorted(listing, key=lambda item: item.name)
        except OSError as exc:
            if folder == root:
                raise KnowledgeBaseError(f"cannot read the knowledge-base folder {root}: "
                                         f"{_reason(exc)}") from None
            warnings.append(f"{prefix}: skipped, cannot list the folder ({_reason(exc)})")
            continue
        subfolders = []
        at_top = folder == root
        for item in items:
            if item.name.startswith(".") or _BACKUP.search(item.name):
                continue
            name = prefix + item.name
            unfit = name_problem(item.name)
            if unfit:
                warnings.append(f"{shown_name(name)}: skipped, {unfit}")
                continue
            if item.is_dir(follow_symlinks=False):
                subfolders.append((folder / item.name, name + "/"))
            elif not (at_top and item.name in CONFIG_FILES):
                problem = _problem(item, root)
                if problem:
                    warnings.append(f"{name}: skipped, {problem}")
                else:
                    found.append((name, item))
        folders.extend(reversed(subfolders))
    found.sort(key=lambda entry: entry[0])
    return found, warnings


def read_document(path: Path, name: str | None = None, *, root: Path | None = None) -> Document:
    """Read one document file. ``name`` is how entries will cite it (default: file name).

    With ``root`` (a resolved folder), the file is read only if the file *opened* lies
    inside ``root``, a final link not followed, so a link swapped in after discovery
    cannot lead elsewhere. Raises :class:`DocumentError` when the file cannot be read
    or decoded.
    """
    name = name or path.name
    unfit = name_problem(name)
    if unfit:
        raise DocumentError(f"{shown_name(name)}: {unfit}")
    reader = _READERS.get(path.suffix.lower())
    if reader is None:
        raise DocumentError(f"{name}: not a supported format ({', '.join(SUPPORTED_SUFFIXES)})")
    try:
        raw = _read_bytes(path, name, root)
    except OSError as exc:
        raise DocumentError(f"{name}: cannot read the file ({_reason(exc)})") from None
    if not raw:
        raise DocumentError(f"{name}: an empty file")
    fmt, read = reader
    try:
        layout = read(raw)
    except DocumentError as exc:
        raise DocumentError(f"{name}: {exc}") from None
    except RecursionError:
        raise DocumentError(f"{name}: nested too deeply to read") from None
    if not layout.text.strip():
        raise DocumentError(f"{name}: no text to index")
    return Document(
        name=name,
        text=layout.text,
        title=_title(layout, path),
        format=fmt,
        blocks=layout.blocks,
        fingerprint=hashlib.sha256(raw).hexdigest(),
        encoding=layout.encoding,
        dropped=layout.dropped,
    )


def _read_bytes(path: Path, name: str, root: Path | None) -> bytes:
    if root is None:
        _check_file(os.stat(path), name)
        return path.read_bytes()
    path = Path(os.path.realpath(path))  # a link inside kb/ is read as its target
    if not path.is_relative_to(root):
        raise DocumentError(f"{name}: skipped, a link to outside the knowledge base")
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) \
        | getattr(os, "O_BINARY", 0)
    descriptor = os.open(path, flags)
    with os.fdopen(descriptor, "rb") as handle:
        _check_file(os.fstat(descriptor), name)
        if not _opened_within(descriptor, path, root):
            raise DocumentError(f"{name}: skipped, a link to outside the knowledge base")
        return handle.read(MAX_DOCUMENT_BYTES + 1)


def _check_file(info: os.stat_result, name: str) -> None:
    if not stat.S_ISREG(info.st_mode):
        raise DocumentError(f"{name}: not a regular file")
    if info.st_size > MAX_DOCUMENT_BYTES:
        raise DocumentError(f"{name}: {info.st_size / 2**20:.1f} MB, larger than the "
                            f"{MAX_DOCUMENT_BYTES // 2**20} MB faqkb reads")


def _opened_within(descriptor: int, path: Path, root: Path) -> bool:
    """True when the open file is inside ``root``: where the system says which file a
    descriptor is, that; elsewhere, the path still leads to the file opened."""
    try:
        opened = os.readlink(f"/proc/self/fd/{descriptor}")
    except OSError:
        info, now = os.fstat(descriptor), os.stat(path)
        return (info.st_dev, info.st_ino) == (now.st_dev, now.st_ino) \
            and Path(os.path.realpath(path)).is_relative_to(root)
    return Path(opened).is_relative_to(root)


def name_problem(name: str) -> str:
    """Why a file or folder name cannot name a document ("" when it can): bytes that
    are not UTF-8 (entries, links and messages could not carry it), or a control
    character such as a newline (no link or line of output shows it as it is)."""
    if any("\udc80" <= ch <= "\udcff" for ch in name):
        return "its name is not valid UTF-8 (rename the file)"
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return "its name holds a control character such as a newline (rename the file)"
    return ""


def shown_name(name: str) -> str:
    """``name`` as it can be printed: undecodable bytes as ``\\xff``, control
    characters as ``\\n``."""
    text = name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return "".join(ch if ch.isprintable() or ch == " " else repr(ch)[1:-1] for ch in text)


def load_documents(kb_dir: Path) -> tuple[list[Document], list[str]]:
    """Every readable document of ``kb_dir`` and a warning for each file that is not."""
    found, warnings = _walk(_checked_root(kb_dir))
    documents: list[Document] = []
    for name, item in found:
        try:
            documents.append(read_document(Path(item.path), name))
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


def _problem(item: os.DirEntry[str], root: Path) -> str:
    """Why a directory entry that is not a folder is no document ("" when it is one)."""
    if item.is_symlink():
        try:
            target = Path(item.path).resolve(strict=True)
        except (OSError, RuntimeError):
            return "a broken or looping link"
        if not target.is_relative_to(root):
            return "a link to outside the knowledge base"
        if target.is_dir():
            return "a link to a folder (links to folders are not followed)"
    if os.path.splitext(item.name)[1].lower() not in _READERS:
        return f"not a supported format ({', '.join(SUPPORTED_SUFFIXES)})"
    try:
        regular = item.is_file(follow_symlinks=True)
    except OSError as exc:
        return f"cannot read the file ({_reason(exc)})"
    return "" if regular else "not a regular file"


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


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
