"""Insights in the web app: recording searches and opened answers, votes, the insights page.

    /insights      /insights.json    the report of a period (?days=), for its keeper only
    POST /feedback /feedback.json    "Did this answer your question?" (a form, or a script)

Off unless ``FAQKB_INSIGHTS`` (or, when it is not set, ``[insights] enabled`` in
``kb/faqkb.toml``) says on: then :func:`init_app` registers these routes and the
views of :mod:`.views` call :func:`record_search` and :func:`record_open`, which only queue
an event (:class:`~faqkb.insights.recorder.EventRecorder`), so a search never waits for the
database and never fails because of it. The insights page is served only to requests that
carry ``FAQKB_INSIGHTS_TOKEN`` (``?token=`` or ``Authorization: Bearer``), or, when no token
is set, to requests from this machine that did not come through a proxy. Votes are the one
thing a request may write: a small form, signed when served (:mod:`faqkb.insights.votes`)
and sent from this site (``Origin``, ``Sec-Fetch-Site``), with no cookie.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import parse_qs, urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue

from faqkb.errors import FaqkbError, InsightsError
from faqkb.insights import EventRecorder, InsightsStore, build_report, default_database
from faqkb.insights.events import MAX_COMMENT_CHARS, OpenEvent, SearchEvent
from faqkb.insights.report import DEFAULT_DAYS, MAX_DAYS
from faqkb.insights.settings import read_insights_settings
from faqkb.insights.votes import read_vote, sign
from faqkb.kb import KnowledgeBase
from faqkb.models import Entry, SearchResults
from faqkb.web import guards
from faqkb.web.charts import daily_chart
from faqkb.web.layout import anchor_id

bp = Blueprint("insights", __name__)
EXTENSION = "faqkb.insights"
DEFAULTS: dict[str, Any] = {
    "FAQKB_INSIGHTS": None,  # None: as kb/faqkb.toml's [insights] says (off without it)
    "FAQKB_INSIGHTS_TOKEN": None,
    "FAQKB_INSIGHTS_DB": None,  # default: beside the index
    "FAQKB_INSIGHTS_RETENTION_DAYS": None,  # default: kb/faqkb.toml's, else the database's
    "FAQKB_INSIGHTS_BUSY_SECONDS": 5.0,
}
PERIODS = (7, 30, 90, 365)
ROWS = 20
MAX_FORM_BYTES = 8 * 1024
VOTED = "voted"  # the parameter of the page a vote returns to
_FORWARDED = ("Forwarded", "X-Forwarded-For", "X-Real-IP")
_log = logging.getLogger("faqkb.insights")


@dataclass(frozen=True, slots=True)
class Insights:
    """The app's insights: where events go, and what guards the page and the votes."""

    store: InsightsStore
    recorder: EventRecorder
    token: str | None
    secret: bytes | None  # signs vote forms; None when the database could not be opened


@dataclass(frozen=True, slots=True)
class VoteForm:
    """What the vote form on a passage's page needs."""

    entry_id: str
    generation: str
    token: str
    voted: str | None  # "yes" or "no" once the page's reader has answered
    max_comment: int = MAX_COMMENT_CHARS


def init_app(app: Flask) -> None:
    """Set up insights for ``app``: the settings' defaults, and, when ``FAQKB_INSIGHTS`` is
    on, the store, its recorder and the routes. A database that cannot be opened is logged
    once; the app serves as ever, and events are dropped until it can be written."""
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.context_processor(_template_helpers)
    kb = cast(KnowledgeBase, app.extensions["faqkb"])
    in_file, problems = read_insights_settings(kb.settings_dir)
    for problem in problems:
        _log.warning("%s", problem)
    wanted = app.config["FAQKB_INSIGHTS"]
    if not (in_file.enabled if wanted is None else wanted):
        return
    store = InsightsStore(app.config["FAQKB_INSIGHTS_DB"] or default_database(kb.index_dir),
                          busy_seconds=float(app.config["FAQKB_INSIGHTS_BUSY_SECONDS"]))
    retention = app.config["FAQKB_INSIGHTS_RETENTION_DAYS"] or in_file.retention_days
    secret: bytes | None = None
    try:
        if retention is not None:
            store.set_retention(int(retention))
        store.prune()
        secret = store.secret()
    except InsightsError as exc:
        _log.warning("insights: %s; events are dropped until it can be written", exc)
    app.extensions[EXTENSION] = Insights(store, EventRecorder(store),
                                         app.config["FAQKB_INSIGHTS_TOKEN"] or None, secret)
    app.register_blueprint(bp)


