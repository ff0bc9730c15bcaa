"""Held Daily Messages: greetings the flood guard held, and an admin's release of one.

A Welcome, Birthday or Customer Review message that would have reached more
than the store's share of patients (a mass import, a shifted column) waits
here instead of going out. An admin who has checked the cause releases it
(R); the daily process then queues it for its day.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Static

from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.screens.base import RxScreen
from rxmsg_tui.screens.catalogue import HELD_DAILY_MESSAGES
from rxmsg_tui.screens.work import WorkFailed, run_service
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.daily.holds import HeldAlert, held_alerts, last_run_failures, release
from rxmsg_tui.services.daily.process import DailyResult
from rxmsg_tui.services.failures import log_failure

log = logging.getLogger("rxmsg.screens")

NONE_HELD = "Nothing is held: every greeting of the daily process went out as usual."
ADMINS_ONLY = "Only an admin can release held messages."


def held_lines(holds: list[HeldAlert]) -> list[str]:
    return [f"{hold.notice()} {hold.how_to_release()}" for hold in holds]


def show_held(screen: RxScreen, show: Callable[[list[str]], object]) -> None:
    """Read the held greetings for a screen that shows them (Alert Settings)."""
    ctx = screen.context
    run_service(
        screen,
        partial(held_alerts, ctx.db, ctx.actor.store_id),
        lambda holds: show(held_lines(holds)),
        lambda failure: show([f"Cannot read the held messages: {failure.text}"]),
        doing="reading the held daily messages",
        group="held-daily-messages",
    )


def notify_held(app: App[Any], context: AppContext) -> None:
    """At start: a notice per held greeting, and the last daily run's failed rules, if any.

    The scheduler runs the daily process in the background, so this is where
    staff hear that a rule failed or a greeting waits for an admin.
    """

    def work() -> None:
        try:
            holds = held_alerts(context.db, context.actor.store_id)
            failed = last_run_failures(context.db, context.actor.store_id)
        except Exception as error:  # the screens say so when they load; this is a courtesy
            log_failure(log, "reading the held daily messages", error)
            return
        for line in held_lines(holds):
            app.call_from_thread(
                app.notify, line, title="Held Daily Messages", severity="warning", timeout=30
            )
        if failed is not None:
            day, parts = failed
            line = (
                f"The daily process of {day:%m/%d} could not do {', '.join(parts)} "
                f"({next(iter(parts.values()))}); the other rules ran. See the audit log."
            )
            app.call_from_thread(
                app.notify, line, title="Daily process", severity="error", timeout=30
            )

    app.run_worker(work, thread=True, exit_on_error=False, group="held-notice")


class DailyHoldsScreen(RxScreen):
    """One row per held greeting; R releases the one under the cursor (admins)."""

    DEFAULT_CSS = """
    DailyHoldsScreen #holds {
        height: 1fr;
    }
    DailyHoldsScreen #holds-status {
        height: auto;
        padding: 0 1;
    }
    """
    AUTO_FOCUS = "#holds"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("r", "release", "Release", id="holds.release",
                tooltip="Queue the held greeting now (admins; after checking why it was held)"),
        Binding("f5", "refresh", "Refresh", id="holds.refresh", tooltip="Read the holds again"),
    ]  # fmt: skip

    def __init__(self, context: AppContext) -> None:
        super().__init__(context, HELD_DAILY_MESSAGES)
        self.holds: list[HeldAlert] = []

    def compose_body(self) -> ComposeResult:
        table: DataTable[str] = DataTable(id="holds", cursor_type="row", zebra_stripes=True)
        table.add_columns("Day", "Message", "Would reach", "Patients", "Share")
        yield table
        yield Static("Loading…", id="holds-status", markup=False)

    def on_mount(self) -> None:
        self._load()

    def action_refresh(self) -> None:
        self._load()

    def _load(self, note: str = "") -> None:
        run_service(
            self,
            partial(held_alerts, self.context.db, self.context.actor.store_id),
            partial(self._show, note=note),
            lambda failure: self.show_status(f"Cannot read the held messages: {failure.text}"),
            doing="reading the held daily messages",
            group="daily-holds-read",
        )

    def _show(self, holds: list[HeldAlert], *, note: str) -> None:
        self.holds = holds
        table = self.query_one("#holds", DataTable)
        table.clear()
        for hold in holds:
            share = hold.would_queue / hold.patient_total if hold.patient_total else 1.0
            table.add_row(
                hold.run_date.strftime("%m/%d/%Y"), hold.alert_name, f"{hold.would_queue:,}",
                f"{hold.patient_total:,}", f"{share:.0%}", key=str(hold.id),
            )  # fmt: skip
        if not holds:
            self.show_status(note or NONE_HELD)
            return
        how = "R releases the selected one." if self._is_admin else ADMINS_ONLY
        self.show_status(f"{note} {holds[0].notice()} {how}".strip())

    @property
    def _is_admin(self) -> bool:
        return self.context.actor.role is Role.ADMIN

    def action_release(self) -> None:
        if not self.holds:
            self.show_status(NONE_HELD)
            return
        if not self._is_admin:
            self.show_status(ADMINS_ONLY)
            return
        row = self.query_one("#holds", DataTable).cursor_row
        hold = self.holds[min(max(row, 0), len(self.holds) - 1)]
        question = f"{hold.notice()} Release it and queue these messages now?"

        def answered(yes: bool | None) -> None:
            if yes:
                self._release(hold)

        self.app.push_screen(ConfirmDialog(question, yes="Release"), answered)

    def _release(self, hold: HeldAlert) -> None:
        ctx = self.context
        self.show_status(f"Releasing the {hold.alert_name}…")
        run_service(
            self,
            partial(release, ctx.db, ctx.actor, hold.alert, now=ctx.clock.now(), day=hold.run_date),
            partial(self._released, hold),
            self._release_failed,
            doing="releasing a held daily message",
            group="daily-holds-release",
        )

    def _released(self, hold: HeldAlert, result: DailyResult) -> None:
        queued = sum(result.queued.values())
        failed = f" Not done: {', '.join(result.failed)}." if result.failed else ""
        self._load(f"Released: {queued:,} {hold.alert_name} messages queued.{failed}")

    def _release_failed(self, failure: WorkFailed) -> None:
        self.show_status(f"Not released: {failure.text}")

    def show_status(self, text: str) -> None:
        self.query_one("#holds-status", Static).update(text)
