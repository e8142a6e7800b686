"""The web app: search the knowledge base in a browser, and read every answer where it was said.

The web layer is a thin shell over :class:`~faqkb.kb.KnowledgeBase`; it is the only
part of faqkb that imports Flask.

- :func:`create_app` (here): configuration, one shared knowledge base, and error
  pages (HTML, or JSON for ``.json`` URLs).
- :mod:`.guards`: what every request must pass (method, size, a decodable query
  string, a usable ``Host``) and the headers every response carries.
- :mod:`.views`: the routes, each serving HTML and, where it has data, a JSON twin;
  :mod:`.searching` gathers a results page, :mod:`.summary` what the pages show of the
  whole index, :mod:`.site` the site's title and description.
- :mod:`.layout`: a document laid out for reading with its passages anchored (no
  Flask); :mod:`.reading` renders it once per index generation.
- :mod:`.server` and :mod:`.workers`: waitress set up for faqkb, in one process or several.
- :mod:`.insights`: when insights are on, recording searches, votes, the insights page.
- :mod:`.health`: ``/healthz`` for load balancers, one generation per request;
  :mod:`.accesslog`: request logs in the Combined Log Format.

``flask --app faqkb.web run --debug`` serves it for development; ``faqkb serve`` runs
it with waitress.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, Response, current_app, render_template, request
from werkzeug.exceptions import HTTPException, InternalServerError

from faqkb.errors import DocumentError, FaqkbError, QueryError
from faqkb.kb import KnowledgeBase
from faqkb.search.spelling import load_english_words_in_background
from faqkb.web import guards, health, insights, views
from faqkb.web.accesslog import AccessLog
from faqkb.web.site import SiteSettings
from faqkb.web.summary import SummaryCache

__all__ = ["create_app", "find_templates"]

_PACKAGE = Path(__file__).resolve().parent.parent
KNOWLEDGE_BASE = "faqkb"
RETRY_AFTER_SECONDS = 30


def find_templates() -> Path:
    """The templates folder: inside the installed package, or at the top of a checkout."""
    installed = _PACKAGE / "templates"
    if installed.is_dir():
        return installed
    return _PACKAGE.parent.parent / "templates"


def create_app(test_config: Mapping[str, Any] | None = None) -> Flask:
    """Create the web app over one knowledge base.

    Configuration (``test_config`` overrides the defaults):

    - ``FAQKB_KB_DIR`` and ``FAQKB_INDEX_DIR``: the knowledge base and its index
      (default: as :class:`~faqkb.kb.KnowledgeBase` chooses, so the environment
      variables of the same names, then the bundled ``kb/``);
    - ``FAQKB_CHECK_INTERVAL``: seconds between checks of ``kb/`` for changes (or, with
      ``FAQKB_READ_ONLY``, of the index folder for a newly published generation);
    - ``FAQKB_READ_ONLY``: never build; serve what is published in the index folder;
    - ``FAQKB_ACCESS_LOG``: a file to log each request to (``-``: standard output);
    - ``FAQKB_PER_PAGE``: results on a page (a request may ask for up to 100);
    - ``FAQKB_MAX_QUERY_CHARS``: the longest query accepted (longer ones get a 400);
    - ``FAQKB_TITLE`` and ``FAQKB_DESCRIPTION``: what the site calls itself and says
      about itself (default: as ``kb/faqkb.toml`` says, see :mod:`.site`);
    - ``FAQKB_INSIGHTS`` and the other ``FAQKB_INSIGHTS_*`` settings of
      :mod:`faqkb.web.insights`: record what people search for (off by default).

    Raises :class:`~faqkb.errors.KnowledgeBaseError` when no knowledge base is found
    and :class:`~faqkb.errors.FaqkbError` when the access log cannot be opened.
    """
    app = Flask(__name__, template_folder=str(find_templates()))
    app.config.from_mapping(
        FAQKB_KB_DIR=None,
        FAQKB_INDEX_DIR=None,
        FAQKB_CHECK_INTERVAL=1.0,
        FAQKB_READ_ONLY=False,
        FAQKB_ACCESS_LOG=None,
        FAQKB_PER_PAGE=10,
        FAQKB_MAX_QUERY_CHARS=500,
        FAQKB_TITLE=None,
        FAQKB_DESCRIPTION=None,
    )
    if test_config is not None:
        app.config.from_mapping(test_config)
    check_interval = float(app.config["FAQKB_CHECK_INTERVAL"])
    kb = KnowledgeBase(app.config["FAQKB_KB_DIR"], app.config["FAQKB_INDEX_DIR"],
                       check_interval=check_interval,
                       read_only=bool(app.config["FAQKB_READ_ONLY"]))
    app.extensions[KNOWLEDGE_BASE] = kb
    app.extensions[views.SUMMARY] = SummaryCache()
    app.extensions[views.SITE] = SiteSettings(
        lambda: kb.settings_dir, {"title": app.config["FAQKB_TITLE"],
                    "description": app.config["FAQKB_DESCRIPTION"]},
        check_interval=check_interval)
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.json.sort_keys = False  # type: ignore[attr-defined]
    app.wsgi_app = guards.UsableHost(  # type: ignore[method-assign]
        guards.ReadableQueryString(app.wsgi_app))
    if app.config["FAQKB_ACCESS_LOG"]:
        target = str(app.config["FAQKB_ACCESS_LOG"])
        try:
            app.wsgi_app = AccessLog(app.wsgi_app, target)  # type: ignore[method-assign]
        except OSError as exc:
            raise FaqkbError(f"cannot open the access log {target}: "
                             f"{exc.strerror or exc}") from None
    app.register_blueprint(views.bp)
    health.init_app(app)
    insights.init_app(app)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(FaqkbError, _library_error)
    app.before_request(guards.check_request)
    app.after_request(guards.secure)
    # A word the kb lacks is looked up in the English word list (so that a real word is
    # not "corrected" into one of the kb's): read it now, not in a visitor's search.
    load_english_words_in_background()
    return app


def _library_error(error: FaqkbError) -> Response:
    if isinstance(error, QueryError):
        return _error_response(400, "Bad request", str(error))
    if isinstance(error, DocumentError):  # a document removed since it was indexed
        return _error_response(404, "Not found", str(error))
    # A missing kb/ folder or an index that cannot be built: the server's problem, and
    # its message names the server's folders, so it goes to the log, not to the visitor.
    current_app.logger.error("%s", error)
    response = _error_response(503, "Search is unavailable",
                               "The knowledge base cannot be read right now. Please try again "
                               "later; the server's log says what is wrong.")
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


def _http_error(error: HTTPException) -> Response:
    code = error.code or 500
    if isinstance(error, InternalServerError) or code >= 500:
        message = "Something went wrong on our side. Please try again."
    else:
        message = error.description or ""
    response = _error_response(code, error.name, message)
    extra = dict(error.get_headers())
    for header in ("Allow", "Retry-After"):
        if header in extra:
            response.headers[header] = extra[header]
    return response


def _error_response(code: int, title: str, message: str) -> Response:
    """An error as JSON for ``.json`` URLs, else as a page."""
    if request.path.endswith(".json"):
        response = views.json_response({"error": message, "status": code, "title": title})
    else:
        response = Response(render_template("error.html", code=code, title=title,
                                            message=message))
    response.status_code = code
    return response
