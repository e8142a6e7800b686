"""Health for load balancers, and the generation each answer came from.

    /healthz    200 once the index is open: {"status": "ok", "generation": NAME,
                "published": DIGEST or null, "read_only": ...}; 503 while it cannot
                be (nothing published yet, a damaged index, no kb/), with why, and
                503 "draining" once the server is stopping (:mod:`.draining`)

A load balancer sends its health checks here and sends requests only to a replica that
answers 200 (``deploy/haproxy.cfg``). Every request is answered from one index
generation (:meth:`~faqkb.kb.KnowledgeBase.one_generation`), even when another is put in
service while it is being answered, and each response that used the index names that
generation in a ``Faqkb-Generation`` header: during a rolling upgrade, which replica
answered from which generation shows in every response.
"""

from __future__ import annotations

import contextlib
from typing import cast

from flask import Blueprint, Flask, Response, current_app, g

from faqkb.errors import FaqkbError
from faqkb.index.publish import read_publication
from faqkb.kb import KnowledgeBase
from faqkb.web.draining import DRAINING
from faqkb.web.views import json_response

bp = Blueprint("health", __name__)
GENERATION_HEADER = "Faqkb-Generation"
RETRY_AFTER_SECONDS = 5
_PUBLISHED = "faqkb.published"  # app extension: generation name -> digest (or None)


def init_app(app: Flask) -> None:
    """Register ``/healthz`` and answer each request of ``app`` from one generation."""
    app.register_blueprint(bp)
    app.extensions[_PUBLISHED] = {}
    app.before_request(_hold_one_generation)
    app.after_request(_name_generation)
    app.teardown_request(_let_go)


@bp.get("/healthz")
def healthz() -> Response:
    """Whether this server can answer, and from which index generation."""
    kb = _knowledge_base()
    if DRAINING.is_set():
        return _unavailable({"status": "draining", "read_only": kb.read_only})
    try:
        generation = kb.version
    except FaqkbError as exc:
        return _unavailable({"status": "unavailable", "error": str(exc),
                             "read_only": kb.read_only})
    return _json({"status": "ok", "generation": generation,
                  "published": _digest(generation), "read_only": kb.read_only}, 200)


def _unavailable(data: dict[str, object]) -> Response:
    response = _json(data, 503)
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _digest(generation: str) -> str | None:
    known = cast(dict[str, str | None], current_app.extensions[_PUBLISHED])
    if generation not in known:
        if len(known) > 64:  # generations come and go: remember only the latest
            known.clear()
        record = read_publication(_knowledge_base().index_dir / generation)
        digest = record.get("digest") if record else None
        known[generation] = str(digest) if digest else None
    return known[generation]


def _json(data: dict[str, object], status: int) -> Response:
    response = json_response(data)
    response.status_code = status
    response.headers["Cache-Control"] = "no-store"
    return response


def _knowledge_base() -> KnowledgeBase:
    return cast(KnowledgeBase, current_app.extensions["faqkb"])


def _hold_one_generation() -> None:
    stack = contextlib.ExitStack()
    g.faqkb_generation = stack.enter_context(_knowledge_base().one_generation())
    g.faqkb_hold = stack


def _name_generation(response: Response) -> Response:
    name = g.get("faqkb_generation")
    generation = name() if name is not None else None
    if generation:
        response.headers[GENERATION_HEADER] = generation
    return response


def _let_go(error: BaseException | None) -> None:
    hold = g.pop("faqkb_hold", None)
    if hold is not None:
        hold.close()
