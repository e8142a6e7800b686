"""Insights in the web app: events recorded only when on and never with personal data,
votes with and without JavaScript, the insights page only for its token, and a database
that is locked or cannot be written costing no search."""

from __future__ import annotations

import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.error import HTTPError
from urllib.parse import parse_qs, urlsplit
from urllib.request import Request, urlopen

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from conftest import Server
from faqkb.cli import cli
from faqkb.insights import InsightsStore
from faqkb.insights.events import current_hour
from faqkb.insights.votes import TOKEN_HOURS, sign
from faqkb.web import create_app
from faqkb.web.insights import EXTENSION, Insights

TOKEN = "keeper-token-5d1e"
AS_ROOT = getattr(os, "geteuid", lambda: -1)() == 0
WEAR = "What should I wear to my first session?"


def make_app(kb_dir: Path, tmp_path: Path, **settings: Any) -> Flask:
    return create_app({"TESTING": True, "FAQKB_KB_DIR": kb_dir,
                       "FAQKB_INDEX_DIR": tmp_path / "web-index", "FAQKB_CHECK_INTERVAL": 0,
                       "FAQKB_INSIGHTS": True, "FAQKB_INSIGHTS_BUSY_SECONDS": 0.2,
                       **settings})


def close(app: Flask) -> None:
    state = app.extensions.get(EXTENSION)
    if state is not None:
        state.recorder.close()
    app.extensions["faqkb"].close()


@pytest.fixture
def on(kb_dir: Path, tmp_path: Path) -> Iterator[Flask]:
    """The web app with insights on, and no token."""
    application = make_app(kb_dir, tmp_path)
    yield application
    close(application)


@pytest.fixture
def guarded(kb_dir: Path, tmp_path: Path) -> Iterator[Flask]:
    """The web app with insights on and a token."""
    application = make_app(kb_dir, tmp_path, FAQKB_INSIGHTS_TOKEN=TOKEN)
    yield application
    close(application)


def state_of(app: Flask) -> Insights:
    state = app.extensions[EXTENSION]
    assert isinstance(state, Insights)
    return state


