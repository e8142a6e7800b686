"""What every request passes before a view sees it, and what every response carries.

- :class:`ReadableQueryString` (WSGI middleware): a query string holding raw bytes
  that are not URL-safe ASCII has them percent-encoded, as a browser would send them,
  so that no server in front of the app can make Flask fail to decode it.
- :class:`UsableHost` (WSGI middleware): a ``Host`` header that is not a host name,
  an IP address or either with a port (``..``, a label over 63 characters, ``xn--zz``,
  which no IDNA decoder reads) is replaced by the server's own address before Flask
  builds URLs from it, and the request is answered 400.
- :func:`check_request` (before each request): such a ``Host`` is a 400; only ``GET``
  and ``HEAD`` are answered (405 with ``Allow`` otherwise; ``POST`` too by a view marked
  :func:`accepts_post`), a URL is at most :data:`MAX_URL_CHARS` long (414) and the
  headers at most :data:`MAX_HEADER_BYTES` in all, :data:`MAX_FIELD_BYTES` each (431).
- :func:`secure` (after each request, errors and static files included): the
  :data:`SECURITY_HEADERS`, and ``Cache-Control``: pages and JSON are revalidated
  (``no-cache``: the knowledge base can change at any time), errors never stored.

The app only reads, so these are its whole surface: nothing a request carries is
written anywhere (but a vote, when insights are on: see :mod:`.insights`), and every name
in a URL is looked up among the indexed documents.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, TypeVar
from urllib.parse import quote

from flask import Response, abort, current_app, request
from werkzeug.exceptions import MethodNotAllowed

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

MAX_URL_CHARS = 8 * 1024
MAX_HEADER_BYTES = 32 * 1024
MAX_FIELD_BYTES = 8 * 1024
METHODS = ("GET", "HEAD")
CONTENT_SECURITY_POLICY = "; ".join([
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "object-src 'none'",
])
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
}
_ACCEPTS_POST = "faqkb_accepts_post"
_View = TypeVar("_View", bound=Callable[..., object])
# Everything a query string may hold as it is; any other byte is percent-encoded.
_URL_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"<>\\^`{|}')
BAD_HOST = "faqkb.bad_host"  # set in the WSGI environ when the Host header was replaced
_HOST_LABEL = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?")
_PORT = re.compile(r"[0-9]{1,5}")
MAX_HOST_CHARS = 253


class ReadableQueryString:
    """WSGI middleware: the wrapped app's query string only ever holds URL-safe ASCII."""

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        raw = environ.get("QUERY_STRING", "")
        if raw and not all(ch in _URL_SAFE for ch in raw):
            # PEP 3333: the string carries the request's bytes as Latin-1.
            environ["QUERY_STRING"] = quote(raw.encode("latin-1", "replace"), safe=_URL_SAFE)
        return self.app(environ, start_response)


class UsableHost:
    """WSGI middleware: Flask only ever sees a ``Host`` it can build URLs from.

    An unusable one is replaced by the address the server listens on, and
    :data:`BAD_HOST` marks the request so that :func:`check_request` refuses it.
    """

    def __init__(self, app: WSGIApplication) -> None:
        self.app = app

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        host = environ.get("HTTP_HOST")
        if host is None or not usable_host(host):
            environ[BAD_HOST] = host is not None
            # Without a Host (HTTP/1.0), Werkzeug would build URLs of no host at all.
            environ["HTTP_HOST"] = _server_address(environ)
        return self.app(environ, start_response)


def _server_address(environ: WSGIEnvironment) -> str:
    """The address the server listens on, as a ``Host`` value."""
    name = str(environ.get("SERVER_NAME") or "localhost")
    if ":" in name and not name.startswith("["):
        name = f"[{name}]"
    port = str(environ.get("SERVER_PORT") or "")
    default = "443" if environ.get("wsgi.url_scheme") == "https" else "80"
    address = name if port in ("", default) else f"{name}:{port}"
    return address if usable_host(address) else "localhost"


def usable_host(value: str) -> bool:
    """True for a host name (labels of letters, digits and ``-``, each readable as
    IDNA), an IPv4 address or a bracketed IPv6 address, with an optional port."""
    host, port = value, ""
    if value.startswith("["):
        host, bracket, port = value[1:].partition("]")
        if not bracket or (port and not port.startswith(":")):
            return False
        port = port[1:]
        try:
            ipaddress.IPv6Address(host)
        except ValueError:
            return False
    elif ":" in value:
        host, _, port = value.rpartition(":")
    if port and not (_PORT.fullmatch(port) and int(port) <= 65535):
        return False
    if value.startswith("["):
        return True
    name = host[:-1] if host.endswith(".") else host
    if not name or len(name) > MAX_HOST_CHARS:
        return False
    if not all(_HOST_LABEL.fullmatch(label) for label in name.split(".")):
        return False
    try:  # an "xn--" label must decode as Werkzeug will decode it
        name.encode("ascii").decode("idna").encode("idna")
    except UnicodeError:
        return False
    return True


def check_request() -> None:
    """Refuse a request that is not a plain, reasonably sized ``GET`` or ``HEAD`` to a
    usable host name."""
    if request.environ.get(BAD_HOST):
        abort(400, "The request's Host header is not a host name this site can answer to.")
    if request.method not in METHODS and not _may_post():
        raise MethodNotAllowed(valid_methods=list(METHODS),
                               description="This site can only be read: use GET or HEAD.")
    url_chars = len(request.environ.get("PATH_INFO", "")) + len(request.query_string)
    if url_chars > MAX_URL_CHARS:
        abort(414, f"That address is {url_chars} characters long; "
                   f"addresses here are at most {MAX_URL_CHARS}.")
    sizes = [len(name) + len(value) for name, value in request.headers.items()]
    if sum(sizes) > MAX_HEADER_BYTES or max(sizes, default=0) > MAX_FIELD_BYTES:
        abort(431, "The request's headers are too large.")


def accepts_post(view: _View) -> _View:
    """Mark ``view`` as one that takes ``POST`` requests (a small form), past check_request."""
    setattr(view, _ACCEPTS_POST, True)
    return view


def _may_post() -> bool:
    view = current_app.view_functions.get(request.endpoint or "")
    return request.method == "POST" and getattr(view, _ACCEPTS_POST, False)


def secure(response: Response) -> Response:
    """Add the security headers and ``Cache-Control`` to ``response``."""
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    if "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store" if response.status_code >= 400 \
            else "no-cache"
    return response
