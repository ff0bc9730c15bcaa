"""What the group send's three steps exchange with the service: filters, rows, counts, results."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

REASONS = (
    "No Consent",
    "Opted Out",
    "No Cell",
    "No Email",
    "Not Verified",
    "Channel Off",
    "Word Restricted",
)
"""DESIGN §4: the one reason given for each patient and channel left out."""


@dataclass(frozen=True)
class PatientFilter:
    """The Patient Listing's filters; empty ones select everyone."""

    search: str = ""
    birth_month: int | None = None
    age_min: int | None = None
    age_max: int | None = None
    zip_prefix: str = ""
    has_cell: bool | None = None
    has_email: bool | None = None
    language: str | None = None
    last_fill_from: date | None = None
    last_fill_to: date | None = None
    drug_name: str = ""
    consent: str | None = None
    patient_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class Candidate:
    """One row of step 1; `red` names what would stop the send (Settings, Email, Cell)."""

    patient_pk: int
    patient_id: str
    name: str
    cell: str
    email: str
    red: frozenset[str]
    by_email: bool
    by_sms: bool


@dataclass(frozen=True)
class CandidatePage:
    rows: list[Candidate]
    next_after: tuple[str, str, int] | None


@dataclass(frozen=True)
class SelectionCounts:
    selected: int
    by_email: int
    by_sms: int


@dataclass(frozen=True)
class Selection:
    """The patients ticked in step 1: a set of pks, or all matching minus those unticked."""

    flt: PatientFilter
    chosen: frozenset[int] | None
    excluded: frozenset[int] = frozenset()


@dataclass(frozen=True)
class GroupMessage:
    email: bool
    sms: bool
    email_subject: str = ""
    email_body: str = ""
    sms_subject: str = ""
    sms_body: str = ""

    @property
    def channels(self) -> tuple[str, ...]:
        return tuple(c for c, on in (("email", self.email), ("sms", self.sms)) if on)


@dataclass(frozen=True)
class Exclusion:
    patient_id: str
    name: str
    channel: str
    reason: str


@dataclass(frozen=True)
class Preview:
    patient_id: str
    name: str
    channel: str
    subject: str
    body: str


@dataclass(frozen=True)
class DryRun:
    queued: dict[str, int]
    excluded: dict[str, dict[str, int]]
    exclusions: list[Exclusion]
    previews: list[Preview]


@dataclass(frozen=True)
class GroupSendResult:
    group_send_id: int
    queued: dict[str, int]
    excluded: dict[str, dict[str, int]]
    already_sent: bool


@dataclass(frozen=True)
class PreviousMessage:
    label: str
    subject: str
    body: str
    saved: bool


@dataclass(frozen=True)
class GroupSendSummary:
    id: int
    created_at: datetime
    username: str
    methods: list[str]
    label: str
