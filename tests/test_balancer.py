"""HAProxy with deploy/haproxy.cfg in front of three read-only replicas on loopback: under
load, a new generation is published, a replica is killed (SIGKILL) and another stopped
(SIGTERM), and no request fails.

Needs HAProxy (``apt-get install haproxy``): skipped without it, unless
``FAQKB_REQUIRE_HAPROXY=1`` (set by ``.ci/run``, which installs it) makes that a failure.
Traffic goes only to 127.0.0.0/8; the load is bounded in requests and in time.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from conftest import ROOT, Server, start_server, stop_server
from faqkb.cli import cli
from faqkb.index import storage

HAPROXY = shutil.which("haproxy") or "/usr/sbin/haproxy"
CONFIG = ROOT / "deploy" / "haproxy.cfg"
REPLICA_HOSTS = ("127.0.0.11", "127.0.0.12", "127.0.0.13")
CLIENTS = 6
MAX_REQUESTS = 1500  # in all, whatever happens
MAX_SECONDS = 120.0
PHASE_REQUESTS = 150  # answered before publishing, after the switch; twice that after the kill
COLOURS = {"first": "blue", "second": "green"}


@dataclass(frozen=True)
class Answer:
    started: float
    status: int
    generation: str
    colours: frozenset[str]
    sources: int


def write_generation(kb_dir: Path, colour: str, documents: int) -> None:
    shutil.rmtree(kb_dir, ignore_errors=True)
    kb_dir.mkdir()
    for number in range(documents):
        (kb_dir / f"widget-{number}.txt").write_text(
            f"Widget {number}\n\nWhat colour is widget {number}?\n\n"
            f"Widget {number} is painted {colour} at the factory.\n", encoding="utf-8")


def publish(kb_dir: Path, work: Path, output: Path) -> str:
    result = CliRunner().invoke(cli, ["build", "--kb", str(kb_dir), "--index-dir", str(work),
                                      "--output", str(output), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    generation = storage.current_generation(output)
    assert generation is not None
    return generation.name


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def get(host: str, port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    connection = http.client.HTTPConnection(host, port, timeout=10)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def wait_until(condition: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    pause = threading.Event()
    while not condition():  # type: ignore[operator]
        if time.monotonic() > deadline:
            raise AssertionError(f"not {what} within {seconds} s")
        pause.wait(0.2)


def healthz_generation(server: Server) -> str | None:
    address = urlsplit(server.url)
    try:
        status, _, body = get(address.hostname or "", address.port or 80, "/healthz")
    except OSError:
        return None
    return json.loads(body).get("generation") if status == 200 else None


@pytest.fixture
def haproxy_binary() -> str:
    if Path(HAPROXY).is_file():
        return HAPROXY
    if os.environ.get("FAQKB_REQUIRE_HAPROXY") == "1":
        pytest.fail("the load-balancer test is required (FAQKB_REQUIRE_HAPROXY=1) but "
                    "there is no haproxy (apt-get install haproxy)")
    pytest.skip("no haproxy (apt-get install haproxy)")


@pytest.fixture
def replicas(tmp_path: Path) -> Iterator[list[Server]]:
    """Three `faqkb serve --read-only` replicas of tmp_path/published, on loopback."""
    published = tmp_path / "published"
    args = ["--read-only", "--index-dir", str(published), "--workers", "1", "--threads", "4"]
    with ThreadPoolExecutor(len(REPLICA_HOSTS)) as pool:
        started = list(pool.map(lambda host: start_server(*args, "--host", host),
                                REPLICA_HOSTS))
    yield started
    for server in started:
        stop_server(server)


@pytest.fixture
def balancer(haproxy_binary: str, replicas: list[Server],
             tmp_path: Path) -> Iterator[int]:
    """HAProxy with deploy/haproxy.cfg in front of the replicas; yields its port."""
    port = free_port()
    env = {**os.environ, "FAQKB_LISTEN": f"127.0.0.1:{port}"}
    for number, server in enumerate(replicas, 1):
        env[f"FAQKB_REPLICA_{number}"] = urlsplit(server.url).netloc
    log = (tmp_path / "haproxy.log").open("w")
    process = subprocess.Popen([haproxy_binary, "-f", str(CONFIG), "-db"], env=env,
                               stdout=log, stderr=subprocess.STDOUT)
    try:
        yield port
    finally:
        process.send_signal(signal.SIGUSR1)  # stop gracefully
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def test_no_request_fails_while_a_generation_is_published_and_replicas_go(
        tmp_path: Path, replicas: list[Server], balancer: int) -> None:
    kb_dir, work, published = tmp_path / "kb", tmp_path / "work", tmp_path / "published"
    write_generation(kb_dir, COLOURS["first"], documents=3)
    first = publish(kb_dir, work, published)
    wait_until(lambda: all(healthz_generation(r) == first for r in replicas), 30,
               "every replica serving the first generation")
    wait_until(lambda: _status(balancer) == 200, 30, "the balancer routing requests")

    answers: list[Answer] = []
    failures: list[str] = []
    progress = threading.Condition()
    stop = threading.Event()
    deadline = time.monotonic() + MAX_SECONDS

    def client() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", balancer, timeout=15)
        while not stop.is_set() and time.monotonic() < deadline:
            with progress:
                if len(answers) + len(failures) >= MAX_REQUESTS:
                    break
            started = time.monotonic()
            try:
                connection.request("GET", "/search.json?q=what+colour+is+the+widget")
                response = connection.getresponse()
                body = response.read()
                answer = _answer(started, response.status,
                                 response.getheader("Faqkb-Generation") or "", body)
            except (OSError, http.client.HTTPException, ValueError) as exc:
                connection.close()
                connection = http.client.HTTPConnection("127.0.0.1", balancer, timeout=15)
                with progress:
                    failures.append(f"{type(exc).__name__}: {exc}")
                    progress.notify_all()
                continue
            with progress:
                if answer.status == 200:
                    answers.append(answer)
                else:
                    failures.append(f"{answer.status} from {answer.generation or '?'}")
                progress.notify_all()
        connection.close()

    def answered_at_least(count: int) -> None:
        with progress:
            assert progress.wait_for(lambda: len(answers) + len(failures) >= count
                                     or time.monotonic() > deadline, timeout=MAX_SECONDS)

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    for thread in threads:
        thread.start()
    try:
        answered_at_least(PHASE_REQUESTS)
        write_generation(kb_dir, COLOURS["second"], documents=4)
        second = publish(kb_dir, work, published)
        wait_until(lambda: all(healthz_generation(r) == second for r in replicas), 30,
                   "every replica serving the second generation")
        switched = time.monotonic()
        answered_at_least(len(answers) + PHASE_REQUESTS)
        replicas[1].process.kill()  # a crash: what it was answering is retried elsewhere
        answered_at_least(len(answers) + 2 * PHASE_REQUESTS)  # the balancer notices
        replicas[0].process.terminate()  # a stop: it finishes its answers first
        answered_at_least(len(answers) + PHASE_REQUESTS)
        assert replicas[0].process.wait(timeout=30) == 0
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)

    assert failures == []
    generations = {first: ("first", 3), second: ("second", 4)}
    for answer in answers:
        name, documents = generations[answer.generation]
        assert answer.colours == {COLOURS[name]}
        assert answer.sources == documents
    assert {a.generation for a in answers} == {first, second}
    assert {a.generation for a in answers if a.started > switched} == {second}
    assert len(answers) >= 5 * PHASE_REQUESTS


def _status(port: int) -> int:
    try:
        return get("127.0.0.1", port, "/healthz")[0]
    except OSError:
        return 0


def _answer(started: float, status: int, generation: str, body: bytes) -> Answer:
    if status != 200:
        return Answer(started, status, generation, frozenset(), 0)
    data = json.loads(body)
    colours = frozenset(colour for hit in data["hits"] for colour in COLOURS.values()
                        if colour in hit["text"])
    return Answer(started, status, generation, colours, len(data["source_counts"]))
