"""`rxmsg support keygen|unlock-code`: support's key pair and the codes that unlock settings."""

from __future__ import annotations

from pathlib import Path

import click

from rxmsg_tui.cli.state import CliState
from rxmsg_tui.domain.unlock_code import MAX_UNLOCK_MINUTES


@click.group("support")
def support() -> None:
    """Tools for rxmsg support technicians."""


@support.command("keygen")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def keygen(directory: Path) -> None:
    """Write a new Ed25519 key pair in DIRECTORY (once, at support).

    The private key (0600) stays at support and signs unlock codes; the public
    key is installed at each store as RXMSG_SUPPORT_PUBLIC_KEY.
    """
    from rxmsg_tui.services.support import write_key_pair

    private_path, public_path = write_key_pair(directory)
    click.echo(f"private signing key {private_path} (keep it at support; never send it)", err=True)
    click.echo(
        f"public key {public_path} (install at stores as RXMSG_SUPPORT_PUBLIC_KEY)", err=True
    )


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
    help="Store code (default: RXMSG_STORE).",
)
@click.pass_obj
def unlock_code(state: CliState, minutes: int, store_code: str | None) -> None:
    """Print a single-use unlock code alone on stdout; its expiry goes to stderr.

    Needs the private signing key (RXMSG_SUPPORT_SIGNING_KEY, a PEM file).
    """
    from rxmsg_tui.services.support import issue_unlock_code

    settings = state.settings
    code_for = (store_code or settings.store or "").strip().upper()
    code, expires_at = issue_unlock_code(settings.support_signing_key, code_for, minutes=minutes)
    click.echo(code)
    click.echo(f"valid once for store {code_for} until {expires_at:%Y-%m-%d %H:%M} UTC", err=True)