def recorded(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of the insights database, once the app's writer has caught up."""
    state = state_of(app)
    assert state.recorder.flush(timeout=10)
    with sqlite3.connect(state.store.path) as connection:
        rows = {table: connection.execute(f"SELECT * FROM {table} ORDER BY 1, 2").fetchall()
                for table in ("searches", "opens", "votes")}
    connection.close()
    return rows


def passage_of(client: FlaskClient, query: str) -> str:
    """The URL of the first result of ``query``."""
    return str(client.get("/search.json", query_string={"q": query}).json["hits"][0]["url"])


def vote_form(client: FlaskClient, url: str) -> dict[str, str]:
    """The fields of the vote form on the page at ``url``."""
    page = BeautifulSoup(client.get(url).get_data(as_text=True), "html.parser")
    form = page.select_one("form.feedback-form")
    assert form is not None
    return {str(field["name"]): str(field.get("value", ""))
            for field in form.select("input[type=hidden]")}


def send_vote(client: FlaskClient, fields: Mapping[str, str], *, url: str = "/feedback",
              headers: Mapping[str, str] | None = None) -> Any:
    return client.post(url, data=dict(fields), headers=dict(headers or {}))


# -- recording ------------------------------------------------------------------------


def test_nothing_is_recorded_and_no_database_made_while_insights_are_off(
        app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    url = passage_of(client, "towel")
    page = client.get(url).get_data(as_text=True)
    assert EXTENSION not in app.extensions
    assert "feedback" not in page
    assert list((tmp_path / "web-index").glob("insights*")) == []
    assert client.get("/insights").status_code == 404
    assert client.get("/insights.json").status_code == 404
    assert client.post("/feedback", data={"answer": "yes"}).status_code == 405


def test_a_search_is_recorded_with_its_hits_close_match_and_correction(on: Flask) -> None:
    client = on.test_client()
    client.get("/search?q=what+to+wear")
    client.get("/search.json?q=towle")
    client.get("/search?q=parking+garage+fees")
    hour = current_hour()
    searches = {row[1]: row for row in recorded(on)["searches"]}
    assert searches["what to wear"][0] == hour
    assert searches["what to wear"][2:] == (searches["what to wear"][2], 1, "", 1)
    assert searches["what to wear"][2] > 0
    assert searches["towle"][4] == "towel"
    assert searches["parking garage fees"][2:] == (0, 0, "", 1)


def test_only_the_first_page_of_a_get_search_is_recorded(on: Flask) -> None:
    client = on.test_client()
    client.get("/search?q=session&page=2")
    client.head("/search?q=session")
    client.get("/search?q=+")
    client.get("/search?q=session")
    assert [(row[1], row[5]) for row in recorded(on)["searches"]] == [("session", 1)]


def test_an_answer_opened_from_the_results_is_recorded_with_its_search(on: Flask) -> None:
    client = on.test_client()
    url = passage_of(client, "what to wear")
    client.get(url, headers={"Referer": "http://localhost/search?q=what+to+wear"})
    client.get(url)  # opened some other way: a link, a bookmark
    entry = url.split("entry=")[1].split("#")[0]
    assert [row[1:] for row in recorded(on)["opens"]] == [
        (entry, "", 1), (entry, "what to wear", 1)]


def test_following_the_insights_page_records_nothing(on: Flask) -> None:
    client = on.test_client()
    client.get("/search?q=towel", headers={"Referer": "http://localhost/insights?days=7"})
    assert recorded(on)["searches"] == []


def test_no_personal_data_is_stored(on: Flask) -> None:
    client = on.test_client()
    who = {"User-Agent": "UA-unique-4b7f", "Cookie": "session=cookie-unique-91aa",
           "X-Forwarded-For": "198.51.100.23", "Accept-Language": "xx-unique",
           "Referer": "http://localhost/search?q=towel"}
    environ = {"REMOTE_ADDR": "203.0.113.77", "REMOTE_PORT": "40123"}
    responses = [client.get("/search?q=towel", headers=who, environ_base=environ)]
    url = passage_of(client, "towel")
    responses.append(client.get(url, headers=who, environ_base=environ))
    fields = vote_form(client, url)
    responses.append(send_vote(client, fields | {"answer": "no"}, headers=who))
    rows = recorded(on)
    files = sorted(state_of(on).store.path.parent.glob("insights.sqlite3*"))
    stored = b"".join(path.read_bytes() for path in files)
    for secret in ("UA-unique-4b7f", "cookie-unique-91aa", "198.51.100.23", "203.0.113.77",
                   "40123", "xx-unique"):
        assert secret.encode() not in stored
    assert all("Set-Cookie" not in response.headers for response in responses)
    assert {row[0] for table in rows.values() for row in table} == {current_hour()}


# -- votes ----------------------------------------------------------------------------


def test_a_vote_without_javascript_returns_to_the_answer_with_thanks(on: Flask) -> None:
    client = on.test_client()
    url = passage_of(client, "what to wear")
    fields = vote_form(client, url)
    response = send_vote(client, fields | {"answer": "no", "comment": "Shoes too?"})
    assert response.status_code == 303
    back = response.headers["Location"]
    assert urlsplit(back).path == urlsplit(url).path
    assert urlsplit(back).fragment == urlsplit(url).fragment
    assert parse_qs(urlsplit(back).query) == parse_qs(urlsplit(url).query) | {"voted": ["no"]}
    page = BeautifulSoup(client.get(back).get_data(as_text=True), "html.parser")
    assert page.select_one(".feedback-thanks") is not None
    assert page.select_one("form.feedback-form") is None
    generation = on.extensions["faqkb"].version
    assert [row[1:] for row in recorded(on)["votes"]] == [
        (fields["entry"], generation, 0, "Shoes too?", 1)]


def test_returning_after_a_vote_is_not_counted_as_opening_the_answer_again(on: Flask) -> None:
    client = on.test_client()
    url = passage_of(client, "what to wear")
    back = send_vote(client, vote_form(client, url) | {"answer": "yes"}).headers["Location"]
    client.get(back)
    assert sum(row[3] for row in recorded(on)["opens"]) == 1


def test_a_vote_with_javascript_is_answered_in_json(on: Flask) -> None:
    client = on.test_client()
    fields = vote_form(client, passage_of(client, "what to wear"))
    response = send_vote(client, fields | {"answer": "yes"}, url="/feedback.json",
                         headers={"Accept": "application/json",
                                  "Origin": "http://localhost", "Sec-Fetch-Site": "same-origin"})
    assert response.status_code == 200
    assert response.json == {"saved": True, "entry": fields["entry"], "answer": "yes",
                             "message": "Thank you for your answer."}
    assert [row[3] for row in recorded(on)["votes"]] == [1]


@pytest.mark.parametrize("change, message", [
    ({"token": "0.deadbeef"}, "expired"),
    ({"answer": "maybe"}, "Yes or No"),
    ({"comment": "x" * 501}, "under 500"),
    ({"generation": "gen-999"}, "not made by this site"),
])
def test_a_vote_from_a_wrong_or_stale_form_is_refused(on: Flask, change: dict[str, str],
                                                      message: str) -> None:
    client = on.test_client()
    fields = vote_form(client, passage_of(client, "what to wear")) | {"answer": "no"}
    response = send_vote(client, fields | change, url="/feedback.json")
    assert response.status_code == 400
    assert message in response.json["error"]
    assert recorded(on)["votes"] == []


def test_a_form_signed_for_one_answer_cannot_vote_on_another(on: Flask) -> None:
    client = on.test_client()
    fields = vote_form(client, passage_of(client, "what to wear"))
    other = passage_of(client, "referral").split("entry=")[1].split("#")[0]
    response = send_vote(client, fields | {"entry": other, "answer": "no"}, url="/feedback.json")
    assert response.status_code == 400


def test_a_form_older_than_a_day_has_expired(on: Flask) -> None:
    client = on.test_client()
    fields = vote_form(client, passage_of(client, "what to wear"))
    secret = state_of(on).secret
    assert secret is not None
    old = sign(secret, fields["entry"], fields["generation"], current_hour() - TOKEN_HOURS - 1)
    response = send_vote(client, fields | {"token": old, "answer": "no"}, url="/feedback.json")
    assert response.status_code == 400
    assert "expired" in response.json["error"]


@pytest.mark.parametrize("headers", [{"Origin": "http://elsewhere.example"},
                                     {"Sec-Fetch-Site": "cross-site"},
                                     {"Origin": "null"}])
def test_a_vote_sent_from_another_site_is_refused(on: Flask, headers: dict[str, str]) -> None:
    client = on.test_client()
    fields = vote_form(client, passage_of(client, "what to wear")) | {"answer": "no"}
    assert send_vote(client, fields, headers=headers).status_code == 403
    assert recorded(on)["votes"] == []


def test_votes_are_only_taken_by_post(on: Flask) -> None:
    client = on.test_client()
    response = client.get("/feedback")
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    assert client.post("/search?q=towel").status_code == 405


def test_a_vote_larger_than_a_form_is_refused(on: Flask) -> None:
    client = on.test_client()
    fields = vote_form(client, passage_of(client, "what to wear"))
    response = send_vote(client, fields | {"answer": "no", "padding": "x" * 20_000})
    assert response.status_code == 413


# -- the insights page ------------------------------------------------------------------


def test_the_page_refuses_a_request_without_the_token(guarded: Flask) -> None:
    client = guarded.test_client()
    assert client.get("/insights").status_code == 403
    assert client.get("/insights.json").status_code == 403
    assert client.get("/insights?token=wrong").status_code == 403
    assert client.get("/insights.json",
                      headers={"Authorization": "Bearer wrong"}).status_code == 403


def test_the_page_is_served_to_a_request_with_the_token(guarded: Flask) -> None:
    client = guarded.test_client()
    assert client.get(f"/insights?token={TOKEN}").status_code == 200
    response = client.get("/insights.json", headers={"Authorization": f"Bearer {TOKEN}"},
                          environ_base={"REMOTE_ADDR": "203.0.113.77"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


def test_without_a_token_the_page_is_served_only_to_this_machine(on: Flask) -> None:
    client = on.test_client()
    assert client.get("/insights").status_code == 200
    assert client.get("/insights", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    assert client.get("/insights",
                      environ_base={"REMOTE_ADDR": "203.0.113.77"}).status_code == 403
    relayed = client.get("/insights", headers={"X-Forwarded-For": "203.0.113.77"})
    assert relayed.status_code == 403


def test_the_page_shows_the_searches_and_links_its_json_twin(guarded: Flask) -> None:
    client = guarded.test_client()
    for query in ("parking garage fees", "parking garage fees", "what to wear"):
        client.get("/search", query_string={"q": query})
    page = BeautifulSoup(client.get(f"/insights?token={TOKEN}&days=7").get_data(as_text=True),
                         "html.parser")
    unanswered = page.select("#unanswered-title ~ .table-wrap tbody tr")
    assert [row.select("td")[0].get_text() for row in unanswered] == ["2"]
    assert "parking garage fees" in unanswered[0].get_text()
    assert len(page.select("svg.chart rect.bar")) == 7
    twin = page.select_one("link[rel=alternate][type='application/json']")
    assert twin is not None
    data = client.get(str(twin["href"])).json
    assert data["totals"]["searches"] == 3
    assert data["unanswered"][0]["example"] == "parking garage fees"


def test_a_bad_period_gets_a_400(on: Flask) -> None:
    assert on.test_client().get("/insights.json?days=0").status_code == 400


# -- a database that cannot be written costs no search ---------------------------------


def test_a_locked_database_costs_no_search(on: Flask) -> None:
    client = on.test_client()
    client.get("/search?q=towel")
    assert state_of(on).recorder.flush(timeout=10)
    other = sqlite3.connect(state_of(on).store.path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        response = client.get("/search?q=what+to+wear")
        assert response.status_code == 200
        assert WEAR in response.get_data(as_text=True)
        other.execute("COMMIT")
    finally:
        other.close()
    assert state_of(on).recorder.flush(timeout=10)
    assert state_of(on).recorder.dropped + state_of(on).recorder.written == 2


def test_a_vote_while_the_database_stays_locked_says_it_was_not_saved(on: Flask) -> None:
    client = on.test_client()
    fields = vote_form(client, passage_of(client, "what to wear")) | {"answer": "no"}
    other = sqlite3.connect(state_of(on).store.path, isolation_level=None)
    try:
        other.execute("BEGIN EXCLUSIVE")
        response = send_vote(client, fields, url="/feedback.json")
    finally:
        other.close()
    assert response.status_code == 503
    assert "could not be saved" in response.json["error"]


def test_a_database_that_cannot_be_created_costs_no_search(
        kb_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    with caplog.at_level(logging.WARNING, logger="faqkb.insights"):
        application = make_app(kb_dir, tmp_path,
                               FAQKB_INSIGHTS_DB=tmp_path / "a-file" / "insights.sqlite3")
        try:
            client = application.test_client()
            response = client.get("/search?q=what+to+wear")
            page = client.get(passage_of(client, "what to wear")).get_data(as_text=True)
            assert state_of(application).recorder.flush(timeout=10)
        finally:
            close(application)
    assert response.status_code == 200 and WEAR in response.get_data(as_text=True)
    assert "feedback-form" not in page  # no vote can be kept, so none is asked for
    assert [r.getMessage().split(":")[0] for r in caplog.records] == ["insights"] * 2


@pytest.mark.skipif(AS_ROOT, reason="root may write to a read-only file")
def test_a_read_only_database_costs_no_search(kb_dir: Path, tmp_path: Path) -> None:
    path = tmp_path / "ro" / "insights.sqlite3"
    InsightsStore(path).add([])
    for file in path.parent.iterdir():
        file.chmod(0o444)
    path.parent.chmod(0o555)
    try:
        application = make_app(kb_dir, tmp_path, FAQKB_INSIGHTS_DB=path)
        try:
            response = application.test_client().get("/search?q=what+to+wear")
            assert state_of(application).recorder.flush(timeout=10)
            assert state_of(application).recorder.written == 0
        finally:
            close(application)
    finally:
        path.parent.chmod(0o755)
    assert response.status_code == 200 and WEAR in response.get_data(as_text=True)


# -- faqkb serve --insights -------------------------------------------------------------


class QuietServer:
    """Stands in for waitress: listens nowhere, returns from run() at once."""

    def __init__(self, app: Flask, **options: Any) -> None:
        self.app = app
        self.effective_host, self.effective_port = options["host"], 8000

    def run(self) -> None:
        close(self.app)


@pytest.mark.parametrize("args, who", [
    (["--insights"], "(from this machine only)"),
    (["--insights", "--insights-token", TOKEN], "(with its token)"),
])
def test_serve_says_where_insights_go_and_who_may_read_them(
        runner: CliRunner, kb_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        args: list[str], who: str) -> None:
    monkeypatch.setattr("waitress.create_server", QuietServer)
    result = runner.invoke(cli, ["serve", "--kb", str(kb_dir), "--index-dir",
                                 str(tmp_path / "index"), "--workers", "1", *args])
    assert result.exit_code == 0, result.output
    database = tmp_path / "index" / "insights.sqlite3"
    assert f"Insights: recorded in {database}, kept 90 days; " \
           f"see http://127.0.0.1:8000/insights {who}" in result.output


def test_serve_without_insights_records_nothing_and_ignores_a_token(
        runner: CliRunner, kb_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("waitress.create_server", QuietServer)
    result = runner.invoke(cli, ["serve", "--kb", str(kb_dir), "--index-dir",
                                 str(tmp_path / "index"), "--workers", "1",
                                 "--insights-token", TOKEN])
    assert result.exit_code == 0
    assert "Insights:" not in result.stdout
    assert "--insights-token is ignored without --insights" in result.stderr
    assert not (tmp_path / "index" / "insights.sqlite3").exists()


def test_the_served_app_records_searches_and_shows_them_to_the_token(
        serve: Callable[..., Server], kb_dir: Path, tmp_path: Path) -> None:
    server = serve("--kb", str(kb_dir), "--index-dir", str(tmp_path / "index"), "--workers",
                   "1", "--insights", "--insights-token", TOKEN, "--insights-retention", "30")
    with urlopen(server.url + "search?q=parking+garage") as response:
        assert response.status == 200
    with pytest.raises(HTTPError) as refused:
        urlopen(server.url + "insights.json")
    assert refused.value.code == 403
    refused.value.close()
    keeper = Request(server.url + "insights.json", headers={"Authorization": f"Bearer {TOKEN}"})
    with urlopen(keeper) as response:
        data = json.load(response)
    assert data["unanswered"][0]["example"] == "parking garage"
    assert InsightsStore(tmp_path / "index" / "insights.sqlite3").retention() == 30


# -- kb/faqkb.toml's [insights] ---------------------------------------------------------


def make_app_with_file(kb_dir: Path, tmp_path: Path, toml: str, **settings: Any) -> Flask:
    (kb_dir / "faqkb.toml").write_text(toml, encoding="utf-8")
    return create_app({"TESTING": True, "FAQKB_KB_DIR": kb_dir,
                       "FAQKB_INDEX_DIR": tmp_path / "web-index", **settings})


def test_the_knowledge_bases_settings_can_turn_insights_on_and_set_the_retention(
        kb_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    toml = 'title = "Clinic help"\n\n[insights]\nenabled = true\nretention_days = 14\n'
    with caplog.at_level(logging.WARNING):
        application = make_app_with_file(kb_dir, tmp_path, toml)
        try:
            client = application.test_client()
            assert "Clinic help" in client.get("/").get_data(as_text=True)
            client.get("/search?q=towel")
            assert [row[1] for row in recorded(application)["searches"]] == ["towel"]
            assert state_of(application).store.retention() == 14
        finally:
            close(application)
    assert caplog.records == []  # the site's settings leave the [insights] table alone


def test_the_apps_configuration_wins_over_the_knowledge_bases_settings(
        kb_dir: Path, tmp_path: Path) -> None:
    application = make_app_with_file(kb_dir, tmp_path, "[insights]\nenabled = true\n",
                                     FAQKB_INSIGHTS=False)
    try:
        assert EXTENSION not in application.extensions
        assert application.test_client().get("/insights").status_code == 404
    finally:
        close(application)


def test_mistakes_in_the_insights_settings_are_logged_and_leave_insights_off(
        kb_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    toml = '[insights]\nenabled = "yes"\nretention_days = 0\ntoken = "x"\n'
    with caplog.at_level(logging.WARNING, logger="faqkb.insights"):
        application = make_app_with_file(kb_dir, tmp_path, toml)
        close(application)
    assert EXTENSION not in application.extensions
    messages = [record.getMessage() for record in caplog.records]
    assert len(messages) == 3
    assert "enabled must be true or false" in messages[0]
    assert "retention_days must be a whole number" in messages[1]
    assert "unknown setting [insights] token" in messages[2]
