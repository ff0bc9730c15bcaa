"""`rxmsg health [--url URL]`: exit 0 when rxmsg works here, else 1 with what is wrong.

For a container's HEALTHCHECK and for monitors. It neither migrates the
database nor signs anybody in: a check must not change what it checks.
"""

from __future__ import annotations

from datetime import UTC, datetime

import click

from rxmsg_tui.cli.errors import fail
from rxmsg_tui.cli.state import CliState


@click.command("health")
@click.option(
    "--url",
    metavar="URL",
    help="Also ask this address (e.g. rxmsg serve's http://127.0.0.1:8000/) and want an answer.",
)
@click.option("--timeout", default=5.0, show_default=True, type=click.FloatRange(0.1, 60))
@click.pass_obj
def health(state: CliState, url: str | None, timeout: float) -> None:
    """Exit 0 when the database answers at the newest schema and the scheduler here renews."""
    from rxmsg_tui.services.health import check_health
    from rxmsg_tui.storage.database import Database
    from rxmsg_tui.storage.engine import make_engine

    db = Database(make_engine(state.settings.resolved_database_url()))
    try:
        found = check_health(db, now=datetime.now(UTC))
    finally:
        db.dispose()
    if not found.healthy:
        fail(found.summary)
    if url is not None:
        _ask(url, timeout)
    click.echo(found.summary + (f"; {url} answers" if url else ""))


def _ask(url: str, timeout: float) -> None:
    import httpx

    try:
        answer = httpx.get(url, timeout=timeout)
    except httpx.HTTPError as exc:
        fail(f"{url} does not answer: {type(exc).__name__}")
    if answer.status_code >= 500:
        fail(f"{url} answers {answer.status_code}")
