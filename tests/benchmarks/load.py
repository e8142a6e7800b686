"""Load the served app with many concurrent clients, steady and while the index is rebuilt.

``faqkb serve`` runs on a free port of 127.0.0.1 (only ever loopback) over the bundled
kb/ or a generated one (``--entries N``, from ``corpus.py``). ``--clients`` threads
(50 by default), each on a keep-alive connection, send a realistic mix for
``--seconds`` (60) per phase, or until ``--max-requests``:

- 40 % result pages ``/search?q=`` (now and then page 2 or a kind filter),
- 25 % ``/search.json?q=``,
- 20 % ``/suggest.json?q=`` with the first letters of a query, as typed,
- 15 % source pages ``/sources/NAME?entry=ID`` opened from a result.

It also counts the ``/search.json`` results marked ``partial`` (a search that used up its
budget of processor time).

The queries are the judged queries and the questions of the knowledge base (or the
generated corpus's queries), with a typo now and then. Phases:

1. ``steady``: the index as it is;
2. ``rebuilding``: the same, while another process runs
   ``faqkb build --force --kb KB --index-dir INDEX`` over and over;
3. ``attacked``: the same as ``steady``, with ``--attackers`` more connections (4) sending
   what issue 11 found costly or odd: ``source=`` filters by a prefix that matches many
   documents, a document's page and JSON, and unusable ``Host`` headers (see
   ``attacks.py``). An attacker's request fails on a 5xx or no answer; the clients'
   figures show what the attack costs them beside ``steady``'s.

``--documents N`` serves a kb of N small generated documents (``d000.txt``...) instead,
as the attack of issue 11 did with 712: there a prefix filter matches them all.

With ``--insights`` the server records insights (``faqkb serve --insights``), and each phase
also checks that every search and opened passage it was answered is in the database.

A request fails unless it gets a 200. The script prints, per phase, throughput,
p50/p95/p99 latency (overall and per kind), failures with their causes, the number of
rebuilds, and exits with status 1 when any request failed. It stops by itself: each
phase ends at its time limit (a request in flight then has ``--timeout`` seconds).

    python tests/benchmarks/load.py                          # bundled kb/, both phases
    python tests/benchmarks/load.py --entries 10000 --phase rebuilding
"""

from __future__ import annotations

import argparse
import http.client
import json
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from random import Random
from urllib.parse import quote, urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent))

from attacks import EXPECTED, attack_kb, attack_request, attack_target  # noqa: E402
from corpus import generate, write  # noqa: E402
from insights_events import check_written, expected_event, written  # noqa: E402
from serving import BUNDLED_KB, ROOT, Latencies, Server, served  # noqa: E402

from faqkb import KnowledgeBase  # noqa: E402

JUDGED = ROOT / "tests" / "data" / "relevance_queries.jsonl"
BUILD_TIMEOUT = 600.0
SHOWN_FAILURES = 10


@dataclass(frozen=True, slots=True)
class Workload:
    """What the clients ask for: queries, and passages to open."""

    queries: list[str]
    passages: list[tuple[str, str]]  # (source name, entry id)


@dataclass
class Tally:
    """What one client, or a whole phase, saw."""

    latencies: Latencies = field(default_factory=Latencies)
    by_kind: dict[str, Latencies] = field(default_factory=dict)
    failures: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)
    partial: int = 0  # search.json results cut short by the search time budget
    events: Counter[str] = field(default_factory=Counter)  # insights the answers should write

    def ok(self, kind: str, seconds: float, target: str) -> None:
        self.latencies.add(seconds, target)
        self.by_kind.setdefault(kind, Latencies(keep=1)).add(seconds, target)

    def failed(self, cause: str, target: str) -> None:
        self.failures[cause] += 1
        if len(self.examples) < SHOWN_FAILURES:
            self.examples.append(f"{cause} <- {target}")

    def merge(self, other: Tally) -> None:
        self.latencies.merge(other.latencies)
        for kind, latencies in other.by_kind.items():
            self.by_kind.setdefault(kind, Latencies(keep=1)).merge(latencies)
        self.failures.update(other.failures)
        self.partial += other.partial
        self.events.update(other.events)
        self.examples += other.examples[: SHOWN_FAILURES - len(self.examples)]


# -- the workload -----------------------------------------------------------------------


def workload(kb_dir: Path, index_dir: Path, generated: list[str]) -> Workload:
    """Realistic queries and passages for the knowledge base (its index is built here)."""
    kb = KnowledgeBase(kb_dir, index_dir)
    try:
        kb.build()
        entries = kb.entries()
    finally:
        kb.close()
    queries = list(generated)
    if JUDGED.is_file() and kb_dir.resolve() == BUNDLED_KB.resolve():
        queries += [json.loads(line)["query"] for line in JUDGED.read_text().splitlines()]
    queries += [e.question for e in entries if e.question][:2_000]
    passages = [(e.source, e.id) for e in entries][:5_000]
    return Workload(queries or ["back pain"], passages)


