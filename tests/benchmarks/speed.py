"""Speed and memory of faqkb beside SQLite FTS5 and tantivy, measured so as not to flatter.

For each size (``--sizes``, 10k and 100k entries by default) a realistic knowledge base
is generated (``corpus.py``: real English word frequencies, 400 topics in 400 folders,
Markdown, ``Q:``/``A:`` text, HTML with page chrome, numbered FAQs and prose articles),
with distinct queries of 2-6 words (a fifth with a typo, almost half phrased as
questions). Then, on a 2-core machine others may be using (so processor time is
reported beside wall time, and ratios are taken within the run):

- **build**: ``faqkb build --force`` (extraction included, one process per core), its
  wall and processor time, entries per second of each, the peak PSS of its whole
  process tree (sampled from ``/proc``), and the size of the one generation it wrote;
- **updates**: one document added, changed, removed; the freshness check at start-up;
- **search**: 1,000 timed queries in a process of their own, each asked once, after
  200 other warm-up queries, so none is answered from faqkb's result memory; per query
  wall time and the searching thread's processor time (and the whole process's,
  background work included), how many were cut short by the time budget
  (``partial``), and the process's RSS and PSS;
- the same entries and queries in **SQLite FTS5 and tantivy** (``peers.py``: faqkb's
  stop words, fields and weights), with faqkb's ratio to each;
- **first query of a new process**, the index's files dropped from the page cache;
- **served**: ``faqkb serve`` (its defaults: two processes of one thread on two cores)
  answering 10,000 distinct ``/search.json`` queries from 16 clients on loopback:
  requests/s, latency, processor time per request of the server's tree, and the tree's
  RSS and PSS afterwards; then the same count drawn from 500 popular queries, which
  repeat and are mostly answered from memory (the row says so).

``--build-sizes 300000`` (or ``1000000``) builds larger knowledge bases only, for the
build's extrapolation. Finally, the whole ``faqkb search`` command on the bundled kb/.

    pip install -e ".[bench]"                                   # wordfreq and tantivy
    python tests/benchmarks/speed.py                            # 10k and 100k: ~20 min
    python tests/benchmarks/speed.py --sizes 10000 --build-sizes 300000

Generated corpora are kept under ``--work`` (default ``/tmp/faqkb-bench``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import queue
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from corpus import write_corpus  # noqa: E402
from measure import PeakMemory, cpu_seconds, evict, folder_mb, memory, percentiles, tree  # noqa: E402
from serving import served  # noqa: E402

from faqkb import KnowledgeBase  # noqa: E402
from faqkb.index import storage  # noqa: E402

PYTHON = sys.executable
FAQKB = [PYTHON, "-m", "faqkb"]
CORPUS_VERSION = 1  # bump when corpus.py changes what it writes
ENGINES = ("faqkb", "fts5", "tantivy")
Figures = dict[str, dict[str, str]]  # figure -> engine -> shown value


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000",
                        help="entries of the knowledge bases measured in full")
    parser.add_argument("--build-sizes", default="",
                        help="entries of knowledge bases only built (e.g. 300000,1000000)")
    parser.add_argument("--queries", type=int, default=1000, help="timed queries")
    parser.add_argument("--warm-up", type=int, default=200, help="warm-up queries (others)")
    parser.add_argument("--served", type=int, default=10_000, help="requests to the server")
    parser.add_argument("--served-seconds", type=float, default=180.0,
                        help="most seconds each served phase may take (the row says how "
                             "many requests were answered)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--jobs", type=int, default=2, help="faqkb build -j")
    parser.add_argument("--skip", default="", help="comma-separated: peers,served,updates")
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()) / "faqkb-bench")
    args = parser.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    tables: list[tuple[int, Figures]] = []
    for size in _sizes(args.sizes):
        print(f"\n== {size:,} entries", flush=True)
        tables.append((size, measure(size, args, skip)))
        print_table(*tables[-1])
    builds = [(size, build_only(size, args)) for size in _sizes(args.build_sizes)]
    print("\n\n######## results")
    for size, figures in tables:
        print_table(size, figures)
    if builds:
        print_builds(builds)
    print_whole_command()
    return 0


def _sizes(text: str) -> list[int]:
    return [int(float(s)) for s in text.split(",") if s.strip()]


def prepare(size: int, args: argparse.Namespace) -> tuple[Path, dict[str, list[str]]]:
    """The generated knowledge base of ``size`` entries (written once) and its queries."""
    folder = args.work / f"kb-{size}-v{CORPUS_VERSION}"
    queries_file = args.work / f"queries-{size}-v{CORPUS_VERSION}.json"
    wanted = args.warm_up + args.queries + args.served
    if queries_file.exists():
        queries = json.loads(queries_file.read_text(encoding="utf-8"))
        if (len(queries["warm-up"]), len(queries["timed"])) == (args.warm_up, args.queries) \
                and len(queries["served"]) >= args.served:
            queries["served"] = queries["served"][:args.served]
            return folder, queries
        queries_file.unlink()
    if folder.exists():
        shutil.rmtree(folder)  # written in part by a run that stopped
    started = time.perf_counter()
    found = write_corpus(folder, size, seed=size, queries=wanted)
    if len(found) < wanted:
        raise SystemExit(f"only {len(found)} distinct queries for {size} entries")
    queries = {"warm-up": found[:args.warm_up],
               "timed": found[args.warm_up:args.warm_up + args.queries],
               "served": found[args.warm_up + args.queries:]}
    queries_file.write_text(json.dumps(queries), encoding="utf-8")
    print(f"generated {folder} in {time.perf_counter() - started:.0f} s", flush=True)
    return folder, queries


def measure(size: int, args: argparse.Namespace, skip: set[str]) -> Figures:
    folder, queries = prepare(size, args)
    index_dir = args.work / f"index-{size}"
    figures: Figures = {}
    built = _build(folder, index_dir, args.jobs)
    entries = built["entries"]
    _put(figures, "entries", faqkb=f"{entries:,}")
    _put(figures, "documents / folders", faqkb=f"{built['documents']:,} / "
         f"{sum(1 for p in folder.iterdir() if p.is_dir())}")
    _build_figures(figures, built)
    print(f"built: {built}", flush=True)
    environment = {**os.environ, "FAQKB_INDEX_DIR": str(index_dir)}
    if "updates" not in skip:
        _updates(figures, folder, environment)
    _faqkb_search(figures, folder, index_dir, queries, environment)
    if "peers" not in skip:
        entries_file = args.work / f"entries-{size}.jsonl"
        _export(folder, index_dir, entries_file)
        queries_file = args.work / f"peer-queries-{size}.json"
        queries_file.write_text(json.dumps(queries), encoding="utf-8")
        for engine in ENGINES[1:]:
            _peer(figures, engine, entries_file, queries_file, args.work / f"{engine}-{size}",
                  queries["timed"][0])
        _ratios(figures)
    if "served" not in skip:
        _served(figures, folder, index_dir, queries["served"], queries["timed"][:500],
                args.clients, args.served_seconds)
    return figures


def _put(figures: Figures, name: str, **values: str) -> None:
    figures.setdefault(name, {}).update(values)
    print(f"  {name}: {values}", flush=True)  # as measured: a run cut short keeps its figures


def _build(folder: Path, index_dir: Path, jobs: int) -> dict[str, float]:
    command = [*FAQKB, "build", "--force", "--kb", str(folder), "--index-dir", str(index_dir),
               "-j", str(jobs)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    with PeakMemory(process.pid) as peak:
        out, _ = process.communicate()
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if process.returncode:
        raise SystemExit(f"faqkb build failed:\n{out}")
    found = re.search(r"(\d+) documents, (\d+) Q&A pairs, (\d+) claims", out)
    assert found, out
    generation = storage.current_generation(index_dir)
    assert generation is not None
    workers = [cpu for pid, cpu in peak.cpu.items() if pid != process.pid]
    # The longest chain of work: the parent's own, plus its busiest worker's (they run
    # side by side). On a machine with a core free for each, the wall time comes to this.
    critical = peak.cpu.get(process.pid, 0.0) + max(workers, default=0.0)
    return {"documents": int(found.group(1)), "entries": int(found.group(2)) + int(found.group(3)),
            "critical": critical,
            "wall": wall, "cpu": (after.ru_utime + after.ru_stime) - (before.ru_utime
                                                                       + before.ru_stime),
            "pss": peak.peak.pss, "rss": peak.peak.rss, "size": folder_mb(generation)}


def _build_figures(figures: Figures, built: dict[str, float], engine: str = "faqkb") -> None:
    entries = built["entries"]
    _put(figures, "build wall s / CPU s", **{engine: f"{built['wall']:.1f} / {built['cpu']:.1f}"})
    _put(figures, "build entries/s wall", **{engine: f"{entries / built['wall']:,.0f}"})
    _put(figures, "build entries per CPU-s", **{engine: f"{entries / built['cpu']:,.0f}"})
    if built.get("critical"):
        _put(figures, "build critical-path CPU s (wall with a free core each); entries/s",
             **{engine: f"{built['critical']:.1f}; {entries / built['critical']:,.0f}"})
    if "pss" in built:
        _put(figures, "build peak PSS / RSS MB (tree)",
             **{engine: f"{built['pss']:.0f} / {built['rss']:.0f}"})
    _put(figures, "index MB (one generation)", **{engine: f"{built['size']:.1f}"})


_UPDATE_SCRIPT = """
import json, sys, time
from pathlib import Path
from faqkb import KnowledgeBase
folder = Path(sys.argv[1])
def timed(action):
    wall, cpu = time.perf_counter(), time.process_time()
    result = action()
    return result, time.perf_counter() - wall, time.process_time() - cpu
