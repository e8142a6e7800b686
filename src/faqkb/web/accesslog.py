"""Request logs in the Combined Log Format, the one Apache, nginx and log tools share.

:class:`AccessLog` is WSGI middleware: after each response it writes one line::

    127.0.0.1 - - [05/Mar/2026:14:02:11 +0000] "GET /search?q=refund HTTP/1.1" 200 5120 "-" "curl/8"

(client address, ``-`` ident and user, time, request line, status, bytes of body sent
(``-`` for none), ``Referer`` and ``User-Agent``). Quotes, backslashes and control
characters in a field are escaped as Apache escapes them (``\\"``, ``\\\\``, ``\\xhh``),
so a request cannot forge a line. A ``token`` parameter (the insights page's secret) is
written as ``token=-``, in the request and in the ``Referer`` (a link followed from the
insights page names it). Successful ``/healthz`` checks are not logged: a load
balancer sends one every second or two. The client address is the peer's: behind a
load balancer, the balancer's own log has the visitor's.

The log is a file, appended to by every process that serves (each line in one write
of a file opened for appending, so lines of several processes never interleave; the
file is opened for each line, so one moved away, as ``logrotate`` does, is followed by
a new one at once), or ``-`` for standard output. A line is written once the response
has been sent.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote_plus

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

STDOUT = "-"
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_QUIET_PATHS = frozenset({"/healthz"})
_SEPARATOR = re.compile(r"([&;])")


class AccessLog:
    """WSGI middleware writing a Combined Log Format line per request to ``target``
    (a file's path, or ``-`` for standard output).

    Raises ``OSError`` when the file cannot be opened.
    """

    def __init__(self, app: WSGIApplication, target: str) -> None:
        self.app = app
        self.target = target
        if target != STDOUT:
            os.close(_open_for_appending(target))  # fail now, not at the first request

    def __call__(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        status = ["-"]

        def recording(code: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            status[0] = code.split(" ", 1)[0]
            return start_response(code, headers, exc_info)

        started = time.time()
        body = self.app(environ, recording)
        return _Counted(body, lambda sent: self._write(environ, status[0], sent, started))

    def _write(self, environ: WSGIEnvironment, status: str, sent: int, started: float) -> None:
        if status == "200" and environ.get("PATH_INFO") in _QUIET_PATHS:
            return
        line = combined_line(environ, status, sent, started) + "\n"
        if self.target == STDOUT:
            sys.stdout.write(line)
            sys.stdout.flush()
            return
        try:
            descriptor = _open_for_appending(self.target)
        except OSError:
            return  # a log that cannot be written must not fail the request
        try:
            os.write(descriptor, line.encode("utf-8", "backslashreplace"))
        finally:
            os.close(descriptor)


def _open_for_appending(path: str) -> int:
    return os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)


class _Counted:
    """A response body that counts the bytes sent and reports them when closed."""

    def __init__(self, body: Iterable[bytes], done: Any) -> None:
        self._body = body
        self._done = done
        self._sent = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._body:
            self._sent += len(chunk)
            yield chunk

    def close(self) -> None:
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._done(self._sent)


def combined_line(environ: WSGIEnvironment, status: str, sent: int, when: float) -> str:
    """The Combined Log Format line of a request answered with ``status`` and ``sent``
    bytes of body, received at ``when`` (seconds since the epoch)."""
    target = _without_secrets(environ.get("REQUEST_URI") or _target(environ))
    request = f"{environ.get('REQUEST_METHOD', '-')} {target} " \
              f"{environ.get('SERVER_PROTOCOL', 'HTTP/1.0')}"
    return (f"{_field(environ.get('REMOTE_ADDR') or '-')} - - [{_timestamp(when)}] "
            f'"{_field(request)}" {status} {sent or "-"} '
            f'"{_field(_without_secrets(environ.get("HTTP_REFERER") or "-"))}" '
            f'"{_field(environ.get("HTTP_USER_AGENT") or "-")}"')


def _without_secrets(url: str) -> str:
    """``url`` with the value of its ``token`` parameter (however its name is written:
    ``%74oken`` is read as ``token`` too) left out."""
    path, mark, rest = url.partition("?")
    if not mark:
        return url
    query, hash_, anchor = rest.partition("#")
    parts = _SEPARATOR.split(query)
    for i in range(0, len(parts), 2):
        name, equals, _ = parts[i].partition("=")
        if equals and unquote_plus(name).strip().lower() == "token":
            parts[i] = f"{name}=-"
    return f"{path}?{''.join(parts)}{hash_}{anchor}"


def _target(environ: WSGIEnvironment) -> str:
    path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    return f"{path}?{query}" if query else path or "/"


def _timestamp(when: float) -> str:
    local = time.localtime(when)
    offset = local.tm_gmtoff or 0
    sign = "-" if offset < 0 else "+"
    hours, minutes = divmod(abs(offset) // 60, 60)
    return (f"{local.tm_mday:02d}/{_MONTHS[local.tm_mon - 1]}/{local.tm_year}:"
            f"{local.tm_hour:02d}:{local.tm_min:02d}:{local.tm_sec:02d} "
            f"{sign}{hours:02d}{minutes:02d}")


def _field(value: str) -> str:
    """``value`` with what could break a line or a quoted field escaped (WSGI strings
    carry the request's bytes as Latin-1, so every character is below 256)."""
    out: list[str] = []
    for ch in value:
        if ch == '"' or ch == "\\":
            out.append("\\" + ch)
        elif ch < " " or "\x7f" <= ch <= "\xff" or ch > "\xff":
            out.append(f"\\x{ord(ch):02x}" if ord(ch) < 256 else f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)
