"""`rxmsg support` (being built)."""

from __future__ import annotations

import click


@click.group("support")
def support() -> None:
    """Not available yet."""
