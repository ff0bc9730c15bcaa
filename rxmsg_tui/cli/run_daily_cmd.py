"""`rxmsg run-daily [--date D] [--release ALERT]`: the daily process now, as the scheduler would."""

from __future__ import annotations

import sys
from datetime import date, timedelta
from typing import TYPE_CHECKING

import click

from rxmsg_tui.cli.params import iso_date
from rxmsg_tui.cli.state import CliState
from rxmsg_tui.domain.held_alerts import HELD_ALERTS

if TYPE_CHECKING:
    from rxmsg_tui.services.daily.process import DailyResult

_PART_NAMES = {
    "refill": "refill reminders",
    "pickup_followup": "pickup follow-ups",
    "birthday": "birthday greetings",
    "welcome": "welcome greetings",
    "review_resend": "review resends",
}
MAX_PAST_DAYS = 366
"""`--date` reaches back a year: older greetings and reminders would only confuse patients."""


@click.command("run-daily")
@click.option(
    "--date",
    "day",
    callback=iso_date,
    metavar="DATE",
    help="Apply the rules for this day (store time; today or a past day) only. "
    "Default: today, plus any days missed since the last run (at most a week).",
)
@click.option(
    "--release",
    "alert",
    type=click.Choice(list(HELD_ALERTS)),
    help="Admins: release the greeting the flood guard held (its newest day, or --date) "
    "and queue it.",
)
@click.pass_obj
def run_daily_command(state: CliState, day: date | None, alert: str | None) -> None:
    """Queue the day's refill reminders, follow-ups, greetings and review resends.

    Safe to repeat: a message already queued for its rule and cycle is never
    queued again. A greeting that would reach more than the flood guard's
    share of patients is held until an admin releases it. Exit 1 when a rule
    failed (the other rules still ran).
    """
    from rxmsg_tui.services.daily import run_daily
    from rxmsg_tui.services.daily.holds import release

    ctx = state.context()
    if day is not None:
        _check_day(day, ctx.clock.today(ctx.store_zone))
    now = ctx.clock.now()
    if alert is not None:
        result = release(ctx.db, ctx.actor, alert, now=now, day=day)
    else:
        result = run_daily(ctx.db, ctx.actor, now=now, day=day, catch_up=day is None, trigger="cli")
    _report(ctx.store.name, result)
    if result.failed:
        sys.exit(1)


def _check_day(day: date, today: date) -> None:
    if day > today:
        raise click.BadParameter(
            f"{day.isoformat()} is after the store's today ({today.isoformat()}); "
            "run-daily applies today's or a past day's rules",
            param_hint="'--date'",
        )
    if (today - day).days > MAX_PAST_DAYS:
        earliest = today - timedelta(days=MAX_PAST_DAYS)
        raise click.BadParameter(
            f"{day.isoformat()} is more than a year ago; the earliest is {earliest.isoformat()}",
            param_hint="'--date'",
        )


def _report(store_name: str, result: DailyResult) -> None:
    from rxmsg_tui.services.daily.holds import HeldAlert
    from rxmsg_tui.services.daily.process import PARTS

    covered = result.day.isoformat()
    if result.since != result.day:
        covered = f"{result.since.isoformat()} to {covered} (catching up missed days)"
    click.echo(f"Daily process for {store_name}, {covered}:")
    for part in PARTS:
        click.echo(f"  {result.queued[part]:>8,} {_PART_NAMES[part]}")
    click.echo(f"  {result.total:>8,} queued")
    for held in result.held:
        notice = HeldAlert(0, result.day, held.alert, held.would_queue, held.patients)
        click.echo(f"{notice.notice()} Nothing of it was queued. {notice.how_to_release()}")
    for where, reason in result.failed.items():
        click.echo(f"rxmsg: {where} failed: {reason}", err=True)
    if result.failed:
        click.echo(
            f"rxmsg: {len(result.failed)} part(s) of the daily process failed; "
            "the others ran (see the audit log)",
            err=True,
        )
