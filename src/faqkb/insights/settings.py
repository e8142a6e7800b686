"""The insights settings a knowledge base may carry: the ``[insights]`` table of
``kb/faqkb.toml``, read when the server starts::

    [insights]
    enabled = true        # record insights, as faqkb serve --insights does
    retention_days = 30   # forget events after 30 days (default 90)

The command line and the app's configuration win over the file. The token of the insights
page never belongs here: ``kb/`` is for what the site may say. :func:`read_insights_settings`
never fails: a missing or broken file has no settings (the site's settings, which read the
same file, log what is wrong with it), and each problem of the table is a line to log.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from faqkb.insights.store import MAX_RETENTION_DAYS

SETTINGS_FILE = "faqkb.toml"
TABLE = "insights"
MAX_FILE_BYTES = 64 * 1024


@dataclass(frozen=True, slots=True)
class InsightsSettings:
    """What the file says (``None``: it says nothing of it)."""

    enabled: bool | None = None
    retention_days: int | None = None


def read_insights_settings(kb_dir: Path) -> tuple[InsightsSettings, list[str]]:
    """The ``[insights]`` settings of ``kb_dir/faqkb.toml``, and a line for each problem."""
    path = Path(kb_dir) / SETTINGS_FILE
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
        data = tomllib.loads(raw.decode("utf-8")) if len(raw) <= MAX_FILE_BYTES else {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        # A file that cannot be read has no settings; the site's settings say why.
        return InsightsSettings(), []
    table = data.get(TABLE, {})
    if not isinstance(table, dict):
        return InsightsSettings(), [f"{SETTINGS_FILE}: {TABLE} must be a table ([insights])"]
    return _valid(table)


def _valid(table: dict[str, Any]) -> tuple[InsightsSettings, list[str]]:
    problems = []
    enabled = table.get("enabled")
    if enabled is not None and not isinstance(enabled, bool):
        problems.append(f"{SETTINGS_FILE}: [insights] enabled must be true or false, ignored")
        enabled = None
    days = table.get("retention_days")
    if days is not None and (isinstance(days, bool) or not isinstance(days, int)
                             or not 1 <= days <= MAX_RETENTION_DAYS):
        problems.append(f"{SETTINGS_FILE}: [insights] retention_days must be a whole number "
                        f"from 1 to {MAX_RETENTION_DAYS}, ignored")
        days = None
    for key in sorted(set(table) - {"enabled", "retention_days"}):
        problems.append(f"{SETTINGS_FILE}: unknown setting [insights] {key} ignored "
                        "(known: enabled, retention_days)")
    return InsightsSettings(enabled, days), problems