def insights() -> Insights | None:
    """The current app's insights, or None when they are off."""
    return insights_of(current_app)


def insights_of(app: Flask) -> Insights | None:
    """``app``'s insights, or None when they are off."""
    return cast(Insights | None, app.extensions.get(EXTENSION))


# -- recording (called by the views) ----------------------------------------------------


def record_search(query: str, results: SearchResults) -> None:
    """Record a search for ``query`` that found ``results`` (when insights are on)."""
    state = insights()
    if state is None or request.method != "GET" or not query.strip() or _from_insights():
        return
    try:
        state.recorder.record(SearchEvent.of(query, results))
    except Exception as exc:  # a search must never fail because of insights
        _log.warning("insights: a search was not recorded: %s", exc)


def record_open(entry: Entry) -> None:
    """Record that ``entry`` was opened in its source (when insights are on)."""
    state = insights()
    if state is None or request.method != "GET" or VOTED in request.args or _from_insights():
        return
    try:
        state.recorder.record(OpenEvent(entry.id, _searched_for()))
    except Exception as exc:  # a page must never fail because of insights
        _log.warning("insights: an opened answer was not recorded: %s", exc)


def _searched_for() -> str:
    """The query of the results page this request came from ("" if none): the browser
    names the page it came from (``Referer``) when that page is on this site."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc != request.host or referrer.path != url_for("faqkb.search"):
        return ""
    return parse_qs(referrer.query).get("q", [""])[0].strip()


def _from_insights() -> bool:
    """Whether the keeper followed a link of the insights page (not a reader's search)."""
    referrer = urlsplit(request.referrer or "")
    return referrer.netloc == request.host and referrer.path == url_for("insights.page")


# -- the vote form and votes ------------------------------------------------------------


def _template_helpers() -> dict[str, Any]:
    return {"vote_form": _vote_form}


def _vote_form(passage: Entry | None) -> VoteForm | None:
    state = insights()
    if state is None or state.secret is None or passage is None:
        return None
    generation = _knowledge_base().version
    voted = request.args.get(VOTED)
    return VoteForm(passage.id, generation, sign(state.secret, passage.id, generation),
                    voted if voted in ("yes", "no") else None)


@bp.post("/feedback.json", defaults={"fmt": "json"}, provide_automatic_options=False)
@bp.post("/feedback", defaults={"fmt": "html"}, provide_automatic_options=False)
@guards.accepts_post
def vote(fmt: str) -> ResponseReturnValue:
    """Take an answer to "Did this answer your question?": back to the page, or as JSON."""
    state = insights()
    assert state is not None  # the route exists only when insights are on
    if (request.content_length or 0) > MAX_FORM_BYTES:
        abort(413, "That is more than a vote.")
    if not _sent_from_this_site():
        abort(403, "Votes are taken only from this site's pages.")
    if state.secret is None:
        return _unavailable(fmt, "Votes cannot be taken just now; please try again later.")
    try:
        answer = read_vote(_form(), state.secret)
    except ValueError as exc:
        abort(400, str(exc))
    entry = _knowledge_base().entry(answer.entry_id)
    if entry is None:
        abort(400, "That answer is no longer in the knowledge base.")
    try:
        state.store.add([answer])
    except InsightsError as exc:
        _log.warning("insights: a vote was not saved: %s", exc)
        return _unavailable(fmt, "Your answer could not be saved just now; please try again "
                                 "later.")
    said = "yes" if answer.helpful else "no"
    if fmt == "json":
        return current_app.json.response({"saved": True, "entry": entry.id, "answer": said,
                                          "message": "Thank you for your answer."})
    return redirect(url_for("faqkb.source", name=entry.source, entry=entry.id,
                            _anchor=anchor_id(entry.id), voted=said), code=303)


def _unavailable(fmt: str, message: str) -> Response:
    """A 503 that says what is unavailable (the app's error pages hide what a 5xx says)."""
    title = "Service unavailable"
    if fmt == "json":
        response = Response(current_app.json.dumps({"error": message, "status": 503,
                                                    "title": title}) + "\n",
                            status=503, mimetype="application/json")
    else:
        response = Response(render_template("error.html", code=503, title=title,
                                            message=message), status=503)
    response.headers["Retry-After"] = "60"
    return response


def _form() -> Mapping[str, str]:
    request.max_content_length = MAX_FORM_BYTES  # a body of unknown length is held to it too
    return {name: request.form.get(name, "")[: MAX_COMMENT_CHARS * 4]
            for name in ("entry", "generation", "token", "answer", "comment")}


def _sent_from_this_site() -> bool:
    """False when the browser says the request comes from another site."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    # The host only: behind a proxy that ends TLS, the scheme seen here is not the browser's.
    return origin is None or urlsplit(origin).netloc == request.host


# -- the insights page ------------------------------------------------------------------


@bp.get("/insights.json", defaults={"fmt": "json"})
@bp.get("/insights", defaults={"fmt": "html"})
def page(fmt: str) -> ResponseReturnValue:
    """What people searched for, opened and said of the answers (for the keeper only)."""
    state = insights()
    assert state is not None
    given = _check_access(state)
    days = _days(request.args)
    state.recorder.flush(timeout=1.0)  # this process's latest events count too
    try:
        report = build_report(state.store, days=days, limit=ROWS, lookup=_lookup)
    except InsightsError as exc:
        _log.warning("insights: %s", exc)
        return _unavailable(fmt, "The insights cannot be read just now; please try again later.")
    links = {"token": given} if given and "token" in request.args else {}
    if fmt == "json":
        response = current_app.json.response(
            report.to_dict() | {"html_url": url_for("insights.page", days=days, **links,
                                                    _external=True)})
    else:
        response = Response(render_template(
            "insights.html", report=report, chart=daily_chart(report.daily), days=days,
            periods=PERIODS, links=links))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


def _check_access(state: Insights) -> str | None:
    """Refuse a request without the token (or, with none set, from elsewhere); the token
    the request gave, if any."""
    if state.token is None:
        if not _from_this_machine():
            abort(403, "The insights page is shown only on the machine that serves it. "
                       "To read it from elsewhere, start the server with an insights token.")
        return None
    given = _given_token()
    if given is None or not hmac.compare_digest(given.encode(), state.token.encode()):
        abort(403, "The insights page needs its token (?token=… or an Authorization "
                   "header); ask whoever runs this server.")
    return given


def _given_token() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.args.get("token") or None


def _from_this_machine() -> bool:
    if any(name in request.headers for name in _FORWARDED):
        return False  # a proxy on this machine relays requests from anywhere
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _days(args: Mapping[str, str]) -> int:
    raw = args.get("days", "").strip()
    if not raw:
        return DEFAULT_DAYS
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= MAX_DAYS:
        abort(400, f"days must be a whole number from 1 to {MAX_DAYS}, not {raw[:20]!r}.")
    return int(raw)


def _lookup(entry_id: str) -> Entry | None:
    try:
        return _knowledge_base().entry(entry_id)
    except FaqkbError:
        return None


def _knowledge_base() -> KnowledgeBase:
    return cast(KnowledgeBase, current_app.extensions["faqkb"])
