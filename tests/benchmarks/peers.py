"""The peers of the speed benchmark: SQLite FTS5 and tantivy over faqkb's own entries.

Run by ``speed.py`` in a process of its own per engine, so that each one's memory is its
own::

    python peers.py build fts5|tantivy ENTRIES.jsonl QUERIES.json WORK_DIR
    python peers.py first fts5|tantivy WORK_DIR QUERY

Both engines get what faqkb indexes, the same way: the entries faqkb extracted (their
questions, heading, and text with its context, in three fields weighted as faqkb weighs
them: 2.5, 1.2 and 1.0), with faqkb's stop words removed from the text and from the
queries (``faqkb.index.analysis.spoken_words``), the remaining query words OR-ed, and
each engine's English stemmer. They have no spelling correction, synonyms or phrase
handling: the figures are what plain BM25 costs. ``build`` prints, as JSON, the build's
wall and processor seconds, the index's size on disk, each timed query's wall and
processor seconds (after distinct warm-up queries), and the process's memory; ``first``
prints the seconds from a new process to its first answer.
"""

from __future__ import annotations

import json
import sqlite3
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from measure import folder_mb, memory

from faqkb.index.analysis import spoken_words

WEIGHTS = (2.5, 1.2, 1.0)  # question, heading, body: faqkb's FIELD_WEIGHTS


def _fields(entries: Path) -> Iterator[tuple[str, str, str, str]]:
    with entries.open(encoding="utf-8") as handle:
        for line in handle:
            entry = json.loads(line)
            body = entry["text"] if not entry["context"] else f"{entry['text']} {entry['context']}"
            yield (entry["id"], " ".join(spoken_words(" ".join(entry["questions"]))),
                   " ".join(spoken_words(entry["heading"])), " ".join(spoken_words(body)))


def _words(query: str) -> list[str]:
    return list(dict.fromkeys(spoken_words(query)))


class Fts5:
    """SQLite's full-text index, in a file of the work folder."""

    def __init__(self, work: Path) -> None:
        self.path = work / "fts5.db"
        self.connection = sqlite3.connect(self.path)

    def build(self, entries: Path) -> None:
        self.path.unlink(missing_ok=True)
        self.connection = sqlite3.connect(self.path)
        self.connection.execute("CREATE VIRTUAL TABLE e USING fts5(id UNINDEXED, question, "
                                "heading, body, tokenize='porter unicode61')")
        self.connection.executemany("INSERT INTO e VALUES (?, ?, ?, ?)", _fields(entries))
        self.connection.commit()
        self.connection.execute("INSERT INTO e(e) VALUES ('optimize')")
        self.connection.commit()

    def search(self, query: str) -> list[str]:
        words = _words(query)
        if not words:
            return []
        match = " OR ".join(f'"{word}"' for word in words)
        rows = self.connection.execute(
            "SELECT id FROM e WHERE e MATCH ? ORDER BY bm25(e, 0, ?, ?, ?) LIMIT 10",
            (match, *WEIGHTS)).fetchall()
        return [row[0] for row in rows]

    def size_mb(self) -> float:
        return self.path.stat().st_size / 2**20


class Tantivy:
    """tantivy (Rust, through its Python bindings), in a folder of the work folder."""

    def __init__(self, work: Path) -> None:
        import tantivy

        self.tantivy = tantivy
        self.folder = work / "tantivy"
        self.folder.mkdir(parents=True, exist_ok=True)
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("id", stored=True, tokenizer_name="raw")
        for name in ("question", "heading", "body"):
            builder.add_text_field(name, tokenizer_name="en_stem")
        self.index = tantivy.Index(builder.build(), path=str(self.folder))
        self.searcher = self.index.searcher()

    def build(self, entries: Path) -> None:
        writer = self.index.writer()
        writer.delete_all_documents()
        for identifier, question, heading, body in _fields(entries):
            writer.add_document(self.tantivy.Document(id=identifier, question=question,
                                                      heading=heading, body=body))
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def search(self, query: str) -> list[str]:
        words = _words(query)
        if not words:
            return []
        parsed = self.index.parse_query(
            " ".join(words), ["question", "heading", "body"],
            field_boosts=dict(zip(("question", "heading", "body"), WEIGHTS, strict=True)))
        found = self.searcher.search(parsed, 10)
        return [self.searcher.doc(address)["id"][0] for _, address in found.hits]

    def size_mb(self) -> float:
        return folder_mb(self.folder)


ENGINES: dict[str, Callable[[Path], Fts5 | Tantivy]] = {"fts5": Fts5, "tantivy": Tantivy}


def build(engine_name: str, entries: Path, queries_file: Path, work: Path) -> dict[str, object]:
    engine = ENGINES[engine_name](work)
    wall, cpu = time.perf_counter(), time.process_time()
    engine.build(entries)
    built = {"build wall": time.perf_counter() - wall, "build cpu": time.process_time() - cpu}
    queries = json.loads(queries_file.read_text(encoding="utf-8"))
    for query in queries["warm-up"]:
        engine.search(query)
    walls, cpus = [], []
    for query in queries["timed"]:
        wall, cpu = time.perf_counter(), time.thread_time()
        engine.search(query)
        cpus.append(time.thread_time() - cpu)
        walls.append(time.perf_counter() - wall)
    used = memory(["self"])
    return {**built, "size mb": engine.size_mb(), "walls": walls, "cpus": cpus,
            "rss": used.rss, "pss": used.pss}


def first(engine_name: str, work: Path, query: str) -> dict[str, object]:
    """The time to a first answer, from opening the index (the engine's import included;
    Python's start and this script's imports, much the same for every engine, not)."""
    wall, cpu = time.perf_counter(), time.process_time()
    engine = ENGINES[engine_name](work)
    engine.search(query)
    return {"first": time.perf_counter() - wall, "cpu": time.process_time() - cpu}


if __name__ == "__main__":
    if sys.argv[1] == "build":
        result = build(sys.argv[2], Path(sys.argv[3]), Path(sys.argv[4]), Path(sys.argv[5]))
    else:
        result = first(sys.argv[2], Path(sys.argv[3]), sys.argv[4])
    print(json.dumps(result))
