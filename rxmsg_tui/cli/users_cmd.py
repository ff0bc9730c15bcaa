"""`rxmsg users` (being built)."""

from __future__ import annotations

import click


@click.group("users")
def users() -> None:
    """Not available yet."""
