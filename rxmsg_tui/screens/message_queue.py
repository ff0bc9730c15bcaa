"""Outbound Messaging Queue: messages in a date range, a page at a time; delete, retry, print."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import partial

from textual import on
from textual.app import ComposeResult
from textual.timer import Timer
from textual.widgets import Button, DataTable, Input, Static

from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.screens.base import RxScreen
from rxmsg_tui.screens.catalogue import MESSAGE_QUEUE
from rxmsg_tui.screens.message_detail import MessageDetailScreen
from rxmsg_tui.screens.work import WorkFailed, run_service
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.errors import FieldError
from rxmsg_tui.services.group_send import GroupSendSummary, delete_group_pending, list_group_sends
from rxmsg_tui.services.messages import queue_actions as actions
from rxmsg_tui.services.messages import queue_listing as listing
from rxmsg_tui.services.messages import queue_report as report
from rxmsg_tui.services.messages.queue_listing import QueueFilter
from rxmsg_tui.widgets.app_events import QueueChanged
from rxmsg_tui.widgets.date_input import DateInput
from rxmsg_tui.widgets.paged_table import Direction, PagedTable, PageRow
from rxmsg_tui.widgets.queue_criteria import QueueCriteria
from rxmsg_tui.widgets.queue_table import QueueLine, QueueTable, queue_line

REFRESH_PAUSE = 1.0
"""At most one re-read a second however busy the dispatcher is."""


@dataclass
class RowsRead:
    """Rows for the table: a page in `direction`, or (direction None) the window read again.

    The lines are laid out in the worker, so the UI thread only hands them to the table.
    """

    generation: int
    direction: Direction | None
    rows: list[QueueLine]
    more: bool  # rows lie beyond these, in `direction` (after them for a re-read)
    anchored: bool  # read after a row, not from the top: rows lie before these


class OutboundMessagingQueueScreen(RxScreen):
    """Criteria above, the matching messages below; the table holds two pages at most.

    `criteria` is what the table shows, not what the fields say: Print and CSV
    report what staff see. Every search starts a new generation, and rows or
    counts read for an older one are dropped when they arrive.

    The pages next to the window are read ahead once a page is painted, so
    PageDown past the last row shows the next page in the same frame instead of
    waiting for the database; a key that comes while that read is under way
    waits for it rather than reading the page twice. The rows the window lets
    go of are kept as the page beyond its other edge, so paging on reads one
    page a page and paging back reads none. A page read ahead is dropped
    whenever the queue changes (`epoch`).
    """

    CSS_PATH = "../styles/message_queue.tcss"
    AUTO_FOCUS = "#queue"

    def __init__(
        self, context: AppContext, *, page_size: int = 50, group_send_id: int | None = None
    ) -> None:
        super().__init__(context, MESSAGE_QUEUE)
        self.page_size = page_size
        self.group_send_id = group_send_id
        """A group send to show at once (the wizard's Send to Message Queue opens it so)."""
        self.generation = 0
        self.criteria: QueueFilter | None = None
        self._refresh: Timer | None = None
        self.epoch = 0
        self._ahead: dict[tuple[Direction, Hashable], RowsRead] = {}
        self._reading_ahead: dict[Direction, Hashable] = {}
        """The anchor each direction's read-ahead worker is reading from."""
        self._awaited: tuple[Direction, Hashable] | None = None
        """A page asked for while it was being read ahead: shown as soon as it comes."""

    def compose_body(self) -> ComposeResult:
        yield QueueCriteria(self.context.clock.today(self.context.store_zone))
        yield Static("", id="queue-status")
        yield QueueTable(page_size=self.page_size, zone=self.context.store_zone, id="queue")

    def on_mount(self) -> None:
        if self.group_send_id is None:
            self.search()
        self._load_groups(then_search=self.group_send_id is not None)

    def _load_groups(self, *, then_search: bool = False) -> None:
        """Fill the Group Send filter with the newest group sends."""
        ctx = self.context

        def loaded(groups: list[GroupSendSummary]) -> None:
            criteria = self.query_one(QueueCriteria)
            criteria.show_groups([(g.label, g.id) for g in groups], chosen=self.group_send_id)
            self.group_send_id = None
            if then_search:
                self.search()

        run_service(
            self,
            partial(list_group_sends, ctx.db, ctx.actor.store_id),
            loaded,
            lambda failure: self._say(f"Group sends cannot be listed: {failure.text}", error=True),
            doing="listing group sends",
            group="queue-groups",
            exclusive=False,
        )

    def search(self) -> bool:
        """Show what the criteria select; False when a field cannot be read (it says why)."""
        try:
            criteria = self.query_one(QueueCriteria).read()
        except FieldError as exc:
            self.query_one(f"#{exc.field}", DateInput).focus()
            self._say(str(exc), error=True)
            return False
        self.generation += 1
        self._forget_ahead()
        self.criteria = criteria
        self.query_one(QueueTable).expect_new_rows()
        self._say("Searching…")
        self._read(self.generation, criteria, "first", None)
        self._count(self.generation, criteria)
        return True

    def clear(self) -> None:
        """Empty the criteria and the results (the legacy Clear); reads under way are dropped."""
        self.generation += 1
        self._forget_ahead()
        self.criteria = None
        self.query_one(QueueCriteria).clear()
        self.query_one(QueueTable).show_page([], "first", more=False)
        self._say("Type the dates and filters, then Search")
        self.action_focus_criteria()

    @on(Input.Submitted, "DateInput")
    def _date_submitted(self) -> None:
        if self.search():
            self.query_one(QueueTable).focus()

    @on(Button.Pressed)
    def _button(self, event: Button.Pressed) -> None:
        name = event.button.id or ""
        if name == "clear":
            self.clear()
        elif name == "delete-group":
            self.delete_group()
        elif name in ("print", "csv"):
            self.save(name)
        else:
            self.search()

    @on(PagedTable.RowsWanted)
    def _rows_wanted(self, event: PagedTable.RowsWanted) -> None:
        if self.criteria is None:
            return
        key = (event.direction, event.anchor)
        ahead = self._ahead.pop(key, None)
        if ahead is not None and ahead.generation == self.generation:
            self._show_rows(ahead)
        elif self._is_reading_ahead(key):
            self._awaited = key  # the read under way is this page: no second read
        else:
            self._read(self.generation, self.criteria, event.direction, event.anchor)

    def _read(
        self,
        generation: int,
        criteria: QueueFilter,
        direction: Direction | None,
        anchor: Hashable,
        limit: int = 0,
        *,
        ahead: bool = False,
    ) -> None:
        """Rows off the UI thread; `direction` None re-reads the window for a refresh.

        `ahead` reads a page before it is asked for and keeps it for when it is.
        """
        db, store, zone = self.context.db, self.context.actor.store_id, self.context.store_zone
        key = anchor if isinstance(anchor, tuple) else None
        back, limit = direction in ("before", "last"), limit or self.page_size
        table = self.query_one(QueueTable)
        layout, width = table.queue_layout, table.line_width

        def read() -> RowsRead:
            rows, more = listing.read_page(
                db, store, zone, criteria, anchor=key, backwards=back, limit=limit
            )
            lines = [queue_line(row, zone, layout, width) for row in rows]
            return RowsRead(generation, direction, lines, more, key is not None)

        if ahead and direction is not None:
            awaited = self._awaited
            if awaited is not None and awaited[0] == direction and awaited[1] != anchor:
                self._awaited = None  # its worker is replaced below and will post nothing
                self._read(generation, criteria, *awaited)
            self._reading_ahead[direction] = anchor
            run_service(
                self,
                read,
                partial(self._keep_ahead, self.epoch, (direction, anchor)),
                partial(self._ahead_failed, self.epoch, (direction, anchor)),
                doing="reading the queue ahead",
                group=f"queue-ahead-{direction}",
            )
            return
        run_service(
            self,
            read,
            self._show_rows,
            partial(self._not_read, generation),
            doing="reading the queue",
            group="queue-page",
        )

    def _keep_ahead(self, epoch: int, key: tuple[Direction, Hashable], event: RowsRead) -> None:
        self._done_reading_ahead(key)
        if epoch != self.epoch or event.generation != self.generation:
            return
        if self._awaited == key:
            self._awaited = None
            self._show_rows(event)
        else:
            self._ahead[key] = event

    def _ahead_failed(
        self, epoch: int, key: tuple[Direction, Hashable], _event: WorkFailed
    ) -> None:
        """Said only if the page is wanted: then it is read again, and a failure shown."""
        self._done_reading_ahead(key)
        if epoch == self.epoch and self._awaited == key and self.criteria is not None:
            self._awaited = None
            self._read(self.generation, self.criteria, *key)

    def _is_reading_ahead(self, key: tuple[Direction, Hashable]) -> bool:
        direction, anchor = key
        return direction in self._reading_ahead and self._reading_ahead[direction] == anchor

    def _done_reading_ahead(self, key: tuple[Direction, Hashable]) -> None:
        if self._is_reading_ahead(key):
            del self._reading_ahead[key[0]]

    def _forget_ahead(self) -> None:
        """The queue or the criteria changed: pages read ahead may be wrong."""
        self.epoch += 1
        self._ahead.clear()
        self._reading_ahead.clear()
        self._awaited = None

    def _keep_dropped(
        self, old: list[PageRow], more_before: bool, more_after: bool, direction: Direction
    ) -> None:
        """The rows the window let go of are the page beyond its new edge: kept, not read again."""
        table = self.query_one(QueueTable)
        if direction not in ("after", "before") or not table.window:
            return
        shown = {row.key for row in table.window}
        dropped = [row for row in old if isinstance(row, QueueLine) and row.key not in shown]
        if not dropped:
            return
        if direction == "after":  # they lay before the window's first row
            page = dropped[-self.page_size :]
            more = more_before or len(dropped) > len(page)
            key: tuple[Direction, Hashable] = ("before", table.window[0].anchor)
        else:
            page = dropped[: self.page_size]
            more = more_after or len(dropped) > len(page)
            key = ("after", table.window[-1].anchor)
        self._ahead[key] = RowsRead(self.generation, key[0], page, more, anchored=True)

    def _read_ahead(self) -> None:
        """Read the pages beyond both edges of the window, unless they are at hand already."""
        table = self.query_one(QueueTable)
        if self.criteria is None or not table.window:
            return
        edges: list[tuple[Direction, Hashable]] = []
        if table.more_after:
            edges.append(("after", table.window[-1].anchor))
        if table.more_before:
            edges.append(("before", table.window[0].anchor))
        self._ahead = {key: rows for key, rows in self._ahead.items() if key in edges}
        for key in edges:
            if key not in self._ahead and not self._is_reading_ahead(key):
                self._read(self.generation, self.criteria, *key, ahead=True)

    def _count(self, generation: int, criteria: QueueFilter) -> None:
        db, store, zone = self.context.db, self.context.actor.store_id, self.context.store_zone
        run_service(
            self,
            partial(listing.count_queue, db, store, zone, criteria),
            partial(self._show_count, generation),
            partial(self._not_read, generation),
            doing="counting the queue",
            group="queue-count",
        )

    def _show_rows(self, event: RowsRead) -> None:
        if event.generation != self.generation:
            return
        table = self.query_one(QueueTable)
        lines = event.rows
        if event.direction is not None:
            old, more_before, more_after = table.window, table.more_before, table.more_after
            table.show_page(lines, event.direction, more=event.more)
            self._keep_dropped(old, more_before, more_after, event.direction)
        elif not lines and event.anchored:  # every row on show went: start again from the top
            table.stop_waiting()
            self.search()
            return
        else:
            table.reload(lines, more_before=event.anchored, more_after=event.more)
        # After the paint: the read must not hold the interpreter while this page is drawn.
        self.call_after_refresh(self._read_ahead)

    def _show_count(self, generation: int, count: int) -> None:
        if generation == self.generation and self.criteria is not None:
            dates, _ = report.criteria_lines(self.criteria)
            noun = "message" if count == 1 else "messages"
            hint = " · Enter: detail" if count else ""
            self._say(f"{count:,} {noun} · {dates}{hint}")

    def _not_read(self, generation: int, event: WorkFailed) -> None:
        if generation == self.generation:
            self.query_one(QueueTable).stop_waiting()
            self._say(f"Cannot read the queue: {event.text}", error=True)

    def on_queue_changed(self, _event: QueueChanged) -> None:
        if self.criteria is not None and self._refresh is None:
            self._refresh = self.set_timer(REFRESH_PAUSE, self._reload)

    def _reload(self, *, count: bool = False) -> None:
        """Read the rows on show again, keeping the cursor on the message it was on."""
        self._refresh = None
        table = self.query_one(QueueTable)
        if self.criteria is None:
            return
        if table.waiting:  # a page is on its way: come back once it is in
            self._refresh = self.set_timer(REFRESH_PAUSE, self._reload)
            return
        table.waiting = True
        self._forget_ahead()
        first = table.window[0].anchor if table.more_before and table.window else None
        start = (first[0], first[1] - 1) if isinstance(first, tuple) else None
        limit = max(len(table.window), self.page_size)
        self._read(self.generation, self.criteria, None, start, limit)
        if count or self.criteria.status is not None:
            self._count(self.generation, self.criteria)

    @on(DataTable.RowSelected, "#queue")
    def _open_detail(self, event: DataTable.RowSelected) -> None:
        message = self.query_one(QueueTable).message_at(event.cursor_row)
        if message is not None:
            self.app.push_screen(MessageDetailScreen(self.context, message.id))

    def action_delete_message(self) -> None:
        row = self.query_one(QueueTable).current()
        if row is None:
            return
        when = row.scheduled_at.astimezone(self.context.store_zone).strftime("%Y-%m-%d %H:%M")
        who = row.who if isinstance(row, listing.ListedRow) else row.entity_name
        question = (
            f"Delete this {row.method} message?\n\n{row.alert_type} for {who}, "
            f"{when}, {row.status}.\n\nIt stays in the audit trail; the queue hides it."
        )

        def answered(yes: bool | None) -> None:
            if yes:
                self._act(actions.delete_message, row.id, f"Message {row.id} deleted")

        self.app.push_screen(ConfirmDialog(question, yes="Delete", no="Keep"), answered)

    def delete_group(self) -> None:
        """Every Pending message of the chosen group send → Deleted, after a confirm."""
        group = self.query_one(QueueCriteria).group_send_id
        if group is None:
            self.notify("Choose a group send in Group Send first", severity="warning")
            return
        question = (
            f"Delete every Pending message of group send #{group}?\n\n"
            "Messages already sent stay as they are; the deleted ones stay in the audit trail."
        )
        ctx = self.context

        def deleted(count: int) -> None:
            self._done(f"{count:,} Pending messages of group send #{group} deleted", changed=True)

        def answered(yes: bool | None) -> None:
            if yes:
                run_service(
                    self,
                    partial(delete_group_pending, ctx.db, ctx.actor, group, now=ctx.clock.now()),
                    deleted,
                    lambda failure: self._done(failure.text, ok=False),
                    doing=f"deleting group send #{group}",
                    group="queue-action",
                    exclusive=False,
                )

        self.app.push_screen(ConfirmDialog(question, yes="Delete", no="Keep"), answered)

    def action_retry_message(self) -> None:
        row = self.query_one(QueueTable).current()
        if row is not None:
            self._act(actions.retry_message, row.id, f"Message {row.id} will be sent again")

    def action_confirm_sent(self) -> None:
        row = self.query_one(QueueTable).current()
        if row is not None:
            self._act(actions.confirm_sent, row.id, f"Message {row.id} marked Sent")

    def action_focus_criteria(self) -> None:
        self.query_one("#date-from", DateInput).focus()

    def _act(self, action: Callable[..., None], message_id: int, done: str) -> None:
        """`delete_message`, `retry_message` or `confirm_sent`; the service may refuse."""
        ctx = self.context
        run_service(
            self,
            partial(action, ctx.db, ctx.actor, message_id, now=ctx.clock.now()),
            lambda _: self._done(done, changed=True),
            lambda failure: self._done(failure.text, ok=False),
            doing=f"changing message {message_id}",
            group="queue-action",
            exclusive=False,
        )

    def save(self, kind: str) -> None:
        """Print (or keep as a file) or export as CSV every message matching what is shown."""
        verb = "export" if kind == "csv" else "print"
        if self.criteria is None:
            self.notify(f"Nothing to {verb}: Search first", severity="warning")
            return
        if kind == "print":
            self.notify("Preparing the report…", timeout=3)
        run_service(
            self,
            partial(self._save, kind, self.criteria),
            self._done,
            lambda failure: self._done(f"Cannot {verb}: {failure.text}", ok=False),
            doing=f"the queue {verb}",
            group="queue-files",
            exclusive=False,
        )

    def _save(self, kind: str, criteria: QueueFilter) -> str:
        """In the worker: write the CSV file or print the report; says where it went."""
        ctx, data = self.context, self.context.settings.data_dir
        store, zone, now = ctx.actor.store_id, ctx.store_zone, ctx.clock.now()
        if kind == "csv":
            path = report.export_queue_csv(ctx.db, store, zone, criteria, data_dir=data, now=now)
            return f"Saved to {path}"
        heading = report.ReportHeading(
            ctx.store.name, ctx.store.code, criteria, zone, now, ctx.actor.username
        )
        return report.print_queue(ctx.db, store, heading, data_dir=data).describe()

    def _done(self, text: str, *, ok: bool = True, changed: bool = False) -> None:
        """An action finished or was refused; `changed` says the rows on show are stale."""
        self.notify(text, severity="information" if ok else "error", timeout=10)
        if changed:
            self._reload(count=True)

    def _say(self, text: str, *, error: bool = False) -> None:
        status = self.query_one("#queue-status", Static)
        status.update(text)
        status.set_class(error, "-error")
