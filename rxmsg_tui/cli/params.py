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


def typed_date(_ctx: click.Context, param: click.Parameter, value: str | None) -> date | None:
    """A day in the store's calendar as staff type it: `12/01/2026` or `2026-12-01`."""
    from rxmsg_tui.domain.typed_days import read_day

    if value is None:
        return None
    try:
        return read_day(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param=param) from None
