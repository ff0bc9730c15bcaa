"""`rxmsg demo`: build the demo pharmacy once (`--reset` to build it anew), then open the TUI."""

from __future__ import annotations

import sys

import click

from rxmsg_tui.cli.state import CliState, current_login
from rxmsg_tui.cli.tui import open_tui
from rxmsg_tui.services.demo import DEMO_STORE_CODE, MAX_PATIENTS, DemoSummary, build_demo

PROGRESS_FROM = 20_000
"""Smaller demos finish in a few seconds; a progress line would only flicker."""


@click.command("demo")
@click.option(
    "--patients",
    type=click.IntRange(1, MAX_PATIENTS),
    default=200,
    show_default=True,
    help="How many demo patients, D000001 on (5 prescriptions each).",
)
@click.option("--no-tui", is_flag=True, help="Build the demo and exit without opening the TUI.")
@click.option(
    "--reset",
    is_flag=True,
    help="Delete the demo store's data (settings, formats, patients, queue) and build it anew.",
)
@click.pass_obj
def demo(state: CliState, patients: int, no_tui: bool, reset: bool) -> None:
    """Build the demo pharmacy (store DEMO) once, then open the TUI on it.

    Re-running keeps what you changed (settings, formats, patients, the queue)
    and only moves every prescription's dates to today's calendar, so the
    refill windows stay meaningful; --reset builds the demo anew. The demo
    runs only on a database of its own: one holding any other store is refused.
    """
    db = state.database()
    show_progress = sys.stderr.isatty() and patients >= PROGRESS_FROM
    summary = build_demo(
        db,
        patients=patients,
        now=state.clock.now(),
        username=current_login(),
        progress=_print_progress if show_progress else None,
        reset=reset,
    )
    if show_progress:
        click.echo(err=True)
    click.echo(_describe(summary), err=True)
    if not no_tui:
        open_tui(state.context(store_code=DEMO_STORE_CODE, db=db))


def _print_progress(done: int, total: int) -> None:
    click.echo(f"\rrxmsg demo: {done:,} of {total:,} patients written…", err=True, nl=False)


def _describe(s: DemoSummary) -> str:
    if not s.built:
        return _describe_kept(s)
    lines = [
        f"rxmsg demo: store {s.store_code} {s.store_name!r} ({s.timezone}), today {s.today}",
        f"  patients       {s.store_patients:,} written, live from today (none counts as new)",
        f"  prescriptions  {s.store_prescriptions:,} written, due dates anchored on today",
        f"  also written   {s.consent_rows:,} consent, {s.prefs_rows:,} message preference rows;"
        f" {s.drugs} drugs",
        f"  done in {s.seconds:.1f} s",
    ]
    if s.reset:
        lines.insert(1, "  reset: the demo's data was deleted and built anew")
    if s.user_added:
        lines.insert(1, f"  {s.username} may now sign in to {s.store_code} as admin")
    return "\n".join(lines)


def _describe_kept(s: DemoSummary) -> str:
    """The demo was there: nothing of it was rebuilt, so the user's changes are intact."""
    moved = (
        f"{s.moved_prescriptions:,} prescriptions moved {s.moved_days:+d} days to today's calendar"
        if s.moved_days
        else "prescription dates already on today's calendar"
    )
    lines = [
        f"rxmsg demo: store {s.store_code} {s.store_name!r} kept as you left it "
        f"({s.store_patients:,} patients); {moved}",
        "  rxmsg demo --reset builds it anew (your changes to it are then lost)",
    ]
    if s.user_added:
        lines.insert(1, f"  {s.username} may now sign in to {s.store_code} as admin")
    return "\n".join(lines)