def next_request(rng: Random, work: Workload) -> tuple[str, str]:
    """The kind of request and its target, drawn from the mix."""
    query = rng.choice(work.queries)
    if rng.random() < 0.1:  # a typo: one letter dropped
        cut = rng.randrange(len(query))
        query = query[:cut] + query[cut + 1:]
    roll = rng.random()
    if roll < 0.40:
        params = {"q": query}
        if rng.random() < 0.15:
            params["page"] = "2"
        if rng.random() < 0.10:
            params["kind"] = rng.choice(["qa", "claim"])
        return "search", f"/search?{urlencode(params)}"
    if roll < 0.65:
        return "search.json", f"/search.json?{urlencode({'q': query})}"
    if roll < 0.85:
        typed = query[: rng.randint(1, max(1, min(len(query), 20)))]
        return "suggest.json", f"/suggest.json?{urlencode({'q': typed})}"
    name, entry = rng.choice(work.passages)
    return "source", f"/sources/{quote(name)}?entry={entry}"


# -- the clients and the rebuilder ------------------------------------------------------


def client(server: Server, work: Workload, seed: int, stop: threading.Event,
           budget: list[int], lock: threading.Lock, timeout: float, tally: Tally) -> None:
    """Send requests over one keep-alive connection until ``stop`` or the budget runs out."""
    rng = Random(seed)
    connection = http.client.HTTPConnection(server.host, server.port, timeout=timeout)
    try:
        while not stop.is_set():
            with lock:
                if budget[0] <= 0:
                    return
                budget[0] -= 1
            kind, target = next_request(rng, work)
            started = time.perf_counter()
            try:
                connection.request("GET", target)
                response = connection.getresponse()
                body = response.read()
            except (OSError, http.client.HTTPException) as exc:
                tally.failed(f"{type(exc).__name__}: {exc}", target)
                connection.close()
                connection = http.client.HTTPConnection(server.host, server.port,
                                                        timeout=timeout)
                continue
            if response.status == 200:
                tally.ok(kind, time.perf_counter() - started, target)
                event = expected_event(kind, target)
                if event:
                    tally.events[event] += 1
                if kind == "search.json" and b'"partial": true' in body:
                    tally.partial += 1
            else:
                tally.failed(f"HTTP {response.status}", target)
    finally:
        connection.close()


def rebuild_forever(kb_dir: Path, index_dir: Path, stop: threading.Event,
                    seconds: list[float], failures: list[str]) -> None:
    """Run ``faqkb build --force`` again and again in a child process until ``stop``."""
    command = [sys.executable, "-m", "faqkb", "build", "--force", "--kb", str(kb_dir),
               "--index-dir", str(index_dir)]
    while not stop.is_set():
        started = time.perf_counter()
        result = subprocess.run(command, capture_output=True, text=True, timeout=BUILD_TIMEOUT)
        seconds.append(time.perf_counter() - started)
        if result.returncode != 0:
            failures.append(result.stderr.strip().splitlines()[-1] if result.stderr else
                            f"exit {result.returncode}")


def attacker(server: Server, victim: str, seed: int, stop: threading.Event,
             tally: Tally) -> None:
    """Send attacking requests, one connection each, until ``stop``."""
    rng = Random(seed)
    while not stop.is_set():
        target, host = attack_target(rng, victim)
        answer = attack_request(server.host, server.port, target, host)
        if answer.status in EXPECTED or (answer.status == 308 and host is None):
            tally.ok(f"attack {answer.status}", answer.seconds, target)
            # An answered search records an event like anyone's (an attacker's passage
            # ids are made up: they open nothing).
            kind = {"/search": "search", "/search.json": "search.json"}.get(
                target.split("?")[0])
            event = expected_event(kind, target) if kind and answer.status == 200 else None
            if event:
                tally.events[event] += 1
        else:
            tally.failed(f"HTTP {answer.status}" if answer.status else "no answer",
                         f"{target} Host={host!a}")


