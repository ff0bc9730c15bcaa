"""Review Sites: where review requests send patients, and the one default SMS requests link to."""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.markup import escape
from textual.message import Message
from textual.widgets import Button, Checkbox, DataTable, Input, Label, Static

from rxmsg_tui.screens.base import RxScreen
from rxmsg_tui.screens.catalogue import REVIEW_SITES
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.errors import FieldError, ServiceError
from rxmsg_tui.services.formats.review_sites import (
    ReviewSiteRow,
    delete_site,
    list_sites,
    save_site,
)
from rxmsg_tui.widgets.confirm_dialog import ConfirmDialog
from rxmsg_tui.widgets.field_message import FieldMessage, focus_at
from rxmsg_tui.widgets.paged_table import clip

COLUMNS = (("Default", 7), ("Name", 22), ("URL", 41))
FIELDS = {"name": "#site-name", "url": "#site-url"}
"""Where each field a save can refuse is typed, by the name `FieldError.field` gives."""

ADD_TIP = "Add a review site: a name and its http(s) URL"
DEFAULT_TIP = "Make the highlighted site the one SMS review requests link to"
DELETE_TIP = "Delete the highlighted site (asks first)"
SiteForm = tuple[str, str, bool]
"""Name, URL and the default flag, as the form holds them."""


class SitesLoaded(Message):
    def __init__(self, rows: list[ReviewSiteRow]) -> None:
        super().__init__()
        self.rows = rows


class SiteSaved(Message):
    def __init__(self, row: ReviewSiteRow, closing_form: bool) -> None:
        super().__init__()
        self.row = row
        self.closing_form = closing_form


class SiteRefused(Message):
    """Refused at a field (`field`), or as a whole (`field` empty: permission, not found)."""

    def __init__(self, field: str, text: str) -> None:
        super().__init__()
        self.field = field
        self.text = text


