"""The ``faqkb`` command: build, search, extract, serve, insights.

Each command validates its options, calls the library and prints; any
:class:`~faqkb.errors.FaqkbError` becomes a one-line message and exit status 1.
Options fall back to environment variables: ``FAQKB_KB_DIR`` for ``--kb`` and
``FAQKB_INDEX_DIR`` for ``--index-dir``.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from faqkb import cli_cluster, cli_serve
from faqkb.documents import discover, read_document
from faqkb.errors import DocumentError, FaqkbError, IndexBuildError
from faqkb.index import storage
from faqkb.kb import KnowledgeBase, default_kb_dir
from faqkb.models import BuildReport, Entry, Hit

F = TypeVar("F", bound=Callable[..., Any])
# Two processes use two cores: Python runs one thread at a time in each. More would
# mostly add memory (each holds its own caches) on the machines faqkb is sized for.
DEFAULT_WORKERS = min(2, os.cpu_count() or 1) if hasattr(os, "fork") else 1
# Searching is work for the processor: in a process of its own, one thread answers
# fastest (threads of one process take turns); a lone process needs a few threads so
# that a slow page does not hold up every other.
DEFAULT_THREADS = 1 if DEFAULT_WORKERS > 1 else 4
CHROME_SHOWN = 10  # documents named in the build's line about page chrome


def _kb_options(command: F) -> F:
    command = click.option(
        "--index-dir", envvar="FAQKB_INDEX_DIR", type=click.Path(file_okay=False),
        help="Where the index lives (default: a folder in your cache). Env: FAQKB_INDEX_DIR.",
    )(command)
    command = click.option(
        "--kb", "kb_dir", envvar="FAQKB_KB_DIR", type=click.Path(file_okay=False),
        help="The knowledge-base folder (default: the bundled kb/). Env: FAQKB_KB_DIR.",
    )(command)
    return command


@contextmanager
def _user_errors() -> Iterator[None]:
    try:
        yield
    except FaqkbError as exc:
        raise click.ClickException(str(exc)) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="faqkb")
def cli() -> None:
    """faqkb: a searchable FAQ knowledge base built from a folder of documents."""


@cli.command()
@_kb_options
@click.option("--force", is_flag=True, help="Rebuild even when the index is up to date.")
@click.option("--strict", is_flag=True, help="Exit with status 1 when any document was skipped.")
@click.option("--jobs", "-j", envvar="FAQKB_JOBS", default=lambda: available_cores(),
              show_default="the number of cores",
              type=click.IntRange(1, 64),
              help="Processes for a full build of a large knowledge base. Env: FAQKB_JOBS.")
@cli_cluster.build_options
def build(kb_dir: str | None, index_dir: str | None, force: bool, strict: bool,
          jobs: int, output: str | None, dask: str | None) -> None:
    """Build the index of the knowledge base (only when something changed)."""
    with _user_errors():
        kb = KnowledgeBase(kb_dir, index_dir)
        with _ProgressBar("Extracting") as progress:
            report = cli_cluster.build(kb, dask, force=force, jobs=jobs, progress=progress)
    state = {"full": "Built:", "update": f"Updated {report.reindexed} changed document(s):",
             "none": "Up to date:"}[report.mode]
    click.echo(
        f"{state} {report.documents} documents, {report.qa_pairs} Q&A pairs, "
        f"{report.claims} claims, {len(report.warnings)} warnings "
        f"({report.seconds:.2f} s) in {report.index_dir}"
    )
    if report.chrome:
        shown = sorted(report.chrome, key=lambda item: (-item[1], item[0]))[:CHROME_SHOWN]
        counts = ", ".join(f"{name} {count}" for name, count in shown)
        more = len(report.chrome) - len(shown)
        if more:
            pieces = sum(count for _, count in report.chrome)
            counts += f" and {more} more documents ({pieces} pieces in all)"
        click.echo(f"Left out as page chrome: {counts} (faqkb extract --explain shows them)")
    for warning in report.warnings:
        click.echo(f"warning: {warning}", err=True)
    if output:
        with _user_errors():
            click.echo(cli_cluster.publish(kb, output))
    if strict and report.warnings:
        raise click.ClickException(f"{len(report.warnings)} documents were skipped (--strict)")


@cli.command()
@_kb_options
@click.argument("words", nargs=-1, required=True)
@click.option("-n", "--limit", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="How many results.")
@click.option("--kind", type=click.Choice(["qa", "claim"]), help="Only Q&A pairs, or claims.")
@click.option("--source", help="Only entries from this document (a name or its start).")
@click.option("--json", "as_json", is_flag=True, help="Print the results as JSON.")
def search(kb_dir: str | None, index_dir: str | None, words: tuple[str, ...], limit: int,
           kind: str | None, source: str | None, as_json: bool) -> None:
    """Search the knowledge base for WORDS."""
    with _user_errors():
        kb = KnowledgeBase(kb_dir, index_dir)
        results = kb.search(" ".join(words), limit, kind=kind, source=source)
    if as_json:
        click.echo(json.dumps(results.to_dict(), ensure_ascii=False, indent=2))
        return
    if results.suggestion:
        verb = "Showing results for" if results.corrected else "Did you mean"
        click.echo(f"{verb}: {results.suggestion}\n")
    if results.phrases_as_words:
        click.echo("No document says the quoted words in that order; results for the "
                   "words.\n")
    if not results.hits:
        click.echo("No results. Try other words, or fewer of them.")
        return
    if results.no_close_match:
        click.echo("No close answer; these are the nearest matches.\n")
    for rank, hit in enumerate(results, 1):
        click.echo(_format_hit(rank, hit))
    total = f"{results.total}" if results.total_exact else f"about {results.total}"
    click.echo(f"{len(results)} of {total} results")


def _format_hit(rank: int, hit: Hit) -> str:
    label = "Q&A" if hit.kind == "qa" else "claim"
    title = hit.question if hit.kind == "qa" else None
    snippet = _marked(hit.snippet, hit.highlights)
    lines = [click.style(f"{rank}. [{label}] ", bold=True) + (title or snippet)]
    if title:
        lines.append("   " + snippet)
    where = f"{hit.source}:{hit.start}-{hit.end}"
    if hit.heading and hit.heading != title:
        where += f" · {hit.heading}"
    if hit.also_in:
        where += f" · also said in {len(hit.also_in)} other place(s)"
    lines.append(click.style(f"   {where}", dim=True))
    return "\n".join(lines) + "\n"


def _marked(snippet: str, highlights: tuple[tuple[int, int], ...]) -> str:
    parts: list[str] = []
    last = 0
    for start, end in highlights:
        parts.append(snippet[last:start])
        parts.append(click.style(snippet[start:end], bold=True, underline=True))
        last = end
    parts.append(snippet[last:])
    return "".join(parts)


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True))
@click.option("--kb", "kb_dir", envvar="FAQKB_KB_DIR", type=click.Path(file_okay=False),
              help="The knowledge-base folder read when no PATHS are given (default: the "
                   "bundled kb/). Env: FAQKB_KB_DIR.")
@click.option("--kind", type=click.Choice(["qa", "claim"]), help="Only Q&A pairs, or claims.")
@click.option("--explain", is_flag=True,
              help="Instead of the entries, say for each block of each document what it "
                   "became (a pair's question or answer, a claim) or why it was dropped.")
def extract(paths: tuple[str, ...], kb_dir: str | None, kind: str | None,
            explain: bool) -> None:
    """Print the entries of documents as JSON Lines (default: every document of the
    knowledge base).

    PATHS are document files or folders of them.
    """
    from faqkb.extract import extract_entries
    from faqkb.extract.explain import explanation_lines

    with _user_errors():
        folder = Path(kb_dir).expanduser() if kb_dir else default_kb_dir()
        if not paths and not folder.is_dir():
            raise click.ClickException(f"knowledge-base folder not found: {folder}")
        targets = [Path(p) for p in paths] or [folder]
        failed = 0
        for target in targets:
            for path, name, named in _documents(target):
                try:
                    document = read_document(path, name)
                except DocumentError as exc:
                    click.echo(f"warning: {exc}", err=True)
                    failed += named
                    continue
                if explain:
                    click.echo("\n".join(explanation_lines(document)))
                    continue
                for entry in extract_entries(document):
                    if kind is None or entry.kind == kind:
                        click.echo(json.dumps(entry.to_dict(), ensure_ascii=False))
    if failed:
        raise click.ClickException(f"{failed} named file(s) could not be read")


def available_cores() -> int:
    """The cores this process may run on (the builder, and what it imports, only when a
    command builds)."""
    from faqkb.index.builder import available_cores as cores

    return cores()


def _documents(target: Path) -> Iterator[tuple[Path, str, bool]]:
    if target.is_dir():
        paths, warnings = discover(target)
        for warning in warnings:
            click.echo(f"warning: {warning}", err=True)
        root = target.resolve()
        for path in paths:
            yield path, path.relative_to(root).as_posix(), False
    else:
        yield target, target.name, True


@cli.command()
@_kb_options
@click.option("--host", envvar="FAQKB_HOST", default="127.0.0.1", show_default=True,
              help="The address to listen on (0.0.0.0: every interface). Env: FAQKB_HOST.")
@click.option("--port", envvar="FAQKB_PORT", default=8000, show_default=True,
              type=click.IntRange(0, 65535),
              help="The port to listen on (0: any free port). Env: FAQKB_PORT.")
@click.option("--threads", envvar="FAQKB_THREADS", default=DEFAULT_THREADS, show_default=True,
              type=click.IntRange(1, 256),
              help="Requests each process serves at once. Env: FAQKB_THREADS.")
@click.option("--workers", envvar="FAQKB_WORKERS", default=DEFAULT_WORKERS, show_default=True,
              type=click.IntRange(1, 64),
              help="Processes serving requests (Python runs one thread at a time per "
                   "process; more processes use more cores and more memory; 1 where "
                   "processes cannot fork, as on Windows). Env: FAQKB_WORKERS.")
@click.option("--insights", is_flag=True, envvar="FAQKB_INSIGHTS",
              help="Record what people search for, open and say of the answers, in a "
                   "database beside the index (without it: as kb/faqkb.toml's [insights] "
                   "says, else off; see `faqkb insights`). Env: FAQKB_INSIGHTS.")
@click.option("--insights-token", envvar="FAQKB_INSIGHTS_TOKEN",
              help="The token that opens /insights (?token= or Authorization: Bearer); "
                   "without one, only this machine may. Env: FAQKB_INSIGHTS_TOKEN.")
@click.option("--insights-db", envvar="FAQKB_INSIGHTS_DB", type=click.Path(dir_okay=False),
              help="The insights database (default: insights.sqlite3 beside the index). "
                   "Env: FAQKB_INSIGHTS_DB.")
@click.option("--insights-retention", envvar="FAQKB_INSIGHTS_RETENTION",
              type=click.IntRange(1, 3660),
              help="Days insights are kept (default: kb/faqkb.toml's, else 90 or as "
                   "last set). "
                   "Env: FAQKB_INSIGHTS_RETENTION.")
@click.option("--title", envvar="FAQKB_TITLE",
              help="What the site calls itself (default: kb/faqkb.toml's title, else "
                   "'Knowledge base'). Env: FAQKB_TITLE.")
@click.option("--description", envvar="FAQKB_DESCRIPTION",
              help="A sentence the home page says about the site (default: kb/faqkb.toml's "
                   "description). Env: FAQKB_DESCRIPTION.")
@cli_cluster.serve_options
def serve(kb_dir: str | None, index_dir: str | None, host: str, port: int,
          threads: int, workers: int, insights: bool, insights_token: str | None,
          insights_db: str | None, insights_retention: int | None, title: str | None,
          description: str | None, read_only: bool, access_log: str | None) -> None:
    """Serve the web app with waitress, building the index first when needed."""
    from faqkb.web import create_app  # only this command needs the server (and Flask)
    from faqkb.web.server import create_server
    from faqkb.web.site import SETTINGS_FILE, read_settings_file

    cli_cluster.check_read_only(read_only, insights, insights_db)
    with _user_errors():
        kb = KnowledgeBase(kb_dir, index_dir, read_only=read_only)
        report: BuildReport | None
        if read_only:
            report = cli_cluster.served_report(kb)
        else:
            try:
                with _ProgressBar("Extracting") as progress:
                    report = kb.build(progress=progress, jobs=available_cores())
            except IndexBuildError as exc:
                if storage.current_generation(kb.index_dir) is None:
                    raise
                click.echo(f"warning: {exc}; serving the index as it is", err=True)
                report = kb.report()
        config = {"FAQKB_KB_DIR": kb.kb_dir, "FAQKB_INDEX_DIR": kb.index_dir,
                  "FAQKB_READ_ONLY": read_only, "FAQKB_ACCESS_LOG": access_log,
                  # Without the flag, kb/faqkb.toml's [insights] decides.
                  "FAQKB_INSIGHTS": True if insights else None,
                  "FAQKB_INSIGHTS_TOKEN": insights_token,
                  "FAQKB_INSIGHTS_DB": insights_db,
                  "FAQKB_INSIGHTS_RETENTION_DAYS": insights_retention,
                  "FAQKB_TITLE": title, "FAQKB_DESCRIPTION": description}
        app = create_app(config)
    _, problems = read_settings_file(kb.settings_dir / SETTINGS_FILE)
    for warning in [*(report.warnings if report else ()), *problems]:
        click.echo(f"warning: {warning}", err=True)
    try:
        server = create_server(app, host=host, port=port, threads=threads)
    except OSError as exc:
        problem = exc.strerror or str(exc)
    else:
        problem = ""
    if problem:  # raised outside the handler, so nothing keeps the failed server alive
        raise click.ClickException(f"cannot listen on {host}:{port}: {problem}")
    if report is not None:
        source = f"{kb.index_dir} (read-only)" if read_only else str(kb.kb_dir)
        click.echo(f"Serving {report.documents} documents, {report.qa_pairs} Q&A pairs and "
                   f"{report.claims} claims from {source}")
    with _user_errors():
        cli_serve.run(server, app, lambda: create_app(config), host=host, workers=workers,
                      threads=threads, insights_token=insights_token)
    click.echo("Stopped.")


@cli.command()
@_kb_options
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 3660),
              help="The period: the last DAYS days (UTC), today included.")
@click.option("-n", "--limit", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="Rows in each table.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--forget", is_flag=True, help="Delete every recorded event, and print how many.")
@click.option("--db", "database", envvar="FAQKB_INSIGHTS_DB", type=click.Path(dir_okay=False),
              help="The insights database (default: insights.sqlite3 beside the index). "
                   "Env: FAQKB_INSIGHTS_DB.")
def insights(kb_dir: str | None, index_dir: str | None, days: int, limit: int, as_json: bool,
             forget: bool, database: str | None) -> None:
    """Print what people searched for, opened and voted on (see `faqkb serve --insights`)."""
    from faqkb.insights import InsightsStore, build_report, default_database
    from faqkb.insights.text import format_report

    with _user_errors():
        kb = KnowledgeBase(kb_dir, index_dir, auto_build=False)
        store = InsightsStore(Path(database) if database else default_database(kb.index_dir))
        if forget:
            counts = store.forget()
            click.echo(f"Forgot {counts['searches']:,} searches, {counts['opens']:,} answers "
                       f"opened and {counts['votes']:,} votes in {store.path}")
            return
        try:
            store.prune()
        except FaqkbError as exc:  # a database one may read but not write still reports
            click.echo(f"warning: old events were not forgotten: {exc}", err=True)
        try:
            report = build_report(store, days=days, limit=limit, lookup=_lookup(kb))
        finally:
            kb.close()
    if as_json:
        data = {"database": str(store.path)} | report.to_dict()
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(format_report(report, str(store.path)))


def _lookup(kb: KnowledgeBase) -> Callable[[str], Entry | None]:
    """``kb.entry``, or nothing when the index cannot be read (the report names ids then)."""

    def find(entry_id: str) -> Entry | None:
        try:
            return kb.entry(entry_id)
        except FaqkbError:
            return None

    return find


class _ProgressBar:
    """A progress bar on a terminal's stderr, shown only once there is work to show."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None

    def __enter__(self) -> _ProgressBar:
        return self

    def __call__(self, done: int, total: int, name: str) -> None:
        if not sys.stderr.isatty():
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label=self.label, file=sys.stderr,
                                         show_pos=True, show_eta=True)
            self.bar.__enter__()
        # Workers report how many documents are done in all, not one at a time.
        self.bar.update(max(0, done - self.bar.pos))

    def __exit__(self, *exc: object) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def main() -> None:
    """Run the ``faqkb`` command."""
    cli(prog_name="faqkb")
