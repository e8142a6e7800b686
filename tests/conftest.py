"""Shared fixtures: a small made-up knowledge base in ``tmp_path``, the bundled ``kb/``,
a KnowledgeBase on each, a CLI runner, the web app with its test client, a live
``faqkb serve``, and headless Chromium for the browser tests. No test touches the user's
real cache."""

from __future__ import annotations

import os
import queue
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from faqkb import KnowledgeBase
from faqkb.web import create_app

ROOT = Path(__file__).resolve().parent.parent
BUNDLED_KB = ROOT / "kb"

CLINIC_FAQ = """\
Stretching Clinic FAQ

What should I wear to my first session?

Wear loose clothing that lets you move freely. Bring a water bottle and a towel.

How long does a session last?

A standard session lasts fifty minutes, including a short warm-up.

Do I need a referral from my doctor?

No referral is needed for a first visit. Your insurer may still ask for one before it pays.
"""

HAMSTRING_ARTICLE = """\
Why Do Hamstrings Get Tight

Tight hamstrings are common in people who sit for most of the day. Sitting keeps the \
muscles shortened for hours.

Gentle Stretches

  • Standing toe reach: Stand tall and reach toward your toes without bouncing. Hold for \
twenty seconds.
  • Doorway stretch: Lie on your back in a doorway and rest one leg up the wall.

In conclusion, daily gentle stretching and less sitting keep hamstrings supple.

Join Our Newsletter

Signup to get the latest news, best deals and exclusive offers. No spam.
"""


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory,
                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every index of every test out of the user's cache."""
    monkeypatch.setenv("FAQKB_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.delenv("FAQKB_INDEX_DIR", raising=False)
    monkeypatch.delenv("FAQKB_KB_DIR", raising=False)


@pytest.fixture
def kb_dir(tmp_path: Path) -> Path:
    """A knowledge-base folder with two small made-up documents."""
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "clinic-faq.txt").write_text(CLINIC_FAQ, encoding="utf-8")
    (folder / "hamstrings.txt").write_text(HAMSTRING_ARTICLE, encoding="utf-8")
    return folder


@pytest.fixture
def kb(kb_dir: Path, tmp_path: Path) -> Iterator[KnowledgeBase]:
    """A KnowledgeBase over ``kb_dir`` that checks for changes on every search."""
    base = KnowledgeBase(kb_dir, tmp_path / "index", check_interval=0)
    yield base
    base.close()


@pytest.fixture(scope="session")
def seed_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One index of the bundled kb/, built once for the whole session."""
    return tmp_path_factory.mktemp("seed-index")


@pytest.fixture
def seeds(seed_index: Path) -> Iterator[KnowledgeBase]:
    """A KnowledgeBase over the bundled kb/ (the five source documents)."""
    base = KnowledgeBase(BUNDLED_KB, seed_index)
    yield base
    base.close()


@pytest.fixture
def runner() -> CliRunner:
    """A CLI runner."""
    return CliRunner()


# -- the web app ---------------------------------------------------------------------


@pytest.fixture
def app(kb_dir: Path, tmp_path: Path) -> Iterator[Flask]:
    """The web app over ``kb_dir``, checking ``kb/`` for changes on every request."""
    application = create_app({
        "TESTING": True,
        "FAQKB_KB_DIR": kb_dir,
        "FAQKB_INDEX_DIR": tmp_path / "web-index",
        "FAQKB_CHECK_INTERVAL": 0,
    })
    yield application
    application.extensions["faqkb"].close()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of ``app``."""
    return app.test_client()


@pytest.fixture
def seeds_client(seed_index: Path) -> Iterator[FlaskClient]:
    """A test client of the web app over the bundled kb/."""
    application = create_app({"TESTING": True, "FAQKB_KB_DIR": BUNDLED_KB,
                              "FAQKB_INDEX_DIR": seed_index})
    yield application.test_client()
    application.extensions["faqkb"].close()


@dataclass(frozen=True)
class Server:
    """A ``faqkb serve`` process and the URL it listens on."""

    url: str
    process: subprocess.Popen[str]
    reader: threading.Thread


def start_server(*args: str, env: Mapping[str, str] | None = None,
                 timeout: float = 60.0) -> Server:
    """Run ``faqkb serve --port 0 ARGS`` and wait until it says where it listens."""
    command = [sys.executable, "-m", "faqkb", "serve", "--port", "0", *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, env={**os.environ, **(env or {})})
    lines: queue.Queue[str] = queue.Queue()

    def pump() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.put(line)
        lines.put("")

    reader = threading.Thread(target=pump, daemon=True)
    reader.start()
    seen = []
    while True:
        try:
            line = lines.get(timeout=timeout)
        except queue.Empty:
            process.kill()
            raise AssertionError(f"faqkb serve said nothing for {timeout} s: {seen}") from None
        seen.append(line)
        if not line:
            process.wait(timeout=timeout)
            reader.join()
            if process.stdout is not None:
                process.stdout.close()
            raise AssertionError(f"faqkb serve exited with {process.returncode}: {seen}")
        found = re.search(r"Listening on (http://\S+)", line)
        if found:
            return Server(found.group(1), process, reader)


def stop_server(server: Server) -> None:
    """Stop a server started by :func:`start_server`."""
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
    server.reader.join(timeout=10)
    if server.process.stdout is not None:
        server.process.stdout.close()


@pytest.fixture
def serve() -> Iterator[Callable[..., Server]]:
    """Start ``faqkb serve --port 0 ARGS`` (as :func:`start_server`); stopped after the test."""
    started: list[Server] = []

    def start(*args: str, env: Mapping[str, str] | None = None) -> Server:
        started.append(start_server(*args, env=env))
        return started[-1]

    yield start
    for server in started:
        stop_server(server)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``faqkb serve`` over the bundled kb/ on a free loopback port, for the whole session."""
    cache = tmp_path_factory.mktemp("live-cache")
    server = start_server("--kb", str(BUNDLED_KB), env={"FAQKB_CACHE_DIR": str(cache)})
    yield server
    stop_server(server)


# -- the browser (tests/test_browser.py, tests/test_insights_browser.py) ----------------

CHROMIUM = os.environ.get("FAQKB_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
def _unavailable(reason: str) -> None:
    if os.environ.get("FAQKB_REQUIRE_BROWSER") == "1":
        pytest.fail(f"browser tests are required (FAQKB_REQUIRE_BROWSER=1): {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium from the system, launched once."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:
        _unavailable("Playwright is not installed (pip install -e '.[test]')")
    if not Path(CHROMIUM).is_file():
        _unavailable(f"no Chromium at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        except Error as exc:
            _unavailable(f"Chromium at {CHROMIUM} does not start: {exc}")
        yield launched
        launched.close()
