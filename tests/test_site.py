"""The app fits the knowledge base it serves: its title and description come from
``kb/faqkb.toml`` or the app's settings, its examples and tips from the documents'
own words, and nothing of the bundled kb/ shows on any page of another one."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from conftest import BUNDLED_KB
from faqkb import KnowledgeBase
from faqkb.cli import cli
from faqkb.web import create_app
from faqkb.web.site import DEFAULT_TITLE, SETTINGS_FILE, read_settings_file

BILLING_FAQ = """\
Billing Questions

When is my card charged?

Your card is charged on the first day of each billing period. The receipt arrives by email.

How do I update my payment details?

Open Billing in your account settings and choose Payment details. Changes apply to the next invoice.

Can I get a refund for an unused month?

Refunds are given for unused months within thirty days of the charge.
Contact support with the invoice number.
"""
ACCOUNT_FAQ = """\
# Account Help

## How do I reset my password?

Choose "Forgot password" on the sign-in page and follow the link in the email.

## Can two people share one account?

No. Each person needs an account of their own; a team plan covers several people.

## How do I close my account?

Write to support from the email address of the account.
Closing it deletes your invoices after ninety days.
"""
SHIPPING_FAQ = """\
<!doctype html><html><head><title>Shipping FAQ</title></head><body><main>
<h1>Shipping FAQ</h1>
<h2>How long does delivery take?</h2>
<p>Parcels within the country arrive in two to four working days. Abroad, allow ten days.</p>
<h2>Do you ship abroad?</h2>
<p>We ship to every country in the European Union and to Norway and Switzerland.</p>
<h2>Where is my parcel?</h2>
<p>The tracking link in your shipping email shows where the parcel is.</p>
<p>Delivery is free for orders over fifty euros.</p>
</main></body></html>
"""
SHOP_KB = {"billing.txt": BILLING_FAQ, "account.md": ACCOUNT_FAQ, "shipping.html": SHIPPING_FAQ}
# Words of the bundled kb/'s topic; each is checked to be there, so the list cannot go stale.
BUNDLED_TOPIC = ["back", "running", "runner", "runners", "run", "pain", "spine", "spinal",
                 "lumbar", "knee", "posture", "stretches", "stretching", "muscles", "jogging",
                 "core", "discs", "hamstrings", "injury", "sciatica", "footwear"]
SHOP_QUERIES = ["refund", "how long does delivery take", "password reset", "invoice charge",
                "zebra xylophone", "refnd", '"payment details"', "account -password"]


@pytest.fixture
def shop_kb(tmp_path: Path) -> Path:
    folder = tmp_path / "shop"
    folder.mkdir()
    for name, text in SHOP_KB.items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.fixture
def shop_app(shop_kb: Path, tmp_path: Path) -> Iterator[Flask]:
    app = create_app({"TESTING": True, "FAQKB_KB_DIR": shop_kb,
                      "FAQKB_INDEX_DIR": tmp_path / "index", "FAQKB_CHECK_INTERVAL": 0})
    yield app
    app.extensions["faqkb"].close()


@pytest.fixture
def shop(shop_app: Flask) -> FlaskClient:
    return shop_app.test_client()


def page_of(client: FlaskClient, url: str) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.get_data(as_text=True), "html.parser")


def crawl(client: FlaskClient, start: list[str], limit: int = 200) -> dict[str, str]:
    """Every page of the site reachable from ``start``: URL -> its text (JSON as text)."""
    seen: dict[str, str] = {}
    waiting = list(start)
    while waiting and len(seen) < limit:
        url = waiting.pop(0)
        if url in seen:
            continue
        with client.get(url, follow_redirects=True) as response:
            seen[url] = response.get_data(as_text=True)
            html = response.mimetype == "text/html"
        if not html:
            continue
        for link in BeautifulSoup(seen[url], "html.parser").select("a[href], link[href]"):
            target = urlsplit(str(link["href"]))
            if not target.netloc and target.path.startswith("/"):
                waiting.append(target.path + (f"?{target.query}" if target.query else ""))
    return seen


# -- nothing of the bundled kb/ on a kb of another topic ------------------------------


def test_the_topic_words_are_the_bundled_kbs() -> None:
    text = " ".join(p.read_text(encoding="utf-8") for p in BUNDLED_KB.glob("*.txt")).lower()
    assert [w for w in BUNDLED_TOPIC if not re.search(rf"\b{w}\b", text)] == []


def test_no_word_of_the_bundled_kb_is_on_any_page_of_another_kb(shop: FlaskClient) -> None:
    start = ["/", "/questions", "/sources", "/sources.json", "/questions.json", "/nope",
             "/static/suggest.js", "/search", *(f"/search?q={q}" for q in SHOP_QUERIES),
             *(f"/search.json?q={q}" for q in SHOP_QUERIES),
             *(f"/suggest.json?q={q[:4]}&results=4" for q in SHOP_QUERIES)]
    pages = crawl(shop, start)
    assert len(pages) > 40
    found = {url: words for url, text in pages.items()
             if (words := [w for w in BUNDLED_TOPIC if re.search(rf"\b{w}\b", text, re.I)])}
    assert found == {}


def test_the_search_box_offers_a_question_of_the_kb_as_its_example(shop: FlaskClient,
                                                                     shop_app: Flask) -> None:
    questions = {e.question for e in shop_app.extensions["faqkb"].entries(kind="qa")}
    for url in ("/", "/search"):
        placeholder = str(page_of(shop, url).select_one("main input[name=q]")["placeholder"])
        assert placeholder.startswith("e.g. ") and placeholder[5:] in questions


def test_a_documents_search_box_offers_one_of_its_own_questions(shop: FlaskClient) -> None:
    box = page_of(shop, "/sources/account.md").select_one("#source-q")
    assert box is not None and box["placeholder"] == "e.g. How do I reset my password?"


def test_the_tips_use_the_kbs_own_words(shop: FlaskClient, shop_kb: Path) -> None:
    tips = page_of(shop, "/").select("main .hint kbd")
    phrase, excluded = tips[0].get_text(), tips[1].get_text()
    text = " ".join(p.read_text(encoding="utf-8") for p in shop_kb.iterdir()).lower()
    assert phrase.startswith('"') and phrase.strip('"') in " ".join(text.split())
    assert excluded.startswith("-") and re.search(rf"\b{excluded[1:]}\b", text)


def test_a_kb_without_questions_offers_no_example_question(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "notes.txt").write_text("Release Notes\n\nThe export now keeps every column "
                                      "of the sheet.\n", encoding="utf-8")
    app = create_app({"FAQKB_KB_DIR": folder, "FAQKB_INDEX_DIR": tmp_path / "index"})
    box = page_of(app.test_client(), "/").select_one("main input[name=q]")
    assert box is not None and box["placeholder"] == "Type a question or a few words"
    app.extensions["faqkb"].close()


# -- the site's title and description -------------------------------------------------


def test_without_settings_the_site_has_a_plain_default_title(shop: FlaskClient) -> None:
    page = page_of(shop, "/")
    assert page.title is not None and page.title.get_text() == f"Search · {DEFAULT_TITLE}"
    assert page.select_one(".brand").get_text(strip=True).endswith(DEFAULT_TITLE)
    assert page.select_one("h1").get_text() == "Ask the knowledge base"


def test_faqkb_toml_names_and_describes_the_site(shop: FlaskClient, shop_kb: Path) -> None:
    (shop_kb / SETTINGS_FILE).write_text(
        'title = "Acme Help Centre"\ndescription = "Billing, accounts and shipping."\n',
        encoding="utf-8")
    page = page_of(shop, "/")
    assert page.title is not None and page.title.get_text() == "Search · Acme Help Centre"
    assert page.select_one(".brand").get_text(strip=True).endswith("Acme Help Centre")
    assert page.select_one("h1").get_text() == "Acme Help Centre"
    assert page.select_one(".lede.description").get_text() == "Billing, accounts and shipping."
    assert page.select_one("meta[name=description]")["content"] == (
        "Billing, accounts and shipping.")


def test_the_apps_settings_win_over_faqkb_toml(shop_kb: Path, tmp_path: Path) -> None:
    (shop_kb / SETTINGS_FILE).write_text('title = "From the file"\n', encoding="utf-8")
    app = create_app({"FAQKB_KB_DIR": shop_kb, "FAQKB_INDEX_DIR": tmp_path / "index",
                      "FAQKB_TITLE": "From the app"})
    page = page_of(app.test_client(), "/sources")
    assert page.title is not None and page.title.get_text() == "Sources · From the app"
    app.extensions["faqkb"].close()


def test_a_broken_faqkb_toml_leaves_the_defaults_and_is_logged(
        shop: FlaskClient, shop_kb: Path, caplog: pytest.LogCaptureFixture) -> None:
    (shop_kb / SETTINGS_FILE).write_text('title = "unterminated\n', encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="faqkb"):
        page = page_of(shop, "/")
    assert page.title is not None and page.title.get_text().endswith(DEFAULT_TITLE)
    assert "faqkb.toml: not valid TOML" in caplog.text


@pytest.mark.parametrize("content, problem", [
    ('colour = "blue"\n', "unknown setting 'colour'"),
    ("title = 3\n", "title must be text"),
    (f'title = "{"x" * 200}"\n', "longer than 80 characters"),
    (b"title = '\xff'\n", "not UTF-8"),
])
def test_a_setting_that_cannot_be_used_is_named(tmp_path: Path, content: str | bytes,
                                                problem: str) -> None:
    path = tmp_path / SETTINGS_FILE
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    settings, problems = read_settings_file(path)
    assert settings == {} and len(problems) == 1 and problem in problems[0]


def test_faqkb_toml_is_not_a_document(shop_kb: Path, tmp_path: Path) -> None:
    (shop_kb / SETTINGS_FILE).write_text('title = "Acme"\n', encoding="utf-8")
    report = KnowledgeBase(shop_kb, tmp_path / "index").build()
    assert report.documents == len(SHOP_KB) and report.warnings == ()


def test_serve_takes_a_title_and_description(runner: CliRunner, shop_kb: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    made: dict[str, Flask] = {}

    class FakeServer:
        effective_host, effective_port = "127.0.0.1", 8000

        def __init__(self, app: Flask, **options: object) -> None:
            made["app"] = app

        def run(self) -> None:
            return None

    monkeypatch.setattr("waitress.create_server", FakeServer)
    result = runner.invoke(cli, ["serve", "--kb", str(shop_kb), "--index-dir",
                                 str(tmp_path / "index"), "--workers", "1",
                                 "--title", "Acme", "--description", "Help for Acme users."])
    assert result.exit_code == 0, result.output
    page = page_of(made["app"].test_client(), "/")
    assert page.select_one("h1").get_text() == "Acme"
    assert page.select_one(".lede.description").get_text() == "Help for Acme users."
