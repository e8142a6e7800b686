"""What every request passes before a view sees it, and what every response carries.

- :class:`ReadableQueryString` (WSGI middleware): a query string holding raw bytes
  that are not URL-safe ASCII has them percent-encoded, as a browser would send them,
  so that no server in front of the app can make Flask fail to decode it.
- :func:`check_request` (before each request): only ``GET`` and ``HEAD`` are answered
  (405 with ``Allow`` otherwise), a URL is at most :data:`MAX_URL_CHARS` long (414) and
  the headers at most :data:`MAX_HEADER_BYTES` in all, :data:`MAX_FIELD_BYTES` each (431).
- :func:`secure` (after each request, errors and static files included): the
  :data:`SECURITY_HEADERS`.

The app only reads, so these are its whole surface: nothing a request carries is
written anywhere, and every name in a URL is looked up among the indexed documents.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import quote

from flask import Response, abort, request
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
# Everything a query string may hold as it is; any other byte is percent-encoded.
_URL_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"<>\\^`{|}')



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


def check_request() -> None:
    """Refuse a request that is not a plain, reasonably sized ``GET`` or ``HEAD``."""
    if request.method not in METHODS:
        raise MethodNotAllowed(valid_methods=list(METHODS),
                               description="This site can only be read: use GET or HEAD.")
    url_chars = len(request.environ.get("PATH_INFO", "")) + len(request.query_string)
    if url_chars > MAX_URL_CHARS:
        abort(414, f"That address is {url_chars} characters long; "
                   f"addresses here are at most {MAX_URL_CHARS}.")
    sizes = [len(name) + len(value) for name, value in request.headers.items()]
    if sum(sizes) > MAX_HEADER_BYTES or max(sizes, default=0) > MAX_FIELD_BYTES:
        abort(431, "The request's headers are too large.")


def secure(response: Response) -> Response:
    """Add the security headers to ``response``."""
    for header, value in SECURITY_HEADERS.items():
        response.headers.setdefault(header, value)
    return response
