"""The knowledge base as a whole: a ``kb/`` folder, its index, and searching it.

:class:`KnowledgeBase` ties the pieces together. Through an
:class:`~faqkb.index.keeper.IndexKeeper` it builds the index when there is none or when
the documents or the extractor changed (checked on first use and then every
``check_interval`` seconds in the background, off the search path); through
:class:`~faqkb.index.service.InService` it serves searches from a searcher opened once
per thread, and picks up a newer index built by another process; a read-only one only
follows an index published elsewhere (see ``read_only``).

:func:`search` is the one-line entry point over the bundled knowledge base.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import numpy as np

from faqkb.errors import FaqkbError, IndexBuildError, KnowledgeBaseError, QueryError
from faqkb.index import storage
from faqkb.index.follow import Follower
from faqkb.index.keeper import IndexKeeper, Progress
from faqkb.index.opened import Opened
from faqkb.index.schema import stored_entry
from faqkb.index.service import InService
from faqkb.models import KINDS, BuildReport, Document, Entry, SearchResults
from faqkb.search.plan import plan_query
from faqkb.search.query import clean_query, parse_query
from faqkb.search.retrieval import run_search
from faqkb.search.scoring import Scorer
from faqkb.search.synonyms import SYNONYMS_FILE, Synonyms

MAX_LIMIT = 1000
MAX_QUESTIONS = MAX_LIMIT
_T = TypeVar("_T")
_PACKAGE = Path(__file__).resolve().parent


def default_kb_dir() -> Path:
    """The knowledge base used when none is named.

    ``FAQKB_KB_DIR`` if set; else the ``kb/`` folder of the checkout this package runs
    from; else the copy bundled inside the installed package.
    """
    override = os.environ.get("FAQKB_KB_DIR")
    if override:
        return Path(override).expanduser()
    checkout = _PACKAGE.parent.parent
    if (checkout / "pyproject.toml").is_file() and (checkout / "kb").is_dir():
        return checkout / "kb"
    bundled = _PACKAGE / "_bundled_kb"
    if bundled.is_dir():
        return bundled
    raise KnowledgeBaseError("no knowledge base found: set FAQKB_KB_DIR or pass kb_dir")


class KnowledgeBase:
    """A folder of documents and its search index.

    ``kb_dir`` defaults to :func:`default_kb_dir`; ``index_dir`` to ``FAQKB_INDEX_DIR``
    or a folder in the user's cache. With ``auto_build`` (the default) the index is
    built or refreshed on demand: ``kb/`` is compared with it on first use, then every
    ``check_interval`` seconds by a background thread (searches meanwhile answer from
    the index in service); 0 checks before every search instead, in its thread.
    With ``read_only``, nothing is built or written: it serves the generation in
    service in ``index_dir``, and moves to each one published there, with the
    settings files it carries (see :mod:`faqkb.index.follow` and :mod:`.publish`).
    """

    def __init__(
        self,
        kb_dir: str | os.PathLike[str] | None = None,
        index_dir: str | os.PathLike[str] | None = None,
        *,
        auto_build: bool = True,
        check_interval: float = 1.0,
        read_only: bool = False,
    ) -> None:
        folder = Path(kb_dir).expanduser() if kb_dir is not None else default_kb_dir()
        env_index = os.environ.get("FAQKB_INDEX_DIR")
        if index_dir is not None:
            index = Path(index_dir).expanduser()
        elif env_index:
            index = Path(env_index).expanduser()
        else:
            index = storage.default_index_dir(folder)
        self._keeper = IndexKeeper(folder, index, auto_build=auto_build and not read_only,
                                   check_interval=check_interval)
        self._service = InService(self._keeper, Follower(index, check_interval) if read_only
                                  else None)
        self._synonyms: tuple[tuple[str, int, int] | None, Synonyms] = (None, Synonyms())

    def __repr__(self) -> str:
        return f"KnowledgeBase(kb_dir={str(self.kb_dir)!r}, index_dir={str(self.index_dir)!r})"

    @property
    def kb_dir(self) -> Path:
        """The folder of documents."""
        return self._keeper.kb_dir

    @property
    def index_dir(self) -> Path:
        """The folder of the index."""
        return self._keeper.index_dir

    @property
    def read_only(self) -> bool:
        """Whether the knowledge base only follows an index published elsewhere."""
        return self._service.follower is not None

    @property
    def settings_dir(self) -> Path:
        """Where ``synonyms.txt`` and ``faqkb.toml`` are read: ``kb_dir``; for a
        read-only knowledge base, the generation it serves, which carries them when it
        was published (before it has one open: the index folder, which holds none)."""
        if self._service.follower is None:
            return self.kb_dir
        try:
            return self._open().generation
        except FaqkbError:
            return self.index_dir

    def one_generation(self) -> AbstractContextManager[Callable[[], str | None]]:
        """A block within which this thread's every use of the index is answered by the
        generation its first use opened (one page, one index); it yields a function that
        names that generation (``None`` while unused). See :mod:`faqkb.index.pins`."""
        return self._service.pins.block()

    @property
    def auto_build(self) -> bool:
        """Whether the index is built and refreshed on demand."""
        return self._keeper.auto_build

    @auto_build.setter
    def auto_build(self, value: bool) -> None:
        self._keeper.auto_build = value

    @property
    def check_interval(self) -> float:
        """Seconds that may pass before the documents are checked again for changes."""
        return self._keeper.check_interval

    @check_interval.setter
    def check_interval(self, value: float) -> None:
        self._keeper.check_interval = value

    # -- building -----------------------------------------------------------------

    def is_fresh(self) -> bool:
        """True when an index exists and matches the documents and the extractor."""
        return self._keeper.is_fresh()

    def build(self, *, force: bool = False, progress: Progress | None = None,
              jobs: int = 1) -> BuildReport:
        """Bring the index up to date with ``kb/`` and report on it.

        Nothing is done when the index is fresh; when a few documents changed, only
        they are re-indexed; otherwise (or with ``force``) every document is, in up to
        ``jobs`` worker processes when the knowledge base is large (a script that asks
        for more than one must guard its entry point with ``if __name__ ==
        "__main__":``, as :mod:`multiprocessing` requires).
        ``progress(done, total, name)`` is called as documents are extracted.
        One build runs at a time in an index folder; another waits for it.
        Raises :class:`KnowledgeBaseError` when the folder is missing and
        :class:`IndexBuildError` when the index cannot be written (or is read-only).
        """
        if self.read_only:
            raise IndexBuildError(f"the index in {self.index_dir} is read-only here")
        return self._keeper.build(force=force, progress=progress, jobs=jobs)

    def report(self) -> BuildReport:
        """What the index in service holds, without building anything.

        Raises :class:`IndexBuildError` when there is no index.
        """
        return self._keeper.report()

    # -- reading ------------------------------------------------------------------

    def search(
        self,
        query: str,
        limit: int = 10,
        *,
        offset: int = 0,
        kind: str | None = None,
        source: str | None = None,
        correct: bool = True,
        questions: int = 0,
    ) -> SearchResults:
        """Search the knowledge base; what a person typed never raises.

        ``limit`` (1 to 1000) hits are returned from ``offset`` on. ``kind`` (``"qa"``
        or ``"claim"``) and ``source`` (a document's name, or a prefix of it) filter
        the hits, as ``kind:qa`` and ``source:NAME`` in the query do; both kinds of
        filter apply together (``kind="qa"`` on ``kind:claim`` finds nothing). With ``correct``
        false, words the index does not know are searched as typed (for "search
        instead for ..." links). With ``questions`` (0 to 1000), the results also carry
        the best matching Q&A pairs, as many (for showing related questions). Raises
        :class:`QueryError` for an invalid ``limit``, ``offset``, ``kind`` or
        ``questions``.
        """
        _check_arguments(limit, offset, kind)
        if isinstance(questions, bool) or not isinstance(questions, int) \
                or not 0 <= questions <= MAX_QUESTIONS:
            raise QueryError(f"questions must be an integer from 0 to {MAX_QUESTIONS}, "
                             f"not {questions!r}")
        raw = clean_query(query)
        if source is not None and not _is_text(source):
            return SearchResults(query=raw, hits=(), total=0)  # no name is such a string
        parsed = parse_query(raw)
        synonyms = self.synonyms()
        key = (raw, limit, offset, kind, source, correct, questions, self._synonyms[0])

        def run(opened: Opened) -> SearchResults:
            results = opened.results.get(key)
            if results is None:
                scorer = _scorer(opened)
                stats = scorer.statistics
                plan = plan_query(stats, opened.vocabulary, parsed, raw, synonyms,
                                  correct=correct)
                results = run_search(opened.searcher(), scorer, stats, plan, parsed,
                                     raw, limit=limit, offset=offset, kind=kind,
                                     source=source, questions=questions)
                if parsed.phrases and not results.total and not results.partial:
                    # No entry says the phrases word for word: their words, then.
                    loose = replace(parsed, words=parsed.words + parsed.phrases, phrases=())
                    plan = plan_query(stats, opened.vocabulary, loose, raw, synonyms,
                                      correct=correct)
                    found = run_search(opened.searcher(), scorer, stats, plan, loose, raw,
                                       limit=limit, offset=offset, kind=kind, source=source,
                                       questions=questions)
                    if found.total:
                        results = replace(found, phrases_as_words=True)
                opened.results.put(key, results)
            return results

        return self._with_index(run)

    def synonyms(self) -> Synonyms:
        """The synonym groups of ``kb/synonyms.txt``, re-read whenever the file changes."""
        path = self.settings_dir / SYNONYMS_FILE
        try:
            stat = path.stat()
            key: tuple[str, int, int] | None = (str(path), stat.st_mtime_ns, stat.st_size)
        except OSError:
            key = None
        if key != self._synonyms[0]:
            self._synonyms = (key, Synonyms.load(path) if key else Synonyms())
        return self._synonyms[1]

    def entries(self, *, kind: str | None = None, source: str | None = None) -> list[Entry]:
        """Every entry of the index, in document order, optionally of one kind or source
        (a document's exact name). Raises :class:`QueryError` for an invalid ``kind``."""
        _check_arguments(1, 0, kind)
        return self._with_index(lambda opened: list(_in_order(opened, kind, source)))

    def iter_entries(self, *, kind: str | None = None) -> Iterator[Entry]:
        """Every entry of the index in document order, as :meth:`entries` gives them,
        read one at a time: going through a large index never holds all of it. The
        generation in service when the iteration starts is read to its end. Raises
        :class:`QueryError` for an invalid ``kind``."""
        _check_arguments(1, 0, kind)
        opened = self._open(enter=True)
        try:
            yield from _in_order(opened, kind, None)
        finally:
            opened.leave()

    def entry(self, entry_id: str) -> Entry | None:
        """The entry with this id, or ``None``."""
        if not _is_text(str(entry_id)):
            return None

        def read(opened: Opened) -> Entry | None:
            fields = opened.searcher().document(id=str(entry_id))
            return stored_entry(fields) if fields else None

        return self._with_index(read)

    @property
    def version(self) -> str:
        """The name of the index generation in service: it changes with every build."""
        return self._open().generation.name

    def sources(self) -> list[str]:
        """The names of the indexed documents."""
        return [f.name for f in self._open().manifest.files if not f.warning]

    def document(self, name: str) -> Document:
        """The indexed document called ``name``, as the index recorded it when it was
        built: the text its entries' spans index. Nothing is read from ``kb/``, so no
        name, and no file swapped in since, can lead elsewhere.

        Raises :class:`KnowledgeBaseError` for an unknown name.
        """
        document = self._with_index(lambda opened: opened.documents.get(name))
        if document is None:
            raise KnowledgeBaseError(f"no document named {name!r} in the knowledge base")
        return document

    def warm_up(self) -> None:
        """Open the index in service (building it first when needed) and make what its
        searches share, so that the first search costs what the others do: a server
        does this before it says it is listening."""
        def warm(opened: Opened) -> None:
            scorer = _scorer(opened)
            scorer.question_mass()
            scorer.postings.passage_order()

        self._with_index(warm)

    def close(self) -> None:
        """Close the open index (once the searches in progress are done with it) and stop
        checking ``kb/`` in the background; a later search opens it again."""
        self._service.close()

    # -- internals ----------------------------------------------------------------

    def _open(self, *, enter: bool = False) -> Opened:
        return self._service.open(enter=enter)

    def _with_index(self, action: Callable[[Opened], _T]) -> _T:
        return self._service.run(action)


def _in_order(opened: Opened, kind: str | None, source: str | None) -> Iterator[Entry]:
    """The entries of ``opened`` (of one kind or source, if given) by source name, then
    position, a pair before the claims that start with it."""
    postings = opened.postings
    names = np.array(postings.source_names, dtype=object)
    ranks = np.argsort(np.argsort(names)) if len(names) else np.zeros(0, dtype=np.int64)
    docs = np.flatnonzero(postings.alive)
    if kind is not None:
        docs = docs[postings.kinds[docs] == KINDS.index(kind)]
    if source is not None:
        docs = docs[names[postings.sources[docs]] == source] if len(names) else docs[:0]
    order = np.lexsort((postings.kinds[docs] != KINDS.index("qa"), postings.starts[docs],
                        ranks[postings.sources[docs]] if len(ranks) else postings.sources[docs]))
    searcher = opened.searcher()
    for docnum in docs[order].tolist():
        yield stored_entry(searcher.stored_fields(docnum))


def _scorer(opened: Opened) -> Scorer:
    """The scorer of a generation, made on its first search."""
    return opened.once("scorer", lambda o: Scorer(o.postings, o.documents))


def _is_text(value: str) -> bool:
    """False for a string Whoosh cannot store: one holding lone surrogates."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _check_arguments(limit: int, offset: int, kind: str | None) -> None:
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise QueryError(f"limit must be an integer from 1 to {MAX_LIMIT}, not {limit!r}")
    if isinstance(offset, bool) or not isinstance(offset, int) or offset < 0:
        raise QueryError(f"offset must be a non-negative integer, not {offset!r}")
    if kind is not None and kind not in KINDS:
        raise QueryError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")


_default: dict[tuple[str, str], KnowledgeBase] = {}
_default_lock = threading.Lock()


def search(
    query: str,
    limit: int = 10,
    *,
    offset: int = 0,
    kind: str | None = None,
    source: str | None = None,
    correct: bool = True,
    kb_dir: str | os.PathLike[str] | None = None,
    index_dir: str | os.PathLike[str] | None = None,
) -> SearchResults:
    """Search a knowledge base (the bundled ``kb/`` unless ``kb_dir`` names another).

    The index is built on first use and rebuilt when the documents change. See
    :meth:`KnowledgeBase.search` for the parameters and what they raise.
    """
    key = (str(kb_dir or ""), str(index_dir or ""))
    with _default_lock:
        kb = _default.get(key)
        if kb is None:
            kb = _default[key] = KnowledgeBase(kb_dir, index_dir)
    return kb.search(query, limit, offset=offset, kind=kind, source=source, correct=correct)
