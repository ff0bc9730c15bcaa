"""`rxmsg run-daily [--date D]`: the daily process now, as the scheduler runs it at its hour."""

from __future__ import annotations

from datetime import date

import click

from rxmsg_tui.cli.params import iso_date
from rxmsg_tui.cli.state import CliState
from rxmsg_tui.services.daily import run_daily
from rxmsg_tui.services.daily.process import PARTS

_PART_NAMES = {
    "refill": "refill reminders",
    "pickup_followup": "pickup follow-ups",
    "birthday": "birthday greetings",
    "welcome": "welcome greetings",
    "review_resend": "review resends",
}


@click.command("run-daily")
@click.option(
    "--date",
    "day",
    callback=iso_date,
    metavar="DATE",
    help="Apply the rules for this day (store time) only. "
    "Default: today, plus any days missed since the last run (at most a week).",
)
@click.pass_obj
def run_daily_command(state: CliState, day: date | None) -> None:
    """Queue the day's refill reminders, follow-ups, greetings and review resends.

    Safe to repeat: a message already queued for its rule and cycle is never
    queued again.
    """
    ctx = state.context()
    result = run_daily(
        ctx.db, ctx.actor, now=ctx.clock.now(), day=day, catch_up=day is None, trigger="cli"
    )
    covered = result.day.isoformat()
    if result.since != result.day:
        covered = f"{result.since.isoformat()} to {covered} (catching up missed days)"
    click.echo(f"Daily process for {ctx.store.name}, {covered}:")
    for part in PARTS:
        click.echo(f"  {result.queued[part]:>8,} {_PART_NAMES[part]}")
    click.echo(f"  {result.total:>8,} queued")
