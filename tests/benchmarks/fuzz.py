"""Fuzz search with generated hostile queries, then attack the real server as issue 11 did.

1. ``library``: ``--library`` queries (100,000 by default) through
   ``KnowledgeBase.search()``, spread over ``--workers`` processes, with random limits,
   offsets and filters. An error is any exception, or results that break their own
   contract (more hits than the limit, a total below the hits).
2. ``http``: ``faqkb serve`` on a free loopback port, and ``--http`` requests (10,000
   by default) from ``--clients`` threads to ``/search``, ``/search.json``,
   ``/suggest.json``, ``/sources/…`` and ``/entries/…``, each query percent-encoded from
   its UTF-8 (lone surrogates included, so invalid UTF-8 too) or from random bytes, with
   random paging parameters. An error is a 5xx, any other unexpected status (a
   redirect is expected only to the same server: Werkzeug merges doubled slashes), or a
   failed connection.
3. ``budget``: searches with ``source=`` prefix filters (``d`` matches every one of
   ``--documents`` documents) and hostile queries on a kb of that many documents,
   each timed in CPU time: the worst must stay near the search's 40 ms budget.
4. ``attacks``: the server over that kb for ``--attack-seconds``, while one document is
   swapped for a link to a secret file outside kb/ and back every 0.2 s, documents
   nested 10,000 lists and 100,000 ``<div>`` s deep are added, and ``--clients``
   connections send the swapped document's page and JSON, searches for the secret's
   words, prefix filters and odd ``Host`` headers. It counts responses holding the
   secret (a file from outside kb/ served), 5xx and unanswered requests.
5. ``deep``: ``faqkb build`` of a kb holding only each deeply nested document (wall and
   CPU time, and what the build said).
6. ``orphans``: ``faqkb build -j 2`` of a kb large enough to build in worker processes,
   and ``faqkb serve --workers 2``, each SIGKILLed ``--kills`` times once its workers
   run; a process they started that is still alive 3 s later is an orphan.

Each of the first two parts stops at ``--seconds`` even if its count is not reached (and
says so). The script prints the error counts (the target is 0), throughput, latency
percentiles and the slowest queries, and at the end the figures of issue 11: files from
outside kb/ served, 5xx, orphans and the worst search in CPU ms. It exits with status 1
on any error.

    python tests/benchmarks/fuzz.py                     # over the bundled kb/, every part
    python tests/benchmarks/fuzz.py --library 1000 --http 200 --seed 7
    python tests/benchmarks/fuzz.py --parts attacks,orphans --attack-seconds 30
"""

from __future__ import annotations

import argparse
import http.client
import os
import sys
import tempfile
import threading
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from typing import Any
from urllib.parse import quote, quote_from_bytes

sys.path.insert(0, str(Path(__file__).resolve().parent))

from attacks import (  # noqa: E402
    EXPECTED,
    LEAK,
    PREFIXES,
    SymlinkSwapper,
    attack_kb,
    attack_request,
    attack_target,
    big_kb,
    deep_documents,
    orphans_after_kill,
    timed_build,
)
from serving import BUNDLED_KB, Latencies, hostile_query, served, vocabulary  # noqa: E402

from faqkb import KnowledgeBase  # noqa: E402

SHOWN_ERRORS = 10
HTTP_EXPECTED = {200, 400, 404, 414}
HTTP_TIMEOUT = 30.0


