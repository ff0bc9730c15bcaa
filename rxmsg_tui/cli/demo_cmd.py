"""`rxmsg demo`: build the demo pharmacy once (`--reset` to build it anew), then open the TUI.

`--with-devices` runs the signature pad and IVR simulators beside it for as
long as the demo runs: the TUI (or, with --no-tui, the commands typed in
another terminal until Ctrl-C) asks for consent on the pad and places calls.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import click

from rxmsg_tui.cli.errors import fail
from rxmsg_tui.cli.state import CliState, current_login
from rxmsg_tui.cli.stop_signals import StopSignals
from rxmsg_tui.cli.tui import open_tui
from rxmsg_tui.domain.demo_limits import MAX_PATIENTS

if TYPE_CHECKING:
    from rxmsg_tui.services.demo import DemoSummary
    from rxmsg_tui.services.demo.simulators import DemoDevices

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
@click.option(
    "--with-devices",
    is_flag=True,
    help="Run the signature pad and IVR simulators while the demo runs (with --no-tui: "
    "until Ctrl-C); calls go to the IVR simulator and the pad answers YES.",
)
@click.pass_obj
def demo(state: CliState, patients: int, no_tui: bool, reset: bool, with_devices: bool) -> None:
    """Build the demo pharmacy (store DEMO) once, then open the TUI on it.

    Re-running keeps what you changed (settings, formats, patients, the queue)
    and only moves every prescription's dates to today's calendar, so the
    refill windows stay meaningful; --reset builds the demo anew. The demo
    runs only on a database of its own: one holding any other store is refused.
    """
    from rxmsg_tui.services.demo import DEMO_STORE_CODE, build_demo

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
    if with_devices:
        _run_with_devices(state, no_tui=no_tui)
    elif not no_tui:
        open_tui(state.context(store_code=DEMO_STORE_CODE, db=db))


def _run_with_devices(state: CliState, *, no_tui: bool) -> None:
    """Start both simulators, point the demo at them, run, then stop them and undo the setup."""
    from rxmsg_tui.services.demo import DEMO_STORE_CODE
    from rxmsg_tui.services.demo.simulators import (
        point_store_at_ivr,
        start_simulators,
        stop_simulators,
    )
    from rxmsg_tui.services.errors import ServiceError

    context = state.context(store_code=DEMO_STORE_CODE, db=state.database())
    try:
        devices = start_simulators(context.settings.data_dir)
    except (ServiceError, OSError) as error:
        fail(f"cannot start the device simulators: {error}")
    try:
        point_store_at_ivr(context.db, context.actor, devices, now=context.clock.now())
        context.settings = context.settings.model_copy(update={"sigpad_url": devices.sigpad_url})
        click.echo(_describe_devices(devices, no_tui=no_tui), err=True)
        if no_tui:  # until Ctrl-C or SIGTERM: the simulators serve whoever runs rxmsg meanwhile
            with StopSignals() as stop:
                stop.event.wait()
        else:
            open_tui(context)
    finally:
        left = stop_simulators(context.db, context.actor, devices, now=context.clock.now())
        click.echo(f"rxmsg demo: simulators stopped{'; ' + left if left else ''}", err=True)


def _describe_devices(devices: DemoDevices, *, no_tui: bool) -> str:
    lines = [
        f"  signature pad  simulator at {devices.sigpad_url} (answers YES; log "
        f"{devices.sigpad_log})",
        f"  IVR computer   simulator at 127.0.0.1:{devices.ivr_port}; Call Using = IVR "
        f"Interface while the demo runs (log {devices.ivr_log})",
    ]
    if no_tui:
        lines += [
            "  in another terminal, with the same RXMSG_DATABASE_URL / RXMSG_DATA_DIR:",
            f"    export RXMSG_SIGPAD_URL={devices.sigpad_url}",
            "    rxmsg            (or rxmsg patient consent D000001 --sigpad)",
            "  Ctrl-C here stops the simulators and puts the demo's setup back",
        ]
    return "\n".join(lines)


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
