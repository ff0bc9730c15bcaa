"""Step 3 of Send Email/SMS: what the dry run found, the first messages rendered, and the send.

Staff see before anything is queued how many go out per channel and, for
each patient left out, why: the confirm step is where a wrong filter shows.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Label, ProgressBar, Static

from rxmsg_tui.services.group_send import DryRun
from rxmsg_tui.widgets.paged_table import clip

EXCLUSION_COLUMNS = (("Patient ID", 10), ("Name", 22), ("Method", 6), ("Reason", 16))
CHANNEL_NAMES = {"email": "Email", "sms": "SMS"}


def counts_line(queued: dict[str, int], excluded: dict[str, dict[str, int]]) -> str:
    """ "Email: 1,100 to queue, 12 excluded · SMS: 980 to queue, 40 excluded"."""
    parts = []
    for channel in CHANNEL_NAMES:
        if channel in queued or channel in excluded:
            count, left_out = queued.get(channel, 0), sum(excluded.get(channel, {}).values())
            parts.append(f"{CHANNEL_NAMES[channel]}: {count:,} to queue, {left_out:,} excluded")
    return " · ".join(parts) or "Nothing to queue"


def reasons_line(excluded: dict[str, dict[str, int]]) -> str:
    """ "Excluded by email: No Email 10, Opted Out 2 · by SMS: …"."""
    parts = []
    for channel, reasons in excluded.items():
        if reasons:
            counted = ", ".join(f"{reason} {count:,}" for reason, count in reasons.items())
            parts.append(f"by {CHANNEL_NAMES.get(channel, channel)}: {counted}")
    return ("Excluded " + " · ".join(parts)) if parts else "No one excluded"


class ConfirmStep(VerticalScroll):
    """Counts, reasons, previews, the exclusions table, then the progress and the result."""

    def __init__(self) -> None:
        super().__init__(id="step-confirm")

    def compose(self) -> ComposeResult:
        yield Static("Checking who would be reached…", id="dry-counts")
        yield Static("", id="dry-reasons")
        yield Label("Preview", classes="part-title")
        yield Static("", id="previews")
        yield Label("Excluded patients", classes="part-title")
        yield DataTable[str](id="exclusions", cursor_type="row", zebra_stripes=True)
        yield ProgressBar(id="send-progress", show_eta=False)
        yield Static("", id="send-result")

    def on_mount(self) -> None:
        table = self.query_one("#exclusions", DataTable)
        for label, width in EXCLUSION_COLUMNS:
            table.add_column(label, width=width)
        self.query_one(ProgressBar).display = False

    def checking(self) -> None:
        self.query_one("#dry-counts", Static).update("Checking who would be reached…")
        self.query_one("#dry-reasons", Static).update("")
        self.query_one("#previews", Static).update("")
        self.query_one("#exclusions", DataTable).clear()
        self.query_one("#send-result", Static).update("")
        self.query_one(ProgressBar).display = False

    def show_dry_run(self, dry: DryRun) -> None:
        self.query_one("#dry-counts", Static).update(counts_line(dry.queued, dry.excluded))
        self.query_one("#dry-reasons", Static).update(reasons_line(dry.excluded))
        previews = [
            f"{CHANNEL_NAMES.get(p.channel, p.channel)} to {p.name} ({p.patient_id})"
            + (f" — {p.subject}" if p.subject else "")
            + f"\n  {p.body}"
            for p in dry.previews
        ]
        self.query_one("#previews", Static).update("\n".join(previews) or "No one to preview")
        table = self.query_one("#exclusions", DataTable)
        table.clear()
        for number, left_out in enumerate(dry.exclusions):
            texts = (
                left_out.patient_id,
                left_out.name,
                CHANNEL_NAMES.get(left_out.channel, left_out.channel),
                left_out.reason,
            )
            cells = [clip(t, w) for t, (_, w) in zip(texts, EXCLUSION_COLUMNS, strict=True)]
            table.add_row(*cells, key=str(number))

    def show_line(self, text: str) -> None:
        self.query_one("#dry-counts", Static).update(text)

    def sending(self) -> None:
        bar = self.query_one(ProgressBar)
        bar.update(total=None, progress=0)
        bar.display = True
        self.query_one("#send-result", Static).update("Queueing…")

    def progress(self, done: int, total: int) -> None:
        self.query_one(ProgressBar).update(total=max(total, 1), progress=done)

    def show_result(self, text: str) -> None:
        self.query_one("#send-result", Static).update(text)
