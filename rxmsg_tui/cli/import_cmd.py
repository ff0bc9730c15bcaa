"""`rxmsg import` (being built)."""

from __future__ import annotations

import click

from rxmsg_tui.cli.errors import fail


@click.command(
    "import", context_settings={"ignore_unknown_options": True, "allow_extra_args": True}
)
def import_() -> None:
    """Not available yet."""
    fail("`rxmsg import` is not available yet in this version")
