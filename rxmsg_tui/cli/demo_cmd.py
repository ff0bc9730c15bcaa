"""`rxmsg demo` (being built)."""

from __future__ import annotations

import click

from rxmsg_tui.cli.errors import fail


@click.command("demo", context_settings={"ignore_unknown_options": True, "allow_extra_args": True})
def demo() -> None:
    """Not available yet."""
    fail("`rxmsg demo` is not available yet in this version")
