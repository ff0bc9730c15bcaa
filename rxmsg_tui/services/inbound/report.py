"""What one read of inbound texts did, counted the way `rxmsg inbound --once` prints it."""

from __future__ import annotations

from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class InboundReport:
    read: int = 0
    """Messages the source handed over, duplicates included."""
    stored: int = 0
    """New conversation lines: each inbound message is stored once."""
    duplicates: int = 0
    """Already stored (the overlap every poll re-reads, or a re-read after a crash)."""
    stops: int = 0
    """STOP by keyword or in plain words."""
    starts: int = 0
    helps: int = 0
    flagged: int = 0
    """Ambiguous texts marked for staff."""
    unknown_senders: int = 0
    """New messages from a number no patient has."""
    answers_queued: int = 0
    """Keyword answers queued (at most one per keyword message)."""
    problems: tuple[str, ...] = field(default=(), compare=False)
    """Files the source could not read and set aside (the outbox's inbox), one line each."""

    def __add__(self, other: InboundReport) -> InboundReport:
        counts = {
            f.name: getattr(self, f.name) + getattr(other, f.name)
            for f in fields(self)
            if f.name != "problems"
        }
        return InboundReport(**counts, problems=self.problems + other.problems)

    def line(self) -> str:
        """One line of counts for the command and the log (no numbers, no bodies)."""
        return (
            f"read {self.read}, new {self.stored}, duplicates {self.duplicates}, "
            f"STOP {self.stops}, START {self.starts}, HELP {self.helps}, "
            f"flagged for staff {self.flagged}, unknown senders {self.unknown_senders}, "
            f"answers queued {self.answers_queued}"
        )
