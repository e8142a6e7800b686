"""Synonyms a user can edit: ``kb/synonyms.txt``, one group of equivalent words a line.

The file format (the one Solr and Elasticsearch use)::

    # comments start with "#"; blank lines are ignored
    bike, bicycle, cycle                  <- equivalent: each finds the others
    flat tyre, puncture                   <- members may be several words
    kettle, toaster, oven => appliance    <- one way: "oven" finds "appliance", not back

Rules apply at query time, so editing the file needs no rebuild. Members are
compared by their index terms (stemmed, stop words dropped), so "bikes" in a
query matches the member "bike", and "flat tyre" matches "flat tyre repair" in a
query as two words in a row. When members overlap in a query, the longest member
wins ("flat tyre" before "tyre").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from faqkb.index.analysis import analyze

SYNONYMS_FILE = "synonyms.txt"
_MAX_MEMBER_TERMS = 6
Member = tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SynonymRule:
    """Members that a query may use (``sources``) and what each then also finds."""

    sources: tuple[Member, ...]
    targets: tuple[Member, ...]


@dataclass(frozen=True, slots=True)
class SynonymMatch:
    """A run of query terms ``[start, end)`` that is a member of a rule."""

    start: int
    end: int
    alternatives: tuple[Member, ...]  # what else the run may be found as


class Synonyms:
    """Synonym rules, as sequences of index terms, and matching them in a query."""

    def __init__(self, rules: Sequence[SynonymRule] = (), warnings: Sequence[str] = ()) -> None:
        self.rules = tuple(rules)
        self.warnings = tuple(warnings)
        # a source member's first term -> [(member, index of its rule)]
        self._by_first: dict[str, list[tuple[Member, int]]] = {}
        for index, rule in enumerate(self.rules):
            for member in rule.sources:
                self._by_first.setdefault(member[0], []).append((member, index))

    @classmethod
    def parse(cls, text: str, origin: str = SYNONYMS_FILE) -> Synonyms:
        """Read rules from the text of a synonyms file; bad lines become warnings."""
        rules: list[SynonymRule] = []
        warnings: list[str] = []
        for number, line in enumerate(text.splitlines(), 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            left, arrow, right = line.partition("=>")
            sources = _members(left)
            targets = _members(right) if arrow else sources
            if (len(sources) < 2 and not arrow) or not sources or not targets:
                warnings.append(f"{origin}:{number}: expected 'a, b, c' or 'a, b => c', "
                                f"each side with searchable words")
                continue
            rules.append(SynonymRule(sources, targets))
        return cls(rules, warnings)

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
        return bool(self.rules)

    def __repr__(self) -> str:
        return f"Synonyms({len(self.rules)} rules)"

    def is_member(self, term: str) -> bool:
        """True when ``term`` alone is a member a query may use."""
        return any(member == (term,) for member, _ in self._by_first.get(term, ()))

    def matches(self, terms: Sequence[str]) -> list[SynonymMatch]:
        """The members found in ``terms``, left to right, longest first, not overlapping.

        A member of several rules gathers the alternatives of all of them.
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
            alternatives: list[Member] = []
            for member, index in candidates:
                if len(member) == longest:
                    alternatives += [m for m in self.rules[index].targets
                                     if m != member and m not in alternatives]
            found.append(SynonymMatch(i, i + longest, tuple(alternatives)))
            i += longest
        return found


def _members(text: str) -> tuple[Member, ...]:
    members: list[Member] = []
    for raw in text.split(","):
        terms = tuple(analyze(raw))
        if terms and len(terms) <= _MAX_MEMBER_TERMS and terms not in members:
            members.append(terms)
    return tuple(members)
