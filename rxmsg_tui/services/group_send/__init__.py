"""Group send: step 1's selection, step 2's checks and templates, step 3's dry run and send."""

from rxmsg_tui.services.group_send.message import check_message
from rxmsg_tui.services.group_send.selection import count_candidates, find_candidates
from rxmsg_tui.services.group_send.send import (
    delete_group_pending,
    dry_run,
    list_group_sends,
    send_group,
)
from rxmsg_tui.services.group_send.templates import previously_sent, save_template
from rxmsg_tui.services.group_send.types import (
    REASONS,
    Candidate,
    CandidatePage,
    DryRun,
    Exclusion,
    GroupMessage,
    GroupSendResult,
    GroupSendSummary,
    PatientFilter,
    Preview,
    PreviousMessage,
    Selection,
    SelectionCounts,
)

__all__ = [
    "REASONS",
    "Candidate",
    "CandidatePage",
    "DryRun",
    "Exclusion",
    "GroupMessage",
    "GroupSendResult",
    "GroupSendSummary",
    "PatientFilter",
    "Preview",
    "PreviousMessage",
    "Selection",
    "SelectionCounts",
    "check_message",
    "count_candidates",
    "delete_group_pending",
    "dry_run",
    "find_candidates",
    "list_group_sends",
    "previously_sent",
    "save_template",
    "send_group",
]
