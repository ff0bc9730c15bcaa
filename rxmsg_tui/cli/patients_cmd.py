"""`rxmsg patients` (being built)."""

from __future__ import annotations

import click

from rxmsg_tui.cli.errors import fail


@click.command(
    "patients", context_settings={"ignore_unknown_options": True, "allow_extra_args": True}
)
def patients() -> None:
    """Not available yet."""
    fail("`rxmsg patients` is not available yet in this version")
