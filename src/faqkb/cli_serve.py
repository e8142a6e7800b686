"""What ``faqkb serve`` does once its server is listening: start the workers (each with
its app warmed: index open, page summary read) and say where it listens, once they are
all ready, and where the insights pages are.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import click

from faqkb.errors import FaqkbError


def run(server: Any, app: Any, make_app: Callable[[], Any], *, host: str, workers: int,
        threads: int, insights_token: str | None) -> None:
    """Serve ``app`` (and, in ``workers`` forked processes, apps made by ``make_app``) on
    ``server``'s sockets until stopped. Raises :class:`FaqkbError` when the workers keep
    failing as they start."""
    addresses = listening(server)

    def announce() -> None:
        for address in addresses:
            click.echo(f"Listening on {address} (press Ctrl+C to stop)")
        say_insights(app, host, addresses[0], insights_token)

    if workers > 1 and hasattr(os, "fork"):
        from faqkb.search.spelling import load_english_words
        from faqkb.web.workers import run_workers

        # Read before forking, so the workers share one copy of the word list.
        load_english_words()

        click.echo(f"{workers} processes, {threads} thread{'' if threads == 1 else 's'} each")
        run_workers(server, lambda: warmed(make_app()), workers, threads, on_ready=announce)
    else:
        from faqkb.web.draining import drain_on_sigterm

        drain_on_sigterm(server)
        announce()
        server.run()


def warmed(app: Any) -> Any:
    """``app`` with its index opened and ready, when it can be (when it cannot, its
    pages say why, as they would have)."""
    from faqkb.web import KNOWLEDGE_BASE
    from faqkb.web.views import SUMMARY

    kb = app.extensions[KNOWLEDGE_BASE]
    with suppress(FaqkbError, OSError):
        kb.warm_up()
        app.extensions[SUMMARY].get(kb)  # what every page shows of the index
    return app


def say_insights(app: Any, host: str, address: str, token: str | None) -> None:
    """Say where the insights pages are, and who may see them (nothing when off)."""
    from faqkb.web.insights import insights_of

    state = insights_of(app)
    if state is None:
        if token:
            click.echo("warning: --insights-token is ignored without --insights", err=True)
        return
    try:
        kept = f", kept {state.store.retention()} days"
    except FaqkbError:
        kept = ""
    who = "with its token" if token else "from this machine only"
    click.echo(f"Insights: recorded in {state.store.path}{kept}; "
               f"see {address}insights ({who})")
    if not token and not _is_loopback(host):
        click.echo("warning: without --insights-token, /insights answers only requests "
                   "from this machine", err=True)


def listening(server: Any) -> list[str]:
    """The URLs ``server`` listens on."""
    found = getattr(server, "effective_listen", None) or [
        (server.effective_host, server.effective_port)]
    return [f"http://[{host}]:{port}/" if ":" in str(host) else f"http://{host}:{port}/"
            for host, port in found]


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"
