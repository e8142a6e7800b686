"""Where an index lives on disk, how a new one replaces the old, and when it is stale.

An index folder (by default in the user's cache, one per knowledge-base folder)
holds *generations*::

    <index dir>/
        CURRENT          the name of the generation in service, replaced atomically
        build.lock       held while a build runs
        gen-<n>-<pid>/   a complete Whoosh index plus manifest.json (and, once
                         out of service, a ``retired`` file: it goes soon after)

A build writes a new generation beside the one in service and then swaps
``CURRENT``: readers see the old index or the new one, never a mix, and a build
killed half-way leaves the old one serving. The manifest records what the
generation was built from (each document's name, size, mtime and SHA-256, and a
fingerprint of the extractor's code), which is what :func:`find_changes` and
:func:`code_fingerprint` are compared with.

No Whoosh here: this module only handles folders and files.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import sys
import time
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Any

from faqkb.documents import FileState, scan
from faqkb.errors import IndexBuildError

MANIFEST = "manifest.json"
CURRENT = "CURRENT"
RETIRED = "retired"  # in a generation out of service: since when (its mtime)
RETIRED_GRACE = 60.0  # seconds a generation out of service is kept for late readers
FORMAT = 3
_GENERATION = re.compile(r"^gen-(\d+)-\d+$")
_PACKAGE = Path(__file__).resolve().parent.parent
# The modules whose code decides what goes into an index: change one, and every
# index built before is stale.
_INDEX_CODE = ("documents", "extract", "index/analysis.py", "index/schema.py", "index/writing.py",
               "index/postings.py", "index/storage.py", "index/recorded.py", "models.py")


@dataclass(frozen=True, slots=True)
class FileRecord:
    """What an index knows of one document file, and what the file gave it."""

    name: str
    size: int
    mtime_ns: int
    sha256: str
    qa_pairs: int = 0
    claims: int = 0
    warning: str = ""  # why the file could not be indexed ("" when it was)
    chrome: int = 0  # blocks and page elements left out as page chrome


@dataclass(frozen=True, slots=True)
class Manifest:
    """What a generation was built from: each document file, the code, and notes about
    files that were passed over (unsupported formats, links out of the folder)."""

    files: tuple[FileRecord, ...]
    code: str
    notes: tuple[str, ...] = ()
    # The generation's files, each with its size and SHA-256, as written.
    index_files: tuple[tuple[str, int, str], ...] = ()

    @property
    def documents(self) -> int:
        """Documents indexed."""
        return sum(1 for f in self.files if not f.warning)

    @property
    def qa_pairs(self) -> int:
        """Q&A pairs indexed."""
        return sum(f.qa_pairs for f in self.files)

    @property
    def claims(self) -> int:
        """Claims indexed."""
        return sum(f.claims for f in self.files)

    @property
    def entries(self) -> int:
        """Entries indexed."""
        return self.qa_pairs + self.claims

    @property
    def warnings(self) -> tuple[str, ...]:
        """Every file passed over or not indexed, with the reason."""
        return self.notes + tuple(f.warning for f in self.files if f.warning)

    @property
    def chrome(self) -> tuple[tuple[str, int], ...]:
        """Each document that had page chrome left out, and how many pieces."""
        return tuple((f.name, f.chrome) for f in self.files if f.chrome)

    def to_json(self) -> str:
        """The manifest as JSON text."""
        return json.dumps({
            "format": FORMAT, "code": self.code, "notes": self.notes,
            "files": [[f.name, f.size, f.mtime_ns, f.sha256, f.qa_pairs, f.claims, f.warning,
                       f.chrome] for f in self.files],
            "index_files": self.index_files,
        }, indent=0)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        """Parse :meth:`to_json` output; raises ``ValueError`` on anything else."""
        data: dict[str, Any] = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError("manifest of another format")
        return cls(
            files=tuple(FileRecord(str(n), int(s), int(m), str(h), int(q), int(c), str(w),
                                   int(chrome[0]) if chrome else 0)
                        for n, s, m, h, q, c, w, *chrome in data["files"]),
            code=str(data["code"]),
            notes=tuple(str(note) for note in data["notes"]),
            index_files=tuple((str(n), int(size), str(digest))
                              for n, size, digest in data["index_files"]),
        )


@dataclass(frozen=True, slots=True)
class Changes:
    """Document files added, changed and removed since a manifest was written.

    ``touched`` files have a new mtime but the same bytes: they are not changes (and
    count for neither truth nor length), but their new state can be remembered.
    """

    added: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    touched: tuple[FileState, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed)

    def __len__(self) -> int:
        return len(self.added) + len(self.changed) + len(self.removed)


def default_index_root() -> Path:
    """The per-user cache folder for indexes (``FAQKB_CACHE_DIR`` overrides it)."""
    override = os.environ.get("FAQKB_CACHE_DIR")
    if override:
        return Path(override).expanduser()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        return base / "faqkb" / "Cache"
    if sys.platform == "darwin":
        return Path.home() / "Library" / "Caches" / "faqkb"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "faqkb"


def default_index_dir(kb_dir: Path) -> Path:
    """The index folder of a knowledge base: its name plus a hash of its absolute path."""
    resolved = kb_dir.resolve()
    digest = hashlib.sha256(str(resolved).encode()).hexdigest()[:12]
    slug = re.sub(r"[^A-Za-z0-9_-]+", "-", resolved.name).strip("-") or "kb"
    return default_index_root() / "indexes" / f"{slug}-{digest}"


@cache
def code_fingerprint() -> str:
    """A hash of the code that decides an index's content (extraction, schema)."""
    digest = hashlib.sha256()
    for name in _INDEX_CODE:
        path = _PACKAGE / name
        files = sorted(path.rglob("*.py")) if path.is_dir() else [path]
        for file in files:
            digest.update(file.relative_to(_PACKAGE).as_posix().encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def current_generation(index_dir: Path) -> Path | None:
    """The generation in service, or ``None`` when there is none (or it is damaged).

    ``CURRENT`` is read again only when its file changed (it is replaced, never
    written in place): a search asks for the generation every time."""
    pointer = os.path.join(index_dir, CURRENT)
    try:
        status = os.stat(pointer)
        seen = (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns,
                status.st_ctime_ns)
        known = _POINTERS.get(pointer)
        if known is not None and known[0] == seen:
            name = known[1]
        else:
            with open(pointer, encoding="utf-8") as file:
                name = file.read().strip()
            if len(_POINTERS) >= 64:
                _POINTERS.clear()
            _POINTERS[pointer] = (seen, name)
    except (OSError, ValueError):
        return None
    if not _GENERATION.match(name):
        return None
    path = index_dir / name
    return path if os.path.isfile(os.path.join(path, MANIFEST)) else None


_POINTERS: dict[str, tuple[tuple[int, ...], str]] = {}  # CURRENT files: status, name read


def read_manifest(generation: Path) -> Manifest | None:
    """The generation's manifest, or ``None`` when it is missing or unreadable."""
    try:
        return Manifest.from_json((generation / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def find_changes(manifest: Manifest, kb_dir: Path,
                 states: list[FileState] | None = None) -> Changes:
    """The document files of ``kb_dir`` that differ from ``manifest``.

    Sizes and mtimes are compared first; a file whose mtime alone changed is hashed,
    so touching a file does not count as a change.
    """
    if states is None:
        states = scan(kb_dir)
    known = {f.name: f for f in manifest.files}
    root = kb_dir.resolve()
    added: list[str] = []
    changed: list[str] = []
    touched: list[FileState] = []
    for state in states:
        record = known.pop(state.name, None)
        if record is None:
            added.append(state.name)
        elif state.size != record.size:
            changed.append(state.name)
        elif state.mtime_ns != record.mtime_ns:
            # The state was taken before hashing: a write after it shows as a new mtime.
            if file_hash(root / state.name) == record.sha256:
                touched.append(state)
            else:
                changed.append(state.name)
    return Changes(tuple(added), tuple(changed), tuple(sorted(known)), tuple(touched))


def remember_mtimes(generation: Path, manifest: Manifest,
                    touched: tuple[FileState, ...]) -> None:
    """Record in ``generation``'s manifest the new mtimes of files touched but not
    changed, so that the next freshness check need not hash them again."""
    stamps = {state.name: state.mtime_ns for state in touched}
    files = tuple(replace(f, mtime_ns=stamps.get(f.name, f.mtime_ns)) for f in manifest.files)
    _write_atomic(generation / MANIFEST, replace(manifest, files=files).to_json())


def file_hash(path: Path) -> str:
    """SHA-256 of a file's bytes ("" when it cannot be read)."""
    try:
        with path.open("rb") as handle:
            return hashlib.file_digest(handle, "sha256").hexdigest()
    except OSError:
        return ""


def clone_generation(index_dir: Path, source: Path) -> Path:
    """A new generation holding the files of ``source``, to be updated in place.

    Whoosh never rewrites a file it has written (a commit adds segment files and a new
    table of contents), so the files are hard-linked, not copied, where the file
    system allows.
    """
    target = new_generation(index_dir)
    try:
        for path in source.iterdir():
            if path.name == MANIFEST or path.name.startswith(".") or not path.is_file():
                continue
            try:
                os.link(path, target / path.name)
            except OSError:
                shutil.copy2(path, target / path.name)
    except OSError as exc:
        discard_generation(target)
        raise IndexBuildError(f"cannot copy the index {source}: {exc.strerror}") from None
    return target


def new_generation(index_dir: Path) -> Path:
    """A new, empty generation folder (not yet in service)."""
    numbers = [int(m.group(1)) for p in _entries(index_dir) if (m := _GENERATION.match(p.name))]
    path = index_dir / f"gen-{max(numbers, default=0) + 1:06d}-{os.getpid()}"
    try:
        path.mkdir(parents=True)
    except OSError as exc:
        raise IndexBuildError(f"cannot create {path}: {exc.strerror}") from None
    return path


def commit_generation(index_dir: Path, generation: Path, manifest: Manifest) -> None:
    """Write the manifest, put ``generation`` in service, and clear out old generations.

    The generation replaced stays, as do the ones before it for RETIRED_GRACE seconds
    after they left service: a reader in another process may have read ``CURRENT``
    just before it changed, and still be opening what it named.
    """
    previous = current_generation(index_dir)
    try:
        files = tuple(sorted((p.name, p.stat().st_size, _digest(p)) for p in generation.iterdir()
                             if p.is_file() and p.name != MANIFEST))
        manifest = replace(manifest, index_files=files)
        _write_atomic(generation / MANIFEST, manifest.to_json())
        _write_atomic(index_dir / CURRENT, generation.name + "\n")
    except OSError as exc:
        raise IndexBuildError(f"cannot store the index in {index_dir}: {exc.strerror}") from None
    keep = {generation.name, previous.name if previous else ""}
    now = time.time()
    for path in _entries(index_dir):
        if not _GENERATION.match(path.name) or path.name in keep:
            continue
        if not (path / MANIFEST).exists():  # never in service: a build that was killed
            shutil.rmtree(path, ignore_errors=True)
            continue
        marker = path / RETIRED
        try:
            retired_at = marker.stat().st_mtime
        except OSError:
            with contextlib.suppress(OSError):
                marker.touch()
            continue
        if now - retired_at >= RETIRED_GRACE:
            shutil.rmtree(path, ignore_errors=True)


def damage(generation: Path, manifest: Manifest, *, verify: bool = False) -> str | None:
    """What is wrong with a generation's files, if anything: one missing, or of another
    size than written, or (with ``verify``, which reads every byte) of other content."""
    for name, size, _ in manifest.index_files:
        try:
            actual = (generation / name).stat().st_size
        except OSError:
            return f"{name} is missing"
        if actual != size:
            return f"{name} has {actual} bytes, not {size}"
    if verify:
        for name, _, digest in manifest.index_files:
            try:
                if _digest(generation / name) != digest:
                    return f"{name} is not as it was written (its checksum differs)"
            except OSError as exc:
                return f"{name} cannot be read ({exc.strerror or exc})"
    return None


def _digest(path: Path) -> str:
    """SHA-256 of a file, read in chunks (hardware-accelerated: about 2 GB/s)."""
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def discard_generation(generation: Path) -> None:
    """Remove a generation that was never put in service."""
    shutil.rmtree(generation, ignore_errors=True)


def _entries(directory: Path) -> list[Path]:
    try:
        return list(directory.iterdir())
    except OSError:
        return []


def _make_dirs(path: Path) -> None:
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexBuildError(
            f"cannot create the index folder {path}: {exc.strerror}; "
            "choose another with --index-dir or FAQKB_INDEX_DIR"
        ) from None


def _write_atomic(path: Path, text: str) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with temporary.open("w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    _replace(temporary, path)
    with contextlib.suppress(OSError):
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)


def _replace(source: Path, target: Path) -> None:
    """``os.replace``, retried for a moment where the target is open in another process
    (Windows refuses to replace a file that a reader holds open)."""
    attempts = 20 if os.name == "nt" else 1
    for attempt in range(attempts):
        try:
            os.replace(source, target)
            return
        except PermissionError:
            if attempt == attempts - 1:
                with contextlib.suppress(OSError):
                    source.unlink()
                raise
            time.sleep(0.05)
