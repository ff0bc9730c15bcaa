"""Opt-in Wording: what the signature pad shows a patient asked for consent, per language.

Each save is a new version (`en-2`); the older ones stay, because the consent
ledger names the version each patient signed. Pharmacists and admins edit it;
technicians read it. The preview shows the text as the pad receives it: one
line, its spaces and line breaks collapsed, counted against what a pad shows.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Label, Static, TextArea

from rxmsg_tui.domain.settings_keys import CHANNELS
from rxmsg_tui.screens.catalogue import OPT_IN_WORDING
from rxmsg_tui.screens.list_form import ListFormScreen
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.sigpad_wording import (
    MAX_WORDING,
    Wording,
    current_wordings,
    save_wording,
)
from rxmsg_tui.services.support import setup_refusal
from rxmsg_tui.widgets.field_message import FieldMessage
from rxmsg_tui.widgets.marked_toggles import MarkedCheckbox
from rxmsg_tui.widgets.paged_table import clip

PURPOSE_NAMES = {"transactional": "Transactional", "marketing": "Marketing"}
LANGUAGE_NAMES = {"en": "English", "es": "Español"}
CHANNEL_NAMES = {"email": "Email", "sms": "SMS", "call": "Call"}

WordingForm = tuple[str, tuple[str, ...]]
"""The text and the ticked channels, as the form holds them."""


@dataclass(frozen=True)
class WordingRow:
    """One wording in force, keyed by its place in the table (purpose × language)."""

    id: int
    wording: Wording


class OptInWordingScreen(ListFormScreen[WordingRow, WordingForm]):
    """The four wordings in force in a table; Enter opens one in the form to edit.

    Nothing is added or deleted here: every purpose and language always has
    a wording, and a version once signed is never removed.
    """

    CSS_PATH = "../styles/opt_in_wording.tcss"
    AUTO_FOCUS = "#wordings"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="wording.save", tooltip="Save as a new version"),
    ]
    TABLE, FORM, STATUS = "wordings", "wording-form", "wordings-status"
    FIRST_FIELD = "#wording-text"
    COLUMNS = (("Purpose", 13), ("Language", 8), ("Version", 7), ("Channels", 16), ("Wording", 22))
    FIELDS: ClassVar[dict[str, str]] = {
        "text": "#wording-text",
        "channels": "#wording-channel-email",
    }
    NOUN = "wording"
    EMPTY = "No opt-in wording: the database is missing the store's defaults."
    KEEP_EDITING = "Keep editing"
    ROW_ACTIONS: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, context: AppContext) -> None:
        super().__init__(context, OPT_IN_WORDING)
        self.read_only = setup_refusal(context.actor)
        """Why this user may not change the wording, said on opening and at Save; else None."""
        self.may_edit = self.read_only is None

    def compose_form(self) -> ComposeResult:
        text = TextArea(
            id="wording-text", soft_wrap=True, compact=True, read_only=not self.may_edit
        )
        text.border_title = "Wording"
        yield text
        yield FieldMessage(id="text-error")
        with Horizontal(classes="form-row", id="wording-channels"):
            yield Label("Channels", classes="field-label")
            for channel in CHANNELS:
                yield MarkedCheckbox(
                    CHANNEL_NAMES[channel],
                    id=f"wording-channel-{channel}",
                    compact=True,
                    disabled=not self.may_edit,
                )
        yield FieldMessage(id="channels-error")
        yield Static("", id="wording-preview-title", markup=False)
        yield Static("", id="wording-preview", markup=False)
        with Horizontal(classes="form-row", id="wording-buttons"):
            if self.may_edit:
                yield Button("Save", action="screen.save", id="wording-save", compact=True)
            yield Button("Close", action="screen.back", id="wording-cancel", compact=True)

    def list_rows(self) -> list[WordingRow]:
        ctx = self.context
        wordings = current_wordings(ctx.db, ctx.actor, now=ctx.clock.now())
        return [WordingRow(n, wording) for n, wording in enumerate(wordings, start=1)]

    def row_cells(self, row: WordingRow) -> tuple[str, ...]:
        w = row.wording
        return (
            PURPOSE_NAMES.get(w.purpose, w.purpose),
            LANGUAGE_NAMES.get(w.language, w.language),
            w.version,
            clip(", ".join(CHANNEL_NAMES[c] for c in w.channels), 16),
            clip(w.text, 22),
        )

    def _show_rows(self, rows: list[WordingRow], *, note: str) -> None:
        super()._show_rows(rows, note=note)
        if self.read_only is not None:
            self.show_status(self.read_only)

    def form_title(self, row: WordingRow | None) -> str:
        if row is None:
            return "Opt-in Wording"
        w = row.wording
        who = f" by {w.created_by}" if w.created_by else " (default)"
        verb = "Edit" if self.may_edit else "Read"
        purpose, language = PURPOSE_NAMES[w.purpose], LANGUAGE_NAMES[w.language]
        return f"{verb} {purpose} · {language} · {w.version}{who}"

    def fill_form(self, row: WordingRow | None) -> None:
        text = row.wording.text if row else ""
        channels = row.wording.channels if row else ()
        self.query_one("#wording-text", TextArea).load_text(text)
        for channel in CHANNELS:
            self.query_one(f"#wording-channel-{channel}", MarkedCheckbox).value = (
                channel in channels
            )
        self._preview(text)

    def read_form(self) -> WordingForm:
        text = self.query_one("#wording-text", TextArea).text
        ticked = tuple(
            channel
            for channel in CHANNELS
            if self.query_one(f"#wording-channel-{channel}", MarkedCheckbox).value
        )
        return text, ticked

    def save_row(self, form: WordingForm, row_id: int | None) -> str:
        before = self.rows[row_id].wording if row_id is not None else None
        if before is None:  # the form opens on a row only
            return ""
        ctx, (text, channels) = self.context, form
        saved = save_wording(
            ctx.db,
            ctx.actor,
            purpose=before.purpose,
            language=before.language,
            text=text,
            channels=channels,
            now=ctx.clock.now(),
        )
        which = f"{PURPOSE_NAMES[saved.purpose]} {LANGUAGE_NAMES[saved.language]}"
        if saved.version == before.version:
            return f"{which}: nothing changed, still {saved.version}. "
        return (
            f"Saved {which} as {saved.version}; consents signed under {before.version} "
            "keep that text. "
        )

    def action_save(self) -> None:
        if self.refused_read_only():  # said at the key, not left to do nothing
            return
        super().action_save()

    def action_back(self) -> None:
        """A technician's form has nothing to discard: Esc closes it at once."""
        if not self.may_edit and self.initial is not None:
            self.fill_form(self.rows.get(self.editing or 0))
        super().action_back()

    @on(TextArea.Changed, "#wording-text")
    def _text_changed(self, event: TextArea.Changed) -> None:
        self._preview(event.text_area.text)

    def _preview(self, text: str) -> None:
        """The text as the pad gets it, with its length against the most a pad shows."""
        flat = " ".join(text.split())
        title = self.query_one("#wording-preview-title", Static)
        title.set_class(len(flat) > MAX_WORDING, "-too-long")
        title.update(f"On the pad, as one line · {len(flat):,} of {MAX_WORDING:,} characters")
        preview = self.query_one("#wording-preview", Static)
        preview.update(flat or "(empty: the pad would show nothing to agree to)")
