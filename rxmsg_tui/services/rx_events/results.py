"""The words of Rx events and what recording one tells its caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from rxmsg_tui.domain.safe_text import shown
from rxmsg_tui.domain.vocabulary import Method, RxEventKind
from rxmsg_tui.services.errors import InvalidInput
from rxmsg_tui.services.messages.automatic import QueuedAlert


class EventSource(StrEnum):
    """Where an event was recorded: stored with it, so staff can tell a feed from a person."""

    CLI = "cli"
    BATCH = "batch"
    TUI = "tui"


KIND_LABELS: dict[RxEventKind, str] = {
    RxEventKind.LABEL_PRINTED: "label printed",
    RxEventKind.INSURANCE_APPROVED: "insurance approved",
    RxEventKind.VERIFIED: "verified for fill",
    RxEventKind.PICKED_UP: "picked up",
}
TRIGGERS: dict[str, RxEventKind] = {
    "label_printed": RxEventKind.LABEL_PRINTED,
    "insurance_approved": RxEventKind.INSURANCE_APPROVED,
    "verified": RxEventKind.VERIFIED,
}
"""`alerts.pickup.trigger` values and the event each one names."""
TRIGGER_PHRASES: dict[RxEventKind, str] = {
    RxEventKind.LABEL_PRINTED: "the label is printed",
    RxEventKind.INSURANCE_APPROVED: "insurance approves the claim",
    RxEventKind.VERIFIED: "the pharmacist verifies the fill",
}

KIND_NAMES = ", ".join(k.value for k in RxEventKind)


def parse_kind(text: str) -> RxEventKind:
    """`picked-up` as the CLI and files name it; `picked_up` and any case are read too."""
    wanted = text.strip().lower().replace("_", "-")
    if not wanted:
        raise InvalidInput(f"the event is empty: use one of {KIND_NAMES}")
    try:
        return RxEventKind(wanted)
    except ValueError:
        raise InvalidInput(
            f"unknown event '{shown(text.strip())}': use one of {KIND_NAMES}"
        ) from None


@dataclass(frozen=True)
class CancelledMessage:
    """A `Pending` pickup reminder deleted because the prescription was picked up."""

    id: int
    method: Method
    entity_name: str


@dataclass
class EventResult:
    """One recorded event: the messages it queued and cancelled, and notes saying why not more."""

    rx_number: str
    kind: RxEventKind
    event_id: int
    fill_date: date
    occurred_at: datetime
    queued: list[QueuedAlert] = field(default_factory=list)
    cancelled: list[CancelledMessage] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        return KIND_LABELS[self.kind]

    def summary(self) -> str:
        """One line for staff: what was cancelled and queued, or why nothing was."""
        done = []
        if self.cancelled:
            count = len(self.cancelled)
            done.append(f"cancelled {count} pickup reminder{'' if count == 1 else 's'}")
        if self.queued:
            queued = ", ".join(
                f"{q.alert_type.value} by {q.channel.method.value} "
                f"({q.status.value}{': ' + q.warning if q.warning else ''})"
                for q in self.queued
            )
            done.append(f"queued {queued}")
        if not done:
            done.append("nothing queued")
        why = f" (not queued: {'; '.join(self.notes)})" if self.notes else ""
        return f"Rx {self.rx_number} {self.label}: " + "; ".join(done) + why
