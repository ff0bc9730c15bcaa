"""`rxmsg settings` (being built)."""

from __future__ import annotations

import click


@click.group("settings")
def settings() -> None:
    """Not available yet."""
