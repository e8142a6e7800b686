"""Speed and memory at 1k, 10k and 100k entries, beside SQLite FTS5 (and tantivy).

For each size, a generated knowledge base (``corpus.py``: FAQ pages and articles over
a Zipfian vocabulary of 40,000 words, with queries of 2-3 words, some misspelt, some
quoted, some phrased as questions) is measured:

- build: extraction + indexing time, entries/s, peak memory, index size on disk;
- updates: re-indexing one added, changed and removed document, and the freshness
  check a new process makes on start-up;
- library search: latency p50/p95/p99 warm, and the first query of a new process,
  with every relevance feature on; resident memory of the searching process;
- the same queries against SQLite FTS5 (standard library) and tantivy (where an
  interpreter with it is found), with faqkb's ratio to each;
- HTTP: the served app (``faqkb serve``) under 16 concurrent clients on loopback,
  throughput and latency, for a realistic mix (popular queries repeat) and for
  unique queries (none repeats, so none is answered from memory).

Finally, the whole ``faqkb search`` command on the bundled kb/ (index built).

    python tests/benchmarks/speed.py                      # 1k, 10k, 100k
    python tests/benchmarks/speed.py --sizes 1000,10000 --queries 300 --http-seconds 10

Run on demand; generated corpora are cached under --work (default /tmp/faqkb-bench).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from corpus import generate, write  # noqa: E402

PYTHON = sys.executable
FAQKB = [PYTHON, "-m", "faqkb"]


@dataclass
class Row:
    """The figures of one size."""

    size: int
    figures: dict[str, str] = field(default_factory=dict)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000")
    parser.add_argument("--queries", type=int, default=500,
                        help="timed library queries per size")
    parser.add_argument("--http-seconds", type=float, default=20.0)
    parser.add_argument("--http-clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=0,
                        help="server processes (default: the serve command's own default)")
    parser.add_argument("--threads", type=int, default=0,
                        help="threads per server process (default: the serve command's)")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "faqkb-bench")
    parser.add_argument("--tantivy-python", default=str(Path.home() / ".venvs" / "faqkb-eval"
                                                            / "bin" / "python"))
    args = parser.parse_args()
    rows = []
    for size in [int(s) for s in args.sizes.split(",")]:
        print(f"\n== {size:,} entries", flush=True)
        rows.append(measure(size, args))
    print_table(rows)
    print_first_command()
    return 0


def measure(size: int, args: argparse.Namespace) -> Row:
    row = Row(size)
    corpus = generate(size, seed=size, queries=max(args.queries, 20_000))
    folder = args.work / f"kb-{size}"
    if not folder.exists():
        write(corpus, folder)
    index_dir = args.work / f"index-{size}"
    environment = {**os.environ, "FAQKB_INDEX_DIR": str(index_dir)}
    queries = corpus.queries[: args.queries]

    build = _run([*FAQKB, "build", "--force", "--kb", str(folder)], environment)
    entries = int(re.search(r"(\d+) Q&A pairs", build.out).group(1)) + int(  # type: ignore[union-attr]
        re.search(r"(\d+) claims", build.out).group(1))  # type: ignore[union-attr]
    row.figures |= {
        "entries": f"{entries:,}",
        "build s": f"{build.seconds:.1f}",
        "entries/s": f"{entries / build.seconds:,.0f}",
        "build peak MB": f"{build.peak_mb:.0f}",
        "index MB": f"{_size_mb(index_dir):.0f}",
    }
    print(f"build: {row.figures}", flush=True)
    row.figures |= _updates(folder, environment)
    row.figures |= _library(folder, queries, environment)
    row.figures |= _fts5(folder, queries, row.figures)
    row.figures |= _tantivy(folder, queries, row.figures, args.tantivy_python)
    # A realistic mix repeats popular queries (drawn by Zipf's law from 500); the
    # unique mix never repeats one, so every request is searched afresh.
    popular = corpus.queries[:500]
    weights = [1 / rank for rank in range(1, len(popular) + 1)]
    mixed = random.Random(size).choices(popular, weights, k=20_000)
    for label, stream in (("mixed", mixed), ("unique", corpus.queries)):
        row.figures |= {f"{name} ({label})": value for name, value in _http(
            folder, stream, environment, args.http_clients, args.http_seconds,
            args.workers, args.threads).items()}
    print(row.figures, flush=True)
    return row


@dataclass
class _Run:
    out: str
    seconds: float
    peak_mb: float


def _run(command: list[str], environment: dict[str, str]) -> _Run:
    started = time.perf_counter()
    process = subprocess.run(command, env=environment, capture_output=True, text=True,
                             check=True)
    seconds = time.perf_counter() - started
    # ru_maxrss of the children: the largest resident set any of them reached (KiB).
    import resource
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return _Run(process.stdout + process.stderr, seconds, peak)


def _size_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 2**20


_UPDATE_SCRIPT = """
import json, sys, time
from pathlib import Path
from faqkb import KnowledgeBase
folder = Path(sys.argv[1])
started = time.perf_counter()
kb = KnowledgeBase(folder)
fresh = kb.is_fresh()
check = time.perf_counter() - started
times = {"fresh": fresh, "check": check}
new = folder / "zz-added.txt"
new.write_text("Added Page\\n\\nIs this page new?\\n\\nYes, it was added a moment ago.\\n")
started = time.perf_counter(); report = kb.build(); times["add"] = time.perf_counter() - started
times["add mode"] = report.mode
new.write_text("Added Page\\n\\nIs this page changed?\\n\\nYes, it was changed just now.\\n")
started = time.perf_counter(); kb.build(); times["change"] = time.perf_counter() - started
new.unlink()
started = time.perf_counter(); kb.build(); times["remove"] = time.perf_counter() - started
print(json.dumps(times))
"""


def _updates(folder: Path, environment: dict[str, str]) -> dict[str, str]:
    out = subprocess.run([PYTHON, "-c", _UPDATE_SCRIPT, str(folder)], env=environment,
                         capture_output=True, text=True, check=True).stdout
    times = json.loads(out.strip().splitlines()[-1])
    return {
        "start-up check ms": f"{times['check'] * 1000:.0f}",
        "add 1 doc s": f"{times['add']:.2f} ({times['add mode']})",
        "change 1 doc s": f"{times['change']:.2f}",
        "remove 1 doc s": f"{times['remove']:.2f}",
    }


_SEARCH_SCRIPT = """
import json, resource, sys, time
from faqkb import KnowledgeBase
queries = json.loads(sys.stdin.read())
kb = KnowledgeBase(sys.argv[1])
started = time.perf_counter(); kb.search(queries[0]); first = time.perf_counter() - started
for q in queries[:50]:
    kb.search(q)
