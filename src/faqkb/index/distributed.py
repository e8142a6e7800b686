"""Full builds on a Dask cluster: the workers read, extract and write the segments.

:func:`build_on_dask` builds a new generation as a local full build does
(:mod:`faqkb.index.builder`), with the same code on each share of the documents and so
the same entries and ids, but runs the shares as tasks of a Dask cluster instead of
local processes; then, in this process, it makes the segments one index, writes the
manifest and puts the generation in service with the same atomic swap. A build that
fails, or is stopped, leaves the generation in service as it was.

- **Shared paths.** Workers read the documents from ``kb/`` and write their segment
  into the new generation's folder at the paths this process names: every worker must
  see both there (one machine, or a network file system mounted alike). Each worker is
  checked first, with the faqkb code it runs (which must be this one's: the entries
  and their ids are the code's).
- **Lost workers.** The scheduler runs a lost worker's task again on another; what the
  lost one had half written is removed. A task whose workers keep dying (Dask's
  ``allowed-failures``), or a cluster left without a worker for
  ``lost_workers_timeout`` seconds, ends the build with an
  :class:`~faqkb.errors.IndexBuildError` that says so.

Dask is an optional dependency (``pip install 'faqkb[dask]'``), imported only here and
only when a build asks for a cluster (:func:`dask_client`).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from faqkb.documents import discover, scan
from faqkb.errors import IndexBuildError
from faqkb.index import recorded, storage
from faqkb.index.builder import _final, _groups, _index_files, _Result
from faqkb.index.keeper import IndexKeeper
from faqkb.index.lock import build_lock
from faqkb.index.storage import Manifest
from faqkb.index.writing import Counts, commit_segments, create_index
from faqkb.models import BuildReport

Progress = Callable[[int, int, str], None]
LOCAL = "local"  # the address that starts a cluster on this machine
INSTALL_HINT = "pip install 'faqkb[dask]'"
TASKS_PER_WORKER = 2  # shares per worker: a lost worker loses less, shares even out
MAX_TASKS = 16  # each share is a segment, and each segment costs every search a little
LOST_WORKERS_TIMEOUT = 60.0
CONNECT_TIMEOUT = 20.0
_one_task_at_a_time = threading.Lock()  # per worker process: see _build_share


@contextlib.contextmanager
def dask_client(address: str, local_workers: int = 2) -> Iterator[Any]:
    """A Dask client of the scheduler at ``address`` (``tcp://host:port``), or, for
    ``local``, of a new cluster of ``local_workers`` processes on this machine, closed
    (and stopped) when done.

    Raises :class:`IndexBuildError` when Dask is not installed or the scheduler cannot
    be reached.
    """
    try:
        distributed: Any = importlib.import_module("distributed")  # untyped; optional
    except ImportError:
        raise IndexBuildError(f"building on Dask needs Dask: {INSTALL_HINT}") from None
    with contextlib.ExitStack() as stack:
        try:
            if address == LOCAL:
                cluster = stack.enter_context(distributed.LocalCluster(
                    n_workers=local_workers, threads_per_worker=1, processes=True,
                    dashboard_address=None, host="127.0.0.1"))
                client = stack.enter_context(distributed.Client(cluster))
            else:
                client = stack.enter_context(
                    distributed.Client(address, timeout=f"{CONNECT_TIMEOUT}s"))
        except (OSError, TimeoutError, ValueError) as exc:
            raise IndexBuildError(f"cannot reach the Dask scheduler at {address}: "
                                  f"{exc}") from None
        yield client


def build_on_dask(kb_dir: Path, index_dir: Path, client: Any, *, force: bool = False,
                  progress: Progress | None = None,
                  lost_workers_timeout: float = LOST_WORKERS_TIMEOUT) -> BuildReport:
    """Build the index of ``kb_dir`` afresh in ``index_dir`` on the cluster of
    ``client`` (nothing is done when the index is up to date, unless ``force``).

    ``progress(done, total, "")`` is called as shares of the documents are done. Raises
    :class:`KnowledgeBaseError` when ``kb_dir`` is missing and :class:`IndexBuildError`
    when the workers cannot build it (see the module's docstring); either way the
    index in service is left as it was.
    """
    started = time.perf_counter()
    keeper = IndexKeeper(kb_dir, index_dir, auto_build=False, check_interval=0)
    if not force and keeper.is_fresh():
        current = storage.current_generation(index_dir)
        manifest = storage.read_manifest(current) if current else None
        if current and manifest and not storage.damage(current, manifest, verify=True):
            return _report(manifest, index_dir, "none", 0, started)
    try:
        index_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise IndexBuildError(f"cannot create the index folder {index_dir}: "
                              f"{exc.strerror or exc}") from None
    with build_lock(index_dir):
        states = scan(kb_dir)
        notes = tuple(discover(kb_dir)[1])
        generation = storage.new_generation(index_dir)
        try:
            create_index(generation)
            shares = _shares(client, states, lost_workers_timeout) if states else []
            results = _run_shares(client, kb_dir, generation, shares, progress,
                                  lost_workers_timeout)
            counts = Counts()
            for result in results:
                counts.merge(result.counts)
            segments = [r.segment for r in results]
            commit_segments(generation, segments, counts)
            places = {name: place for r in results for name, place in r.places.items()}
            recorded.save_catalogue(generation, places)
            _remove_half_written(generation, segments, places)
            records = {r.name: r for result in results for r in result.records}
            root = kb_dir.resolve()
            manifest = Manifest(tuple(_final(records[s.name], s, root) for s in states),
                                storage.code_fingerprint(), notes)
            storage.commit_generation(index_dir, generation, manifest)
        except OSError as exc:
            storage.discard_generation(generation)
            raise IndexBuildError(f"cannot write the index in {index_dir}: "
                                  f"{exc.strerror or exc}") from None
        except BaseException:
            if storage.current_generation(index_dir) != generation:
                storage.discard_generation(generation)
            raise
    return _report(manifest, index_dir, "full", len(states), started)


def _shares(client: Any, states: list[Any], timeout: float) -> list[list[str]]:
    """The documents in shares, a few per worker, of about equal size each."""
    workers = _wait_for_workers(client, timeout)
    return _groups(states, min(len(states), TASKS_PER_WORKER * workers, MAX_TASKS))


def _wait_for_workers(client: Any, timeout: float) -> int:
    try:
        client.wait_for_workers(1, timeout=timeout)
    except TimeoutError:
        raise IndexBuildError(f"no Dask worker joined the scheduler at "
                              f"{client.scheduler.address} within {timeout:.0f} s") from None
    return len(client.scheduler_info(n_workers=-1)["workers"])


def _run_shares(client: Any, kb_dir: Path, generation: Path, shares: list[list[str]],
                progress: Progress | None, timeout: float) -> list[_Result]:
    wait = importlib.import_module("distributed").wait
    killed_worker = importlib.import_module("distributed.scheduler").KilledWorker
    if not shares:
        return []
    _check_workers(client, kb_dir, generation)
    total = sum(len(share) for share in shares)
    futures = [client.submit(_build_share, str(generation), str(kb_dir), list(share),
                             pure=False, key=f"faqkb-share-{number}-{generation.name}")
               for number, share in enumerate(shares)]
    done_documents = 0
    pending = set(futures)
    alone_since: float | None = None
    try:
        while pending:
            try:
                finished, pending = wait(pending, timeout=1.0, return_when="FIRST_COMPLETED")
            except TimeoutError:  # nothing finished within the second
                finished = set()
            except OSError as exc:  # the connection to the scheduler was lost
                raise IndexBuildError(f"lost the Dask scheduler at {client.scheduler.address} "
                                      f"({type(exc).__name__}: {exc}); the index in service "
                                      "is unchanged") from None
            for future in finished:
                if future.status == "error":
                    error = future.exception()
                    if isinstance(error, killed_worker):
                        raise IndexBuildError(
                            "the Dask workers building a share of the documents kept dying "
                            f"({error}); the index in service is unchanged") from None
                    raise IndexBuildError(f"a Dask worker failed to build a share of the "
                                          f"documents: {type(error).__name__}: {error}")
                done_documents += len(shares[futures.index(future)])
            if progress and finished:
                progress(done_documents, total, "")
            alone_since = _still_has_workers(client, alone_since, timeout)
        return [future.result() for future in futures]
    finally:
        client.cancel(futures, force=True)


def _still_has_workers(client: Any, since: float | None, timeout: float) -> float | None:
    """When the cluster has been without workers (``None``: it has some); raises
    :class:`IndexBuildError` once that has lasted ``timeout`` seconds."""
    if client.scheduler_info(n_workers=-1)["workers"]:
        return None
    now = time.monotonic()
    if since is not None and now - since >= timeout:
        raise IndexBuildError(f"the Dask cluster at {client.scheduler.address} has had no "
                              f"worker for {timeout:.0f} s; the index in service is unchanged")
    return since if since is not None else now


def _check_workers(client: Any, kb_dir: Path, generation: Path) -> None:
    """Refuse workers that run other faqkb code or cannot see the shared folders."""
    try:
        answers = client.run(_worker_view, str(kb_dir), str(generation))
    except ImportError as exc:
        raise IndexBuildError(f"the Dask workers cannot import faqkb ({exc}): install "
                              "this faqkb on every worker") from None
    expected = storage.code_fingerprint()
    for worker, (fingerprint, problem) in sorted(answers.items()):
        if problem:
            raise IndexBuildError(f"Dask worker {worker} {problem}: workers must see kb/ and "
                                  "the index folder at the same paths as this machine")
        if fingerprint != expected:
            raise IndexBuildError(f"Dask worker {worker} runs other faqkb code "
                                  f"({fingerprint}, here {expected}): install this faqkb "
                                  "on every worker")


def _worker_view(kb_dir: str, generation: str) -> tuple[str, str]:
    """(On a worker.) Its faqkb code's fingerprint, and what it cannot see ("" if all)."""
    if not Path(kb_dir).is_dir():
        problem = f"cannot see the knowledge base {kb_dir}"
    elif not os.access(generation, os.W_OK):
        problem = f"cannot write to the new index {generation}"
    else:
        problem = ""
    return storage.code_fingerprint(), problem


def _build_share(generation: str, kb_dir: str, names: list[str]) -> _Result:
    """(On a worker.) Read, extract and index ``names`` into a segment of ``generation``.

    One share at a time in a worker process, whatever its threads: Python runs one
    thread at a time, so a second would only slow the first.
    """
    with _one_task_at_a_time:
        return _index_files(generation, kb_dir, names)


def _remove_half_written(generation: Path, segments: list[Any],
                         places: dict[str, recorded.Place]) -> None:
    """Remove what tasks on lost workers wrote before they were lost (segments not in
    the index, document files no document is in)."""
    kept = {segment.segment_id() for segment in segments}
    prefix = "MAIN_"
    for path in generation.iterdir():
        if path.name.startswith(prefix) and path.name.split(".", 1)[0] not in kept:
            path.unlink(missing_ok=True)
    recorded.discard_unlisted(generation, places)


def _report(manifest: Manifest, index_dir: Path, mode: str, reindexed: int,
            started: float) -> BuildReport:
    return BuildReport(documents=manifest.documents, qa_pairs=manifest.qa_pairs,
                       claims=manifest.claims, warnings=manifest.warnings,
                       rebuilt=mode != "none", index_dir=str(index_dir),
                       seconds=time.perf_counter() - started, mode=mode, reindexed=reindexed)
