"""Add New Format / Edit Format: the fields, the message, a live preview, Save and Cancel."""

from __future__ import annotations

from functools import partial
from typing import ClassVar, Literal

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.timer import Timer
from textual.widgets import Button, Input, Select, Static, TextArea

from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.domain.vocabulary import AlertType, Language, Method
from rxmsg_tui.screens.base import RxScreen
from rxmsg_tui.screens.catalogue import MESSAGE_FORMAT
from rxmsg_tui.screens.work import WorkFailed, run_service
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.formats.message_formats import (
    FormatDraft,
    FormatRow,
    load_default,
    over_limit,
    save_format,
)
from rxmsg_tui.services.formats.preview import (
    PreviewSample,
    insertable_variables,
    load_sample,
    preview_format,
    review_button,
    review_link,
)
from rxmsg_tui.services.support import setup_refusal
from rxmsg_tui.widgets.field_message import FieldMessage, focus_at
from rxmsg_tui.widgets.format_fields import FormatFields
from rxmsg_tui.widgets.format_preview import FormatPreview
from rxmsg_tui.widgets.review_site_picker import ReviewSitePicker
from rxmsg_tui.widgets.variable_picker import VariablePicker

PREVIEW_PAUSE = 0.25
"""Seconds of no typing before the preview is rendered again."""

NEW_FORMAT = FormatDraft(Method.SMS, AlertType.GENERAL, Language.ENGLISH, "", "")
VARIABLES_TIP = "Insert a #VARIABLE# at the cursor, in the subject or the message"
DEFAULT_TIP = "Fill subject and message with the default for this method, alert and language"
LINK_TIP = "Insert the highlighted review site as a link (Email Customer Review)"
BUTTON_TIP = "Insert the highlighted review site as a button (Email Customer Review)"
FIELDS = {"subject": "#subject", "body": "#body"}
"""Where each field a save can refuse is typed, by the name `FieldError.field` gives."""


