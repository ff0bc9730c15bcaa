"""Rx events from the pharmacy system or staff, and the pickup messages they queue or cancel."""

from rxmsg_tui.services.rx_events.batch import BadLine, BatchResult, EventsRejected, record_events
from rxmsg_tui.services.rx_events.recording import record_event
from rxmsg_tui.services.rx_events.results import (
    KIND_LABELS,
    CancelledMessage,
    EventResult,
    EventSource,
    parse_kind,
)

__all__ = [
    "KIND_LABELS",
    "BadLine",
    "BatchResult",
    "CancelledMessage",
    "EventResult",
    "EventSource",
    "EventsRejected",
    "parse_kind",
    "record_event",
    "record_events",
]
