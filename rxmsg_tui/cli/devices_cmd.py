"""`rxmsg devices` (DESIGN.md §7): the signature pad and IVR simulators."""

from __future__ import annotations

import click

from rxmsg_tui.cli.errors import fail


@click.command(
    "devices",
    help="Not available yet: the signature pad and IVR simulators.",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
def devices() -> None:
    fail("`rxmsg devices` is not available yet (the signature pad and IVR simulators)")
