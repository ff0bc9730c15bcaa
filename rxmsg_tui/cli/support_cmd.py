"""`rxmsg support unlock-code`: a time-limited code that unlocks Alert Settings."""

from __future__ import annotations

import click

from rxmsg_tui.cli.state import CliState
from rxmsg_tui.services.stores import resolve_store
from rxmsg_tui.services.support import MAX_UNLOCK_MINUTES, issue_unlock_code


@click.group("support")
def support() -> None:
    """Tools for rxmsg support technicians."""


@support.command("unlock-code")
@click.option(
    "--minutes",
    default=30,
    show_default=True,
    type=click.IntRange(1, MAX_UNLOCK_MINUTES),
    help="How long the code stays valid.",
)
@click.option(
    "--store",
    "store_code",
    metavar="CODE",
    help="Store code (default: RXMSG_STORE or the only store).",
)
@click.pass_obj
def unlock_code(state: CliState, minutes: int, store_code: str | None) -> None:
    """Print an unlock code alone on stdout; its expiry goes to stderr."""
    settings = state.settings
    now = state.clock.now()
    code_for = store_code or settings.store
    if code_for is None:
        code_for = resolve_store(state.database(), None, now=now).code
    code, expires_at = issue_unlock_code(settings.support_key, code_for, minutes=minutes, now=now)
    click.echo(code)
    click.echo(
        f"valid for store {code_for.upper()} until {expires_at:%Y-%m-%d %H:%M} UTC", err=True
    )