kb = KnowledgeBase(folder)
fresh, *check = timed(kb.is_fresh)
out = {"fresh": fresh, "check": check}
new = folder / "zz-added" / "added.txt"
new.parent.mkdir(exist_ok=True)
new.write_text("Added Page\\n\\nIs this page new?\\n\\nYes, it was added a moment ago.\\n")
report, *out["add"] = timed(kb.build)
out["mode"] = report.mode
new.write_text("Added Page\\n\\nIs this page changed?\\n\\nYes, it was changed just now.\\n")
_, *out["change"] = timed(kb.build)
new.unlink(); new.parent.rmdir()
_, *out["remove"] = timed(kb.build)
print(json.dumps(out))
"""


def _updates(figures: Figures, folder: Path, environment: dict[str, str]) -> None:
    out = subprocess.run([PYTHON, "-c", _UPDATE_SCRIPT, str(folder)], env=environment,
                         capture_output=True, text=True, check=True).stdout
    data = json.loads(out.strip().splitlines()[-1])
    assert data["fresh"] and data["mode"] == "update", data
    _put(figures, "freshness check, new process: wall / CPU ms",
         faqkb=f"{data['check'][0] * 1000:.0f} / {data['check'][1] * 1000:.0f}")
    _put(figures, "re-index 1 added / changed / removed doc, s wall",
         faqkb=" / ".join(f"{data[k][0]:.2f}" for k in ("add", "change", "remove")))


_SEARCH_SCRIPT = """
import json, sys, time
sys.path.insert(0, sys.argv[3])
from measure import memory
from faqkb import KnowledgeBase
queries = json.loads(open(sys.argv[2], encoding="utf-8").read())
kb = KnowledgeBase(sys.argv[1])
for query in queries["warm-up"]:
    kb.search(query)