times, partial = [], 0
for q in queries:
    started = time.perf_counter(); results = kb.search(q)
    times.append(time.perf_counter() - started); partial += results.partial
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"first": first, "times": times, "rss": rss, "partial": partial}))
"""


def _library(folder: Path, queries: list[str], environment: dict[str, str]) -> dict[str, str]:
    out = subprocess.run([PYTHON, "-c", _SEARCH_SCRIPT, str(folder)], env=environment,
                         input=json.dumps(queries), capture_output=True, text=True,
                         check=True).stdout
    data = json.loads(out.strip().splitlines()[-1])
    p50, p95, p99 = _percentiles(data["times"])
    return {
        "search p50 ms": f"{p50:.1f}", "search p95 ms": f"{p95:.1f}",
        "search p99 ms": f"{p99:.1f}", "first query ms": f"{data['first'] * 1000:.0f}",
        "partial": f"{data['partial']}/{len(queries)}",
        "search RSS MB": f"{data['rss']:.0f}",
    }


def _entries(folder: Path) -> list[tuple[str, str]]:
    from faqkb.documents import load_documents
    from faqkb.extract import extract_entries
    documents, _ = load_documents(folder)
    return [(e.id, " ".join((*e.questions, e.text))) for d in documents
            for e in extract_entries(d)]


def _fts5(folder: Path, queries: list[str], ours: dict[str, str]) -> dict[str, str]:
    connection = sqlite3.connect(":memory:")
    connection.execute("CREATE VIRTUAL TABLE e USING fts5(id UNINDEXED, body, "
                       "tokenize='porter unicode61')")
    connection.executemany("INSERT INTO e VALUES (?, ?)", _entries(folder))
    times = []
    for query in queries:
        words = re.findall(r"\w+", query)
        if not words:
            continue
        match = " OR ".join(f'"{w}"' for w in words)
        started = time.perf_counter()
        connection.execute("SELECT id FROM e WHERE e MATCH ? ORDER BY bm25(e) LIMIT 10",
                           (match,)).fetchall()
        times.append(time.perf_counter() - started)
    p50, p95, p99 = _percentiles(times)
    return {"fts5 p50 ms": f"{p50:.1f}", "fts5 p99 ms": f"{p99:.1f}",
            "p50 vs fts5": f"{float(ours['search p50 ms']) / p50:.1f}x"}


_TANTIVY_SCRIPT = """
import json, re, sys, time
import tantivy
data = json.loads(sys.stdin.read())
builder = tantivy.SchemaBuilder()
builder.add_text_field("id", stored=True)
builder.add_text_field("body", tokenizer_name="en_stem")
schema = builder.build()
index = tantivy.Index(schema)
writer = index.writer()
for identifier, body in data["entries"]:
    writer.add_document(tantivy.Document(id=identifier, body=body))
