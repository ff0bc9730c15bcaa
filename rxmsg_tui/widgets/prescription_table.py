"""A patient's prescriptions, with the keys that record an event for the highlighted Rx."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import DataTable

from rxmsg_tui.domain.vocabulary import RxEventKind
from rxmsg_tui.services.patient_prescriptions import PrescriptionRow
from rxmsg_tui.widgets.paged_table import clip

DRUG_WIDTH = 12
COLUMNS = (
    ("Rx Number", 9),
    ("Drug", DRUG_WIDTH),
    ("Last Fill", 10),
    ("Due", 10),
    ("Refills", 7),
    ("Act", 3),
    ("Event", 9),
)
"""75 columns with the cell padding: the table fits 80x24 with its border and a scrollbar.

The footer names the event keys in one short word each, so they fit beside Back and Find.
"""
EVENT_WORDS = {
    RxEventKind.LABEL_PRINTED: "Labeled",
    RxEventKind.INSURANCE_APPROVED: "Approved",
    RxEventKind.VERIFIED: "Verified",
    RxEventKind.PICKED_UP: "Picked up",
}


class PrescriptionTable(DataTable[str]):
    """One row per Rx, keyed by Rx number; the Event column is the latest of the current fill."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "l", "record('label-printed')", "Label", id="rx.label_printed",
            tooltip="Record that the highlighted Rx's label was printed",
        ),
        Binding(
            "i", "record('insurance-approved')", "Approve", id="rx.insurance_approved",
            tooltip="Record that insurance approved the highlighted Rx",
        ),
        Binding(
            "v", "record('verified')", "Verify", id="rx.verified",
            tooltip="Record that the pharmacist verified the highlighted Rx for fill",
        ),
        Binding(
            "p", "record('picked-up')", "Pick up", id="rx.picked_up",
            tooltip="Record that the patient picked up the highlighted Rx (asks first)",
        ),
    ]  # fmt: skip

    class RxEventRequested(Message):
        """Staff pressed an event key on a row; the screen records it."""

        def __init__(self, row: PrescriptionRow, kind: RxEventKind) -> None:
            super().__init__()
            self.row = row
            self.kind = kind

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(cursor_type="row", id=id)
        self.prescriptions: dict[str, PrescriptionRow] = {}

    def on_mount(self) -> None:
        for label, width in COLUMNS:
            self.add_column(label, width=width)

    def show(self, rows: Sequence[PrescriptionRow], *, keep: str | None = None) -> None:
        """Replace the rows; the cursor stays on `keep` (the Rx just recorded) when given."""
        self.clear()
        self.prescriptions = {row.rx_number: row for row in rows}
        for row in rows:
            event = EVENT_WORDS[row.latest_event.kind] if row.latest_event else ""
            self.add_row(
                row.rx_number,
                clip(row.drug_name, DRUG_WIDTH),
                row.last_fill_date.isoformat(),
                row.due_date.isoformat(),
                str(row.refills_remaining),
                "Yes" if row.active else "No",
                event,
                key=row.rx_number,
            )
        if keep in self.prescriptions:
            self.move_cursor(row=self.get_row_index(keep))
        self.refresh_bindings()

    @property
    def highlighted(self) -> PrescriptionRow | None:
        if not self.row_count:
            return None
        key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key.value
        return self.prescriptions.get(key or "")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "record":
            return self.highlighted is not None
        return True

    def action_record(self, kind: str) -> None:
        row = self.highlighted
        if row is not None:
            self.post_message(self.RxEventRequested(row, RxEventKind(kind)))
