"""`faqkb serve`: builds the index, says where it listens, serves with waitress."""

from __future__ import annotations

import gc
import http.client
import logging
import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from urllib.request import urlopen

import pytest
from click.testing import CliRunner
from flask import Flask

from faqkb import FaqkbError, IndexBuildError
from faqkb.cli import DEFAULT_THREADS, cli
from faqkb.index import storage


class FakeServer:
    """Stands in for a waitress server: records how it was made, returns from run()."""

    made: dict[str, Any] = {}

    def __init__(self, app: Flask, **options: Any) -> None:
        FakeServer.made = {"app": app, **options}
        self.effective_host = options["host"]
        self.effective_port = options["port"]

    def run(self) -> None:
        return None


@pytest.fixture
def fake_waitress(monkeypatch: pytest.MonkeyPatch) -> type[FakeServer]:
    monkeypatch.setattr("waitress.create_server", FakeServer)
    monkeypatch.setenv("FAQKB_WORKERS", "1")  # a fake server has no socket to share
    return FakeServer


@pytest.fixture
def server(serve: Callable[..., Any], kb_dir: Path, tmp_path: Path) -> Any:
    return serve("--kb", str(kb_dir), "--index-dir", str(tmp_path / "index"))


def test_serve_builds_the_index_and_says_where_it_listens(server: Any,
                                                          tmp_path: Path) -> None:
    assert storage.current_generation(tmp_path / "index") is not None
    assert urlsplit(server.url).hostname == "127.0.0.1"
    with urlopen(server.url + "search?q=towel") as response:
        assert response.status == 200
        assert response.headers["Server"] == "faqkb"
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        assert "What should I wear" in response.read().decode("utf-8")


def test_the_real_server_refuses_paths_out_of_the_knowledge_base(server: Any) -> None:
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    try:
        connection.request("GET", "/sources/../../../../etc/passwd")
        response = connection.getresponse()
        body = response.read().decode("utf-8")
    finally:
        connection.close()
    assert response.status == 404
    assert "root:" not in body


def test_serve_defaults_to_loopback_port_8000_without_debug(
        runner: CliRunner, kb_dir: Path, tmp_path: Path, fake_waitress: type[FakeServer]) -> None:
    result = runner.invoke(cli, ["serve", "--kb", str(kb_dir),
                                 "--index-dir", str(tmp_path / "index")])
    assert result.exit_code == 0, result.output
    made = fake_waitress.made
    assert (made["host"], made["port"], made["threads"]) == ("127.0.0.1", 8000, DEFAULT_THREADS)
    assert made["app"].debug is False
    assert "Listening on http://127.0.0.1:8000/" in result.output


def test_serve_takes_host_port_and_threads_from_the_environment(
        runner: CliRunner, kb_dir: Path, tmp_path: Path, fake_waitress: type[FakeServer]) -> None:
    env = {"FAQKB_HOST": "::1", "FAQKB_PORT": "8123", "FAQKB_THREADS": "2",
           "FAQKB_KB_DIR": str(kb_dir), "FAQKB_INDEX_DIR": str(tmp_path / "index")}
    result = runner.invoke(cli, ["serve"], env=env)
    assert result.exit_code == 0, result.output
    made = fake_waitress.made
    assert (made["host"], made["port"], made["threads"]) == ("::1", 8123, 2)
    assert "Listening on http://[::1]:8123/" in result.output


# waitress leaves the socket and wake-up pipe of a server that failed to bind open: the
# command exits right after, but this process goes on, so collect them here.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_port_in_use_is_a_clear_error(runner: CliRunner, kb_dir: Path,
                                        tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = runner.invoke(cli, ["serve", "--kb", str(kb_dir), "--port", str(port),
                                     "--index-dir", str(tmp_path / "index")])
    gc.collect()
    assert result.exit_code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.output


def test_serve_answers_from_the_index_it_has_when_it_cannot_rebuild_it(
        runner: CliRunner, kb_dir: Path, tmp_path: Path, fake_waitress: type[FakeServer],
        monkeypatch: pytest.MonkeyPatch) -> None:
    index = ["--kb", str(kb_dir), "--index-dir", str(tmp_path / "index")]
    assert runner.invoke(cli, ["build", *index]).exit_code == 0
    (kb_dir / "new.txt").write_text("News\n\nWhat is new?\n\nNothing much.\n", encoding="utf-8")

    def read_only(*args: object, **kwargs: object) -> None:
        raise IndexBuildError("cannot create /srv/index/gen-2: Read-only file system")

    monkeypatch.setattr("faqkb.index.keeper.build_generation", read_only)
    result = runner.invoke(cli, ["serve", *index])
    assert result.exit_code == 0, result.output
    assert "Read-only file system; serving the index as it is" in result.output
    assert "Serving 2 documents" in result.output
    assert "Listening on http://127.0.0.1:8000/" in result.output


def test_serve_without_any_index_it_can_build_is_a_clear_error(
        runner: CliRunner, kb_dir: Path, tmp_path: Path, fake_waitress: type[FakeServer],
        monkeypatch: pytest.MonkeyPatch) -> None:
    def read_only(*args: object, **kwargs: object) -> None:
        raise IndexBuildError("cannot create /srv/index/gen-1: Read-only file system")

    monkeypatch.setattr("faqkb.index.keeper.build_generation", read_only)
    result = runner.invoke(cli, ["serve", "--kb", str(kb_dir),
                                 "--index-dir", str(tmp_path / "index")])
    assert result.exit_code == 1
    assert "Read-only file system" in result.output and "Listening" not in result.output


def test_a_missing_knowledge_base_is_a_clear_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["serve", "--kb", str(tmp_path / "gone")])
    assert result.exit_code == 1
    assert "knowledge-base folder not found" in result.output


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        found |= {int(child) for child in (task / "children").read_text().split()}
    return found


