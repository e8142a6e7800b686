"""The web app under hostile requests: no name in a URL leads outside the knowledge base,
oversized or malformed requests get clear 4xx answers, only GET and HEAD are served,
documents' and users' markup stays text, and every response carries the security
headers. Checked with Flask's test client and against the real server (waitress) over
raw sockets, which send what no HTTP library would."""

from __future__ import annotations

import json
import os
import re
import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import EnvironBuilder

from conftest import CLINIC_FAQ, Server, start_server, stop_server
from faqkb.web import create_app
from faqkb.web.guards import MAX_URL_CHARS, SECURITY_HEADERS

SECRET = "TOP-SECRET-9f2c"  # in a file beside kb/, never to be served
APP_SOURCE = "def create_app"  # in faqkb/web/__init__.py, beside static/
TRAVERSALS = [
    "../secret.txt", "..%2fsecret.txt", "%2e%2e/secret.txt", "%2e%2e%2fsecret.txt",
    "..%5csecret.txt", "..\\secret.txt", "....//secret.txt", "%252e%252e%252fsecret.txt",
    "%c0%ae%c0%ae/secret.txt", "\uff0e\uff0e/secret.txt", "/{secret}", "{secret}",
    "leak.txt", "%00", "clinic-faq.txt%00.json", "./../secret.txt",
]
STATIC_TRAVERSALS = ["../__init__.py", "..%2f__init__.py", "%2e%2e/__init__.py",
                     "%2e%2e%2f__init__.py", "..%5c__init__.py", "/{app}", "{app}"]
NAMED_ROUTES = ["/sources/{}", "/sources/{}.json", "/entries/{}", "/entries/{}.json",
                "/sources/clinic-faq.txt?entry={}"]
METHODS = ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "PROPFIND", "BREW"]
PATHS = ["/", "/search?q=towel", "/search.json?q=towel", "/suggest.json?q=tow",
         "/sources/clinic-faq.txt", "/static/style.css", "/no/such/page"]
HOSTILE_HTML = """\
<!doctype html><html><head>
<title>&lt;/title&gt;&lt;script&gt;alert("title")&lt;/script&gt; FAQ</title>
<script>alert("page")</script></head><body><main>
<h2>Is &lt;img src=x onerror=alert(1)&gt; safe to show?</h2>
<p>Yes: &lt;script&gt;alert(2)&lt;/script&gt; is shown as text, and
<a href="javascript:alert(3)">this link</a> is not a link here.</p>
<p onclick="alert(4)">A paragraph with a handler.</p>
</main></body></html>
"""
HOSTILE_MARKDOWN = """\
# <script>alert("md")</script> Guide

## Does raw <b onmouseover="alert(5)">HTML</b> run?

No. <iframe src="javascript:alert(6)"></iframe> and <svg onload=alert(7)> stay text.
"""


@dataclass(frozen=True, slots=True)
class RawResponse:
    """What came back over the socket: status 0 when the server closed without answering."""

    status: int
    headers: dict[str, str]
    body: bytes


@pytest.fixture
def guarded_kb(tmp_path: Path) -> Path:
    """A kb/ with one FAQ, a secret beside it, and a link inside it pointing at the secret."""
    folder = tmp_path / "kb"
    folder.mkdir()
    (folder / "clinic-faq.txt").write_text(CLINIC_FAQ, encoding="utf-8")
    (tmp_path / "secret.txt").write_text(f"What is the secret?\n\n{SECRET}\n", encoding="utf-8")
    if hasattr(os, "symlink"):
        (folder / "leak.txt").symlink_to(tmp_path / "secret.txt")
    return folder


@pytest.fixture
def guarded_app(guarded_kb: Path, tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "FAQKB_KB_DIR": guarded_kb,
                      "FAQKB_INDEX_DIR": tmp_path / "index", "FAQKB_CHECK_INTERVAL": 0})
    yield app
    app.extensions["faqkb"].close()


