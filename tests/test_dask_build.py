"""`faqkb build --dask`: a full build on a Dask cluster has the entries and ids of a local
build, and a worker lost mid-build leaves the index in service as it was.

The clusters run on loopback: a LocalCluster of two workers, and a scheduler with two
`dask worker` processes. Without Dask (`pip install -e '.[test,dask]'`) these tests are
skipped, but for the one that says how to install it.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from faqkb import IndexBuildError, KnowledgeBase
from faqkb.cli import cli
from faqkb.index import storage

DOCUMENTS = 120
PAIRS_PER_DOCUMENT = 12
SYLLABLES = ["ka", "lo", "mi", "nu", "pe", "ra", "si", "to", "ve", "zu", "bri", "dal"]
WORKER_START_SECONDS = 120.0


def word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))


def sentence(rng: random.Random, words: int) -> str:
    return " ".join(word(rng) for _ in range(words)).capitalize()


def write_corpus(folder: Path) -> None:
    """DOCUMENTS FAQ pages of made-up words: a few thousand entries in all."""
    rng = random.Random(17)
    folder.mkdir()
    for number in range(DOCUMENTS):
        lines = [f"{sentence(rng, 3)} FAQ", ""]
        for _ in range(PAIRS_PER_DOCUMENT):
            lines += [f"{sentence(rng, 5)}?", "",
                      f"{sentence(rng, 9)}. {sentence(rng, 8)}.", ""]
        (folder / f"page-{number:03d}.txt").write_text("\n".join(lines), encoding="utf-8")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dask") / "kb"
    write_corpus(folder)
    return folder


@pytest.fixture(scope="module")
def local_build(corpus: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The index of the corpus built here, the way `faqkb build` does."""
    index = tmp_path_factory.mktemp("local-index")
    KnowledgeBase(corpus, index, auto_build=False).build(force=True, jobs=1)
    return index


def same_index(built: Path, expected: Path, kb_dir: Path) -> None:
    """Entry for entry, id for id, and word counts alike."""
    ours, theirs = (KnowledgeBase(kb_dir, path, auto_build=False) for path in (built, expected))
    try:
        entries = ours.entries()
        assert len(entries) > 2000
        assert entries == theirs.entries()
        generation, reference = (storage.current_generation(p) for p in (built, expected))
        assert generation is not None and reference is not None
        for name in ("words.tsv", "terms.tsv"):
            assert (generation / name).read_bytes() == (reference / name).read_bytes()
        manifest, local = (storage.read_manifest(g) for g in (generation, reference))
        assert manifest is not None and local is not None
        assert manifest.files == local.files
    finally:
        ours.close()
        theirs.close()


# -- a cluster of `dask worker` processes on loopback ------------------------------------


