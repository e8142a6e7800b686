"""/healthz for load balancers, the generation each answer came from, request logs in the
Combined Log Format, and `faqkb serve --read-only`."""

from __future__ import annotations

import http.client
import re
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from conftest import Server
from faqkb.cli import cli
from faqkb.index import storage
from faqkb.web import create_app

WIDGET = "What colour is the widget?\n\nThe widget is painted blue at the factory.\n"
COMBINED = re.compile(r'^(\S+) - - \[(\d\d/\w{3}/\d{4}:\d\d:\d\d:\d\d [+-]\d{4})\] '
                      r'"([^"\\]*(?:\\.[^"\\]*)*)" (\d{3}) (\d+|-) '
                      r'"([^"\\]*(?:\\.[^"\\]*)*)" "([^"\\]*(?:\\.[^"\\]*)*)"$')


class FakeServer:
    """Stands in for a waitress server: records the app it was given, returns from run()."""

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


def publish(tmp_path: Path, answer: str = WIDGET) -> Path:
    kb_dir = tmp_path / "kb"
    kb_dir.mkdir(exist_ok=True)
    (kb_dir / "widget.txt").write_text(answer, encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--kb", str(kb_dir), "--index-dir",
                                      str(tmp_path / "work"), "--output",
                                      str(tmp_path / "published")])
    assert result.exit_code == 0, result.output
    return tmp_path / "published"


@pytest.fixture
def replica_app(tmp_path: Path) -> Iterator[Flask]:
    """The web app of a read-only replica of tmp_path/published (nothing published yet)."""
    application = create_app({"TESTING": True, "FAQKB_KB_DIR": tmp_path / "no-kb",
                              "FAQKB_INDEX_DIR": tmp_path / "published",
                              "FAQKB_READ_ONLY": True, "FAQKB_CHECK_INTERVAL": 0})
    yield application
    application.extensions["faqkb"].close()


@pytest.fixture
def logged(kb_dir: Path, tmp_path: Path) -> Iterator[tuple[FlaskClient, Path]]:
    """A test client of an app that logs requests to tmp_path/access.log, and the log."""
    log = tmp_path / "access.log"
    application = create_app({"TESTING": True, "FAQKB_KB_DIR": kb_dir,
                              "FAQKB_INDEX_DIR": tmp_path / "index",
                              "FAQKB_ACCESS_LOG": str(log)})
    yield application.test_client(), log
    application.extensions["faqkb"].close()


def test_healthz_is_ok_with_the_generation_served(client: FlaskClient, app: Flask) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "generation": app.extensions["faqkb"].version,
                             "published": None, "read_only": False}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_is_unavailable_until_an_index_is_published(replica_app: Flask) -> None:
    response = replica_app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json is not None
    assert response.json["status"] == "unavailable"
    assert "faqkb build --output" in response.json["error"]
    assert response.headers["Retry-After"]


def test_healthz_names_the_published_generation_and_its_digest(
        replica_app: Flask, tmp_path: Path) -> None:
    published = publish(tmp_path)
    response = replica_app.test_client().get("/healthz")
    generation = storage.current_generation(published)
    assert generation is not None
    assert response.status_code == 200
    assert response.json is not None
    assert response.json["generation"] == generation.name
    assert len(response.json["published"]) == 16
    assert response.json["read_only"] is True


def test_a_replica_serves_pages_from_what_was_published(replica_app: Flask,
                                                        tmp_path: Path) -> None:
    publish(tmp_path)
    response = replica_app.test_client().get("/search.json?q=widget")
    assert response.status_code == 200
    assert response.json is not None
    assert "blue" in response.json["hits"][0]["text"]


def test_an_answer_names_the_generation_it_came_from(client: FlaskClient, app: Flask) -> None:
    response = client.get("/search?q=towel")
    assert response.headers["Faqkb-Generation"] == app.extensions["faqkb"].version


def test_a_static_file_uses_no_index_and_names_no_generation(client: FlaskClient) -> None:
    response = client.get("/static/style.css")
    response.close()
    assert response.status_code == 200
    assert "Faqkb-Generation" not in response.headers


def test_each_request_is_logged_in_the_combined_log_format(
        logged: tuple[FlaskClient, Path]) -> None:
    client, log = logged
    client.get("/search?q=towel", headers={"User-Agent": "probe/1.0",
                                           "Referer": "http://localhost/"}).close()
    line = log.read_text(encoding="utf-8").splitlines()[-1]
    found = COMBINED.match(line)
    assert found is not None, line
    address, _, request, status, sent, referer, agent = found.groups()
    assert (request, status, referer, agent) == (
        "GET /search?q=towel HTTP/1.1", "200", "http://localhost/", "probe/1.0")
    assert int(sent) > 0


