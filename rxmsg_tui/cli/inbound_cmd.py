"""`rxmsg inbound` (DESIGN.md §7): reading inbound text messages."""

from __future__ import annotations

import click

from rxmsg_tui.cli.errors import fail


@click.command(
    "inbound",
    help="Not available yet: reading inbound text messages.",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
def inbound() -> None:
    fail("`rxmsg inbound` is not available yet in this version (reading inbound text messages)")