@pytest.mark.skipif(not Path("/proc/self/task").is_dir() or not hasattr(os, "fork"),
                    reason="needs fork and /proc to see the worker processes")
def test_several_worker_processes_serve_and_stop_together(serve: Callable[..., Any],
                                                          kb_dir: Path, tmp_path: Path) -> None:
    server = serve("--kb", str(kb_dir), "--index-dir", str(tmp_path / "index"),
                   "--workers", "3")
    for _ in range(6):
        with urlopen(server.url + "search.json?q=towel") as response:
            assert response.status == 200
    workers = _children(server.process.pid)
    assert len(workers) >= 3
    server.process.terminate()
    server.process.wait(timeout=10)
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes need fork")
def test_the_server_says_it_listens_once_every_worker_is_ready_to_serve(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # Were a worker still starting when clients are told to connect, the first one ready
    # would take every connection, and keep-alive clients would stay with it.
    import signal

    import waitress

    from faqkb.web import workers

    def make_app() -> Flask:
        time.sleep(0.5)  # opening a large index takes a while
        (tmp_path / str(os.getpid())).touch()
        return Flask(__name__)

    ready: list[list[str]] = []

    def on_ready() -> None:
        ready.append(sorted(p.name for p in tmp_path.iterdir()))
        os.kill(os.getpid(), signal.SIGTERM)  # stop run_workers

    server = waitress.create_server(Flask(__name__), host="127.0.0.1", port=0)
    workers.run_workers(server, make_app, 3, 1, on_ready=on_ready)
    assert len(ready) == 1 and len(ready[0]) == 3


@pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes need fork")
def test_workers_that_keep_failing_to_start_stop_the_server_with_a_clear_error(
        monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    import waitress

    from faqkb.web import workers

    def broken_app() -> Flask:
        raise RuntimeError("no knowledge base here")

    forked: list[int] = []
    real_fork = workers._fork
    monkeypatch.setattr(workers, "_fork", lambda *args: forked.append(real_fork(*args))
                        or forked[-1])
    monkeypatch.setattr(workers, "START_FAILURES", 3)
    server = waitress.create_server(Flask(__name__), host="127.0.0.1", port=0)
    with pytest.raises(FaqkbError, match="keep failing as they start"):
        workers.run_workers(server, broken_app, 2, 1)
    assert "RuntimeError: no knowledge base here" in capfd.readouterr().err
    assert len(forked) >= 3
    for pid in forked:  # every worker is gone and was waited for (a zombie would answer)
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="worker processes need fork")
def test_workers_serving_keep_the_server_up_while_a_replacement_fails_to_start(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import signal
    import threading

    import waitress

    from faqkb.web import workers

    broken = tmp_path / "broken"

    def make_app() -> Flask:
        if broken.exists():
            raise OSError(24, "Too many open files")
        app = Flask(__name__)
        app.add_url_rule("/", "pid", lambda: str(os.getpid()))
        return app

    monkeypatch.setattr(workers, "START_SECONDS", 0.5)
    monkeypatch.setattr(workers, "START_FAILURES", 3)
    monkeypatch.setattr(workers, "MAX_BACKOFF", 0.1)
    server = waitress.create_server(Flask(__name__), host="127.0.0.1", port=0)
    url = f"http://127.0.0.1:{server.effective_port}/"
    answers: list[str] = []

    def trouble() -> None:
        try:
            time.sleep(1.5)  # the workers serve
            broken.touch()  # then replacements cannot start...
            with urlopen(url, timeout=10) as response:
                os.kill(int(response.read()), signal.SIGKILL)  # ...and one worker dies
            time.sleep(2.0)  # many failed starts meanwhile
            with urlopen(url, timeout=10) as response:
                answers.append(response.read().decode())
        finally:
            os.kill(os.getpid(), signal.SIGTERM)  # stop run_workers

    helper = threading.Thread(target=trouble)
    helper.start()
    workers.run_workers(server, make_app, 2, 1)  # returns on SIGTERM, without giving up
    helper.join()
    assert len(answers) == 1 and answers[0].isdigit()


def test_a_request_waiting_for_a_thread_is_not_reported(
        caplog: pytest.LogCaptureFixture) -> None:
    from waitress.task import ThreadedTaskDispatcher

    from faqkb.web.server import quiet_queue_warnings

    quiet_queue_warnings()
    dispatcher = ThreadedTaskDispatcher()  # no threads: every task waits
    with caplog.at_level(logging.WARNING, logger="waitress.queue"):
        dispatcher.add_task(object())
    assert "queue depth" not in caplog.text


def test_a_deep_queue_is_still_reported(caplog: pytest.LogCaptureFixture,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from waitress.task import ThreadedTaskDispatcher

    from faqkb.web import server
    from faqkb.web.server import QUEUE_WARNING_DEPTH, quiet_queue_warnings

    monkeypatch.setattr(server._queue_filter, "_last", float("-inf"))  # none reported yet
    quiet_queue_warnings()
    dispatcher = ThreadedTaskDispatcher()
    with caplog.at_level(logging.WARNING, logger="waitress.queue"):
        for _ in range(QUEUE_WARNING_DEPTH + 1):
            dispatcher.add_task(object())
    assert f"Task queue depth is {QUEUE_WARNING_DEPTH}" in caplog.text


def test_the_parent_keeps_what_it_holds_out_of_the_workers_collections(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # Frozen objects are never written by a collection, so forked workers keep sharing
    # their pages with the parent instead of each copying them.
    from faqkb.web import workers

    monkeypatch.setattr(workers.os, "fork", lambda: 12345)  # this side is the parent
    gc.unfreeze()
    try:
        assert workers._fork([], lambda: None, 1, None) == 12345
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
