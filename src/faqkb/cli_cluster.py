"""The ``faqkb`` options for serving and building beyond one machine, and what they do.

- ``faqkb build --output DIR`` publishes the generation built to ``DIR``, an artifact
  that replicas serve (:mod:`faqkb.index.publish`);
- ``faqkb build --dask ADDRESS`` runs a full build on a Dask cluster (``local``: one
  started here) (:mod:`faqkb.index.distributed`);
- ``faqkb serve --read-only`` serves what is published in ``--index-dir``, never
  building (:mod:`faqkb.index.follow`), and ``--access-log`` logs each request
  (:mod:`faqkb.web.accesslog`).

Like :mod:`faqkb.cli`, this only validates, delegates and says what happened.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from faqkb.errors import FaqkbError
from faqkb.kb import KnowledgeBase
from faqkb.models import BuildReport

F = TypeVar("F", bound=Callable[..., Any])
Progress = Callable[[int, int, str], None]


def build_options(command: F) -> F:
    """``--output`` and ``--dask``, for ``faqkb build``."""
    command = click.option(
        "--dask", "dask", envvar="FAQKB_DASK", metavar="ADDRESS",
        help="Build on the Dask cluster whose scheduler is at ADDRESS (tcp://host:port; "
             "'local': start one here of --jobs workers). Workers must see kb/ and the "
             "index folder at the same paths. Needs: pip install 'faqkb[dask]'. "
             "Env: FAQKB_DASK.")(command)
    command = click.option(
        "--output", "output", envvar="FAQKB_OUTPUT", type=click.Path(file_okay=False),
        help="Publish the index built to this folder, self-contained, for "
             "`faqkb serve --index-dir DIR --read-only` replicas. Env: FAQKB_OUTPUT.")(command)
    return command


def serve_options(command: F) -> F:
    """``--read-only`` and ``--access-log``, for ``faqkb serve``."""
    command = click.option(
        "--access-log", envvar="FAQKB_ACCESS_LOG", metavar="FILE",
        help="Log each request to FILE ('-': standard output) in the Combined Log "
             "Format. Env: FAQKB_ACCESS_LOG.")(command)
    command = click.option(
        "--read-only", is_flag=True, envvar="FAQKB_READ_ONLY",
        help="Never build: serve the index published in --index-dir (by `faqkb build "
             "--output`), moving to each new one as it is published. Env: "
             "FAQKB_READ_ONLY.")(command)
    return command


def build(kb: KnowledgeBase, dask: str | None, *, force: bool, jobs: int,
          progress: Progress) -> BuildReport:
    """Build ``kb``'s index here, or with ``dask``, on that cluster."""
    if not dask or (not force and kb.is_fresh()):  # up to date: no cluster to start
        return kb.build(force=force, progress=progress, jobs=jobs)
    from faqkb.index.distributed import build_on_dask, dask_client

    with dask_client(dask, local_workers=jobs) as client:
        return build_on_dask(kb.kb_dir, kb.index_dir, client, force=force, progress=progress)


def publish(kb: KnowledgeBase, output: str) -> str:
    """Publish ``kb``'s generation in service to ``output``; say what was done."""
    from faqkb.index import storage
    from faqkb.index.publish import publish_generation

    generation = storage.current_generation(kb.index_dir)
    if generation is None:
        raise FaqkbError(f"no index in {kb.index_dir} to publish")
    target = Path(output).expanduser()
    done = publish_generation(generation, kb.kb_dir, target)
    if done.published:
        return f"Published {done.generation.name} (content {done.digest}) in {target}"
    return f"Already published: {done.generation.name} (content {done.digest}) in {target}"


def served_report(kb: KnowledgeBase) -> BuildReport | None:
    """What a read-only ``kb`` will serve first (``None``: nothing published yet)."""
    try:
        return kb.report()
    except FaqkbError:
        click.echo(f"warning: no index published in {kb.index_dir} yet; /healthz answers "
                   "503 until one is (faqkb build --output)", err=True)
        return None


def check_read_only(read_only: bool, insights: bool, insights_db: str | None) -> None:
    """Refuse options a read-only server cannot honour."""
    if read_only and insights and not insights_db:
        raise click.UsageError("--read-only never writes to the index folder: give "
                               "--insights-db a database elsewhere")
