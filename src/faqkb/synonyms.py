"""Synonyms a user can edit: ``kb/synonyms.txt``, one group of equivalent words a line.

The file format::

    # comments start with "#"; blank lines are ignored
    running, jogging, jog
    lower back, low back, lumbar          <- members may be several words
    shoes, sneakers, trainers, footwear

Groups apply at query time, so editing the file needs no rebuild. Members are
compared by their index terms (stemmed, stop words dropped), so "sneakers" in a
query matches the member "sneaker", and "low back" matches "low back pain" in a
query as two words in a row. When members of two groups overlap in a query, the
longest member wins ("lower back" before "back").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from faqkb.index import analyze

SYNONYMS_FILE = "synonyms.txt"
_MAX_MEMBER_TERMS = 6


@dataclass(frozen=True, slots=True)
class SynonymMatch:
    """A run of query terms ``[start, end)`` that is a member of a group."""

    start: int
    end: int
    alternatives: tuple[tuple[str, ...], ...]  # the other members' terms


class Synonyms:
    """Groups of equivalent words, as sequences of index terms."""

    def __init__(self, groups: Sequence[Sequence[tuple[str, ...]]] = (),
                 warnings: Sequence[str] = ()) -> None:
        self.groups = tuple(tuple(group) for group in groups)
        self.warnings = tuple(warnings)
        # member's first term -> [(member, index of its group)]
        self._by_first: dict[str, list[tuple[tuple[str, ...], int]]] = {}
        for index, group in enumerate(self.groups):
            for member in group:
                self._by_first.setdefault(member[0], []).append((member, index))

    @classmethod
    def parse(cls, text: str, origin: str = SYNONYMS_FILE) -> Synonyms:
        """Read groups from the text of a synonyms file; bad lines become warnings."""
        groups: list[list[tuple[str, ...]]] = []
        warnings: list[str] = []
        for number, line in enumerate(text.splitlines(), 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            members: list[tuple[str, ...]] = []
            for raw in line.split(","):
                terms = tuple(analyze(raw))
                if terms and len(terms) <= _MAX_MEMBER_TERMS and terms not in members:
                    members.append(terms)
            if len(members) < 2:
                warnings.append(f"{origin}:{number}: a group needs two members with "
                                f"searchable words, separated by commas")
                continue
            groups.append(members)
        return cls(groups, warnings)

    @classmethod
    def load(cls, path: Path) -> Synonyms:
        """Read a synonyms file; a missing or unreadable file means no synonyms."""
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            return cls()
        except (OSError, UnicodeDecodeError) as exc:
            return cls((), (f"{path.name}: cannot read ({exc})",))
        return cls.parse(text, path.name)

    def __bool__(self) -> bool:
        return bool(self.groups)

    def __repr__(self) -> str:
        return f"Synonyms({len(self.groups)} groups)"

    def is_member(self, term: str) -> bool:
        """True when ``term`` alone is a member of some group."""
        return any(member == (term,) for member, _ in self._by_first.get(term, ()))

    def matches(self, terms: Sequence[str]) -> list[SynonymMatch]:
        """The members found in ``terms``, left to right, longest first, not overlapping.

        A member found in several groups gathers the alternatives of all of them.
        """
        found: list[SynonymMatch] = []
        i = 0
        while i < len(terms):
            candidates = [(member, index) for member, index in self._by_first.get(terms[i], ())
                          if tuple(terms[i : i + len(member)]) == member]
            if not candidates:
                i += 1
                continue
            longest = max(len(member) for member, _ in candidates)
            alternatives: list[tuple[str, ...]] = []
            for member, index in candidates:
                if len(member) == longest:
                    alternatives += [m for m in self.groups[index]
                                     if m != member and m not in alternatives]
            found.append(SynonymMatch(i, i + longest, tuple(alternatives)))
            i += longest
        return found
