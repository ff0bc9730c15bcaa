"""The Patient Default dialog: message options a patient starts with, and Update All."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Label, ProgressBar, RadioButton, RadioSet, Static

from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.domain.settings_keys import ALERT_SHORT_NAMES, CHANNELS
from rxmsg_tui.domain.vocabulary import AlertType
from rxmsg_tui.screens.work import RunsServices, run_service
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.patient_defaults import count_patients, update_all
from rxmsg_tui.services.patient_settings import TEXT_ONLY_ALERTS
from rxmsg_tui.services.store_settings import change_settings, read_settings
from rxmsg_tui.services.support import UnlockGrant, setup_refusal
from rxmsg_tui.widgets.button_row import ButtonRow
from rxmsg_tui.widgets.channel_boxes import ChannelBoxes
from rxmsg_tui.widgets.marked_toggles import MarkedRadioButton

APPLY_ON = (("new_patient", "Adding New Patient"), ("sigpad_consent", "Patient Consent on Sigpad"))
DEFAULT_CHANNELS = {
    alert: ("email", "sms") if alert in TEXT_ONLY_ALERTS else CHANNELS
    for alert in ALERT_SHORT_NAMES
}
"""General and Customer Review messages go by text only, as in Alert Settings."""
LOCKED = "Locked: close this, press F2 on Alert Settings and enter an unlock code."
UNLOCKED = "F5 Update All sets every patient to these defaults."
UPDATE_TIP = "Set every patient's message options to these defaults (asks first)"


class PatientDefaultsDialog(RunsServices, ModalScreen[None]):
    """Channels per alert type for patients' message options, and when they apply.

    Patient defaults are locked like Alert Settings: Save and Update All use
    the unlock code of the screen below while it is valid. Update All runs
    in a worker thread in one transaction, the progress bar following it.
    """

    CSS_PATH = "../styles/patient_defaults.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="defaults.close", tooltip="Back to Alert Settings"),
        Binding("ctrl+s", "save", "Save", id="defaults.save", tooltip="Save these defaults"),
        Binding("f5", "update_all", "Update All", id="defaults.update", tooltip=UPDATE_TIP),
    ]

    def __init__(self, context: AppContext, unlock_code: Callable[[], UnlockGrant | None]) -> None:
        super().__init__()
        self.context = context
        self.unlock_code = unlock_code
        self.saved: dict[str, Any] | None = None
        self.busy = False

    def compose(self) -> ComposeResult:
        with Vertical(id="defaults-box") as box:
            box.border_title = "Patient Default"
            for alert in ALERT_SHORT_NAMES:
                with Horizontal(classes="defaults-row"):
                    yield Label(AlertType.from_short(alert).value, classes="alert-name")
                    yield ChannelBoxes(channels=DEFAULT_CHANNELS[alert], id=f"default-{alert}")
            yield Label("Apply Default Options while:", id="apply-label")
            with RadioSet(id="apply-on", compact=True):
                for value, text in APPLY_ON:
                    yield MarkedRadioButton(text, name=value, compact=True)
            yield ProgressBar(id="update-progress", show_eta=False)
            yield Static("Loading…", id="defaults-status", markup=False)
            with ButtonRow(id="defaults-buttons"):
                yield Button("Save", variant="primary", id="defaults-save", compact=True)
                yield Button("Update All", id="update-all", compact=True, tooltip=UPDATE_TIP)
                yield Button("Close", id="defaults-close", compact=True)

    def on_mount(self) -> None:
        self.query_one("#update-progress").display = False
        self._read(first=True)

    def _read(self, *, first: bool) -> None:
        """The settings as saved: all of the form when the dialog opens, else after a save."""
        run_service(
            self,
            partial(read_settings, self.context.db, self.context.actor.store_id),
            partial(self._show, first=first),
            lambda failure: self._done(
                f"Cannot read the defaults: {failure.text}", ok=False, reread=False
            ),
            doing="reading the patient defaults",
            group="defaults-read",
        )

    def _show(self, values: dict[str, Any], *, first: bool) -> None:
        self.saved = values
        if not first:
            return
        for alert in ALERT_SHORT_NAMES:
            boxes = self.query_one(f"#default-{alert}", ChannelBoxes)
            boxes.value = values[f"defaults.{alert}.channels"]
        for button in self.query(RadioButton):
            button.value = button.name == values["defaults.apply_on"]
        locked = self.unlock_code() is None
        for widget in (*self.query(ChannelBoxes), self.query_one(RadioSet)):
            widget.disabled = locked
        self._status(self._locked_text() if locked else UNLOCKED)
        first_box = f"#default-{ALERT_SHORT_NAMES[0]} Checkbox"
        self.query_one("#defaults-close" if locked else first_box).focus()

    def changes(self) -> dict[str, Any]:
        if self.saved is None:
            return {}
        chosen = self.query_one(RadioSet).pressed_button
        form: dict[str, Any] = {
            f"defaults.{alert}.channels": self.query_one(f"#default-{alert}", ChannelBoxes).value
            for alert in ALERT_SHORT_NAMES
        }
        if chosen is not None:
            form["defaults.apply_on"] = chosen.name
        saved = self.saved
        return {key: value for key, value in form.items() if value != saved[key]}

    @on(Button.Pressed, "#defaults-save")
    def action_save(self) -> None:
        code = self._code()
        if code is None or self.busy:
            return
        if not self.changes():
            self._status("Nothing to save: the defaults have not changed.")
            return
        self.busy = True
        self._save_and_update(self.changes(), code, update=False)

    @on(Button.Pressed, "#update-all")
    def action_update_all(self) -> None:
        if self._code() is not None and not self.busy:
            self.busy = True
            self._count()

    def _count(self) -> None:
        run_service(
            self,
            partial(count_patients, self.context.db, self.context.actor.store_id),
            self._confirm_update,
            lambda failure: self._done(f"Cannot count the patients: {failure.text}", ok=False),
            doing="counting patients for Update All",
            group="defaults-work",
        )

    def _confirm_update(self, count: int) -> None:
        if count == 0:
            self.busy = False
            self._status("There are no patients to update.")
            return
        changes = self.changes()
        saving = " The defaults shown are saved first." if changes else ""
        question = f"Set the message options of all {count:,} patients to these defaults?{saving}"

        def answered(yes: bool | None) -> None:
            code = self._code()
            if not yes or code is None:
                self.busy = False
                return
            bar = self.query_one("#update-progress", ProgressBar)
            bar.update(total=count, progress=0)
            bar.display = True
            self._status(f"Updating {count:,} patients…")
            self._save_and_update(changes, code, update=True)

        self.app.push_screen(ConfirmDialog(question, yes="Update All", no="Cancel"), answered)

    def _save_and_update(self, changes: dict[str, Any], code: UnlockGrant, *, update: bool) -> None:
        prefix = "Nothing changed for patients: " if update else "Not saved: "
        run_service(
            self,
            partial(self._store, changes, code, update=update),
            lambda text: self._done(text, ok=True),
            lambda failure: self._done(f"{prefix}{failure.text}", ok=False),
            doing="Update All" if update else "saving the patient defaults",
            group="defaults-work",
        )

    def _store(self, changes: dict[str, Any], code: UnlockGrant, *, update: bool) -> str:
        """In the worker: save the defaults shown, then (Update All) apply them to everyone."""
        ctx = self.context
        key = ctx.settings.support_public_key
        if changes:
            now = ctx.clock.now()
            change_settings(ctx.db, ctx.actor, changes, unlock_code=code, public_key=key, now=now)
        if not update:
            return "Saved the patient defaults."
        done = update_all(
            ctx.db,
            ctx.actor,
            unlock_code=code,
            public_key=key,
            now=ctx.clock.now(),
            progress=lambda done, total: self.app.call_from_thread(self._progress, done, total),
        )
        return f"Updated {done:,} patients."

    def _progress(self, done: int, total: int) -> None:
        self.query_one("#update-progress", ProgressBar).update(total=total, progress=done)

    def _done(self, text: str, *, ok: bool, reread: bool = True) -> None:
        """A save or an Update All finished (`ok`) or was refused; `text` says what happened."""
        self.busy = False
        self._status(text)
        if reread:  # a save may have happened even when Update All then failed
            self._read(first=False)
        if not ok:
            self.notify(text, title="Not done", severity="error")

    @on(Button.Pressed, "#defaults-close")
    def action_close(self) -> None:
        if self.busy:
            self._status("Please wait: Update All is running.")
            return
        if not self.changes():
            self.dismiss(None)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.dismiss(None)

        question = "Discard the unsaved changes to the patient defaults?"
        self.app.push_screen(ConfirmDialog(question, yes="Discard", no="Keep editing"), answered)

    def _code(self) -> UnlockGrant | None:
        code = self.unlock_code()
        if code is None:
            self._status(self._locked_text())
            for widget in (*self.query(ChannelBoxes), self.query_one(RadioSet)):
                widget.disabled = True
        return code

    def _locked_text(self) -> str:
        """A technician is told it stays read-only for them; others, how to unlock it."""
        return setup_refusal(self.context.actor) or LOCKED

    def _status(self, text: str) -> None:
        self.query_one("#defaults-status", Static).update(text)