class ReviewSitesScreen(RxScreen):
    """The sites in a table; the form below it opens to add or edit one.

    Exactly one site is the default: the service moves the mark when another
    is made default and when the default one is deleted.
    """

    CSS_PATH = "../styles/review_sites.tcss"
    AUTO_FOCUS = "#sites"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f3,a", "add", "Add Site", id="sites.add", tooltip=ADD_TIP),
        Binding("f5", "make_default", "Set Default", id="sites.default", tooltip=DEFAULT_TIP),
        Binding("delete,d", "delete", "Delete", id="sites.delete", tooltip=DELETE_TIP),
        Binding("ctrl+s", "save", "Save", id="sites.save", tooltip="Save the site in the form"),
    ]

    def __init__(self, context: AppContext) -> None:
        super().__init__(context, REVIEW_SITES)
        self.rows: dict[int, ReviewSiteRow] = {}
        self.editing: int | None = None
        """The site in the form; None while adding a new one."""
        self.initial: SiteForm | None = None
        """The form as opened, so Esc asks only about real changes; None while it is closed."""
        self.saving = False
        self.note = ""
        """What the last save did, shown once with the table it changed."""

    def compose_body(self) -> ComposeResult:
        yield DataTable(id="sites", cursor_type="row")
        with Vertical(id="site-form"):
            with Horizontal(classes="form-row"):
                yield Label("Name", classes="field-label")
                yield Input(id="site-name", max_length=80, compact=True)
            yield FieldMessage(id="name-error")
            with Horizontal(classes="form-row"):
                yield Label("URL", classes="field-label")
                yield Input(id="site-url", placeholder="https://…", max_length=500, compact=True)
            yield FieldMessage(id="url-error")
            with Horizontal(classes="form-row"):
                yield Checkbox("Default site", id="site-default", compact=True)
                yield Button("Save", action="screen.save", id="site-save", compact=True)
                yield Button("Cancel", action="screen.back", id="site-cancel", compact=True)
        yield Static("Loading…", id="sites-status", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#sites", DataTable)
        for label, width in COLUMNS:
            table.add_column(label, width=width)
        self.query_one("#site-form").display = False
        self._load()

    @work(thread=True, exclusive=True, group="sites-list")
    def _load(self) -> None:
        try:
            rows = list_sites(self.context.db, self.context.actor.store_id)
        except ServiceError as exc:
            self.post_message(SiteRefused("", f"cannot list the sites: {exc}"))
            return
        self.post_message(SitesLoaded(rows))

    def on_sites_loaded(self, event: SitesLoaded) -> None:
        table = self.query_one("#sites", DataTable)
        keep = table.cursor_row
        table.clear()
        self.rows = {row.id: row for row in event.rows}
        for row in event.rows:
            mark = "  ✓" if row.is_default else ""
            table.add_row(mark, clip(row.name, 22), clip(row.url, 41), key=str(row.id))
        if event.rows:
            table.move_cursor(row=min(keep, len(event.rows) - 1))
            count = f"{len(event.rows)} site{'' if len(event.rows) == 1 else 's'}"
            self._status(f"{self.note}{count} · Enter edits the highlighted one")
        else:
            self._status("No review sites yet. Press F3 to add one (name and http/https URL).")
        self.note = ""
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        form_open = self.initial is not None
        if action == "save":
            return form_open
        if action in ("add", "make_default", "delete"):
            return not form_open and (action == "add" or bool(self.rows))
        return super().check_action(action, parameters)

    def _highlighted(self) -> ReviewSiteRow | None:
        table = self.query_one("#sites", DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.rows.get(int(key)) if key is not None else None

    @on(DataTable.RowSelected, "#sites")
    def _edit(self) -> None:
        site = self._highlighted()
        if site is not None:
            self._open_form(site)

    def action_add(self) -> None:
        self._open_form(None)

    def _open_form(self, site: ReviewSiteRow | None) -> None:
        self.editing = site.id if site else None
        form = self.query_one("#site-form")
        form.border_title = f"Edit {site.name}" if site else "Add Review Site"
        self.query_one("#site-name", Input).value = site.name if site else ""
        self.query_one("#site-url", Input).value = site.url if site else ""
        self.query_one("#site-default", Checkbox).value = site.is_default if site else not self.rows
        for message in self.query(FieldMessage):
            message.clear()
        self.initial = self._form()
        form.display = True
        self.query_one("#site-name", Input).focus()
        self.refresh_bindings()

    def _close_form(self) -> None:
        self.initial = None
        self.query_one("#site-form").display = False
        self.query_one("#sites", DataTable).focus()
        self.refresh_bindings()

    def _form(self) -> SiteForm:
        return (
            self.query_one("#site-name", Input).value,
            self.query_one("#site-url", Input).value,
            self.query_one("#site-default", Checkbox).value,
        )

    @on(Input.Submitted, "#site-name")
    def _next_field(self) -> None:
        self.query_one("#site-url", Input).focus()

    @on(Input.Submitted, "#site-url")
    def _url_entered(self) -> None:
        self.action_save()

    @on(Input.Changed)
    def _typed(self, event: Input.Changed) -> None:
        field = "name" if event.input.id == "site-name" else "url"
        self.query_one(f"#{field}-error", FieldMessage).clear()

    def action_save(self) -> None:
        if self.initial is None or self.saving:
            return
        self.saving = True
        self._save(self._form(), self.editing, closing_form=True)

    def action_make_default(self) -> None:
        site = self._highlighted()
        if site is not None and site.is_default:
            self._status(f"{site.name} is already the default.")
        elif site is not None:
            self.saving = True
            self._save((site.name, site.url, True), site.id, closing_form=False)

    @work(thread=True, exclusive=True, group="sites-save")
    def _save(self, form: SiteForm, site_id: int | None, *, closing_form: bool) -> None:
        ctx, (name, url, default) = self.context, form
        try:
            row = save_site(
                ctx.db,
                ctx.actor,
                name=name,
                url=url,
                make_default=default,
                site_id=site_id,
                now=ctx.clock.now(),
            )
        except FieldError as exc:
            self.post_message(SiteRefused(exc.field, str(exc)))
        except ServiceError as exc:
            self.post_message(SiteRefused("", str(exc)))
        else:
            self.post_message(SiteSaved(row, closing_form))

    def on_site_saved(self, event: SiteSaved) -> None:
        self.saving = False
        if event.closing_form:
            self._close_form()
        self.note = f"Saved {event.row.name}{' (the default)' if event.row.is_default else ''}. "
        self._load()

    def on_site_refused(self, event: SiteRefused) -> None:
        self.saving = False
        if event.field in FIELDS and self.initial is not None:
            self.query_one(f"#{event.field}-error", FieldMessage).show(event.text)
            focus_at(self.query_one(FIELDS[event.field]), event.text)
            return
        self._status(f"Not done: {event.text}")
        self.notify(event.text, title="Not done", severity="error")

    def action_delete(self) -> None:
        site = self._highlighted()
        if site is None:
            return
        others = len(self.rows) > 1
        extra = " Another site becomes the default." if site.is_default and others else ""

        def answered(yes: bool | None) -> None:
            if yes:
                self._delete(site.id)

        question = f"Delete the review site {escape(site.name)}?{extra}"
        self.app.push_screen(ConfirmDialog(question, yes="Delete", no="Keep"), answered)

    @work(thread=True, exclusive=True, group="sites-save")
    def _delete(self, site_id: int) -> None:
        try:
            delete_site(self.context.db, self.context.actor, site_id, now=self.context.clock.now())
        except ServiceError as exc:
            self.post_message(SiteRefused("", str(exc)))
            return
        self.post_message(SitesLoaded(list_sites(self.context.db, self.context.actor.store_id)))

    def action_back(self) -> None:
        """Esc closes the form (asking first if it changed), else leaves the screen."""
        if self.initial is None:
            super().action_back()
            return
        if self._form() == self.initial:
            self._close_form()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self._close_form()

        question = ConfirmDialog(
            "Discard the changes to this site?", yes="Discard", no="Keep editing"
        )
        self.app.push_screen(question, answered)

    def _status(self, text: str) -> None:
        self.query_one("#sites-status", Static).update(text)
