"""Documents are served as the index recorded them at build time, never read again from
kb/: a file changed or swapped for a link since is not what a source view shows."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from faqkb import KnowledgeBase, KnowledgeBaseError
from faqkb.documents import read_document
from faqkb.web import create_app

SECRET = "Secret Notes\n\nThe TOP-SECRET-MARKER lives outside the knowledge base.\n"


def test_a_document_is_served_as_it_was_indexed(kb: KnowledgeBase, kb_dir: Path) -> None:
    kb.build()
    assert kb.document("clinic-faq.txt") == read_document(kb_dir / "clinic-faq.txt",
                                                          "clinic-faq.txt")


def test_a_file_changed_since_the_build_is_not_what_its_page_shows(
        kb: KnowledgeBase, kb_dir: Path) -> None:
    kb.build()
    indexed = kb.document("clinic-faq.txt").text
    (kb_dir / "clinic-faq.txt").write_text("Changed\n\nWhat now?\n\nSomething else.\n",
                                           encoding="utf-8")
    reader = KnowledgeBase(kb_dir, kb.index_dir, auto_build=False)
    assert reader.document("clinic-faq.txt").text == indexed


def test_an_update_keeps_the_documents_it_did_not_touch(kb: KnowledgeBase,
                                                        kb_dir: Path) -> None:
    kb.build()
    before = kb.document("hamstrings.txt")
    (kb_dir / "parking.txt").write_text("Parking\n\nWhere can I park?\n\nBehind the building.\n",
                                        encoding="utf-8")
    (kb_dir / "clinic-faq.txt").unlink()
    assert kb.build().mode == "update"
    assert kb.document("hamstrings.txt") == before
    assert kb.document("parking.txt").title == "Parking"
    with pytest.raises(KnowledgeBaseError):
        kb.document("clinic-faq.txt")


def test_a_document_swapped_for_a_link_out_of_kb_is_never_served(kb_dir: Path,
                                                                  tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text(SECRET, encoding="utf-8")
    target = kb_dir / "clinic-faq.txt"
    original = target.read_text(encoding="utf-8")
    index_dir = tmp_path / "index"
    kb = KnowledgeBase(kb_dir, index_dir, check_interval=0)
    kb.build()
    app = create_app({"TESTING": True, "FAQKB_KB_DIR": kb_dir, "FAQKB_INDEX_DIR": index_dir,
                      "FAQKB_CHECK_INTERVAL": 0})
    client: FlaskClient = app.test_client()
    swapped = threading.Event()
    seen: list[str] = []

    def swap() -> None:
        try:
            for _ in range(20_000):  # until the readers have read enough; bounded anyway
                if len(seen) >= 300:
                    break
                # hidden names: never documents themselves
                link = kb_dir / ".link"
                link.symlink_to(secret)
                os.replace(link, target)
                regular = kb_dir / ".regular"
                regular.write_text(original, encoding="utf-8")
                os.replace(regular, target)
        finally:
            swapped.set()

    def read() -> None:
        while not swapped.is_set():
            try:
                seen.append(kb.document("clinic-faq.txt").text)
            except KnowledgeBaseError:
                pass  # not indexed while it is a link
            seen.append(" ".join(hit.text for hit in kb.search("secret marker outside")))
            for url in ("/sources/clinic-faq.txt", "/sources/clinic-faq.txt.json",
                        "/search.json?q=secret+marker+outside"):
                seen.append(client.get(url).get_data(as_text=True))

    readers = [threading.Thread(target=read) for _ in range(2)]
    for thread in readers:
        thread.start()
    swap()
    for thread in readers:
        thread.join()
    app.extensions["faqkb"].close()
    kb.close()
    assert len(seen) >= 300
    assert not [text for text in seen if "TOP-SECRET-MARKER" in text]
