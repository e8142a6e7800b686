"""The build lock of an index folder: one build at a time, across threads and processes.

A build holds ``<index dir>/build.lock`` (an OS file lock, released when the file
is closed, so a killed build never leaves it held). Another build waits for it;
a search that only wants to refresh a stale index does not wait: it keeps serving
the index in service and leaves the refresh to the build that holds the lock.
"""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from faqkb.errors import IndexBuildError

LOCK = "build.lock"


@contextlib.contextmanager
def build_lock(index_dir: Path, timeout: float = 600.0) -> Iterator[None]:
    """Hold the index folder's build lock; another build waits for it (up to ``timeout``).

    Raises :class:`IndexBuildError` when the folder cannot be locked or the wait is over.
    """
    with _open(index_dir) as handle:
        deadline = time.monotonic() + timeout
        while not _take(handle, index_dir):
            if time.monotonic() >= deadline:
                raise IndexBuildError(
                    f"another build of {index_dir} is still under way after {timeout:.0f} s")
            time.sleep(0.05)
        yield


@contextlib.contextmanager
def try_build_lock(index_dir: Path) -> Iterator[bool]:
    """Take the build lock if it is free: yields True when held, False when another
    build holds it (nothing waits). Raises :class:`IndexBuildError` as :func:`build_lock`."""
    with _open(index_dir) as handle:
        yield _take(handle, index_dir)


@contextlib.contextmanager
def _open(index_dir: Path) -> Iterator[IO[bytes]]:
    doing = "create"
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
        doing = "lock"
        handle = (index_dir / LOCK).open("a+b")
    except OSError as exc:
        raise IndexBuildError(
            f"cannot {doing} the index folder {index_dir}: {exc.strerror}; "
            "choose another with --index-dir or FAQKB_INDEX_DIR") from None
    with handle:  # closing the file releases the lock
        yield handle


def _take(handle: IO[bytes], index_dir: Path) -> bool:
    """Try the lock: True when taken, False when another holds it."""
    try:
        return _try_lock(handle)
    except OSError as exc:  # the lock itself failed (ENOLCK on some network file systems)
        raise IndexBuildError(f"cannot lock the index folder {index_dir}: "
                              f"{exc.strerror or exc}") from None


if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt

    def _try_lock(handle: Any) -> bool:
        try:
            msvcrt.locking(handle.fileno(), msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
else:
    import fcntl

    def _try_lock(handle: Any) -> bool:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
