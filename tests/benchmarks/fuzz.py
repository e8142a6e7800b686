"""Fuzz search with generated hostile queries: the library, then the real server.

1. The library: ``--library`` queries (100,000 by default) through
   ``KnowledgeBase.search()``, spread over ``--workers`` processes, with random limits,
   offsets and filters. An error is any exception, or results that break their own
   contract (more hits than the limit, a total below the hits).
2. The server: ``faqkb serve`` on a free loopback port, and ``--http`` requests (10,000
   by default) from ``--clients`` threads to ``/search``, ``/search.json``,
   ``/suggest.json``, ``/sources/…`` and ``/entries/…``, each query percent-encoded from
   its UTF-8 (lone surrogates included, so invalid UTF-8 too) or from random bytes, with
   random paging parameters. An error is a 5xx, any other unexpected status (a
   redirect is expected only to the same server: Werkzeug merges doubled slashes), or a
   failed connection.

Each part stops at ``--seconds`` even if its count is not reached (and says so). The
script prints the error counts (the target is 0), throughput, latency percentiles and
the slowest queries, and exits with status 1 on any error.

    python tests/benchmarks/fuzz.py                     # over the bundled kb/
    python tests/benchmarks/fuzz.py --library 1000 --http 200 --seed 7
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
from urllib.parse import quote, quote_from_bytes

sys.path.insert(0, str(Path(__file__).resolve().parent))

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


# -- the library ----------------------------------------------------------------------


def fuzz_library(kb_dir: Path, index_dir: Path, count: int, seed: int,
                 deadline: float) -> Outcome:
    """Run ``count`` hostile queries through one KnowledgeBase (one worker)."""
    rng = Random(seed)
    words = vocabulary(kb_dir)
    kb = KnowledgeBase(kb_dir, index_dir)
    sources = kb.sources()
    outcome = Outcome()
    try:
        for _ in range(count):
            if time.monotonic() > deadline:
                break
            query = hostile_query(rng, words)
            limit = rng.choice([1, 10, 10, 10, 50, 1000])
            offset = rng.choice([0, 0, 0, 10, 500])
            kind = rng.choice([None, None, None, "qa", "claim"])
            source = rng.choice([None] * 8 + sources + ["0", "../x", query[:20]])
            started = time.perf_counter()
            try:
                results = kb.search(query, limit, offset=offset, kind=kind, source=source)
            except Exception as exc:  # noqa: BLE001 - counting every failure is the point
                outcome.error(origin(exc), f"{type(exc).__name__}: {exc} <- {query!a} "
                                           f"(source={source!a})")
                continue
            finally:
                outcome.done += 1
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=BUNDLED_KB, help="the knowledge base")
    parser.add_argument("--library", type=int, default=100_000, help="library queries")
    parser.add_argument("--http", type=int, default=10_000, help="HTTP requests")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2,
                        help="processes for the library part")
    parser.add_argument("--clients", type=int, default=8, help="threads for the HTTP part")
    parser.add_argument("--threads", type=int, default=4, help="the server's threads")
    parser.add_argument("--seconds", type=float, default=1200.0,
                        help="time limit of each part")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    errors = 0
    with tempfile.TemporaryDirectory(prefix="faqkb-fuzz-") as scratch:
        index_dir = Path(scratch) / "index"
        print(f"fuzzing {args.kb} (seed {args.seed})")
        if args.library:
            started = time.perf_counter()
            outcome = run_library(args, index_dir)
            report("library", args.library, outcome, time.perf_counter() - started)
            errors += outcome.errors
        if args.http:
            started = time.perf_counter()
            outcome = run_http(args, index_dir)
            report("http", args.http, outcome, time.perf_counter() - started)
            errors += outcome.errors
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