@dataclass
class Outcome:
    """What one worker saw."""

    done: int = 0
    errors: int = 0
    partial: int = 0
    kinds: dict[str, int] = field(default_factory=dict)  # errors by kind and origin
    examples: list[str] = field(default_factory=list)
    latencies: Latencies = field(default_factory=Latencies)
    statuses: dict[int, int] = field(default_factory=dict)
    worst_cpu: tuple[float, str] = (0.0, "")  # the most CPU one search took, and what
    first_cpu: float = 0.0  # the most a process's first search took (it opens the index)
    leaks: int = 0  # responses holding a file from outside kb/

    def error(self, kind: str, what: str) -> None:
        self.errors += 1
        self.kinds[kind] = self.kinds.get(kind, 0) + 1
        if len(self.examples) < SHOWN_ERRORS:
            self.examples.append(what)

    def merge(self, other: Outcome) -> None:
        self.done += other.done
        self.errors += other.errors
        self.partial += other.partial
        for kind, count in other.kinds.items():
            self.kinds[kind] = self.kinds.get(kind, 0) + count
        self.examples += other.examples[: SHOWN_ERRORS - len(self.examples)]
        self.latencies.merge(other.latencies)
        for status, count in other.statuses.items():
            self.statuses[status] = self.statuses.get(status, 0) + count
        self.worst_cpu = max(self.worst_cpu, other.worst_cpu)
        self.first_cpu = max(self.first_cpu, other.first_cpu)
        self.leaks += other.leaks

    def cpu(self, seconds: float, what: str) -> None:
        """Count one search's CPU time."""
        self.worst_cpu = max(self.worst_cpu, (seconds, what))

    def warm_up(self, kb: KnowledgeBase, words: list[str]) -> None:
        """Run a process's first searches, which open the index and load what spelling
        needs on first use, and count their CPU time apart from the rest."""
        for query in ["the", f"{words[0]} qzxjv", f"{words[-1][:-1]}x {words[0]}"]:
            cpu = time.thread_time()
            kb.search(query, 10)
            self.first_cpu = max(self.first_cpu, time.thread_time() - cpu)

    def status(self, code: int) -> None:
        self.statuses[code] = self.statuses.get(code, 0) + 1

    @property
    def server_errors(self) -> int:
        """Responses with a 5xx status."""
        return sum(count for code, count in self.statuses.items() if code >= 500)


# -- the library ----------------------------------------------------------------------


def fuzz_library(kb_dir: Path, index_dir: Path, count: int, seed: int,
                 deadline: float) -> Outcome:
    """Run ``count`` hostile queries through one KnowledgeBase (one worker)."""
    rng = Random(seed)
    words = vocabulary(kb_dir)
    kb = KnowledgeBase(kb_dir, index_dir)
    sources = kb.sources()
    outcome = Outcome()
    outcome.warm_up(kb, words)
    try:
        for _ in range(count):
            if time.monotonic() > deadline:
                break
            query = hostile_query(rng, words)
            limit = rng.choice([1, 10, 10, 10, 50, 1000])
            offset = rng.choice([0, 0, 0, 10, 500])
            kind = rng.choice([None, None, None, "qa", "claim"])
            source = rng.choice([None] * 8 + sources + ["0", "../x", query[:20]])
            started, cpu = time.perf_counter(), time.thread_time()
            try:
                results = kb.search(query, limit, offset=offset, kind=kind, source=source)
            except Exception as exc:  # noqa: BLE001 - counting every failure is the point
                outcome.error(origin(exc), f"{type(exc).__name__}: {exc} <- {query!a} "
                                           f"(source={source!a})")
                continue
            finally:
                outcome.done += 1
            outcome.cpu(time.thread_time() - cpu, f"{query!a} source={source!a}")
            outcome.latencies.add(time.perf_counter() - started, query)
            outcome.partial += results.partial
            if len(results.hits) > limit or results.total < len(results.hits):
                outcome.error("inconsistent results", f"{len(results.hits)} hits of "
                              f"{results.total}, limit {limit} <- {query!a}")
    finally:
        kb.close()
    return outcome