def run_phase(name: str, server: Server, work: Workload, args: argparse.Namespace,
              index_dir: Path, rebuild: bool, attacked: bool = False) -> int:
    stop = threading.Event()
    budget, lock = [args.max_requests], threading.Lock()
    tallies = [Tally() for _ in range(args.clients)]
    threads = [threading.Thread(target=client, args=(server, work, args.seed * 1000 + i, stop,
                                                     budget, lock, args.timeout, tallies[i]))
               for i in range(args.clients)]
    builds: list[float] = []
    build_failures: list[str] = []
    rebuilder = threading.Thread(target=rebuild_forever, args=(
        args.kb, index_dir, stop, builds, build_failures))
    attack_tally = Tally()
    attackers = [threading.Thread(target=attacker, args=(
        server, work.passages[0][0], args.seed * 7000 + i, stop, attack_tally))
        for i in range(args.attackers if attacked else 0)]
    events_before = written(index_dir)
    started = time.perf_counter()
    if rebuild:
        rebuilder.start()
    for thread in [*threads, *attackers]:
        thread.start()
    stop.wait(args.seconds)
    stop.set()
    for thread in [*threads, *attackers]:
        thread.join()
    elapsed = time.perf_counter() - started
    if rebuild:
        rebuilder.join()
    total = Tally()
    for tally in tallies:
        total.merge(tally)
    report(name, args.clients, elapsed, total, builds if rebuild else None, build_failures)
    if attackers:
        report(f"{name}, the {len(attackers)} attackers", len(attackers), elapsed,
               attack_tally, None, [])
    missing = check_written(index_dir, events_before, total.events + attack_tally.events) \
        if args.insights else 0
    return (sum(total.failures.values()) + sum(attack_tally.failures.values())
            + len(build_failures) + missing)


def report(name: str, clients: int, elapsed: float, total: Tally, builds: list[float] | None,
           build_failures: list[str]) -> None:
    done = len(total.latencies.times)
    failed = sum(total.failures.values())
    print(f"\n{name}: {clients} clients for {elapsed:.1f} s: {done + failed:,} requests "
          f"({(done + failed) / elapsed:,.0f}/s), failed: {failed}")
    print(f"  latency: {total.latencies.summary()}")
    for kind, latencies in sorted(total.by_kind.items()):
        print(f"  {kind:13} {len(latencies.times):7,}  {latencies.summary()}")
    searched = len(total.by_kind.get("search.json", Latencies()).times)
    print(f"  search.json results marked partial (time budget): {total.partial:,} "
          f"of {searched:,}")
    if builds is not None:
        average = sum(builds) / len(builds) if builds else 0.0
        print(f"  rebuilds: {len(builds)} ({average:.1f} s each), failed: {len(build_failures)}")
        for failure in build_failures[:SHOWN_FAILURES]:
            print(f"  BUILD FAILED {failure}")
    for cause, count in total.failures.most_common():
        print(f"  {count:,} x {cause}")
    for example in total.examples:
        print(f"  FAILED {example[:300]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=Path, default=BUNDLED_KB, help="the knowledge base")
    parser.add_argument("--entries", type=int, default=0,
                        help="generate a knowledge base of about this many entries instead")
    parser.add_argument("--clients", type=int, default=50, help="concurrent clients")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of each phase")
    parser.add_argument("--max-requests", type=int, default=1_000_000,
                        help="most requests per phase")
    parser.add_argument("--threads", type=int, default=4, help="the server's threads")
    parser.add_argument("--timeout", type=float, default=30.0, help="seconds per request")
    parser.add_argument("--documents", type=int, default=0,
                        help="serve a kb of this many small generated documents instead")
    parser.add_argument("--attackers", type=int, default=4,
                        help="attacking connections of the attacked phase")
    parser.add_argument("--phase", choices=["steady", "rebuilding", "attacked", "both", "all"],
                        default="all", help="both: steady and rebuilding; all: every phase")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--insights", action="store_true",
                        help="serve with insights on, and check every event was written")
    args = parser.parse_args()
    failures = 0
    with tempfile.TemporaryDirectory(prefix="faqkb-load-") as scratch:
        generated: list[str] = []
        if args.entries:
            corpus = generate(args.entries, seed=args.seed)
            args.kb = Path(scratch) / "kb"
            write(corpus, args.kb)
            generated = corpus.queries
        elif args.documents:
            args.kb = attack_kb(Path(scratch), None, args.documents, args.seed).folder
        index_dir = Path(scratch) / "index"
        work = workload(args.kb, index_dir, generated)
        print(f"load on {args.kb}: {len(work.queries):,} queries, "
              f"{len(work.passages):,} passages, server threads {args.threads}")
        with served(args.kb, index_dir, threads=args.threads,
                    env={"FAQKB_INSIGHTS": "1"} if args.insights else None) as server:
            if args.phase in {"steady", "both", "all"}:
                failures += run_phase("steady", server, work, args, index_dir, False)
            if args.phase in {"attacked", "all"}:
                failures += run_phase("attacked", server, work, args, index_dir, False, True)
            if args.phase in {"rebuilding", "both", "all"}:
                failures += run_phase("rebuilding", server, work, args, index_dir, True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