class FormatEditorScreen(RxScreen):
    """One format being added or edited; the database changes only on Save.

    The preview renders the draft for a sample patient with the store's own
    name, phone and default review site, and warns of anything Save would
    refuse. An Email Customer Review format lists the store's review sites,
    to put one in as a link or a button. A technician reads the format and
    its preview: nothing is editable and the keys that would change say why.
    """

    CSS_PATH = "../styles/message_format_edit.tcss"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Cancel", id="format.cancel", tooltip="Leave without saving"),
        Binding("ctrl+s", "save(False)", "Save", id="format.save", tooltip="Save and stay here"),
        Binding("f2", "variables", "Variables", id="format.variables", tooltip=VARIABLES_TIP),
        Binding("f4", "load_default", "Default", id="format.default", tooltip=DEFAULT_TIP),
        Binding("f5", "insert_site('link')", "Link", id="format.link", tooltip=LINK_TIP),
        Binding("f6", "insert_site('button')", "Button", id="format.button", tooltip=BUTTON_TIP),
    ]

    def __init__(self, context: AppContext, row: FormatRow | None) -> None:
        super().__init__(context, MESSAGE_FORMAT)
        stored = row is not None and not row.is_default
        self.title = "Edit Format" if stored else "Add New Format"
        self.format_id = row.id if row is not None and stored else None
        # A default opens as a new format filled with it: Save makes it the store's own.
        self.saved: FormatDraft = _as_draft(row) if row else NEW_FORMAT
        """The draft as the database has it: Cancel asks only when the screen differs."""
        self.sample = PreviewSample()
        self.saving = False
        self._pause: Timer | None = None
        self.read_only = setup_refusal(context.actor)
        """Why this user may not change formats, said on opening and at each key; else None."""
        if self.read_only is not None:
            self.title = "Read Format"

    def compose_body(self) -> ComposeResult:
        yield FormatFields(self.saved, id="fields")
        with Horizontal(id="format-main"):
            with Vertical(id="body-box") as box:
                box.border_title = "Message"
                yield TextArea(self.saved.body, id="body", soft_wrap=True, compact=True)
                yield FieldMessage(id="body-error")
            with Vertical(id="side"):
                yield ReviewSitePicker(hint="F5 link · F6 button", id="review-sites")
                yield FormatPreview(id="preview")
        yield Static(id="format-status", markup=False)
        with Horizontal(id="format-buttons"):
            yield Button("Load Default", action="screen.load_default", id="load-default")
            yield Button("Save", action="screen.save(False)", id="save", variant="primary")
            yield Button("Save & Exit", action="screen.save(True)", id="save-exit")
            yield Button("Cancel", action="screen.back", id="cancel")

    def on_mount(self) -> None:
        for button in self.query(Button):
            button.compact = True
        if self.read_only is not None:
            self.query_one(FormatFields).disabled = True
            self.query_one("#body", TextArea).read_only = True
            for button in self.query("#load-default, #save, #save-exit").results(Button):
                button.disabled = True
            self.query_one("#cancel", Button).label = "Close"
            self.show_status(self.read_only)
        self.query_one("#body" if self.format_id or self.read_only else "#method").focus()
        self._fit_to_kind()
        self._load_sample()

    def _load_sample(self) -> None:
        run_service(
            self,
            partial(load_sample, self.context.db, self.context.store),
            self._show_sample,
            self._no_sample,
            doing="reading the preview sample",
            group="format-sample",
        )

    def _show_sample(self, sample: PreviewSample) -> None:
        self.sample = sample
        self.query_one(ReviewSitePicker).show_sites(sample.sites)
        self.refresh_preview()

    def _no_sample(self, event: WorkFailed) -> None:
        """The preview keeps the catalogue's sample values; the editor still works."""
        self.show_status(f"The preview uses sample values: {event.text}")

    def draft(self) -> FormatDraft:
        """What the form holds now."""
        fields = self.query_one(FormatFields)
        return FormatDraft(
            method=fields.method,
            alert_type=fields.alert_type,
            language=fields.language,
            subject=fields.subject.value,
            body=self.query_one("#body", TextArea).text,
            group_message=fields.group_message,
        )

    @property
    def is_review_email(self) -> bool:
        fields = self.query_one(FormatFields)
        return fields.method is Method.EMAIL and fields.alert_type is AlertType.CUSTOMER_REVIEW

    @on(Select.Changed)
    def _kind_changed(self) -> None:
        self._fit_to_kind()

    @on(Input.Changed, "#subject")
    @on(TextArea.Changed, "#body")
    def _typed(self, event: Input.Changed | TextArea.Changed) -> None:
        field = "subject" if isinstance(event, Input.Changed) else "body"
        text = event.value if isinstance(event, Input.Changed) else event.text_area.text
        warning = over_limit(field, text)
        message = self.query_one(f"#{field}-error", FieldMessage)
        if warning is None:
            message.clear()
        else:
            message.show(warning)
        if self._pause is not None:
            self._pause.stop()
        self._pause = self.set_timer(PREVIEW_PAUSE, self.refresh_preview)

    def _fit_to_kind(self) -> None:
        """Review sites show for an Email Customer Review format only, as in the legacy."""
        self.query_one("#review-sites").display = self.is_review_email
        self.refresh_bindings()
        self.refresh_preview()

    def refresh_preview(self) -> None:
        draft = self.draft()
        preview = preview_format(
            draft.method, draft.alert_type, draft.subject, draft.body, self.sample
        )
        self.query_one(FormatPreview).show(draft.method, preview)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "insert_site":
            return self.is_review_email
        return super().check_action(action, parameters)

    def action_variables(self) -> None:
        if self.refused_read_only():
            return
        target = self.focused if isinstance(self.focused, Input) else None
        alert = self.draft().alert_type
        title = f"Variables for {alert.value} formats"

        def chosen(token: str | None) -> None:
            if token is not None:
                self._insert(token, into_subject=target is not None)

        self.app.push_screen(VariablePicker(insertable_variables(alert), title=title), chosen)

    def _insert(self, text: str, *, into_subject: bool = False) -> None:
        if into_subject:
            subject = self.query_one("#subject", Input)
            subject.insert_text_at_cursor(text)
            subject.focus()
            return
        body = self.query_one("#body", TextArea)
        body.replace(text, *body.selection)
        body.focus()

    def action_insert_site(self, kind: Literal["link", "button"]) -> None:
        if self.refused_read_only():
            return
        site = self.query_one(ReviewSitePicker).highlighted_site
        if site is None:
            self.show_status("Add a review site in Review Sites first.")
            return
        self._insert(review_link(site) if kind == "link" else review_button(site))

    def action_load_default(self) -> None:
        if self.refused_read_only():
            return
        draft = self.draft()
        default = load_default(draft)
        if not draft.body.strip() or (draft.subject, draft.body) == (default.subject, default.body):
            self._fill(default.subject, default.body)
            return
        question = (
            f"Replace the subject and message with the default {draft.method.value} "
            f"{draft.alert_type.value} format?"
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._fill(default.subject, default.body)

        self.app.push_screen(ConfirmDialog(question, yes="Replace", no="Keep mine"), answered)

    def _fill(self, subject: str, body: str) -> None:
        self.query_one("#subject", Input).value = subject
        self.query_one("#body", TextArea).load_text(body)
        self.refresh_preview()
        self.show_status("Default loaded. Change it as you like, then Save.")

    def action_save(self, leave: bool) -> None:
        if self.refused_read_only() or self.saving:
            return
        self.saving = True
        for message in self.query(FieldMessage):
            message.clear()
        self.show_status("Saving…")
        ctx = self.context
        save = partial(
            save_format,
            ctx.db,
            ctx.actor,
            self.draft(),
            format_id=self.format_id,
            now=ctx.clock.now(),
        )
        run_service(
            self,
            save,
            partial(self._saved, leave=leave),
            self._refused,
            doing="saving a format",
            group="format-save",
        )

    def _saved(self, row: FormatRow, *, leave: bool) -> None:
        self.saving = False
        self.format_id = row.id
        self.saved = _as_draft(row)
        self.title = "Edit Format"
        if leave:
            self.app.pop_screen()
            return
        self.show_status(f"Saved “{row.subject}”.")

    def _refused(self, event: WorkFailed) -> None:
        self.saving = False
        if event.field in FIELDS:
            self.query_one(f"#{event.field}-error", FieldMessage).show(event.text)
            focus_at(self.query_one(FIELDS[event.field]), event.text)
            self.show_status("Not saved: correct the field marked in red.")
        else:
            self.show_status(f"Not saved: {event.text}")
            self.notify(event.text, title="Not saved", severity="error")

    def action_back(self) -> None:
        """Cancel: the database is left as it was; unsaved changes are asked about first."""
        if self.draft() == self.saved:
            self.app.pop_screen()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.pop_screen()

        question = "Discard the changes you have not saved?"
        self.app.push_screen(ConfirmDialog(question, yes="Discard", no="Keep editing"), answered)

    def show_status(self, text: str) -> None:
        self.query_one("#format-status", Static).update(text)


def _as_draft(row: FormatRow) -> FormatDraft:
    return FormatDraft(
        row.method, row.alert_type, row.language, row.subject, row.body, row.group_message
    )
