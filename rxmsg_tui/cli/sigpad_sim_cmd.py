"""`rxmsg devices sigpad-sim` (DESIGN.md §7): the signature pad simulator."""

from __future__ import annotations

import click

from rxmsg_tui.cli.errors import fail


@click.command(
    "sigpad-sim",
    help="Not available yet: the signature pad simulator.",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
def sigpad_sim() -> None:
    fail("`rxmsg devices sigpad-sim` is not available yet (the signature pad simulator)")