@pytest.fixture(scope="module")
def scheduler(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A `dask scheduler` on loopback; yields its address."""
    pytest.importorskip("distributed")
    folder = tmp_path_factory.mktemp("scheduler")
    process = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1",
         "--port", "0", "--no-dashboard", "--scheduler-file", str(folder / "scheduler.json")],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        yield _address(folder / "scheduler.json", process)
    finally:
        _stop(process)


@pytest.fixture
def workers(scheduler: str) -> Iterator[list[subprocess.Popen[bytes]]]:
    """Two `dask worker` processes (each with its nanny) of the scheduler, one thread each."""
    import distributed

    started = [subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", scheduler, "--host", "127.0.0.1",
         "--nthreads", "1", "--no-dashboard"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(2)]
    try:
        with distributed.Client(scheduler, timeout="30s") as client:
            client.wait_for_workers(2, timeout=WORKER_START_SECONDS)
        yield started
    finally:
        for process in started:
            _stop(process)


def _address(scheduler_file: Path, process: subprocess.Popen[bytes]) -> str:
    import distributed

    with distributed.Client(scheduler_file=str(scheduler_file), timeout="60s") as client:
        assert process.poll() is None
        return str(client.scheduler.address)


def _stop(process: subprocess.Popen[bytes]) -> None:
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait(timeout=30)


def _build(corpus: Path, index: Path, scheduler: str, **options: Any) -> Any:
    from faqkb.index.distributed import build_on_dask, dask_client

    with dask_client(scheduler) as client:
        return build_on_dask(corpus, index, client, force=True, **options)


# -- the tests ----------------------------------------------------------------------------


def test_a_build_on_a_local_cluster_has_the_entries_and_ids_of_a_local_build(
        corpus: Path, local_build: Path, tmp_path: Path, runner: CliRunner) -> None:
    pytest.importorskip("distributed")
    result = runner.invoke(cli, ["build", "--kb", str(corpus), "--index-dir",
                                 str(tmp_path / "index"), "--dask", "local", "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert f"Built: {DOCUMENTS} documents" in result.output
    same_index(tmp_path / "index", local_build, corpus)


def test_a_build_on_two_dask_worker_processes_has_the_entries_of_a_local_build(
        corpus: Path, local_build: Path, tmp_path: Path, scheduler: str,
        workers: list[subprocess.Popen[bytes]]) -> None:
    report = _build(corpus, tmp_path / "index", scheduler)
    assert (report.mode, report.documents) == ("full", DOCUMENTS)
    same_index(tmp_path / "index", local_build, corpus)


def test_a_worker_killed_mid_build_leaves_the_old_index_serving_and_the_build_recovers(
        corpus: Path, local_build: Path, tmp_path: Path, scheduler: str,
        workers: list[subprocess.Popen[bytes]]) -> None:
    index = tmp_path / "index"
    shutil_copy_index(local_build, index)
    old = storage.current_generation(index)
    serving_when_killed: list[Path | None] = []

    def kill_a_worker(done: int, total: int, name: str) -> None:
        if not serving_when_killed and done < total:
            serving_when_killed.append(storage.current_generation(index))
            os.killpg(workers[0].pid, signal.SIGKILL)

    _build(corpus, index, scheduler, progress=kill_a_worker)
    assert serving_when_killed == [old]
    assert storage.current_generation(index) != old
    same_index(index, local_build, corpus)
    generation = storage.current_generation(index)
    assert generation is not None
    assert not [p for p in generation.iterdir() if p.suffix == ".tmp"]


def test_a_build_whose_workers_all_die_fails_clearly_and_leaves_the_old_index(
        corpus: Path, local_build: Path, tmp_path: Path, scheduler: str,
        workers: list[subprocess.Popen[bytes]]) -> None:
    index = tmp_path / "index"
    shutil_copy_index(local_build, index)
    old = storage.current_generation(index)

    def kill_every_worker(done: int, total: int, name: str) -> None:
        for process in workers:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)

    with pytest.raises(IndexBuildError, match="no worker"):
        _build(corpus, index, scheduler, progress=kill_every_worker, lost_workers_timeout=3)
    assert old is not None and storage.current_generation(index) == old
    assert sorted(p.name for p in index.iterdir() if p.name.startswith("gen-")) == [old.name]


def test_build_dask_without_dask_says_how_to_install_it(
        kb_dir: Path, tmp_path: Path, runner: CliRunner,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if it were not installed
    result = runner.invoke(cli, ["build", "--kb", str(kb_dir), "--index-dir",
                                 str(tmp_path / "index"), "--dask", "local"])
    assert result.exit_code == 1
    assert "pip install 'faqkb[dask]'" in result.output
    assert storage.current_generation(tmp_path / "index") is None


def test_an_unreachable_scheduler_is_a_clear_error(kb_dir: Path, tmp_path: Path,
                                                    runner: CliRunner) -> None:
    pytest.importorskip("distributed")
    result = runner.invoke(cli, ["build", "--kb", str(kb_dir), "--index-dir",
                                 str(tmp_path / "index"), "--dask", "tcp://127.0.0.1:9"])
    assert result.exit_code == 1
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in result.output


def shutil_copy_index(source: Path, target: Path) -> None:
    """A copy of a built index folder (its generation in service), to be replaced."""
    generation = storage.current_generation(source)
    assert generation is not None
    target.mkdir()
    copy = target / generation.name
    copy.mkdir()
    for path in generation.iterdir():
        if path.is_file():
            (copy / path.name).write_bytes(path.read_bytes())
    (target / storage.CURRENT).write_text(json.dumps(generation.name)[1:-1] + "\n",
                                          encoding="utf-8")
