"""`rxmsg patient verify`: send a verification code to a cell or email, or check one read back."""

from __future__ import annotations

import click

from rxmsg_tui.cli.errors import fail


@click.command(
    "verify",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
def verify() -> None:
    """Not available yet: verifying a patient's cell or email."""
    fail("`rxmsg patient verify` is not available yet in this version")
