"""Publishing a generation as an artifact: a folder that read-only replicas serve.

``faqkb build --output DIR`` builds as ever, in the builder's own index folder (where
updates, the build lock and scratch files live), then :func:`publish_generation` puts
the generation it built in service in ``DIR``:

    DIR/
        CURRENT                  the generation in service, replaced atomically
        gen-<n>-<pid>/           complete generations only, each self-contained:
            manifest.json        the index's files with their sizes and SHA-256
            published.json       what was published: its digest, from where, when
            synonyms.txt         kb/'s settings files, as they were when published
            faqkb.toml           (each only when kb/ has it)
            ...                  the index, and the documents as indexed

A generation holds everything a replica needs (the documents as indexed, the
synonyms, the site's settings), so ``DIR`` can be copied to other machines or mounted
read-only, and served with ``faqkb serve --index-dir DIR --read-only`` without
``kb/``. The files are hard-linked from the builder's generation where the file
system allows (they are never rewritten) and checked byte for byte against its
manifest before the swap; publishing what ``DIR`` already serves does nothing.
Copying ``DIR`` elsewhere, copy the generation folders first and ``CURRENT`` last.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from faqkb.errors import IndexBuildError
from faqkb.index import storage
from faqkb.index.lock import build_lock

PUBLISHED = "published.json"
# kb/'s settings files that a published generation carries (see faqkb.documents).
SETTINGS_FILES = ("synonyms.txt", "faqkb.toml")
MAX_SETTINGS_BYTES = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Publication:
    """A generation in service in an output folder: its folder and content digest, and
    whether this call published it (``False``: the folder already served that content)."""

    generation: Path
    digest: str
    published: bool


def publish_generation(source: Path, kb_dir: Path, output: Path) -> Publication:
    """Put a copy of the generation ``source`` (with ``kb_dir``'s settings files) in
    service in ``output``, unless ``output`` serves the same content already.

    Raises :class:`IndexBuildError` when ``source`` is not a whole generation or
    ``output`` cannot be written.
    """
    manifest = storage.read_manifest(source)
    if manifest is None or storage.damage(source, manifest, verify=True):
        raise IndexBuildError(f"the index in {source} is not whole: build it again")
    settings = _settings(kb_dir)
    digest = _digest(manifest, settings)
    try:
        output.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexBuildError(f"cannot create {output}: {exc.strerror or exc}") from None
    with build_lock(output):
        current = storage.current_generation(output)
        if current is not None and _serves(current, digest):
            return Publication(current, digest, published=False)
        target = storage.new_generation(output)
        try:
            _copy(source, target, manifest)
            for name, data in settings.items():
                (target / name).write_bytes(data)
            record = {"digest": digest, "source": str(source), "published_at":
                      time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                      "faqkb": _faqkb_version(), "settings": sorted(settings)}
            (target / PUBLISHED).write_text(json.dumps(record, indent=1), encoding="utf-8")
            storage.commit_generation(output, target, manifest)
        except OSError as exc:
            storage.discard_generation(target)
            raise IndexBuildError(f"cannot publish to {output}: {exc.strerror or exc}") \
                from None
        except BaseException:
            if storage.current_generation(output) != target:
                storage.discard_generation(target)
            raise
    return Publication(target, digest, published=True)


def read_publication(generation: Path) -> dict[str, Any] | None:
    """What ``published.json`` says of a published generation (``None``: not one)."""
    try:
        data = json.loads((generation / PUBLISHED).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


def is_published(generation: Path) -> bool:
    """True when ``generation`` was published (and so carries kb/'s settings files)."""
    return (generation / PUBLISHED).is_file()


def _serves(current: Path, digest: str) -> bool:
    record = read_publication(current)
    manifest = storage.read_manifest(current)
    return record is not None and record.get("digest") == digest and manifest is not None \
        and storage.damage(current, manifest) is None


def _settings(kb_dir: Path) -> dict[str, bytes]:
    found: dict[str, bytes] = {}
    for name in SETTINGS_FILES:
        path = kb_dir / name
        try:
            if not path.is_file() or path.stat().st_size > MAX_SETTINGS_BYTES:
                continue  # too large to be settings: faqkb would not read it either
            found[name] = path.read_bytes()
        except OSError as exc:
            raise IndexBuildError(f"cannot read {path}: {exc.strerror or exc}") from None
    return found


def _digest(manifest: storage.Manifest, settings: dict[str, bytes]) -> str:
    """What identifies the content published: the index's files and the settings."""
    digest = hashlib.sha256()
    for name, size, sha in manifest.index_files:
        digest.update(f"{name}\0{size}\0{sha}\n".encode())
    for name, data in sorted(settings.items()):
        digest.update(f"{name}\0{hashlib.sha256(data).hexdigest()}\n".encode())
    return digest.hexdigest()[:16]


def _copy(source: Path, target: Path, manifest: storage.Manifest) -> None:
    """The index files of ``source`` into ``target`` (linked where possible), checked
    against ``source``'s manifest byte for byte."""
    for name, _, _ in manifest.index_files:
        if name in SETTINGS_FILES or name == PUBLISHED:
            continue  # a published generation republished: its settings are kb/'s now
        try:
            os.link(source / name, target / name)
        except OSError:
            shutil.copy2(source / name, target / name)
    copied = storage.Manifest(manifest.files, manifest.code, manifest.notes, tuple(
        f for f in manifest.index_files if f[0] not in SETTINGS_FILES and f[0] != PUBLISHED))
    problem = storage.damage(target, copied, verify=True)
    if problem:
        raise IndexBuildError(f"the copy of {source} is not as written: {problem}")


def _faqkb_version() -> str:
    try:
        return version("faqkb")
    except PackageNotFoundError:
        return "unknown"
