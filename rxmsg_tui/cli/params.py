"""Option values shared by several commands, checked the same way everywhere."""

from __future__ import annotations

from datetime import date

import click


def iso_date(_ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """A day in the store's calendar, written as ISO 8601 (`2026-03-02`)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2026-03-02", param=param) from None
