"""Votes on answers: the signed token of a vote form, and reading a vote from a form.

A vote form carries the entry's id, the index generation it was shown from and the hour it
was served, signed with the database's secret (HMAC-SHA256, :func:`sign`). :func:`read_vote`
takes a vote only when the signature holds and the form is at most :data:`TOKEN_HOURS` old,
so a vote comes from a form this site served, for an entry and generation it showed. This
is the cross-site request forgery protection of a site without sessions or cookies; the web
layer adds the browser's word that the request came from this site (``Origin`` and
``Sec-Fetch-Site``). Neither stops a program from filling in forms: counts of votes are
opinions, not proof.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from faqkb.insights.events import MAX_COMMENT_CHARS, Vote, current_hour, storable

TOKEN_HOURS = 24
ANSWERS = {"yes": True, "no": False}


def sign(secret: bytes, entry_id: str, generation: str, hour: int | None = None) -> str:
    """The token of a vote form for ``entry_id`` shown from ``generation`` at ``hour``."""
    served = current_hour() if hour is None else hour
    return f"{served}.{_digest(secret, entry_id, generation, served)}"


def read_vote(form: Mapping[str, str], secret: bytes, *, now_hour: int | None = None) -> Vote:
    """The vote a submitted form holds (fields ``entry``, ``generation``, ``token``,
    ``answer`` = ``yes`` or ``no``, and an optional ``comment``).

    Raises :class:`ValueError`, with a message for the person who sent it, when a field is
    missing or wrong, the comment is too long, or the token is not this site's or too old.
    """
    entry_id, generation, token = (form.get(name, "") for name in ("entry", "generation",
                                                                   "token"))
    answer = form.get("answer", "").strip().lower()
    if answer not in ANSWERS:
        raise ValueError("Please answer Yes or No.")
    if not entry_id or not generation or not token:
        raise ValueError("This form is incomplete; please reload the page and try again.")
    comment = storable(form.get("comment", ""), MAX_COMMENT_CHARS + 1)
    if len(comment) > MAX_COMMENT_CHARS:
        raise ValueError(f"Please keep the comment under {MAX_COMMENT_CHARS} characters.")
    served, _, digest = token.partition(".")
    now = current_hour() if now_hour is None else now_hour
    if not (served.isascii() and served.isdigit()) or not 0 <= now - int(served) <= TOKEN_HOURS:
        raise ValueError("This form has expired; please reload the page and answer again.")
    expected = _digest(secret, entry_id, generation, int(served))
    if not hmac.compare_digest(expected, digest):
        raise ValueError("This form was not made by this site; please reload the page.")
    return Vote(entry_id=entry_id, generation=generation, helpful=ANSWERS[answer],
                comment=comment, hour=now)


def _digest(secret: bytes, entry_id: str, generation: str, hour: int) -> str:
    message = "\x1f".join((entry_id, generation, str(hour))).encode("utf-8", "replace")
    return hmac.new(secret, message, hashlib.sha256).hexdigest()
