"""Explaining extraction: what became of each block, and the page chrome a build left out."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from faqkb import KnowledgeBase
from faqkb.cli import cli
from faqkb.extract.explain import explain
from written import read

PAGE = """<html><body>
<nav><a href="/">Home</a> <a href="/help">Help</a></nav>
<h1>Help centre FAQ</h1>
<p>Picture yourself never waiting on hold again.</p>
<h2>Can I pause my plan?</h2>
<p>Yes. Pause it for up to three months from your account page.</p>
<h2>Do you offer refunds?</h2>
<p>Within fourteen days of a payment, and in full.</p>
<h2>Invoices arrive late</h2>
<p>They are sent on the first working day of the month; check your spam folder.</p>
<h2>Still have questions?</h2>
<p>Contact us.</p>
<div class="share-links"><a href="/t">Twitter</a> <a href="/f">Facebook</a></div>
</body></html>
"""


def fates(tmp_path: Path) -> dict[str, tuple[str, str]]:
    document = read(tmp_path, "help.html", PAGE)
    return {fate.text: (fate.fate, fate.why) for fate in explain(document)}


def test_a_question_is_explained_as_the_question_of_its_pair(tmp_path: Path) -> None:
    assert fates(tmp_path)["Can I pause my plan?"] == ("question", "asks a question")


def test_a_statement_entry_says_why_it_counts(tmp_path: Path) -> None:
    fate, why = fates(tmp_path)["Invoices arrive late"]
    assert fate == "question" and why.startswith("an entry of a FAQ list")


def test_an_answer_names_its_pair_and_its_claims(tmp_path: Path) -> None:
    fate, why = fates(tmp_path)["Yes. Pause it for up to three months from your account page."]
    assert (fate, why) == ("answer", "answers pair 1; and 1 claim")


def test_page_chrome_is_explained_as_dropped(tmp_path: Path) -> None:
    assert fates(tmp_path)["Still have questions?"] == (
        "dropped", "page chrome: a question about the page itself")


def test_rhetoric_is_explained_as_dropped(tmp_path: Path) -> None:
    assert fates(tmp_path)["Picture yourself never waiting on hold again."] == (
        "dropped", "rhetoric: no fact or advice")


def test_a_line_too_short_for_a_claim_says_so(tmp_path: Path) -> None:
    fate, why = fates(tmp_path)["Contact us."]
    assert fate == "dropped" and why.startswith("too short")


def test_extract_explain_prints_each_block_and_what_the_reader_left_out(tmp_path: Path) -> None:
    (tmp_path / "help.html").write_text(PAGE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["extract", "--explain", str(tmp_path / "help.html")])
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "help.html: 10 blocks"
    assert 'left out by the reader, page chrome (<nav>): "Home Help"' in lines[1]
    assert any("question 1" in line and "Can I pause my plan?" in line for line in lines)


def test_the_build_report_counts_page_chrome_per_document(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    (kb_dir / "help.html").write_text(PAGE, encoding="utf-8")
    (kb_dir / "plain.txt").write_text("Opening hours\n\nWe open at nine every day.\n",
                                      encoding="utf-8")
    report = KnowledgeBase(kb_dir, tmp_path / "index").build()
    # The navigation bar and the share links (the reader), "Still have questions?".
    assert report.chrome == (("help.html", 3),)


def test_faqkb_build_prints_what_it_left_out_as_page_chrome(tmp_path: Path) -> None:
    kb_dir = tmp_path / "kb"
    kb_dir.mkdir()
    (kb_dir / "help.html").write_text(PAGE, encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--kb", str(kb_dir), "--index-dir",
                                      str(tmp_path / "index")])
    assert "Left out as page chrome: help.html 3" in result.stdout


def test_the_build_names_at_most_ten_documents_with_chrome_and_counts_the_rest(
        tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    page = ("<html><body><nav><a href='/'>Home</a> <a href='/faq'>FAQ</a></nav><main>"
            "<h1>Help {n}</h1><h2>How do I reset item {n}?</h2><p>Hold the button for ten "
            "seconds until the light blinks.</p></main></body></html>")
    for n in range(12):
        (folder / f"page{n:02d}.html").write_text(page.format(n=n), encoding="utf-8")
    result = CliRunner().invoke(cli, ["build", "--kb", str(folder),
                                      "--index-dir", str(tmp_path / "index")])
    line = next(line for line in result.stdout.splitlines() if "page chrome" in line)
    assert line.count(".html") == 10
    assert "and 2 more documents (12 pieces in all)" in line
