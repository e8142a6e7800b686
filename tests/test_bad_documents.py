"""A knowledge base with bad files in it: the build finishes, indexes every good document,
reports each bad one in one line (``faqkb build --strict`` fails naming them), never
follows a link out of ``kb/`` and never blocks on a file that is not a file."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from faqkb import KnowledgeBase, KnowledgeBaseError
from faqkb.cli import cli
from faqkb.documents import MAX_DOCUMENT_BYTES, discover, load_documents, read_document
from faqkb.errors import DocumentError
from faqkb.web import create_app

AS_ROOT = getattr(os, "geteuid", lambda: -1)() == 0
ROOT_READS_ANYTHING = "running as root, which reads a file or folder whatever its mode"
SECRET = "TOP-SECRET-77ab"
GOOD = {
    "good.txt": "Clinic FAQ\n\nHow long does a session last?\n\nFifty minutes, warm-up included.\n",
    "notes/deep.md": "# Towels\n\nDo you lend towels?\n\nYes, at the front desk.\n",
}
LEGACY = {
    "latin1.txt": "Café FAQ\n\nIs the café open on Sundays?\n\nYes, from nine.\n".encode("latin-1"),
    "invalid-utf8.md": b"# Menu\n\nCr\xe8me br\xfbl\xe9e is served \x93daily\x94.\n",
}
ONE_LINE = "The studio keeps mats, blocks and straps for every class. " * 18_000  # ~1 MB
# name -> what its one warning line says
BAD = {
    "empty.txt": "empty.txt: an empty file",
    "blank.md": "blank.md: no text to index",
    "binary.txt": "binary.txt: binary file (contains NUL bytes)",
    "huge.txt": "huge.txt: 20.0 MB, larger than the 10 MB faqkb reads",
    "scan.pdf": "scan.pdf: skipped, not a supported format",
    "outside.txt": "outside.txt: skipped, a link to outside the knowledge base",
    "loop-a.txt": "loop-a.txt: skipped, a broken or looping link",
    "loop-b.txt": "loop-b.txt: skipped, a broken or looping link",
    "dangling.txt": "dangling.txt: skipped, a broken or looping link",
    "elsewhere": "elsewhere: skipped, a link to outside the knowledge base",
    "pipe.txt": "pipe.txt: skipped, not a regular file",
}
IGNORED = [".hidden.txt", ".drafts/secret.txt", "answers.txt~", "answers.txt.bak",
           "answers.txt.swp", "#answers.txt#", "synonyms.txt"]


def link(path: Path, target: Path | str) -> None:
    try:
        path.symlink_to(target)
    except (OSError, NotImplementedError) as exc:
        pytest.skip(f"cannot make symbolic links here: {exc}")


def write(folder: Path, name: str, content: str | bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


@pytest.fixture
def hostile_kb(tmp_path: Path) -> Path:
    """A kb/ holding good documents, every kind of bad file, and files to ignore."""
    folder = tmp_path / "kb"
    for name, content in {**GOOD, **LEGACY, "one-line.html": f"<p>{ONE_LINE}</p>"}.items():
        write(folder, name, content)
    write(folder, "empty.txt", b"")
    write(folder, "blank.md", "  \n\n\t\n")
    write(folder, "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with (folder / "huge.txt").open("wb") as handle:
        handle.truncate(20 * 2**20)  # sparse: 20 MB on paper, nothing on disk
    write(folder, "scan.pdf", b"%PDF-1.7")
    write(tmp_path, "secret.txt", f"What is the secret?\n\n{SECRET}.\n")
    (tmp_path / "outside-folder").mkdir()
    write(tmp_path, "outside-folder/more.txt", f"More secrets?\n\n{SECRET}.\n")
    link(folder / "outside.txt", tmp_path / "secret.txt")
    link(folder / "elsewhere", tmp_path / "outside-folder")
    link(folder / "loop-a.txt", folder / "loop-b.txt")
    link(folder / "loop-b.txt", folder / "loop-a.txt")
    link(folder / "dangling.txt", folder / "gone.txt")
    if not hasattr(os, "mkfifo"):
        pytest.skip("no named pipes on this platform")
    os.mkfifo(folder / "pipe.txt")
    for name in IGNORED:
        write(folder, name, f"Ignored?\n\n{SECRET}.\n")
    return folder


@pytest.fixture
def build(tmp_path: Path) -> Callable[[Path], KnowledgeBase]:
    opened: list[KnowledgeBase] = []

    def make(folder: Path) -> KnowledgeBase:
        opened.append(KnowledgeBase(folder, tmp_path / "index", check_interval=0))
        return opened[-1]

    yield make
    for base in opened:
        base.close()


# -- the whole knowledge base ---------------------------------------------------------


def test_the_build_indexes_every_good_document_past_the_bad_ones(
        hostile_kb: Path, build: Callable[[Path], KnowledgeBase]) -> None:
    report = build(hostile_kb).build()
    assert report.documents == len(GOOD) + len(LEGACY) + 1
    assert report.qa_pairs >= 3


def test_each_bad_file_is_reported_in_one_line(hostile_kb: Path,
                                               build: Callable[[Path], KnowledgeBase]) -> None:
    warnings = build(hostile_kb).build().warnings
    assert len(warnings) == len(BAD)
    for name, expected in BAD.items():
        [line] = [w for w in warnings if w.startswith(f"{name}: ")]
        assert line.startswith(expected), line
        assert "\n" not in line


def test_hidden_files_backups_and_the_synonyms_file_are_ignored_silently(
        hostile_kb: Path) -> None:
    paths, warnings = discover(hostile_kb)
    names = {p.relative_to(hostile_kb).as_posix() for p in paths}
    assert names.isdisjoint(IGNORED)
    assert not any(name in w for w in warnings for name in IGNORED)


def test_nothing_from_outside_the_knowledge_base_is_indexed(
        hostile_kb: Path, build: Callable[[Path], KnowledgeBase]) -> None:
    kb = build(hostile_kb)
    assert all(SECRET not in entry.text for entry in kb.entries())
    assert kb.search("secret").hits == ()
    with pytest.raises(KnowledgeBaseError):
        kb.document("outside.txt")


def test_build_strict_fails_naming_every_skipped_file(runner: CliRunner, hostile_kb: Path,
                                                      tmp_path: Path) -> None:
    result = runner.invoke(cli, ["build", "--strict", "--kb", str(hostile_kb),
                                 "--index-dir", str(tmp_path / "cli-index")])
    assert result.exit_code == 1
    for expected in BAD.values():
        assert f"warning: {expected}" in result.stderr
    assert f"{len(BAD)} documents were skipped (--strict)" in result.stderr


def test_a_skipped_file_is_not_listed_as_a_source(hostile_kb: Path,
                                                  build: Callable[[Path], KnowledgeBase]) -> None:
    sources = build(hostile_kb).sources()
    assert sorted(sources) == sorted([*GOOD, *LEGACY, "one-line.html"])


# -- one bad file at a time -----------------------------------------------------------


@pytest.mark.parametrize("name, words", [("latin1.txt", "café"),
                                         ("invalid-utf8.md", "Crème brûlée")])
def test_legacy_and_invalid_utf8_text_is_read_as_windows_1252(tmp_path: Path, name: str,
                                                             words: str) -> None:
    document = read_document(write(tmp_path, name, LEGACY[name]))
    assert document.encoding == "cp1252"
    assert words in document.text


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(MAX_DOCUMENT_BYTES + 1)

    def no_reading(self: Path) -> bytes:
        raise AssertionError("the file was read")

    monkeypatch.setattr(Path, "read_bytes", no_reading)
    with pytest.raises(DocumentError, match="huge.txt: 10.0 MB, larger than the 10 MB"):
        read_document(path)


def test_a_one_megabyte_line_is_read_and_its_claims_found(
        tmp_path: Path, build: Callable[[Path], KnowledgeBase]) -> None:
    write(tmp_path / "kb", "one-line.txt", ONE_LINE)
    kb = build(tmp_path / "kb")
    assert kb.build().warnings == ()
    assert kb.search("mats blocks straps").hits


def test_a_long_restructuredtext_line_is_read(tmp_path: Path) -> None:
    document = read_document(write(tmp_path, "one-line.rst", ONE_LINE[:20_000]))
    assert "mats, blocks and straps" in document.text


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes on this platform")
def test_a_named_pipe_is_refused_without_blocking(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    with pytest.raises(DocumentError, match="pipe.txt: not a regular file"):
        read_document(tmp_path / "pipe.txt")


@pytest.mark.skipif(AS_ROOT, reason=ROOT_READS_ANYTHING)
def test_an_unreadable_file_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "locked.txt", "Locked?\n\nYes.\n")
    path.chmod(0)
    try:
        documents, warnings = load_documents(tmp_path)
    finally:
        path.chmod(0o644)
    assert (documents, warnings) == ([], ["locked.txt: cannot read the file (Permission denied)"])


def test_a_file_the_system_refuses_to_read_is_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "good.txt", GOOD["good.txt"])
    locked = write(tmp_path, "locked.txt", "Locked?\n\nYes.\n")
    read_bytes = Path.read_bytes

    def refuse(self: Path) -> bytes:
        if self.name == locked.name:
            raise PermissionError(13, "Permission denied", str(self))
        return read_bytes(self)

    monkeypatch.setattr(Path, "read_bytes", refuse)
    documents, warnings = load_documents(tmp_path)
    assert [d.name for d in documents] == ["good.txt"]
    assert warnings == ["locked.txt: cannot read the file (Permission denied)"]


@pytest.mark.skipif(AS_ROOT, reason=ROOT_READS_ANYTHING)
def test_an_unlistable_folder_is_reported(tmp_path: Path) -> None:
    write(tmp_path, "good.txt", GOOD["good.txt"])
    write(tmp_path, "locked/inside.txt", "Inside?\n\nYes.\n")
    (tmp_path / "locked").chmod(0)
    try:
        paths, warnings = discover(tmp_path)
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert [p.name for p in paths] == ["good.txt"]
    assert warnings == ["locked/: skipped, cannot list the folder (Permission denied)"]


def test_a_folder_the_system_refuses_to_list_is_reported(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, "good.txt", GOOD["good.txt"])
    write(tmp_path, "locked/inside.txt", "Inside?\n\nYes.\n")
    scandir = os.scandir

    def refuse(path: str | os.PathLike[str]) -> object:
        if Path(path).name == "locked":
            raise PermissionError(13, "Permission denied", str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refuse)
    paths, warnings = discover(tmp_path)
    assert [p.name for p in paths] == ["good.txt"]
    assert warnings == ["locked/: skipped, cannot list the folder (Permission denied)"]


def test_a_link_to_a_folder_inside_the_knowledge_base_is_not_followed(tmp_path: Path) -> None:
    write(tmp_path, "topics/towels.txt", "Towels?\n\nYes.\n")
    link(tmp_path / "shortcut", tmp_path / "topics")
    link(tmp_path / "up", tmp_path)
    paths, warnings = discover(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in paths] == ["topics/towels.txt"]
    assert warnings == [
        "shortcut: skipped, a link to a folder (links to folders are not followed)",
        "up: skipped, a link to a folder (links to folders are not followed)",
    ]


def test_a_link_to_a_document_inside_the_knowledge_base_is_read(tmp_path: Path) -> None:
    write(tmp_path, "towels.txt", "Towels?\n\nYes.\n")
    link(tmp_path / "also-towels.txt", tmp_path / "towels.txt")
    assert [p.name for p in discover(tmp_path)[0]] == ["also-towels.txt", "towels.txt"]


def test_folders_nested_deeper_than_python_recursion_are_walked(tmp_path: Path) -> None:
    # Made and removed one level at a time: pathlib and shutil.rmtree recurse too, and
    # pytest's clean-up of old temporary folders would fail on this one.
    levels = [tmp_path]
    for _ in range(1_100):
        levels.append(levels[-1] / "d")
        levels[-1].mkdir()
    bottom = write(levels[-1], "bottom.txt", "Deep?\n\nVery.\n")
    try:
        assert [p.name for p in discover(tmp_path)[0]] == ["bottom.txt"]
    finally:
        bottom.unlink()
        for level in reversed(levels[1:]):
            level.rmdir()


@pytest.mark.skipif(AS_ROOT, reason=ROOT_READS_ANYTHING)
def test_an_unreadable_knowledge_base_folder_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    folder.mkdir()
    folder.chmod(0)
    try:
        with pytest.raises(KnowledgeBaseError, match="cannot read the knowledge-base folder"):
            discover(folder)
    finally:
        folder.chmod(0o755)


# -- file names --------------------------------------------------------------------------


def write_named(folder: Path, name: bytes, content: str) -> None:
    """Write a file whose name is the raw bytes ``name``, or skip where names cannot be."""
    folder.mkdir(parents=True, exist_ok=True)
    try:
        with open(os.path.join(os.fsencode(folder), name), "wb") as handle:
            handle.write(content.encode("utf-8"))
    except (OSError, ValueError) as exc:
        pytest.skip(f"this file system refuses the name {name!r}: {exc}")


def test_a_file_name_that_is_not_utf8_is_skipped_with_a_clear_line(tmp_path: Path) -> None:
    write_named(tmp_path, b"bad\xff.txt", "Can I park?\n\nYes, behind the hall.\n")
    write(tmp_path, "good.txt", GOOD["good.txt"])
    documents, warnings = load_documents(tmp_path)
    assert [d.name for d in documents] == ["good.txt"]
    assert warnings == [r"bad\xff.txt: skipped, its name is not valid UTF-8 (rename the file)"]


def test_a_folder_name_that_is_not_utf8_is_skipped_with_a_clear_line(tmp_path: Path) -> None:
    write_named(tmp_path / os.fsdecode(b"odd\xfe"), b"inside.txt", "Hello?\n\nHi.\n")
    assert discover(tmp_path) == ([], [
        r"odd\xfe: skipped, its name is not valid UTF-8 (rename the file)"])


def test_a_file_name_with_a_newline_is_skipped_with_a_clear_line(tmp_path: Path) -> None:
    write_named(tmp_path, b"tea\ntime.txt", "Is there tea?\n\nYes, at four.\n")
    assert discover(tmp_path)[1] == [r"tea\ntime.txt: skipped, its name holds a control "
                                     "character such as a newline (rename the file)"]


def test_a_build_with_an_undecodable_name_finishes_and_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    write(folder, "good.txt", GOOD["good.txt"])
    write_named(folder, b"bad\xff.txt", "Can I park?\n\nYes, behind the hall.\n")
    result = CliRunner().invoke(cli, ["build", "--kb", str(folder), "--index-dir",
                                      str(tmp_path / "index")])
    assert result.exit_code == 0
    assert result.stdout.startswith("Built: 1 documents")
    assert r"warning: bad\xff.txt: skipped, its name is not valid UTF-8" in result.stderr


def test_a_server_keeps_answering_and_indexing_beside_an_undecodable_name(
        tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    write(folder, "good.txt", GOOD["good.txt"])
    write_named(folder, b"bad\xff.txt", "Can I park?\n\nYes, behind the hall.\n")
    app = create_app({"TESTING": True, "FAQKB_KB_DIR": folder,
                      "FAQKB_INDEX_DIR": tmp_path / "index", "FAQKB_CHECK_INTERVAL": 0})
    try:
        client = app.test_client()
        assert client.get("/search.json?q=session").status_code == 200
        write(folder, "later.txt", "Do you lend towels?\n\nYes, at the front desk.\n")
        found = client.get("/search.json?q=towels").get_json()
        assert [hit["source"] for hit in found["hits"]] == ["later.txt"]
    finally:
        app.extensions["faqkb"].close()


def test_a_document_read_directly_under_an_undecodable_name_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"bad\\xff.txt: its name is not valid UTF-8"):
        read_document(tmp_path / "x.txt", os.fsdecode(b"bad\xff.txt"))


# -- nesting ---------------------------------------------------------------------------

DEEP = {
    "divs-10k.html": "<div>" * 10_000 + "deep" + "</div>" * 10_000,
    "divs-100k.html": "<div>" * 100_000 + "deep" + "</div>" * 100_000,
    "lists-4k.html": "<ul><li>" * 4_000 + "deep" + "</li></ul>" * 4_000,
    # 10,000 levels of indentation would be larger than faqkb reads: 2,000 of them.
    "quotes-2k.rst": "".join(" " * i + "deep\n\n" for i in range(2_000)),
}


@pytest.mark.parametrize("name", sorted(DEEP))
def test_markup_nested_beyond_reason_is_refused_before_it_is_parsed(
        tmp_path: Path, name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    write(tmp_path, name, DEEP[name])

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("parsed before its depth was checked")

    monkeypatch.setattr("faqkb.documents.html.parse_html", never)
    monkeypatch.setattr("docutils.core.publish_parts", never)
    with pytest.raises(DocumentError, match=f"{name}: nested too deeply to read"):
        read_document(tmp_path / name)


def test_a_deep_markdown_list_is_read_without_nesting_it(tmp_path: Path) -> None:
    # markdown-it stops nesting lists itself: nothing deep reaches the HTML reader.
    write(tmp_path, "lists.md", "".join("  " * i + "- deep\n" for i in range(400)))
    assert "deep" in read_document(tmp_path / "lists.md").text


def test_many_unclosed_paragraphs_are_not_deep_nesting(tmp_path: Path) -> None:
    write(tmp_path, "old.html", "<p>An old page, its paragraphs never closed." * 2_000)
    assert read_document(tmp_path / "old.html").text.count("never closed") == 2_000


def test_a_build_refuses_a_deep_document_and_indexes_the_rest(tmp_path: Path) -> None:
    folder = tmp_path / "kb"
    write(folder, "good.txt", GOOD["good.txt"])
    write(folder, "deep.html", DEEP["divs-100k.html"])
    documents, warnings = load_documents(folder)
    assert [d.name for d in documents] == ["good.txt"]
    assert warnings == ["deep.html: nested too deeply to read (markup more than 256 "
                        "elements deep)"]
