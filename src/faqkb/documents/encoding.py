"""Turning a document's bytes into text: UTF-8 (with or without BOM) or legacy 8-bit.

A file that decodes as UTF-8 is UTF-8. Otherwise a declared charset (an HTML
``<meta charset>``) is honoured, and then Windows-1252, the de-facto encoding of
"Latin-1" text on the web. Bytes that look binary (more than a stray NUL byte, many
control characters) are refused with :class:`~faqkb.errors.DocumentError`. A stray NUL
(a page's markup sometimes holds one) is no character a reader sees, as browsers drop
it, and is left out of the text.
"""

from __future__ import annotations

import codecs
import re

from faqkb.errors import DocumentError

_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")
_MAX_CONTROL_RATIO = 0.01
# Binary formats are full of NUL bytes; text holds at most a stray one or two.
_MAX_NUL_RATIO = 0.001


def decode_bytes(raw: bytes, declared: str | None = None) -> tuple[str, str]:
    """Decode ``raw`` and say how: returns ``(text, encoding name)``.

    ``declared`` is a charset the document names for itself; it is used when the
    bytes are not UTF-8. Raises :class:`DocumentError` for binary data or bytes that
    no candidate encoding can read.
    """
    if raw.startswith(codecs.BOM_UTF8):
        return _checked(raw[len(codecs.BOM_UTF8) :].decode("utf-8", errors="strict"), "utf-8-sig")
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return _checked(raw.decode("utf-16"), "utf-16")
        except UnicodeDecodeError as exc:
            raise DocumentError(f"invalid UTF-16 text: {exc.reason}") from None
    nuls = raw.count(b"\x00")
    if nuls > _MAX_NUL_RATIO * len(raw):
        raise DocumentError("binary file (contains NUL bytes)")
    if nuls:
        raw = raw.replace(b"\x00", b"")
    try:
        return _checked(raw.decode("utf-8"), "utf-8")
    except UnicodeDecodeError:
        pass
    for candidate in _legacy_candidates(declared):
        try:
            return _checked(raw.decode(candidate), candidate)
        except (UnicodeDecodeError, LookupError):
            continue
    raise DocumentError("cannot decode the file as UTF-8 or a legacy 8-bit encoding")


def _legacy_candidates(declared: str | None) -> list[str]:
    candidates: list[str] = []
    if declared:
        try:
            name = codecs.lookup(declared).name
        except LookupError:
            name = ""
        # Browsers read a declared ISO-8859-1 or ASCII page as Windows-1252 (WHATWG).
        if name in {"latin-1", "iso8859-1", "ascii"}:
            name = "cp1252"
        if name and name not in {"utf-8", "utf-16", "utf-32"}:
            candidates.append(name)
    candidates += ["cp1252", "latin-1"]
    return list(dict.fromkeys(candidates))


def _checked(text: str, encoding: str) -> tuple[str, str]:
    if text:
        controls = len(_CONTROL.findall(text))
        if controls / len(text) > _MAX_CONTROL_RATIO:
            raise DocumentError("binary file (too many control characters)")
    return text, encoding