writer.commit()
index.reload()
searcher = index.searcher()
times = []
for query in data["queries"]:
    words = re.findall(r"\\w+", query)
    if not words:
        continue
    started = time.perf_counter()
    searcher.search(index.parse_query(" ".join(words), ["body"]), 10)
    times.append(time.perf_counter() - started)
print(json.dumps(times))
"""


def _tantivy(folder: Path, queries: list[str], ours: dict[str, str],
             python: str) -> dict[str, str]:
    if not Path(python).exists():
        return {"tantivy p50 ms": "not installed"}
    payload = json.dumps({"entries": _entries(folder), "queries": queries})
    process = subprocess.run([python, "-c", _TANTIVY_SCRIPT], input=payload,
                             capture_output=True, text=True, check=False)
    if process.returncode:
        return {"tantivy p50 ms": "not installed"}
    p50, _, p99 = _percentiles(json.loads(process.stdout))
    return {"tantivy p50 ms": f"{p50:.2f}", "tantivy p99 ms": f"{p99:.2f}",
            "p50 vs tantivy": f"{float(ours['search p50 ms']) / p50:.0f}x"}


def _http(folder: Path, queries: list[str], environment: dict[str, str], clients: int,
          seconds: float, workers: int, threads: int) -> dict[str, str]:
    port = _free_port()
    command = [*FAQKB, "serve", "--kb", str(folder), "--port", str(port)]
    if workers:
        command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    # The server's output goes nowhere: an unread pipe would fill and stall it.
    server = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        _wait_for(port)
        paths = [f"/search.json?q={urllib.parse.quote(q)}" for q in queries]
        latencies: list[float] = []
        failures: Counter[str] = Counter()
        lock = threading.Lock()
        deadline = time.monotonic() + seconds

        def client(offset: int) -> None:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            index = offset
            while time.monotonic() < deadline:
                path = paths[index % len(paths)]
                index += clients
                started = time.perf_counter()
                problem = ""
                try:
                    connection.request("GET", path)
                    response = connection.getresponse()
                    response.read()
                    if response.status != 200:
                        problem = f"HTTP {response.status}"
                except (OSError, http.client.HTTPException) as exc:
                    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    problem = type(exc).__name__
                elapsed = time.perf_counter() - started
                with lock:
                    latencies.append(elapsed)
                    if problem:
                        failures[problem] += 1

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - started
    finally:
        server.terminate()
        server.wait(timeout=30)
    p50, _, p99 = _percentiles(latencies)
    if failures:
        print(f"http failures: {dict(failures)}", flush=True)
    return {"http req/s": f"{len(latencies) / elapsed:.0f}", "http p50 ms": f"{p50:.1f}",
            "http p99 ms": f"{p99:.1f}", "http failed": str(sum(failures.values()))}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_for(port: int, timeout: float = 600.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"the server did not listen on port {port}")


def _percentiles(times: list[float]) -> tuple[float, float, float]:
    ordered = sorted(t * 1000 for t in times)
    if not ordered:
        return (0.0, 0.0, 0.0)
    cuts = statistics.quantiles(ordered, n=100, method="inclusive")
    return cuts[49], cuts[94], cuts[98]


def print_table(rows: list[Row]) -> None:
    names = list(dict.fromkeys(name for row in rows for name in row.figures))
    width = max(len(n) for n in names)
    print("\n" + "figure".ljust(width) + "".join(f"{row.size:>16,}" for row in rows))
    for name in names:
        print(name.ljust(width) + "".join(f"{row.figures.get(name, '-'):>16}" for row in rows))


def print_first_command() -> None:
    environment = {**os.environ, "FAQKB_INDEX_DIR": str(Path(tempfile.gettempdir())
                                                         / "faqkb-bench" / "index-bundled")}
    subprocess.run([*FAQKB, "build", "--kb", str(ROOT / "kb")], env=environment,
                   capture_output=True, check=True)
    times = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([*FAQKB, "search", "--kb", str(ROOT / "kb"), "is running bad for my back"],
                       env=environment, capture_output=True, check=True)
        times.append(time.perf_counter() - started)
    print(f"\nwhole `faqkb search` command on the bundled kb/ (index built): "
          f"median {statistics.median(times) * 1000:.0f} ms of 5 runs")
    shutil.rmtree(environment["FAQKB_INDEX_DIR"], ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
