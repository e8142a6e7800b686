"""The one analyzer of faqkb: how text becomes index terms, for indexing and querying alike.

Words (letters, digits and ``_``), lower-cased, accents folded, words of one letter
dropped, and Snowball English stemming (PyStemmer's, Snowball's own C code: Snowball's
latest English rules, which keep "university" apart from "universe" and "evening" from
"even", at a fifth of the time of Whoosh's Python port), so "gardeners" finds
"gardening". Every other word is
indexed, stop words included: :data:`STOP_WORDS` (English stop words and the words of
asking, "how", "can", "tell me") are *words of asking*, which a search matches against
questions only (:mod:`faqkb.search.scoring`), so that "where did it come from" finds the
question asked that way. :func:`analyze` gives the same terms as :data:`ANALYZER`
(Whoosh's analyzer of the same chain) without its token objects: it runs for every entry
of every build.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection

import Stemmer
from whoosh.analysis import (
    Analyzer,
    CharsetFilter,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
)
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

# English stop words, minus words that say what something is about ("lower", "up",
# "after"), plus the words of questions and requests.
_KEEP = {"down", "up", "off", "over", "out", "under", "above", "below", "after", "before",
         "against", "few", "more", "most", "same", "further", "again"}
_ADD = {"could", "would", "shall", "may", "might", "must", "ok", "okay", "please", "tell",
        "anyone", "someone", "something", "also", "us", "etc", "via", "whose", "ever",
        "let", "lets", "get", "gets", "getting", "got", "thing", "things", "really", "much",
        "many", "way", "ways", "yes", "im", "ive", "youre", "youve", "dont", "doesnt",
        "isnt", "cant", "wont", "its", "ll", "re", "ve", "d", "m", "s", "t",
        # the verbs of asking: "will watering give me...", "I want to know..."
        "give", "gives", "gave", "giving", "want", "wants", "know", "like", "wondering"}
STOP_WORDS: frozenset[str] = frozenset((set(stopwords_for_language("en")) - _KEEP) | _ADD)
_TOKEN_PATTERN = r"\w+"


def make_analyzer() -> Analyzer:
    """The analyzer of every text field, and of queries."""
    return (
        RegexTokenizer(_TOKEN_PATTERN)
        | LowercaseFilter()
        | CharsetFilter(accent_map)
        | StopFilter(stoplist=frozenset(), minsize=2)  # no stop list: only one-letter words go
        | StemFilter(stemfn=stem, cachesize=100_000)
    )


def stem(word: str) -> str:
    """The Snowball English stem of ``word`` (lower-cased, accents folded)."""
    return _STEMMER.stemWord(word)  # type: ignore[no-any-return]


_STEMMER = Stemmer.Stemmer("english")


ANALYZER = make_analyzer()
_SURFACE = RegexTokenizer(_TOKEN_PATTERN) | LowercaseFilter() | CharsetFilter(accent_map)
_WORDS = re.compile(_TOKEN_PATTERN)
_TERM_OF: dict[str, str | None] = {}
_UNSEEN = object()
_MAX_STEMS = 500_000


def analyze(text: str) -> list[str]:
    """The index terms of ``text``, in order (one-letter words dropped, words stemmed).

    The same terms as :data:`ANALYZER` gives, without its token objects: this runs
    for every entry of every build.
    """
    terms: list[str] = []
    for word in _WORDS.findall(text):
        term = _term(word)
        if term is not None:
            terms.append(term)
    return terms


def located_terms(text: str, wanted: Collection[str] | None = None
                  ) -> list[tuple[int, int, str]]:
    """The index terms of ``text`` with the span of the word each one comes from; only
    those in ``wanted``, if given (words that cannot stem to one are not stemmed)."""
    found: list[tuple[int, int, str]] = []
    if wanted is not None and text.isascii():
        # Lower-casing ASCII keeps every offset, and only the words that open as a
        # wanted term does are stemmed.
        for match in _candidate_words(frozenset(wanted)).finditer(text.lower()):
            term = _term(match.group())
            if term is not None and term in wanted:
                found.append((match.start(), match.end(), term))
        return found
    for match in _WORDS.finditer(text):
        term = _term(match.group())
        if term is not None and (wanted is None or term in wanted):
            found.append((match.start(), match.end(), term))
    return found


def _candidate_words(wanted: frozenset[str]) -> re.Pattern[str]:
    """A pattern of the lower-cased ASCII words that may stem to one of ``wanted``: a
    stem keeps its word's first two letters, but for Snowball's three exceptions
    ("dying" is "die"). (One pattern serves the several texts of a search.)"""
    pattern = _CANDIDATES.get(wanted)
    if pattern is None:
        openings = sorted({t[:2] for t in wanted} | {"dy", "ly", "ty"})
        alternatives = "|".join(map(re.escape, openings))
        pattern = re.compile(rf"\b(?:{alternatives})\w*")
        if len(_CANDIDATES) >= 256:
            _CANDIDATES.clear()
        _CANDIDATES[wanted] = pattern
    return pattern


_CANDIDATES: dict[frozenset[str], re.Pattern[str]] = {}


def is_stop_word(word: str) -> bool:
    """Whether ``word`` (lower-cased) is a stop word or a word of asking."""
    return word in STOP_WORDS


def _term(word: str) -> str | None:
    # Remembered by the word as written: a word is folded and stemmed once.
    term = _TERM_OF.get(word, _UNSEEN)
    if term is _UNSEEN:
        folded = word.lower()
        if not folded.isascii():
            folded = folded.translate(accent_map)
        term = None if len(folded) < 2 else _STEMMER.stemWord(folded)
        if len(_TERM_OF) >= _MAX_STEMS:
            _TERM_OF.clear()
        _TERM_OF[word] = term
    return term  # type: ignore[return-value]


def surface_words(text: str) -> list[tuple[str, str | None]]:
    """Each word of ``text`` lower-cased, with its index term (``None`` for a word of one
    letter)."""
    words: list[tuple[str, str | None]] = []
    for token in _SURFACE(text):
        word = token.text
        terms = analyze(word)
        words.append((word, terms[0] if len(terms) == 1 else None))
    return words


def spoken_words(text: str) -> list[str]:
    """The words of ``text`` as written: lower-cased, accents folded, stop words out."""
    text = text.lower()
    if not text.isascii():
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return [w for w in _WORDS.findall(text) if len(w) > 1 and w not in STOP_WORDS]
