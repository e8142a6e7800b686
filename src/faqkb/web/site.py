"""What the site calls itself: a title and a description, set in ``kb/faqkb.toml`` or by
the app's configuration, with defaults that fit any knowledge base.

``kb/faqkb.toml`` (optional; read with :mod:`tomllib`)::

    title = "Acme Help Centre"
    description = "Answers about billing, accounts and shipping."

:func:`read_settings_file` reads it and says what is wrong with it (a syntax error, a
key it does not know, a value that is not short text) without ever failing: a broken
file leaves the defaults in place. :class:`SiteSettings` keeps the file's values fresh
for an app that is serving: the file is checked at most once every ``check_interval`` seconds
and read again only when it changed. Values given to the app (``faqkb serve --title``)
win over the file's. No Flask here.
"""

from __future__ import annotations

import logging
import threading
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SETTINGS_FILE = "faqkb.toml"
DEFAULT_TITLE = "Knowledge base"
MAX_TITLE_CHARS = 80
MAX_DESCRIPTION_CHARS = 400
MAX_FILE_BYTES = 64 * 1024
_LIMITS = {"title": MAX_TITLE_CHARS, "description": MAX_DESCRIPTION_CHARS}
OTHER_TABLES = frozenset({"insights"})  # read by faqkb.insights.settings
_log = logging.getLogger("faqkb")


@dataclass(frozen=True, slots=True)
class Site:
    """The site's name and what it says about itself ("" when it says nothing);
    ``named`` tells whether the title was set or is the default."""

    title: str = DEFAULT_TITLE
    description: str = ""
    named: bool = False


def read_settings_file(path: Path) -> tuple[dict[str, str], list[str]]:
    """The valid settings of a ``faqkb.toml`` file, and a line for each problem.

    A missing file has no settings and no problems.
    """
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        return {}, []
    except OSError as exc:
        return {}, [f"{path.name}: cannot be read ({exc.strerror or exc})"]
    if len(raw) > MAX_FILE_BYTES:
        return {}, [f"{path.name}: larger than {MAX_FILE_BYTES // 1024} KB, ignored"]
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        return {}, [f"{path.name}: not UTF-8 text, ignored"]
    except tomllib.TOMLDecodeError as exc:
        return {}, [f"{path.name}: not valid TOML ({exc}), ignored"]
    return _valid(path.name, data)


def _valid(name: str, data: Mapping[str, Any]) -> tuple[dict[str, str], list[str]]:
    settings: dict[str, str] = {}
    problems: list[str] = []
    for key, value in data.items():
        if key in OTHER_TABLES:
            continue
        limit = _LIMITS.get(key)
        if limit is None:
            problems.append(f"{name}: unknown setting {key!r} ignored "
                            f"(known: {', '.join(_LIMITS)})")
        elif not isinstance(value, str):
            problems.append(f"{name}: {key} must be text in quotes, ignored")
        elif len(" ".join(value.split())) > limit:
            problems.append(f"{name}: {key} is longer than {limit} characters, ignored")
        else:
            settings[key] = " ".join(value.split())
    return settings, problems


class SiteSettings:
    """The :class:`Site` of a knowledge base, following edits to its ``faqkb.toml``.

    ``overrides`` (``title``, ``description``; ``None`` leaves one to the file) win
    over the file. Problems with the file are logged once per version of it.
    ``kb_dir`` may be a function that says where the file is now (a read-only server's
    settings come with each generation it serves).
    """

    def __init__(self, kb_dir: Path | Callable[[], Path],
                 overrides: Mapping[str, str | None] | None = None, *,
                 check_interval: float = 1.0) -> None:
        self._folder = kb_dir if callable(kb_dir) else lambda: kb_dir
        self._overrides = {k: " ".join(v.split()) for k, v in (overrides or {}).items()
                           if v is not None and k in _LIMITS}
        self._check_interval = check_interval
        self._lock = threading.Lock()
        self._checked = float("-inf")
        self._key: tuple[str, int, int] | None = None
        self._site = self._combine({})
        self._read_once = False

    def get(self) -> Site:
        """The site as the file says now (checked at most once per interval)."""
        now = time.monotonic()
        with self._lock:
            if self._read_once and now - self._checked < self._check_interval:
                return self._site
            self._checked = now
            path = self.path
            key = _file_key(path)
            if not self._read_once or key != self._key:
                settings, problems = read_settings_file(path) if key else ({}, [])
                for problem in problems:
                    _log.warning("%s", problem)
                self._site = self._combine(settings)
                self._key = key
                self._read_once = True
            return self._site

    @property
    def path(self) -> Path:
        """The settings file read."""
        return self._folder() / SETTINGS_FILE

    def _combine(self, settings: Mapping[str, str]) -> Site:
        values = {**settings, **self._overrides}
        title = values.get("title", "")
        return Site(title=title or DEFAULT_TITLE, description=values.get("description", ""),
                    named=bool(title))


def _file_key(path: Path) -> tuple[str, int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return str(path), info.st_mtime_ns, info.st_size
