"""Outbound Messaging Setup: how email, SMS and calls go out, the IVR computer, provider tests."""

from __future__ import annotations

from functools import partial
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, Select, Static

from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.domain.settings_keys import SettingError
from rxmsg_tui.screens.base import RxScreen
from rxmsg_tui.screens.catalogue import OUTBOUND_SETUP
from rxmsg_tui.screens.setup_words import FIELDS, KEYS, OPTIONS, refusal
from rxmsg_tui.screens.work import WorkFailed, run_service
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.provider_check import (
    LABELS,
    PROVIDERS,
    CheckTarget,
    check_provider,
    describe_providers,
)
from rxmsg_tui.services.store_settings import change_settings_for, read_settings
from rxmsg_tui.services.support import setup_refusal
from rxmsg_tui.widgets.field_message import FieldMessage, focus_at
from rxmsg_tui.widgets.provider_row import ProviderRow

TEST_KEYS = dict(zip(PROVIDERS, ("f5", "f6", "f7", "f8", "f9"), strict=True))
PROVIDERS_TITLE = "Providers · read-only: set in RXMSG_* environment or config file"
Form = tuple[str, str, str, str, str]
"""Email, SMS and Call Using, IVR host and port as typed: what Esc compares."""


class OutboundSetupScreen(RxScreen):
    """The legacy form, saved all at once through `change_settings`, and a Test per provider.

    Credentials are shown, masked, but never edited here: they live in the
    RXMSG_* environment or the config file, out of the database. A technician
    reads the setup and may test the providers, and is told so on opening.
    """

    CSS_PATH = "../styles/outbound_setup.tcss"
    AUTO_FOCUS = "#email-using"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="setup.save", tooltip="Save the setup"),
        *(
            Binding(
                key,
                f"test_provider('{name}')",
                f"Test {LABELS[name]}",
                show=False,
                id=f"setup.test_{name}",
            )
            for name, key in TEST_KEYS.items()
        ),
    ]

    def __init__(self, context: AppContext) -> None:
        super().__init__(context, OUTBOUND_SETUP)
        self.initial: Form | None = None
        """The form as loaded or last saved; None until the settings are read."""
        self.saving = False
        self.read_only = setup_refusal(context.actor)
        """Why this user may not change the setup, said on opening and at Save; None if they may."""
        if self.read_only is not None:
            # The fields are disabled: the first Test button takes the focus instead.
            self.AUTO_FOCUS = f"#test-{PROVIDERS[0]}"  # type: ignore[misc]

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="setup-body"):
            with Vertical(id="setup-form", classes="panel"):
                for name, label in FIELDS.items():
                    with Horizontal(classes="form-row"):
                        yield Label(label, classes="field-label")
                        yield from self._field(name)
                    yield FieldMessage(id=f"{name}-error")
            with Vertical(id="providers", classes="panel"):
                for name in PROVIDERS:
                    yield ProviderRow(name, LABELS[name], TEST_KEYS[name])
        yield Static("Loading…", id="setup-status", markup=False)

    def _field(self, name: str) -> ComposeResult:
        if name in OPTIONS:
            yield Select(OPTIONS[name], allow_blank=False, id=name, compact=True)
        elif name == "ivr-host":
            yield Input(
                id=name, max_length=253, placeholder="IP address or computer name", compact=True
            )
        else:
            yield Input(id=name, max_length=5, restrict=r"[0-9]*", compact=True)
            yield Button("Save", variant="primary", action="screen.save", id="save", compact=True)

    def on_mount(self) -> None:
        self.query_one("#setup-form").border_title = "How messages go out"
        self.query_one("#providers").border_title = PROVIDERS_TITLE
        if self.read_only is not None:
            # The fields show the setup but take no edits; the Test buttons still work.
            for name in FIELDS:
                self.query_one(f"#{name}").disabled = True
            self.query_one("#save", Button).disabled = True
            self.show_status(self.read_only)
        self._load()

    def _load(self) -> None:
        read = partial(read_settings, self.context.db, self.context.actor.store_id)
        run_service(
            self, read, self._show, self._not_read, doing="reading the setup", group="setup-read"
        )

    def _not_read(self, event: WorkFailed) -> None:
        self.show_status(f"Cannot read the setup: {event.text}")
        self.notify(event.text, title="Cannot read the setup", severity="error")

    def _show(self, values: dict[str, Any], note: str = "") -> None:
        self.saving = False
        for name in OPTIONS:
            self.query_one(f"#{name}", Select).value = values[KEYS[name]]
        self.query_one("#ivr-host", Input).value = values["setup.ivr_host"]
        self.query_one("#ivr-port", Input).value = str(values["setup.ivr_port"])
        self.initial = self._form()
        self._show_providers()
        self.show_status(
            self.read_only or note or "Tab moves between fields; Enter or Ctrl+S saves."
        )

    def _show_providers(self) -> None:
        """Credentials as Settings hold them; the IVR computer as typed, so Test F9 matches it."""
        _email, _sms, _call, host, port = self._form()
        summaries = describe_providers(
            self.context.settings, ivr_host=host.strip(), ivr_port=_port(port) or 0
        )
        for summary in summaries:
            row = self.query_one(f"#provider-{summary.provider}", ProviderRow)
            row.show_summary(f"{summary.used_for} · {summary.source}", summary.details)

    def _form(self) -> Form:
        selects = [str(self.query_one(f"#{name}", Select).value) for name in OPTIONS]
        email, sms, call = selects
        host = self.query_one("#ivr-host", Input).value
        return email, sms, call, host, self.query_one("#ivr-port", Input).value

    @on(Input.Changed)
    @on(Select.Changed)
    def _edited(self, event: Input.Changed | Select.Changed) -> None:
        field = event.control.id or ""
        if field not in FIELDS or self.initial is None:
            return  # still loading: these are the values being filled in
        self.query_one(f"#{field}-error", FieldMessage).clear()
        if field in ("ivr-host", "ivr-port"):
            self._show_providers()

    @on(Input.Submitted)
    def _submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        if self.refused_read_only():  # said at the key, not left to do nothing
            return
        if self.initial is None or self.saving:
            return
        email, sms, call, host, port_text = self._form()
        port = _port(port_text)
        if port is None:
            self._refused("ivr-port", "Outbound Port must be a whole number from 1 to 65535")
            return
        changes = {
            "setup.email_using": email,
            "setup.sms_using": sms,
            "setup.call_using": call,
            "setup.ivr_host": host.strip(),
            "setup.ivr_port": port,
        }
        self.saving = True
        self.show_status("Saving…")
        run_service(
            self,
            partial(self._save, changes),
            lambda saved: self._show(*saved),
            self._not_saved,
            doing="saving the setup",
            group="setup-save",
        )

    def _save(self, changes: dict[str, Any]) -> tuple[dict[str, Any], str]:
        """In the worker: store the changes, read the setup back, say what changed."""
        ctx = self.context
        changed = change_settings_for(ctx, changes)
        values = read_settings(ctx.db, ctx.actor.store_id)
        names = ", ".join(FIELDS[field] for field in FIELDS if KEYS[field] in changed)
        return values, f"Saved: {names}." if names else "Nothing changed."

    def _not_saved(self, event: WorkFailed) -> None:
        self.saving = False
        if isinstance(event.error, SettingError):
            self._refused(*refusal(str(event.error)))
        else:
            self._refused("", event.text)

    def _refused(self, field: str, text: str) -> None:
        if field in FIELDS:
            self.query_one(f"#{field}-error", FieldMessage).show(text)
            focus_at(self.query_one(f"#{field}"), text)
            self.show_status(f"Not saved: {FIELDS[field]}: {text}")
            return
        self.show_status(f"Not saved: {text}")
        self.notify(text, title="Not saved", severity="error")

    def action_test_provider(self, provider: str) -> None:
        row = self.query_one(f"#provider-{provider}", ProviderRow)
        _email, _sms, _call, host, port_text = self._form()
        port = _port(port_text)
        if provider == "ivr" and port is None:
            row.show_result(False, "Outbound Port must be a whole number from 1 to 65535")
            return
        row.show_testing()
        target = CheckTarget(ivr_host=host.strip(), ivr_port=port or 0)
        run_service(
            self,
            partial(check_provider, self.context.settings, provider, target),
            lambda result: row.show_result(result.ok, result.message),
            lambda failure: row.show_result(False, failure.text),
            doing=f"testing the {provider} provider",
            group=f"test-{provider}",
        )

    def action_back(self) -> None:
        """Esc leaves at once when nothing changed; otherwise asks before discarding."""
        if self.initial is None or self._form() == self.initial:
            super().action_back()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                super(OutboundSetupScreen, self).action_back()

        question = ConfirmDialog(
            "Discard the unsaved changes to Outbound Messaging Setup?",
            yes="Discard",
            no="Keep editing",
        )
        self.app.push_screen(question, answered)

    def show_status(self, text: str) -> None:
        self.query_one("#setup-status", Static).update(text)


def _port(text: str) -> int | None:
    """The port as a number, or None when it is not one; its range is the service's check."""
    text = text.strip()
    return int(text) if text.isdigit() else None
