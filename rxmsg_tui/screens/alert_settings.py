"""Alert Settings: which alerts go out, how and when; read-only until support unlocks it."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Button, Static

from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.dialogs.patient_defaults import PatientDefaultsDialog
from rxmsg_tui.dialogs.unlock import UnlockDialog
from rxmsg_tui.domain.settings_keys import SETTING_KEYS, SettingError
from rxmsg_tui.screens.base import RxScreen
from rxmsg_tui.screens.catalogue import ALERT_SETTINGS
from rxmsg_tui.screens.daily_holds import show_held
from rxmsg_tui.screens.work import WorkFailed, run_service
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.store_settings import change_settings_for, read_settings
from rxmsg_tui.services.support import (
    UnlockGrant,
    real_now,
    redeem_unlock_code,
    setup_refusal,
    unlock_time,
)
from rxmsg_tui.widgets.alert_settings_form import AlertSettingsForm

EXPIRY_CHECK_SECONDS = 1.0
"""How often the screen looks at the clock to relock when the code expires."""

LOCKED = "Locked — enter a support unlock code (F2) to change these settings."
UNLOCK_TIP = "Paste the unlock code from rxmsg support; it unlocks the fields until it expires"
DEFAULTS_TIP = "Message options for new patients, and Update All"


class AlertSettingsScreen(RxScreen):
    """Every Alert Settings field, locked until a support code unlocks it for a while.

    A code is used up when it unlocks the screen; saves need no second code
    until it expires (on the real clock, whatever `RXMSG_NOW` says). Then the
    fields lock again; edits not yet saved stay on screen and are saved after
    a new code. Save changes all or nothing and the
    service audit-logs each changed key with its value before and after.
    """

    CSS_PATH = "../styles/alert_settings.tcss"
    AUTO_FOCUS = "#alert-form"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="alerts.save", tooltip="Save the changed settings"),
        Binding("f2", "unlock", "Unlock", id="alerts.unlock", tooltip=UNLOCK_TIP),
        Binding(
            "f4", "patient_defaults", "Patient Default", id="alerts.defaults", tooltip=DEFAULTS_TIP
        ),
    ]

    def __init__(self, context: AppContext) -> None:
        super().__init__(context, ALERT_SETTINGS)
        self.saved: dict[str, Any] | None = None
        """The settings as the database has them; None until read."""
        self.unlock: UnlockGrant | None = None
        self.saving = False

    def compose_body(self) -> ComposeResult:
        yield Static(LOCKED, id="lock-state", markup=False)
        yield AlertSettingsForm(id="alert-form")
        yield Static("Loading…", id="alert-status", markup=False)
        with Horizontal(id="alert-buttons"):
            yield Button("Unlock", action="screen.unlock", id="unlock", compact=True)
            yield Button("Save", action="screen.save", id="save", variant="primary", compact=True)
            yield Button("Cancel", action="screen.back", id="cancel", compact=True)

    def on_mount(self) -> None:
        self._set_locked(True)
        self.set_interval(EXPIRY_CHECK_SECONDS, self._check_expiry)
        self._load()

    @property
    def form(self) -> AlertSettingsForm:
        return self.query_one("#alert-form", AlertSettingsForm)

    def _load(self, note: str = "") -> None:
        run_service(
            self,
            partial(read_settings, self.context.db, self.context.actor.store_id),
            partial(self._show, note=note),
            lambda failure: self.show_status(f"Cannot read the settings: {failure.text}"),
            doing="reading the alert settings",
            group="alert-settings-read",
        )

    def _show(self, values: dict[str, Any], *, note: str) -> None:
        self.saved = values
        self.form.load(values)
        show_held(self, self.form.show_holds)
        self.show_status(note or "Tab moves between fields; the form scrolls to follow.")

    def current_code(self) -> UnlockGrant | None:
        """The unlock while it is still valid, for the Patient Default dialog."""
        self._check_expiry()
        return self.unlock

    def _check_expiry(self) -> None:
        if self.unlock is not None and real_now() >= self.unlock.expires_at:
            ended = self._local(self.unlock.expires_at)
            self.unlock = None
            self._set_locked(True)
            kept = " Your unsaved changes are kept." if self.changes() else ""
            self._lock_line(
                f"Locked — the unlock code expired at {ended}; F2 for a new code.{kept}"
            )

    def _set_locked(self, locked: bool) -> None:
        for widget in self.form.field_widgets():
            widget.disabled = locked
        if locked:
            self._lock_line(setup_refusal(self.context.actor) or LOCKED)
            self.form.focus()
        else:
            assert self.unlock is not None
            self._lock_line(f"Unlocked until {self._local(self.unlock.expires_at)}")
            self._focus(next(self.form.field_widgets()))

    def action_unlock(self) -> None:
        ctx = self.context
        refusal = setup_refusal(ctx.actor)
        if refusal is not None:  # said before a code is pasted, not after
            self.show_status(refusal)
            self.notify(refusal, title="Cannot unlock", severity="warning")
            return

        def check(code: str) -> UnlockGrant:
            key = ctx.settings.support_public_key
            return redeem_unlock_code(ctx.db, ctx.actor, code, public_key=key)

        def unlocked(unlock: UnlockGrant | None) -> None:
            if unlock is not None:
                self.unlock = unlock
                self._set_locked(False)

        self.app.push_screen(UnlockDialog(check), unlocked)

    def changes(self) -> dict[str, Any]:
        """The fields that differ from the database, as keys and typed values."""
        if self.saved is None:
            return {}
        saved = self.saved
        return {key: value for key, value in self.form.values().items() if value != saved[key]}

    def action_save(self) -> None:
        self._check_expiry()
        if self.saving or self.saved is None:
            return
        changes = self.changes()
        if not changes:
            self.show_status("Nothing to save: no field has changed.")
        elif self.unlock is None:
            self.show_status(
                "Not saved: the settings are locked. Press F2 and enter an unlock code."
            )
        else:
            self.saving = True
            self.form.clear_errors()
            run_service(
                self,
                partial(change_settings_for, self.context, changes, unlock_code=self.unlock),
                self._saved,
                self._refused,
                doing="saving the alert settings",
                group="alert-settings-save",
            )

    def _saved(self, changed: list[str]) -> None:
        self.saving = False
        names = ", ".join(SETTING_KEYS[key].description for key in changed)
        plural = "" if len(changed) == 1 else "s"
        self._load(f"Saved {len(changed)} change{plural}: {names}")

    def _refused(self, event: WorkFailed) -> None:
        """At the field a setting names, or as a whole (lock, role, the database)."""
        self.saving = False
        key, text = "", event.text
        if isinstance(event.error, SettingError):
            key, _, rule = str(event.error).partition(": ")
            text = f"{SETTING_KEYS[key].description if key in SETTING_KEYS else key}: {rule}"
        self.show_status(f"Not saved: {text}")
        field = self.form.show_error(key, text) if key else None
        if field is not None:
            self._focus(field)
        else:  # not about one field (lock, role): make sure it is seen
            self.notify(text, title="Not saved", severity="error")

    def action_patient_defaults(self) -> None:
        self.app.push_screen(PatientDefaultsDialog(self.context, self.current_code))

    def action_back(self) -> None:
        """Esc leaves at once, or asks first when there are unsaved changes."""
        if not self.changes():
            super().action_back()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                super(AlertSettingsScreen, self).action_back()

        question = "Discard the unsaved changes to Alert Settings?"
        self.app.push_screen(ConfirmDialog(question, yes="Discard", no="Keep editing"), answered)

    def _focus(self, widget: Widget) -> None:
        target = (
            widget
            if widget.focusable
            else next((w for w in widget.query("*") if w.focusable), widget)
        )
        target.focus()

    def _local(self, at: datetime) -> str:
        return unlock_time(at, self.context.store_zone)

    def _lock_line(self, text: str) -> None:
        line = self.query_one("#lock-state", Static)
        line.update(text)
        line.set_class(self.unlock is None, "-locked")

    def show_status(self, text: str) -> None:
        self.query_one("#alert-status", Static).update(text)