walls, cpus, partial = [], [], 0
process = time.process_time()
for query in queries["timed"]:
    wall, cpu = time.perf_counter(), time.thread_time()
    results = kb.search(query)
    cpus.append(time.thread_time() - cpu)
    walls.append(time.perf_counter() - wall)
    partial += results.partial
process = time.process_time() - process
used = memory(["self"])
print(json.dumps({"walls": walls, "cpus": cpus, "partial": partial, "process": process,
                  "rss": used.rss, "pss": used.pss}))
"""

_FIRST_SCRIPT = """
import json, sys, time
started, cpu = time.perf_counter(), time.process_time()
from faqkb import KnowledgeBase
KnowledgeBase(sys.argv[1]).search(sys.argv[2])
print(json.dumps({"first": time.perf_counter() - started, "cpu": time.process_time() - cpu}))
"""


def _faqkb_search(figures: Figures, folder: Path, index_dir: Path,
                  queries: dict[str, list[str]], environment: dict[str, str]) -> None:
    queries_file = index_dir.parent / f"faqkb-queries-{index_dir.name}.json"
    queries_file.write_text(json.dumps(queries), encoding="utf-8")
    out = subprocess.run([PYTHON, "-c", _SEARCH_SCRIPT, str(folder), str(queries_file),
                          str(HERE)], env=environment, capture_output=True, text=True,
                         check=True).stdout
    data = json.loads(out.strip().splitlines()[-1])
    _search_figures(figures, "faqkb", data)
    timed = len(data["cpus"])
    _put(figures, "search CPU per query, whole process ms",
         faqkb=f"{data['process'] * 1000 / timed:.2f}")
    _put(figures, "partial (budget-cut) of timed queries",
         faqkb=f"{data['partial']}/{timed} ({100 * data['partial'] / timed:.1f}%)",
         fts5="-", tantivy="-")
    generation = storage.current_generation(index_dir)
    assert generation is not None
    evict(generation)
    out = subprocess.run([PYTHON, "-c", _FIRST_SCRIPT, str(folder), queries["warm-up"][0]],
                         env=environment, capture_output=True, text=True, check=True).stdout
    _first_figures(figures, "faqkb", json.loads(out))


def _search_figures(figures: Figures, engine: str, data: dict[str, object]) -> None:
    cpus, walls = data["cpus"], data["walls"]
    assert isinstance(cpus, list) and isinstance(walls, list)
    cpu50, cpu99 = percentiles(cpus)
    wall50, wall99 = percentiles(walls)
    _put(figures, "search CPU p50 / p99 ms", **{engine: f"{cpu50:.2f} / {cpu99:.2f}"})
    _put(figures, "search wall p50 / p99 ms", **{engine: f"{wall50:.2f} / {wall99:.2f}"})
    _put(figures, "search process RSS / PSS MB",
         **{engine: f"{data['rss']:.0f} / {data['pss']:.0f}"})


def _first_figures(figures: Figures, engine: str, data: dict[str, float]) -> None:
    _put(figures, "first query, new process, index not cached: wall / CPU ms",
         **{engine: f"{data['first'] * 1000:.0f} / {data['cpu'] * 1000:.0f}"})


def _export(folder: Path, index_dir: Path, target: Path) -> None:
    """The entries faqkb indexed, for the peers to index."""
    kb = KnowledgeBase(folder, index_dir, auto_build=False)
    with target.open("w", encoding="utf-8") as handle:
        for entry in kb.entries():
            handle.write(json.dumps({"id": entry.id, "questions": entry.questions,
                                     "heading": entry.heading, "text": entry.text,
                                     "context": entry.context}) + "\n")
    kb.close()


def _peer(figures: Figures, engine: str, entries_file: Path, queries_file: Path,
          work: Path, first_query: str) -> None:
    work.mkdir(parents=True, exist_ok=True)
    peers = str(HERE / "peers.py")
    process = subprocess.run([PYTHON, peers, "build", engine, str(entries_file),
                              str(queries_file), str(work)], capture_output=True, text=True,
                             cwd=HERE, check=False)
    if process.returncode:
        print(f"{engine} failed: {process.stderr[-2000:]}", flush=True)
        return
    data = json.loads(process.stdout.strip().splitlines()[-1])
    entries = sum(1 for _ in entries_file.open(encoding="utf-8"))
    _build_figures(figures, {"entries": entries, "wall": data["build wall"],
                             "cpu": data["build cpu"], "size": data["size mb"]}, engine)
    _search_figures(figures, engine, data)
    evict(work)
    out = subprocess.run([PYTHON, peers, "first", engine, str(work), first_query],
                         capture_output=True, text=True, cwd=HERE, check=True).stdout
    _first_figures(figures, engine, json.loads(out))


def _ratios(figures: Figures) -> None:
    """How many times the cost of each peer faqkb's costs: its time per query, processor
    time per entry built, index size, search process memory (over 1: faqkb costs more)."""
    for name, inverse in (("search CPU p50 / p99 ms", False), ("search wall p50 / p99 ms", False),
                          ("build entries per CPU-s", True), ("index MB (one generation)", False),
                          ("search process RSS / PSS MB", False)):
        ours = _numbers(figures[name].get("faqkb", ""))
        for engine in ENGINES[1:]:
            theirs = _numbers(figures.get(name, {}).get(engine, ""))
            if ours and theirs and len(ours) == len(theirs):
                pairs = zip(theirs, ours, strict=True) if inverse else zip(ours, theirs,
                                                                            strict=True)
                shown = " / ".join(f"{a / b:.1f}x" if b else "-" for a, b in pairs)
                what = "build CPU per entry" if inverse else re.sub(r" (ms|MB)\b.*", "", name)
                _put(figures, f"  cost of faqkb / {engine}: {what}", faqkb=shown)


def _numbers(text: str) -> list[float]:
    return [float(n.replace(",", "")) for n in re.findall(r"[\d,]*\.?\d+", text)]


def _served(figures: Figures, folder: Path, index_dir: Path, unique: list[str],
            popular: list[str], clients: int, seconds: float) -> None:
    weights = [1 / rank for rank in range(1, len(popular) + 1)]
    repeated = random.Random(1).choices(popular, weights, k=len(unique))
    # The server's defaults: two processes of one thread each on two cores.
    with served(folder, index_dir, threads=1) as server:
        for key, label, stream in (
                ("distinct", "distinct queries", unique),
                ("popular", "popular queries repeating (mostly answered from memory)",
                 repeated)):
            pids = tree(server.pid)
            cpu_before = cpu_seconds(pids)
            result = _load(server.port, stream, clients, seconds)
            cpu = cpu_seconds(tree(server.pid)) - cpu_before
            used = memory(tree(server.pid))
            p50, p99 = percentiles(result["latencies"])
            count = len(result["latencies"])
            _put(figures, f"served {label}, {clients} clients: answered",
                 faqkb=f"{count:,} of {len(stream):,}")
            _put(figures, f"  {key}: req/s, p50 / p99 ms",
                 faqkb=f"{count / result['seconds']:,.0f}, {p50:.1f} / {p99:.1f}")
            _put(figures, f"  {key}: server CPU per request ms; failed; partial",
                 faqkb=f"{cpu * 1000 / count:.1f}; {result['failed']}; {result['partial']}")
            _put(figures, f"  {key}: serving tree RSS / PSS MB after",
                 faqkb=f"{used.rss:.0f} / {used.pss:.0f}")


def _load(port: int, queries: list[str], clients: int, seconds: float) -> dict[str, object]:
    """Each query once, from ``clients`` keep-alive connections, for at most ``seconds``."""
    work: queue.SimpleQueue[str] = queue.SimpleQueue()
    for query in queries:
        work.put(f"/search.json?q={urllib.parse.quote(query)}")
    latencies: list[float] = []
    counts = {"failed": 0, "partial": 0}
    lock = threading.Lock()

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        while time.monotonic() < deadline:
            try:
                path = work.get_nowait()
            except queue.Empty:
                return
            started = time.perf_counter()
            try:
                connection.request("GET", path)
                response = connection.getresponse()
                body = response.read()
                failed = response.status != 200
            except (OSError, http.client.HTTPException):
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                failed, body = True, b""
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                counts["failed"] += failed
                counts["partial"] += b'"partial": true' in body
    deadline = time.monotonic() + seconds
    threads = [threading.Thread(target=client) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return {"latencies": latencies, "seconds": time.perf_counter() - started, **counts}


def build_only(size: int, args: argparse.Namespace) -> dict[str, float]:
    folder, _ = prepare(size, args)
    print(f"\n== building {size:,} entries", flush=True)
    built = _build(folder, args.work / f"index-{size}", args.jobs)
    print(f"built: {built}", flush=True)
    return built


def print_table(size: int, figures: Figures) -> None:
    width = max(len(name) for name in figures) + 2
    columns = [e for e in ENGINES if any(e in values for values in figures.values())]
    print(f"\n{size:,} entries".ljust(width) + "".join(f"{e:>22}" for e in columns))
    for name, values in figures.items():
        print(name.ljust(width) + "".join(f"{values.get(e, ''):>22}" for e in columns))


def print_builds(builds: list[tuple[int, dict[str, float]]]) -> None:
    print("\nbuilds only (faqkb build --force):")
    for _, built in builds:
        print(f"  {built['entries']:>9,} entries: {built['wall']:7.1f} s wall, "
              f"{built['cpu']:7.1f} s CPU, {built['critical']:7.1f} s critical-path CPU, "
              f"{built['entries'] / built['wall']:6,.0f} entries/s wall, "
              f"{built['entries'] / built['critical']:6,.0f} on the critical path, "
              f"peak PSS {built['pss']:.0f} MB, index {built['size']:.0f} MB")
    size, built = builds[-1]
    rate = built["entries"] / min(built["wall"], built["critical"])
    print(f"  1,000,000 entries at {rate:,.0f} entries/s (the faster of wall and critical "
          f"path): about {1_000_000 / rate / 60:.1f} minutes (from the "
          f"{built['entries']:,}-entry build)")


def print_whole_command() -> None:
    """The whole ``faqkb search`` command, as a user runs it: once as installed (Python's
    bytecode caches written, as pip and a first run leave them), once without them
    (PYTHONDONTWRITEBYTECODE set, as in some containers: every module compiled anew)."""
    index_dir = Path(tempfile.mkdtemp(prefix="faqkb-bench-bundled-"))
    cached = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    cached["FAQKB_INDEX_DIR"] = str(index_dir)
    uncached = {**cached, "PYTHONDONTWRITEBYTECODE": "1"}
    subprocess.run([*FAQKB, "build", "--kb", str(ROOT / "kb")], env=cached,
                   capture_output=True, check=True)
    for label, environment in (("bytecode cached", cached), ("no bytecode cache", uncached)):
        walls, cpus = [], []
        for run in range(8):
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            subprocess.run([*FAQKB, "search", "--kb", str(ROOT / "kb"),
                            "is running bad for my back"], env=environment,
                           capture_output=True, check=True)
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            if run:  # the first run writes the caches (and warms the disk cache)
                walls.append(wall)
                cpus.append(after.ru_utime + after.ru_stime - before.ru_utime
                            - before.ru_stime)
        print(f"\nwhole `faqkb search` command on the bundled kb/ (index built, {label}), "
              f"median of 7: {statistics.median(walls) * 1000:.0f} ms wall, "
              f"{statistics.median(cpus) * 1000:.0f} ms CPU")
    shutil.rmtree(index_dir, ignore_errors=True)

if __name__ == "__main__":
    sys.exit(main())
