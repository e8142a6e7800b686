"""Running beyond one machine, measured: requests/s through HAProxy with 1, 2 and 3 read-only
replicas, and build time here against a Dask cluster, for the same generated corpus.

    python tests/benchmarks/scale_out.py                      # 10k served, 50k built: minutes
    python tests/benchmarks/scale_out.py --entries 2000 --seconds 10

Needs ``pip install -e ".[bench,dask]"`` (the corpus's word frequencies, and Dask) and
Debian's ``haproxy``. Everything runs on this machine: the replicas on 127.0.0.11-13, HAProxy
on 127.0.0.1, the clients here; traffic goes nowhere else, and each phase stops after
``--seconds`` or when its queries run out.

- **Serving**: the corpus is published (``faqkb build --output``) and served by three
  ``faqkb serve --read-only --workers 1 --threads 1`` replicas (threads of one process
  take turns at searching: more only add switching); HAProxy runs ``deploy/haproxy.cfg``
  with its first N server lines (N = 1, 2, 3), and ``--clients`` client threads in ``--processes``
  processes send each query of the corpus once (no query is asked twice in a run, so no
  answer comes from a result cache), with keep-alive. One row also asks one replica
  directly, without the balancer. Each row gives requests/s, p50/p99 latency, and the
  processor time the replicas, HAProxy and the clients spent per request: the machine is
  shared and has 2 cores, so wall-clock figures say less than the CPU ones.
- **Building**: a corpus of ``--build-entries`` (50,000) built afresh here with ``--jobs``
  1 and 2, and on a Dask LocalCluster of 2 worker processes (started beforehand, as a
  cluster would be: its start-up is given apart): wall time, and CPU time of this process,
  its children and the Dask workers.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from corpus import write_corpus  # noqa: E402
from measure import cpu_seconds, percentiles, tree  # noqa: E402

ROOT = HERE.parents[1]
CONFIG = ROOT / "deploy" / "haproxy.cfg"
REPLICA_HOSTS = ("127.0.0.11", "127.0.0.12", "127.0.0.13")
START_TIMEOUT = 120.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=10_000, help="of the served corpus")
    parser.add_argument("--build-entries", type=int, default=50_000,
                        help="of the corpus built (below about 2 MB of documents a build runs "
                             "in one process, whatever --jobs says)")
    parser.add_argument("--seconds", type=float, default=20.0, help="per serving row")
    parser.add_argument("--processes", type=int, default=2, help="client processes")
    parser.add_argument("--clients", type=int, default=16, help="client threads in all")
    parser.add_argument("--skip-build", action="store_true")
    parser.add_argument("--skip-serve", action="store_true")
    args = parser.parse_args()
    haproxy = shutil.which("haproxy") or "/usr/sbin/haproxy"
    with tempfile.TemporaryDirectory(prefix="faqkb-scale-") as scratch:
        work = Path(scratch)
        started = time.perf_counter()
        queries = write_corpus(work / "kb", args.entries, seed=1, queries=60_000)
        print(f"corpus: about {args.entries:,} entries, {len(queries):,} distinct queries "
              f"({time.perf_counter() - started:.0f} s to write)\n", flush=True)
        if not args.skip_build:
            started = time.perf_counter()
            write_corpus(work / "build" / "kb", args.build_entries, seed=2, queries=10)
            print(f"built corpus: about {args.build_entries:,} entries "
                  f"({time.perf_counter() - started:.0f} s to write)\n", flush=True)
            measure_builds(work / "build")
        if not args.skip_serve:
            measure_serving(work, queries, haproxy, args)


# -- building -------------------------------------------------------------------------


def measure_builds(work: Path) -> None:
    from faqkb import KnowledgeBase
    from faqkb.index.distributed import build_on_dask, dask_client

    print("| build, afresh | wall s | CPU s (all processes) | entries |")
    print("| --- | --- | --- | --- |")
    for jobs in (1, 2):
        kb = KnowledgeBase(work / "kb", work / f"local-{jobs}", auto_build=False)
        with counted() as spent:
            report = kb.build(force=True, jobs=jobs)
        print(f"| here, --jobs {jobs} | {spent.wall:.1f} | {spent.cpu:.1f} | "
              f"{report.entries:,} |", flush=True)
    starting = time.perf_counter()
    with dask_client("local", local_workers=2) as client:
        up = time.perf_counter() - starting
        workers = list(client.run(os.getpid).values())
        with counted(workers) as spent:
            report = build_on_dask(work / "kb", work / "dask", client, force=True)
        print(f"| Dask LocalCluster, 2 workers (+{up:.1f} s to start it) | {spent.wall:.1f} | "
              f"{spent.cpu:.1f} | {report.entries:,} |\n", flush=True)


class Spent:
    wall = 0.0
    cpu = 0.0


@contextmanager
def counted(others: Sequence[int] = ()) -> Iterator[Spent]:
    """Wall time, and CPU time of this process, its reaped children and ``others``'
    process trees, over the block."""
    spent = Spent()

    def cpu() -> float:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        pids = [p for pid in others for p in tree(pid)]
        return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime \
            + cpu_seconds(pids)

    wall, before = time.perf_counter(), cpu()
    yield spent
    spent.wall, spent.cpu = time.perf_counter() - wall, cpu() - before


# -- serving --------------------------------------------------------------------------


def measure_serving(work: Path, queries: list[str], haproxy: str,
                    args: argparse.Namespace) -> None:
    from click.testing import CliRunner

    from faqkb.cli import cli

    published = work / "published"
    result = CliRunner().invoke(cli, ["build", "--kb", str(work / "kb"), "--index-dir",
                                      str(work / "work"), "--output", str(published)])
    assert result.exit_code == 0, result.output
    replicas = [start_replica(published, host) for host in REPLICA_HOSTS]
    try:
        print(f"| served, {args.clients} clients, unique queries | req/s | p50 ms | p99 ms | "
              "replicas' CPU ms/req | HAProxy's | clients' | failed |")
        print("| --- | --- | --- | --- | --- | --- | --- | --- |")
        remaining = list(queries)
        direct = replicas[0][1]
        remaining = row("1 replica, no balancer", direct, [replicas[0][0].pid], None, remaining,
                        args)
        for count in (1, 2, 3):
            with balancer(haproxy, [address for _, address in replicas[:count]]) as (pid, port):
                remaining = row(f"HAProxy, {count} replica{'s' if count > 1 else ''}",
                                f"127.0.0.1:{port}", [p.pid for p, _ in replicas[:count]],
                                pid, remaining, args)
    finally:
        for process, _ in replicas:
            process.terminate()
            process.wait(timeout=10)


def start_replica(published: Path, host: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-m", "faqkb", "serve", "--read-only", "--index-dir", str(published),
         "--host", host, "--port", "0", "--workers", "1", "--threads", "1"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    deadline = time.monotonic() + START_TIMEOUT
    for line in process.stdout:
        found = re.search(r"Listening on http://(\S+)/", line)
        if found:
            threading.Thread(target=lambda: [None for _ in process.stdout],  # type: ignore[union-attr]
                             daemon=True).start()
            address = found.group(1)
            wait_healthy(address, deadline)
            return process, address
        if time.monotonic() > deadline:
            break
    process.kill()
    raise SystemExit(f"replica on {host} did not start")


def wait_healthy(address: str, deadline: float) -> None:
    host, _, port = address.rpartition(":")
    pause = threading.Event()
    while time.monotonic() < deadline:
        try:
            connection = http.client.HTTPConnection(host, int(port), timeout=5)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                connection.close()
                # Warm up: the first search of a process reads the generation's arrays.
                connection = http.client.HTTPConnection(host, int(port), timeout=30)
                connection.request("GET", "/search.json?q=warm+up")
                connection.getresponse().read()
                connection.close()
                return
            connection.close()
        except OSError:
            pass
        pause.wait(0.2)
    raise SystemExit(f"{address} never became healthy")


@contextmanager
def balancer(haproxy: str, addresses: list[str]) -> Iterator[tuple[int, int]]:
    """HAProxy with deploy/haproxy.cfg, its server lines cut to ``addresses``."""
    port = free_port()
    lines = CONFIG.read_text(encoding="utf-8").splitlines()
    kept = [line for line in lines if not re.match(r"\s+server replica(\d)", line)
            or int(re.match(r"\s+server replica(\d)", line).group(1)) <= len(addresses)]  # type: ignore[union-attr]
    with tempfile.NamedTemporaryFile("w", suffix=".cfg", delete=False) as config:
        config.write("\n".join(kept) + "\n")
    env = {**os.environ, "FAQKB_LISTEN": f"127.0.0.1:{port}"}
    for number, address in enumerate(addresses, 1):
        env[f"FAQKB_REPLICA_{number}"] = address
    process = subprocess.Popen([haproxy, "-f", config.name, "-db", "-q"], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(f"127.0.0.1:{port}", time.monotonic() + 30)
        yield process.pid, port
    finally:
        process.terminate()
        process.wait(timeout=10)
        os.unlink(config.name)


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def row(label: str, address: str, replica_pids: list[int], haproxy_pid: int | None,
        queries: list[str], args: argparse.Namespace) -> list[str]:
    """Run one serving row; print it; return the queries not yet asked."""
    per_process = args.clients // args.processes
    budget = len(queries) // 2  # leave queries for the rows after this one
    shares = [queries[i:budget:args.processes] for i in range(args.processes)]
    servers = [p for pid in replica_pids for p in tree(pid)]
    before = cpu_seconds(servers), cpu_seconds([haproxy_pid] if haproxy_pid else [])
    context = multiprocessing.get_context("spawn")
    with context.Pool(args.processes) as pool:
        started = time.perf_counter()
        results = pool.starmap(client_process, [(address, share, per_process, args.seconds)
                                                for share in shares])
        wall = time.perf_counter() - started
    servers_cpu = cpu_seconds(servers) - before[0]
    haproxy_cpu = cpu_seconds([haproxy_pid] if haproxy_pid else []) - before[1]
    times = [t for result in results for t in result[0]]
    failed = sum(result[1] for result in results)
    clients_cpu = sum(result[2] for result in results)
    done = len(times) + failed
    p50, p99 = percentiles(times)
    print(f"| {label} | {len(times) / wall:,.0f} | {p50:.1f} | {p99:.1f} | "
          f"{1000 * servers_cpu / max(done, 1):.2f} | "
          f"{1000 * haproxy_cpu / max(done, 1):.2f} | {1000 * clients_cpu / max(done, 1):.2f} | "
          f"{failed} |", flush=True)
    asked = sum(len(result[0]) + result[1] for result in results)
    return queries[budget:] if asked <= budget else queries[asked:]


def client_process(address: str, queries: list[str], threads: int,
                   seconds: float) -> tuple[list[float], int, float]:
    """(In a process.) Ask each query once from ``threads`` threads for at most
    ``seconds``; the latencies, the failures, and this process's CPU time."""
    host, _, port = address.rpartition(":")
    lock = threading.Lock()
    pending = iter(queries)
    times: list[float] = []
    failures = [0]
    deadline = time.monotonic() + seconds

    def run() -> None:
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        while time.monotonic() < deadline:
            with lock:
                query = next(pending, None)
            if query is None:
                break
            started = time.perf_counter()
            try:
                connection.request("GET", "/search.json?q=" + quote(query))
                response = connection.getresponse()
                response.read()
                ok = response.status == 200
            except (OSError, http.client.HTTPException):
                connection.close()
                connection = http.client.HTTPConnection(host, int(port), timeout=30)
                ok = False
            with lock:
                if ok:
                    times.append(time.perf_counter() - started)
                else:
                    failures[0] += 1
        connection.close()

    workers = [threading.Thread(target=run) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return times, failures[0], time.process_time()


if __name__ == "__main__":
    main()