@pytest.mark.parametrize("name", ["token", "%74oken", "TOKEN"])
def test_the_insights_token_is_never_written_to_the_log(logged: tuple[FlaskClient, Path],
                                                        name: str) -> None:
    client, log = logged
    client.get(f"/insights?a=1&{name}=s3cret&b=2", headers={
        "Referer": "http://localhost/insights?token=s3cret#top"}).close()
    line = log.read_text(encoding="utf-8").splitlines()[-1]
    assert "s3cret" not in line
    assert f"/insights?a=1&{name}=-&b=2 " in line
    assert '"http://localhost/insights?token=-#top"' in line


def test_a_logged_field_cannot_forge_a_line(logged: tuple[FlaskClient, Path]) -> None:
    client, log = logged
    client.get("/", headers={"User-Agent": 'evil" 200 1 "-" "x\tnext'}).close()
    lines = log.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 1
    assert COMBINED.match(lines[0]) is not None
    assert lines[0].endswith('"evil\\" 200 1 \\"-\\" \\"x\\x09next"')


def test_successful_health_checks_are_not_logged(logged: tuple[FlaskClient, Path]) -> None:
    client, log = logged
    client.get("/healthz").close()
    client.get("/sources/no-such-document").close()
    lines = log.read_text(encoding="utf-8").splitlines()
    assert [line.split('"')[1] for line in lines] == ["GET /sources/no-such-document HTTP/1.1"]
    assert " 404 " in lines[0]


def test_an_access_log_that_cannot_be_opened_is_a_clear_error(
        runner: CliRunner, kb_dir: Path, tmp_path: Path, fake_waitress: type[FakeServer]) -> None:
    result = runner.invoke(cli, ["serve", "--kb", str(kb_dir), "--index-dir",
                                 str(tmp_path / "index"), "--access-log",
                                 str(tmp_path / "no-such-folder" / "access.log")])
    assert result.exit_code == 1
    assert "cannot open the access log" in result.output


def test_serve_read_only_starts_before_anything_is_published_and_builds_nothing(
        runner: CliRunner, tmp_path: Path, fake_waitress: type[FakeServer]) -> None:
    result = runner.invoke(cli, ["serve", "--read-only", "--index-dir",
                                 str(tmp_path / "published")])
    assert result.exit_code == 0, result.output
    assert "no index published" in result.output
    assert "Listening on" in result.output
    assert storage.current_generation(tmp_path / "published") is None


def test_serve_read_only_says_what_it_serves(runner: CliRunner, tmp_path: Path,
                                             fake_waitress: type[FakeServer]) -> None:
    published = publish(tmp_path)
    result = runner.invoke(cli, ["serve", "--read-only", "--index-dir", str(published)])
    assert result.exit_code == 0, result.output
    assert f"from {published} (read-only)" in result.output
    assert fake_waitress.made["app"].config["FAQKB_READ_ONLY"] is True


def test_serve_read_only_needs_an_insights_database_elsewhere(
        runner: CliRunner, tmp_path: Path, fake_waitress: type[FakeServer]) -> None:
    result = runner.invoke(cli, ["serve", "--read-only", "--insights", "--index-dir",
                                 str(tmp_path / "published")])
    assert result.exit_code == 2
    assert "--insights-db" in result.output


def test_healthz_says_draining_once_the_server_is_stopping(
        client: FlaskClient, monkeypatch: pytest.MonkeyPatch) -> None:
    stopping = threading.Event()
    stopping.set()
    monkeypatch.setattr("faqkb.web.health.DRAINING", stopping)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "draining", "read_only": False}


@pytest.mark.parametrize("workers", ["1", "2"])
def test_sigterm_closes_idle_connections_and_stops_cleanly(
        serve: Callable[..., Server], kb_dir: Path, tmp_path: Path, workers: str) -> None:
    server = serve("--kb", str(kb_dir), "--index-dir", str(tmp_path / "index"),
                   "--workers", workers)
    address = urlsplit(server.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=30)
    connection.request("GET", "/search.json?q=towel")
    assert connection.getresponse().read()  # now an idle, kept-alive connection
    server.process.send_signal(signal.SIGTERM)
    assert server.process.wait(timeout=60) == 0
    assert connection.sock is not None
    assert connection.sock.recv(1) == b""  # closed by the server, not left hanging
    connection.close()


def test_a_response_goes_out_in_one_write_so_a_crash_leaves_all_of_it_or_none() -> None:
    from faqkb.web.server import _OneWriteTask

    class Channel:
        def __init__(self) -> None:
            self.written: list[bytes] = []

        def write_soon(self, data: bytes) -> None:
            self.written.append(data)

    class Request:
        version = "1.1"

    channel = Channel()
    task = _OneWriteTask(channel, Request())
    task.complete, task.content_length = True, 4
    task.build_response_header = lambda: b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n"
    task.write(b"body")
    assert channel.written == [b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nbody"]
