"""Review Sites: where review requests send patients, and the one default SMS requests link to."""

from __future__ import annotations

from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.markup import escape
from textual.widgets import Button, Input, Label

from rxmsg_tui.screens.catalogue import REVIEW_SITES
from rxmsg_tui.screens.list_form import ListFormScreen
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.formats.review_sites import (
    ReviewSiteRow,
    delete_site,
    list_sites,
    save_site,
)
from rxmsg_tui.services.support import setup_refusal
from rxmsg_tui.widgets.field_message import FieldMessage
from rxmsg_tui.widgets.marked_toggles import MarkedCheckbox
from rxmsg_tui.widgets.paged_table import clip

ADD_TIP = "Add a review site: a name and its http(s) URL"
DEFAULT_TIP = "Make the highlighted site the one SMS review requests link to"
DELETE_TIP = "Delete the highlighted site (asks first)"
SiteForm = tuple[str, str, bool]
"""Name, URL and the default flag, as the form holds them."""


class ReviewSitesScreen(ListFormScreen[ReviewSiteRow, SiteForm]):
    """The sites in a table; the form below it opens to add or edit one.

    Exactly one site is the default: the service moves the mark when another
    is made default and when the default one is deleted. A technician reads
    the sites (Enter shows one whole) and is told so on opening.
    """

    CSS_PATH = "../styles/review_sites.tcss"
    AUTO_FOCUS = "#sites"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f3,a", "add", "Add Site", id="sites.add", tooltip=ADD_TIP),
        Binding("f5", "make_default", "Set Default", id="sites.default", tooltip=DEFAULT_TIP),
        Binding("delete,d", "delete", "Delete", id="sites.delete", tooltip=DELETE_TIP),
        Binding("ctrl+s", "save", "Save", id="sites.save", tooltip="Save the site in the form"),
    ]
    TABLE, FORM, STATUS = "sites", "site-form", "sites-status"
    FIRST_FIELD = "#site-name"
    COLUMNS = (("Default", 7), ("Name", 22), ("URL", 41))
    FIELDS: ClassVar[dict[str, str]] = {"name": "#site-name", "url": "#site-url"}
    NOUN = "site"
    EMPTY = "No review sites yet. Press F3 to add one (name and http/https URL)."
    KEEP_EDITING = "Keep editing"
    ROW_ACTIONS = frozenset({"delete", "make_default"})

    def __init__(self, context: AppContext) -> None:
        super().__init__(context, REVIEW_SITES)
        self.read_only = setup_refusal(context.actor)
        """Why this user may not change the sites, said on opening and at each key; else None."""

    def compose_form(self) -> ComposeResult:
        with Horizontal(classes="form-row"):
            yield Label("Name", classes="field-label")
            yield Input(id="site-name", max_length=80, compact=True, disabled=self.locked)
        yield FieldMessage(id="name-error")
        with Horizontal(classes="form-row"):
            yield Label("URL", classes="field-label")
            yield Input(
                id="site-url",
                placeholder="https://…",
                max_length=500,
                compact=True,
                disabled=self.locked,
            )
        yield FieldMessage(id="url-error")
        with Horizontal(classes="form-row"):
            yield MarkedCheckbox(
                "Default site", id="site-default", compact=True, disabled=self.locked
            )
            if not self.locked:
                yield Button("Save", action="screen.save", id="site-save", compact=True)
            close = "Close" if self.locked else "Cancel"
            yield Button(close, action="screen.back", id="site-cancel", compact=True)

    @property
    def locked(self) -> bool:
        return self.read_only is not None

    def _show_rows(self, rows: list[ReviewSiteRow], *, note: str) -> None:
        super()._show_rows(rows, note=note)
        if self.read_only is not None:
            self.show_status(self.read_only)

    def action_add(self) -> None:
        if not self.refused_read_only():
            super().action_add()

    def action_save(self) -> None:
        if not self.refused_read_only():
            super().action_save()

    def action_delete(self) -> None:
        if not self.refused_read_only():
            super().action_delete()

    def list_rows(self) -> list[ReviewSiteRow]:
        return list_sites(self.context.db, self.context.actor.store_id)

    def row_cells(self, row: ReviewSiteRow) -> tuple[str, ...]:
        mark = "  ✓" if row.is_default else ""
        return mark, clip(row.name, 22), clip(row.url, 41)

    def form_title(self, row: ReviewSiteRow | None) -> str:
        return f"Edit {row.name}" if row else "Add Review Site"

    def fill_form(self, row: ReviewSiteRow | None) -> None:
        # The service makes the first site the default anyway: the box shows it ticked.
        self.query_one("#site-name", Input).value = row.name if row else ""
        self.query_one("#site-url", Input).value = row.url if row else ""
        self.query_one("#site-default", MarkedCheckbox).value = (
            row.is_default if row else not self.rows
        )

    def read_form(self) -> SiteForm:
        return (
            self.query_one("#site-name", Input).value,
            self.query_one("#site-url", Input).value,
            self.query_one("#site-default", MarkedCheckbox).value,
        )

    def save_row(self, form: SiteForm, row_id: int | None) -> str:
        ctx, (name, url, default) = self.context, form
        row = save_site(
            ctx.db,
            ctx.actor,
            name=name,
            url=url,
            make_default=default,
            site_id=row_id,
            now=ctx.clock.now(),
        )
        return f"Saved {row.name}{' (the default)' if row.is_default else ''}. "

    def delete_row(self, row_id: int) -> str:
        delete_site(self.context.db, self.context.actor, row_id, now=self.context.clock.now())
        return ""

    def delete_question(self, row: ReviewSiteRow) -> str:
        others = len(self.rows) > 1
        extra = " Another site becomes the default." if row.is_default and others else ""
        return f"Delete the review site {escape(row.name)}?{extra}"

    @on(Input.Submitted, "#site-name")
    def _next_field(self) -> None:
        self.query_one("#site-url", Input).focus()

    @on(Input.Submitted, "#site-url")
    def _url_entered(self) -> None:
        self.action_save()

    def action_make_default(self) -> None:
        if self.refused_read_only():
            return
        site = self.highlighted_row()
        if site is not None and site.is_default:
            self.show_status(f"{site.name} is already the default.")
        elif site is not None:
            self.saving = True
            make_default = partial(self.save_row, (site.name, site.url, True), site.id)
            self.run_change(make_default, close_form=False)