def origin(exc: Exception) -> str:
    """The exception's type and the innermost faqkb function it came through."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if "faqkb" in f.filename]
    where = f"{Path(frames[-1].filename).name}:{frames[-1].name}" if frames else "?"
    return f"{type(exc).__name__} via {where}"


def run_library(args: argparse.Namespace, index_dir: Path) -> Outcome:
    KnowledgeBase(args.kb, index_dir).build()
    deadline = time.monotonic() + args.seconds
    shares = [args.library // args.workers + (i < args.library % args.workers)
              for i in range(args.workers)]
    total = Outcome()
    with ProcessPoolExecutor(args.workers) as pool:
        futures = [pool.submit(fuzz_library, args.kb, index_dir, share, args.seed * 1000 + i,
                               deadline) for i, share in enumerate(shares)]
        for future in futures:
            total.merge(future.result())
    return total


# -- the server -----------------------------------------------------------------------


def request_target(rng: Random, words: list[str], sources: list[str]) -> str:
    """A GET target with a hostile query string (or a hostile name in the path)."""
    query = hostile_query(rng, words)
    if rng.random() < 0.1:
        encoded = quote_from_bytes(rng.randbytes(rng.randint(0, 60)))
    else:
        encoded = quote(query.encode("utf-8", "surrogatepass"), safe="")
    roll = rng.random()
    if roll < 0.05:
        return f"/sources/{encoded}" + rng.choice(["", ".json"])
    if roll < 0.08:
        return f"/entries/{encoded}" + rng.choice(["", ".json"])
    if roll < 0.10 and sources:
        return f"/sources/{quote(rng.choice(sources))}?entry={encoded}"
    path = rng.choice(["/search", "/search", "/search.json", "/suggest.json"])
    params = [f"q={encoded}"]
    for name, values in [("page", ["1", "2", "0", "x", "1000", "%ff"]),
                         ("per_page", ["5", "100", "101", "-1"]),
                         ("kind", ["qa", "claim", "faq", ""]),
                         ("source", [*sources, "0", "%2e%2e"]),
                         ("limit", ["1", "10", "11", "a"])]:
        if rng.random() < 0.1:
            params.append(f"{name}={rng.choice(values)}")
    rng.shuffle(params)
    return f"{path}?{'&'.join(params)}"


def http_client(host: str, port: int, targets: list[str], deadline: float) -> Outcome:
    """Send ``targets`` over one keep-alive connection, reconnecting after a failure."""
    outcome = Outcome()
    connection = http.client.HTTPConnection(host, port, timeout=HTTP_TIMEOUT)
    try:
        for target in targets:
            if time.monotonic() > deadline:
                break
            started = time.perf_counter()
            try:
                connection.request("GET", target)
                response = connection.getresponse()
                response.read()
            except (OSError, http.client.HTTPException) as exc:
                outcome.error(type(exc).__name__, f"{type(exc).__name__}: {exc} <- {target}")
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=HTTP_TIMEOUT)
                continue
            finally:
                outcome.done += 1
            outcome.latencies.add(time.perf_counter() - started, target)
            outcome.statuses[response.status] = outcome.statuses.get(response.status, 0) + 1
            location = response.getheader("Location") or ""
            if response.status not in HTTP_EXPECTED and not (
                    response.status == 308 and location.startswith(f"http://{host}:{port}/")):
                outcome.error(f"HTTP {response.status}",
                              f"HTTP {response.status} {location} <- {target}")
            if response.getheader("Connection", "").lower() == "close":
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=HTTP_TIMEOUT)
    finally:
        connection.close()
    return outcome


def run_http(args: argparse.Namespace, index_dir: Path) -> Outcome:
    rng = Random(args.seed)
    words = vocabulary(args.kb)
    sources = KnowledgeBase(args.kb, index_dir).sources()
    targets = [request_target(rng, words, sources) for _ in range(args.http)]
    total = Outcome()
    with served(args.kb, index_dir, threads=args.threads) as server:
        deadline = time.monotonic() + args.seconds
        outcomes: list[Outcome] = []
        threads = [threading.Thread(target=lambda part: outcomes.append(
            http_client(server.host, server.port, part, deadline)),
            args=(targets[i :: args.clients],)) for i in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    for outcome in outcomes:
        total.merge(outcome)
    return total


# -- issue 11's attacks -----------------------------------------------------------------


def run_budget(args: argparse.Namespace, kb_dir: Path, index_dir: Path) -> Outcome:
    """Searches with prefix source filters, each timed in CPU time."""
    rng = Random(args.seed)
    words = vocabulary(kb_dir)
    outcome = Outcome()
    kb = KnowledgeBase(kb_dir, index_dir)
    try:
        kb.build()
        outcome.warm_up(kb, words)
        for _ in range(args.budget_queries):
            query = rng.choice(["zzz", "how do i change the setting", "unit", "a",
                                hostile_query(rng, words, surrogates=False)])
            source = rng.choice(PREFIXES)
            kind = rng.choice([None, None, "qa", "claim"])
            cpu = time.thread_time()
            try:
                results = kb.search(query, 10, kind=kind, source=source or None)
            except Exception as exc:  # noqa: BLE001 - counting every failure is the point
                outcome.error(origin(exc), f"{type(exc).__name__}: {exc} <- {query!a}")
                continue
            finally:
                outcome.done += 1
            used = time.thread_time() - cpu
            outcome.partial += results.partial
            outcome.cpu(used, f"{query!a} source={source!a}")
            outcome.latencies.add(used, f"{query!a} source={source!a} (CPU)")
    finally:
        kb.close()
    return outcome


def attack_client(host: str, port: int, victim: str, seed: int, stop: threading.Event,
                  outcome: Outcome) -> None:
    """Send attacking requests until ``stop``; count leaks, 5xx and silence."""
    rng = Random(seed)
    while not stop.is_set():
        target, host_header = attack_target(rng, victim)
        answer = attack_request(host, port, target, host_header)
        outcome.done += 1
        outcome.status(answer.status)
        outcome.latencies.add(answer.seconds, f"{target} Host={host_header!a}")
        if LEAK.encode() in answer.body or LEAK.lower().encode() in answer.body:
            outcome.leaks += 1
            outcome.error("a file from outside kb/ served", f"{target}")
        elif answer.status not in EXPECTED and not (answer.status == 308 and host_header is None):
            outcome.error(f"HTTP {answer.status}", f"HTTP {answer.status} <- {target} "
                                                   f"Host={host_header!a}")


def run_attacks(args: argparse.Namespace, target: Any, index_dir: Path) -> Outcome:
    """The server over the attack kb while a document is swapped for a link outside."""
    KnowledgeBase(target.folder, index_dir).build()
    outcome = Outcome()
    with served(target.folder, index_dir, threads=args.threads) as server:
        swapper = SymlinkSwapper(target)
        stop = threading.Event()
        outcomes = [Outcome() for _ in range(args.clients)]
        clients = [threading.Thread(target=attack_client, args=(
            server.host, server.port, target.victim, args.seed * 100 + i, stop, outcomes[i]))
            for i in range(args.clients)]
        swapper.start()
        for client in clients:
            client.start()
        stop.wait(args.attack_seconds / 2)
        for name, text in deep_documents().items():  # the server must take them in its stride
            (target.folder / name).write_text(text, encoding="utf-8")
        stop.wait(args.attack_seconds / 2)
        stop.set()
        swapper.stop.set()
        for client in clients:
            client.join()
        swapper.join()
        for name in deep_documents():
            (target.folder / name).unlink()
    for part in outcomes:
        outcome.merge(part)
    print(f"  symlink swaps: {swapper.swaps:,}")
    return outcome


def run_deep(args: argparse.Namespace, scratch: Path) -> list[str]:
    """Build a kb of each deeply nested document alone: what it cost and said."""
    lines = []
    for name, text in deep_documents().items():
        folder = scratch / f"deep-{name}"
        folder.mkdir()
        (folder / name).write_text(text, encoding="utf-8")
        wall, cpu, said = timed_build(folder, scratch / f"deep-index-{name}", args.deep_timeout)
        lines.append(f"{name} ({len(text) // 1024} KB): {wall:.1f} s wall, {cpu:.1f} s CPU; "
                     f"{said}")
    return lines


def run_orphans(args: argparse.Namespace, scratch: Path) -> tuple[int, int, list[str]]:
    """SIGKILL ``faqkb build -j 2`` and ``faqkb serve --workers 2`` as they work."""
    folder = big_kb(scratch, 3.0, args.seed)
    python = [sys.executable, "-m", "faqkb"]
    served_index = scratch / "orphan-served-index"
    KnowledgeBase(folder, served_index).build()  # so that serve starts its workers at once
    left = started = 0
    lines = []
    for kind, command, settle in [
        ("build -j 2", [*python, "build", "--force", "-j", "2", "--kb", str(folder),
                        "--index-dir", str(scratch / "orphan-index")], 3.0),
        ("serve --workers 2", [*python, "serve", "--port", "0", "--workers", "2", "--kb",
                               str(folder), "--index-dir", str(served_index)], 3.0),
    ]:
        counts = [orphans_after_kill(command, lambda family: len(family) >= 2, settle)
                  for _ in range(args.kills)]
        alive, there = sum(c[0] for c in counts), sum(c[1] for c in counts)
        left += alive
        started += there
        lines.append(f"{kind}: {alive} of {there} processes alive {settle:.0f} s after "
                     f"{args.kills} SIGKILLs of the parent")
    return left, started, lines


# -- reporting --------------------------------------------------------------------------


def report(name: str, wanted: int, outcome: Outcome, seconds: float) -> None:
    stopped = "" if outcome.done >= wanted else f" (stopped at the time limit, of {wanted:,})"
    print(f"\n{name}: {outcome.done:,} queries{stopped} in {seconds:.1f} s "
          f"({outcome.done / max(seconds, 1e-9):,.0f}/s), errors: {outcome.errors}")
    if outcome.statuses:
        print("  statuses: " + ", ".join(f"{status}: {count:,}"
                                         for status, count in sorted(outcome.statuses.items())))
    if outcome.partial:
        print(f"  partial (time budget reached): {outcome.partial:,}")
    print(f"  latency: {outcome.latencies.summary()}")
    for kind, count in sorted(outcome.kinds.items(), key=lambda item: -item[1]):
        print(f"  {count:,} x {kind}")
    for example in outcome.examples:
        print(f"  ERROR {example[:300]}")
    print("  slowest:")
    for line in outcome.latencies.slowest_lines():
        print(line)


PARTS = ("library", "http", "budget", "attacks", "deep", "orphans")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=BUNDLED_KB, help="the knowledge base")
    parser.add_argument("--parts", default=",".join(PARTS),
                        help=f"which parts to run (of {','.join(PARTS)})")
    parser.add_argument("--library", type=int, default=100_000, help="library queries")
    parser.add_argument("--http", type=int, default=10_000, help="HTTP requests")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="processes for the library part")
    parser.add_argument("--clients", type=int, default=8, help="threads for the HTTP parts")
    parser.add_argument("--threads", type=int, default=4, help="the server's threads")
    parser.add_argument("--seconds", type=float, default=1200.0,
                        help="time limit of each of the first two parts")
    parser.add_argument("--documents", type=int, default=700,
                        help="documents of the kb the budget and attack parts use")
    parser.add_argument("--budget-queries", type=int, default=3_000,
                        help="searches of the budget part")
    parser.add_argument("--attack-seconds", type=float, default=60.0,
                        help="how long the attack part lasts")
    parser.add_argument("--deep-timeout", type=float, default=120.0,
                        help="seconds a build of a deeply nested document may take")
    parser.add_argument("--kills", type=int, default=5, help="SIGKILLs of each command")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    errors = 0
    figures: list[str] = []
    worst_cpu: tuple[float, str] = (0.0, "")
    first_cpu = 0.0
    server_errors = 0
    with tempfile.TemporaryDirectory(prefix="faqkb-fuzz-") as scratch:
        root = Path(scratch)
        index_dir = root / "index"
        print(f"fuzzing {args.kb} (seed {args.seed})")
        if "library" in parts:
            started = time.perf_counter()
            outcome = run_library(args, index_dir)
            report("library", args.library, outcome, time.perf_counter() - started)
            errors += outcome.errors
            worst_cpu = max(worst_cpu, outcome.worst_cpu)
            first_cpu = max(first_cpu, outcome.first_cpu)
        if "http" in parts:
            started = time.perf_counter()
            outcome = run_http(args, index_dir)
            report("http", args.http, outcome, time.perf_counter() - started)
            errors += outcome.errors
            server_errors += outcome.server_errors
        target = attack_kb(root / "attack", None, args.documents, args.seed)
        if "budget" in parts:
            started = time.perf_counter()
            outcome = run_budget(args, target.folder, root / "attack-index")
            report(f"budget ({args.documents} documents, prefix filters; latency is CPU time)",
                   args.budget_queries, outcome, time.perf_counter() - started)
            errors += outcome.errors
            worst_cpu = max(worst_cpu, outcome.worst_cpu)
            first_cpu = max(first_cpu, outcome.first_cpu)
        if "attacks" in parts:
            started = time.perf_counter()
            outcome = run_attacks(args, target, root / "attack-served-index")
            report("attacks (symlink swaps, deep nesting, prefix filters, odd Host headers)",
                   0, outcome, time.perf_counter() - started)
            errors += outcome.errors
            server_errors += outcome.server_errors
            figures.append(f"files from outside kb/ served: {outcome.leaks} "
                           f"(of {outcome.done:,} attacking requests)")
        if "deep" in parts:
            print("\ndeep nesting:")
            for line in run_deep(args, root):
                print(f"  {line}")
                figures.append(f"deep nesting: {line}")
        if "orphans" in parts:
            left, there, lines = run_orphans(args, root)
            print("\norphans:")
            for line in lines:
                print(f"  {line}")
            errors += left
            figures.append(f"orphans: {left} (of {there} processes started by the commands "
                           f"killed)")
    if {"http", "attacks"} & parts:
        figures.append(f"5xx: {server_errors}")
    if {"library", "budget"} & parts:
        figures.append(f"worst search: {worst_cpu[0] * 1000:.1f} ms of CPU (budget 40 ms) "
                       f"<- {worst_cpu[1][:120]}")
        figures.append(f"worst of a process's first searches (they open the index and "
                       f"load the spelling word lists): {first_cpu * 1000:.1f} ms of CPU")
    print("\nfigures:")
    for line in figures:
        print(f"  {line}")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