@pytest.fixture
def guarded(guarded_app: Flask) -> FlaskClient:
    return guarded_app.test_client()


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """``faqkb serve`` over a kb/ with a secret beside it, for the whole module."""
    root = tmp_path_factory.mktemp("guarded")
    folder = root / "kb"
    folder.mkdir()
    (folder / "clinic-faq.txt").write_text(CLINIC_FAQ, encoding="utf-8")
    (root / "secret.txt").write_text(f"{SECRET}\n", encoding="utf-8")
    running = start_server("--kb", str(folder), "--index-dir", str(root / "index"),
                           env={"FAQKB_CACHE_DIR": str(root / "cache")})
    yield running
    stop_server(running)


def exchange(server: Server, request: bytes) -> RawResponse:
    """Send ``request`` as it is, and read the answer until the server closes."""
    address = urlsplit(server.url)
    received = b""
    with socket.create_connection((address.hostname, address.port), timeout=10) as sock:
        try:
            sock.sendall(request)
            while chunk := sock.recv(65536):
                received += chunk
        except ConnectionResetError:
            pass  # the server refused to read on; what it said before still counts
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = re.match(r"HTTP/\d\.\d (\d{3})", lines[0])
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return RawResponse(int(status.group(1)) if status else 0, headers, body)


def get(target: bytes, *headers: bytes, method: bytes = b"GET") -> bytes:
    host = [] if any(h.lower().startswith(b"host:") for h in headers) else [b"Host: 127.0.0.1"]
    lines = [method + b" " + target + b" HTTP/1.1", *host, *headers, b"Connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def assert_secured(headers: dict[str, str]) -> None:
    for name, value in SECURITY_HEADERS.items():
        assert headers.get(name) == value, name


def served_names(app: Flask) -> list[str]:
    names: list[str] = app.extensions["faqkb"].sources()
    return names


# -- names in URLs --------------------------------------------------------------------


@pytest.mark.parametrize("route", NAMED_ROUTES)
@pytest.mark.parametrize("name", TRAVERSALS)
def test_no_name_in_a_url_leads_out_of_the_knowledge_base(
        guarded: FlaskClient, tmp_path: Path, route: str, name: str) -> None:
    url = route.format(name.format(secret=tmp_path / "secret.txt"))
    response = guarded.get(url, follow_redirects=True)
    assert response.status_code in {400, 404}, url
    assert SECRET not in response.get_data(as_text=True)


def test_a_link_to_outside_the_knowledge_base_is_not_a_source(guarded_app: Flask) -> None:
    assert served_names(guarded_app) == ["clinic-faq.txt"]


@pytest.mark.parametrize("name", STATIC_TRAVERSALS)
def test_no_static_file_name_leads_out_of_the_static_folder(guarded: FlaskClient,
                                                            name: str) -> None:
    app_source = Path(__file__).resolve().parent.parent / "src/faqkb/web/__init__.py"
    response = guarded.get("/static/" + name.format(app=app_source), follow_redirects=True)
    assert response.status_code in {400, 404}
    assert APP_SOURCE not in response.get_data(as_text=True)


# -- sizes, encodings and methods -----------------------------------------------------


@pytest.mark.parametrize("path", ["/search", "/search.json", "/sources/" + "x" * 9000])
def test_an_address_longer_than_8_kb_is_a_clear_414(guarded: FlaskClient, path: str) -> None:
    response = guarded.get(path, query_string={"q": "back " * (MAX_URL_CHARS // 5)})
    assert response.status_code == 414
    if path.endswith(".json"):
        assert "at most 8192" in response.get_json()["error"]
    else:
        page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
        assert "at most 8192" in page.select_one(".error-message").get_text()
        assert page.select_one("#header-q")["value"] == ""


@pytest.mark.parametrize("headers", [
    {"X-Long": "x" * 9_000},
    {f"X-Filler-{i}": "y" * 4_000 for i in range(10)},
])
def test_oversized_headers_are_a_431(guarded: FlaskClient, headers: dict[str, str]) -> None:
    response = guarded.get("/search?q=towel", headers=headers)
    assert response.status_code == 431
    assert_secured(dict(response.headers))


@pytest.mark.parametrize("query", ["q=%ff%fe", "q=%", "q=%zz", "q=%e2%82", "q=towel%00",
                                   "q=%C0%AE", "q=towel&q=%ff", "page=%ff&q=towel"])
def test_invalid_percent_encoding_is_read_as_text(guarded: FlaskClient, query: str) -> None:
    assert guarded.get(f"/search?{query}").status_code in {200, 400}
    assert guarded.get(f"/search.json?{query}").status_code in {200, 400}


@pytest.mark.parametrize("raw", [b"q=\xff\xfe", b"q=towel\x80", b"q=\xc3", b"q=a b",
                                 b"q=<script>", b"q=\x00\x01"])
def test_raw_bytes_in_the_query_string_are_read_as_text(guarded: FlaskClient,
                                                        raw: bytes) -> None:
    response = guarded.get("/search.json", environ_overrides={
        "QUERY_STRING": raw.decode("latin-1")})
    assert response.status_code == 200
    assert response.get_json()["query"] == response.get_json()["query"].strip()


@pytest.mark.parametrize("path", ["/sources/%ff.txt", "/sources/%c3", "/entries/%ff%fe"])
def test_invalid_utf8_in_a_path_is_a_404(guarded: FlaskClient, path: str) -> None:
    assert guarded.get(path).status_code == 404


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("method", METHODS)
def test_only_get_and_head_are_answered(guarded: FlaskClient, method: str, path: str) -> None:
    response = guarded.open(path, method=method, data=b"payload")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert_secured(dict(response.headers))


@pytest.mark.parametrize("path", PATHS[:-1])
def test_head_answers_like_get_without_a_body(guarded: FlaskClient, path: str) -> None:
    with guarded.get(path) as got, guarded.head(path) as head:
        assert (head.status_code, head.data) == (got.status_code, b"")
        assert head.headers["Content-Type"] == got.headers["Content-Type"]
        assert_secured(dict(head.headers))


# -- markup from documents and users --------------------------------------------------


@pytest.mark.parametrize("path", ["/sources/hostile.html", "/sources/hostile.md", "/sources",
                                  "/questions", "/search?q=safe+show+script",
                                  "/search?q=raw+html+run", "/"])
def test_markup_in_documents_is_shown_as_text(guarded: FlaskClient, guarded_kb: Path,
                                              path: str) -> None:
    (guarded_kb / "hostile.html").write_text(HOSTILE_HTML, encoding="utf-8")
    (guarded_kb / "hostile.md").write_text(HOSTILE_MARKDOWN, encoding="utf-8")
    response = guarded.get(path)
    assert response.status_code == 200
    page = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    assert [s.get("src") for s in page.select("script")] == ["/static/suggest.js"]
    assert not page.select("iframe, svg, img, b, main a[href^=javascript]")
    assert not [tag.name for tag in page.find_all(True)
                if any(name.startswith("on") for name in tag.attrs)]


def test_a_document_title_with_markup_is_a_title_of_text(guarded: FlaskClient,
                                                         guarded_kb: Path) -> None:
    (guarded_kb / "hostile.html").write_text(HOSTILE_HTML, encoding="utf-8")
    page = BeautifulSoup(guarded.get("/sources/hostile.html").get_data(as_text=True),
                         "html.parser")
    assert page.title is not None
    assert page.title.get_text().startswith('</title><script>alert("title")</script> FAQ')


def test_json_is_never_served_as_html(guarded: FlaskClient) -> None:
    response = guarded.get("/search.json", query_string={"q": "<script>alert(1)</script>"})
    assert response.mimetype == "application/json"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# -- every response -------------------------------------------------------------------


@pytest.mark.parametrize("path, status", [
    ("/", 200), ("/static/style.css", 200), ("/static/nope.css", 404), ("/nope", 404),
    ("/nope.json", 404), ("/search?page=0", 400), ("/search.json?page=0", 400),
    ("/entries/x", 404), ("/search?q=" + "x" * 9000, 414),
])
def test_every_response_carries_the_security_headers(guarded: FlaskClient, path: str,
                                                     status: int) -> None:
    with guarded.get(path) as response:
        assert response.status_code == status
        assert_secured(dict(response.headers))


def test_a_revalidated_static_file_carries_the_security_headers(guarded: FlaskClient) -> None:
    with guarded.get("/static/style.css") as first:
        etag = first.headers["ETag"]
    with guarded.get("/static/style.css", headers={"If-None-Match": etag}) as response:
        assert response.status_code == 304
        assert_secured(dict(response.headers))


@pytest.mark.parametrize("path, cache_control", [
    ("/", "no-cache"), ("/search?q=towel", "no-cache"), ("/search.json?q=towel", "no-cache"),
    ("/sources/clinic-faq.txt", "no-cache"), ("/suggest.json?q=tow", "no-cache"),
    ("/nope", "no-store"), ("/search.json?page=0", "no-store"),
])
def test_pages_say_how_they_may_be_cached(guarded: FlaskClient, path: str,
                                          cache_control: str) -> None:
    with guarded.get(path) as response:
        assert response.headers["Cache-Control"] == cache_control


def test_a_static_file_is_revalidated_before_reuse(guarded: FlaskClient) -> None:
    with guarded.get("/static/style.css") as response:
        assert "no-cache" in response.headers["Cache-Control"]


# -- the Host header ------------------------------------------------------------------

ODD_HOSTS = ["..", "a" * 64, "x" * 64 + ".example", "xn--zz", "xn--zz:8000", "a..b", ".",
             "-", "a b", "host:port", "host:99999", "[::1", "[nope]:80", "[::1]x",
             "hé.example", "<script>", "x" * 300, "a" * 63 + ":" + "1" * 6, ":80"]
HOST_PATHS = ["/", "/search?q=towel", "/search.json?q=towel", "/sources.json", "/nope",
              "/entries/nope", "//search", "/static/style.css"]


def call_app(app: Flask, path: str, host: str) -> tuple[int, dict[str, str], bytes]:
    """Call the WSGI app directly: the test client itself cannot read back a URL on a
    host such as ``xn--zz``."""
    environ = EnvironBuilder(path=path, headers={"Host": host}).get_environ()
    answered: list[tuple[str, list[tuple[str, str]]]] = []
    body = b"".join(app(environ, lambda status, headers, *_: answered.append(
        (status, headers))))  # type: ignore[arg-type]
    status, headers = answered[0]
    return int(status.split()[0]), dict(headers), body


@pytest.mark.parametrize("path", HOST_PATHS)
@pytest.mark.parametrize("host", ODD_HOSTS)
def test_an_unusable_host_header_is_a_clear_400(guarded_app: Flask, host: str,
                                                path: str) -> None:
    status, headers, body = call_app(guarded_app, path, host)
    assert status == 400
    assert_secured(headers)
    if path.endswith(".json"):
        assert "Host" in json.loads(body)["error"]


@pytest.mark.parametrize("host", ["localhost", "localhost:8000", "127.0.0.1:8000",
                                  "[::1]:8000", "[::1]", "help.example.com.",
                                  "a" * 63 + ".example:65535"])
def test_an_ordinary_host_header_is_served_and_named_in_urls(guarded: FlaskClient,
                                                              host: str) -> None:
    response = guarded.get("/search.json?q=towel", headers={"Host": host})
    assert response.status_code == 200
    assert response.get_json()["html_url"].startswith(f"http://{host}/")


def test_an_international_host_name_is_served(guarded: FlaskClient) -> None:
    response = guarded.get("/search.json?q=towel", headers={"Host": "xn--bcher-kva.example"})
    assert response.status_code == 200
    assert urlsplit(response.get_json()["html_url"]).hostname == "bücher.example"


def test_a_request_without_a_host_gets_urls_on_the_servers_address(
        guarded: FlaskClient) -> None:
    response = guarded.get("/search.json?q=towel", environ_overrides={
        "HTTP_HOST": None, "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8123"})
    assert response.get_json()["html_url"].startswith("http://127.0.0.1:8123/search?")


def test_a_redirect_carries_the_security_headers(guarded: FlaskClient,
                                                 guarded_app: Flask) -> None:
    entry = guarded_app.extensions["faqkb"].entries()[0]
    response = guarded.get(f"/entries/{entry.id}")
    assert response.status_code == 302
    assert_secured(dict(response.headers))


# -- the real server, over raw sockets ------------------------------------------------

# (request, status, answered by the app): waitress itself answers what it cannot parse,
# with a plain-text error page (nothing of the kb is in it) that carries our headers too.
RAW_REQUESTS = [
    (get(b"/sources/../secret.txt"), 404, True),
    (get(b"/sources/..%2fsecret.txt"), 404, True),
    (get(b"/sources/%2e%2e/%2e%2e/etc/passwd"), 404, True),
    (get(b"/static/../__init__.py"), 404, True),
    (get(b"/static/..%2f__init__.py"), 404, True),
    (get(b"/entries/..%2f..%2fsecret"), 404, True),
    (get(b"/search?q=%ff%fe%fd"), 200, True),
    (get(b"/search.json?q=%e2%82&page=%"), 400, True),
    (get(b"/sources/%ff"), 404, True),
    (get(b"/search?q=" + b"a" * 20_000), 414, True),
    (get(b"/search?q=towel", b"X-Filler: " + b"b" * 20_000), 431, True),
    (get(b"/search.json?q=towel", b"Host: xn--zz"), 400, True),
    (get(b"/search?q=towel", b"Host: .."), 400, True),
    (get(b"/", b"Host: " + b"a" * 64), 400, True),
    (get(b"/search", method=b"POST"), 405, True),
    (get(b"*", method=b"OPTIONS"), 405, True),
    (get(b"/", method=b"TRACE"), 405, True),
    (get(b"http://elsewhere.example/search?q=towel"), 200, True),
    (get(b"//elsewhere.example/"), 404, True),
    (get(b"//elsewhere.example/search?q=towel"), 404, True),
    (b"GET /search?q=towel HTTP/1.0\r\n\r\n", 200, True),
    (get(b"/search?q=\xff\xfe"), 400, False),
    (get(b"/sources/\x80"), 400, False),
    (get(b"/", b"Bad Header Line"), 400, False),
    (get(b"/", b"X-Nul: a\x00b"), 400, False),
    (get(b"/", b"Content-Length: -1"), 400, False),
    (b"GARBAGE\r\n\r\n", 400, False),
]


@pytest.mark.parametrize("request_bytes, status, by_app", RAW_REQUESTS,
                         ids=[r[0][:40].decode("latin-1") for r in RAW_REQUESTS])
def test_the_real_server_answers_malformed_requests_clearly(
        server: Server, request_bytes: bytes, status: int, by_app: bool) -> None:
    response = exchange(server, request_bytes)
    assert response.status == status
    assert SECRET.encode() not in response.body
    assert APP_SOURCE.encode() not in response.body
    assert_secured(response.headers)
    if not by_app:
        assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("target", [b"/sources//elsewhere.example", b"/static//style.css",
                                    b"/sources/%2F%2Felsewhere.example"])
def test_a_doubled_slash_redirects_within_the_site(server: Server, target: bytes) -> None:
    response = exchange(server, get(target))
    assert response.status == 308
    location = urlsplit(response.headers["Location"])
    assert location.netloc == "127.0.0.1"  # the Host the request named
    assert location.path.startswith(("/sources/", "/static/"))
    assert_secured(response.headers)


def test_the_real_server_survives_headers_beyond_its_own_limit(server: Server) -> None:
    refused = exchange(server, get(b"/", b"X-Huge: " + b"c" * 300_000))
    assert refused.status in {0, 400, 431}
    assert exchange(server, get(b"/search?q=towel")).status == 200


def test_the_real_server_answers_head_without_a_body(server: Server) -> None:
    response = exchange(server, get(b"/search?q=towel", method=b"HEAD"))
    assert (response.status, response.body) == (200, b"")
    assert_secured(response.headers)
