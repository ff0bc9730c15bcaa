"""`rxmsg devices ivr-sim` (DESIGN.md §7): the IVR simulator."""

from __future__ import annotations

import click

from rxmsg_tui.cli.errors import fail


@click.command(
    "ivr-sim",
    help="Not available yet: the IVR simulator.",
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
)
def ivr_sim() -> None:
    fail("`rxmsg devices ivr-sim` is not available yet (the IVR simulator)")
