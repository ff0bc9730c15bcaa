"""`rxmsg chat` (DESIGN.md §7): two-way text chat."""

from __future__ import annotations

import click

from rxmsg_tui.cli.errors import fail


@click.command(
    "chat",
    help="Not available yet: two-way text chat.",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
def chat() -> None:
    fail("`rxmsg chat` is not available yet in this version (two-way text chat)")
