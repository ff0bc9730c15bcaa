"""Formats, the outbound queue and its attempts, codes, two-way chat, restricted words."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Column, ForeignKey, Index, Integer, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from rxmsg_tui.storage.models.columns import store_fk, utc_column


def _patient_ref(*, nullable: bool) -> Column[int]:
    return Column(Integer, ForeignKey("patient.id", ondelete="SET NULL"), nullable=nullable)


class MessageFormat(SQLModel, table=True):
    """A template per method × alert type × language (Outbound Messaging Format)."""

    __tablename__ = "message_format"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    method: str = Field(max_length=16)
    alert_type: str = Field(max_length=32)
    language: str = Field(default="en", max_length=5)
    group_message: bool = False
    subject: str = Field(default="", max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = utc_column(nullable=False)

    __table_args__ = (Index("ix_format_lookup", "store_id", "method", "alert_type", "language"),)


class QuickResponse(SQLModel, table=True):
    """A 2-way Message Template: a canned reply for text chat."""

    __tablename__ = "quick_response"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    description: str = Field(max_length=80)
    body: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = utc_column(nullable=False)


class GroupSend(SQLModel, table=True):
    """One "Send to Message Queue" of the group-send wizard or `rxmsg group-send`.

    `request_key` is unique so pressing Send twice (or a retried command)
    queues the group once. Counts are what the dry run reported when it was sent.
    """

    __tablename__ = "group_send"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    request_key: str = Field(max_length=64, unique=True)
    created_at: datetime = utc_column(nullable=False)
    username: str = Field(max_length=64)
    methods: list[str] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False), description="email, sms"
    )
    email_subject: str = Field(default="", max_length=200)
    email_body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    sms_subject: str = Field(default="", max_length=200, description="Kept for templates only")
    sms_body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    selected: int = 0
    queued: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    excluded: dict[str, int] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))

    __table_args__ = (Index("ix_group_send_store_created", "store_id", "created_at"),)


class OutboundMessage(SQLModel, table=True):
    """One message in the Outbound Messaging Queue.

    `dedupe_key` is unique so enqueueing an automatic message twice is a no-op
    on both databases; staff-written messages leave it empty. `claimed_by` and
    `claimed_until` tie a `Sending` row to its dispatcher so a dead one's work
    is taken over quickly.
    """

    __tablename__ = "outbound_message"

    id: int | None = Field(default=None, primary_key=True)
    uuid: str = Field(max_length=36, unique=True, description="Idempotency-Key sent to providers")
    store_id: int = store_fk()
    patient_id: int | None = Field(default=None, sa_column=_patient_ref(nullable=True))
    prescription_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("prescription.id", ondelete="SET NULL")),
    )
    method: str = Field(max_length=16)
    alert_type: str = Field(max_length=32)
    priority: int = Field(description="1 High, 2 Normal, 3 Low")
    entity: str = Field(max_length=16)
    entity_name: str = Field(max_length=120)
    recipient: str = Field(default="", max_length=254)
    subject: str = Field(default="", max_length=200)
    body: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=16)
    warning: str = Field(default="", max_length=32)
    attempts: int = 0
    dedupe_key: str | None = Field(default=None, max_length=200, unique=True)
    created_at: datetime = utc_column(nullable=False)
    scheduled_at: datetime = utc_column(nullable=False)
    next_attempt_at: datetime | None = utc_column()
    claimed_by: str | None = Field(default=None, max_length=120)
    claimed_until: datetime | None = utc_column()
    sent_at: datetime | None = utc_column()
    status_checked_at: datetime | None = utc_column()
    """When the provider was last asked whether a `Sent` message was delivered."""
    provider_message_id: str | None = Field(default=None, max_length=120)
    created_by: str = Field(default="", max_length=64)
    group_send_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("group_send.id", ondelete="SET NULL"), index=True),
    )
    """The group send that queued it; the queue filters and deletes by it."""
    keyword_reply: bool = False
    """The one answer to a STOP/START/HELP text: sent at once, whatever the window or consent."""

    __table_args__ = (
        Index("ix_queue_due", "status", "priority", "scheduled_at"),
        Index("ix_queue_store_scheduled", "store_id", "scheduled_at", "id"),
        Index("ix_queue_patient", "patient_id"),
    )


class MessageAttempt(SQLModel, table=True):
    """One try at sending: when, what the provider answered, and the error in plain words."""

    __tablename__ = "message_attempt"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    message_id: int = Field(
        sa_column=Column(
            Integer, ForeignKey("outbound_message.id", ondelete="CASCADE"), nullable=False
        )
    )
    attempted_at: datetime = utc_column(nullable=False)
    provider: str = Field(max_length=32)
    status_code: int | None = None
    response: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    error: str = Field(default="", max_length=500)

    __table_args__ = (Index("ix_attempt_message", "message_id", "attempted_at"),)


class VerificationCode(SQLModel, table=True):
    """A one-time code sent to confirm a cell phone or email; only its hash is kept."""

    __tablename__ = "verification_code"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    patient_id: int = Field(sa_column=_patient_ref(nullable=False))
    channel: str = Field(max_length=8)
    address: str = Field(max_length=254)
    code_hash: str = Field(max_length=128)
    created_at: datetime = utc_column(nullable=False)
    expires_at: datetime = utc_column(nullable=False)
    verified_at: datetime | None = utc_column()
    verified_by: str | None = Field(default=None, max_length=64)
    tries: int = 0


class ConversationMessage(SQLModel, table=True):
    """A line of two-way text chat, in or out; a thread is the store and the phone number.

    Inbound lines are stored once (`provider_message_id` unique) and belong to
    every patient whose cell is `phone` (a household); `patient_id` is set
    when exactly one patient matched, or for an outbound line the patient it
    was sent to. `keyword` is what the reply was read as (`stop`, `start`,
    `help`, or empty); `needs_staff` marks an ambiguous text for a person.
    """

    __tablename__ = "conversation_message"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    patient_id: int | None = Field(default=None, sa_column=_patient_ref(nullable=True))
    direction: str = Field(max_length=3, description="in or out")
    phone: str = Field(max_length=32)
    body: str = Field(sa_column=Column(Text, nullable=False))
    provider_message_id: str | None = Field(default=None, max_length=120, unique=True)
    outbound_message_id: int | None = Field(
        default=None,
        sa_column=Column(Integer, ForeignKey("outbound_message.id", ondelete="SET NULL")),
    )
    at: datetime = utc_column(nullable=False)
    read_at: datetime | None = utc_column()
    provider: str = Field(default="", max_length=32)
    keyword: str = Field(default="", max_length=16)
    needs_staff: bool = False

    __table_args__ = (
        Index("ix_conversation_phone", "store_id", "phone", "at"),
        Index("ix_conversation_store_at", "store_id", "at"),
    )


class InboundCursor(SQLModel, table=True):
    """How far inbound polling has read at one provider: survives restarts, so nothing is missed."""

    __tablename__ = "inbound_cursor"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    provider: str = Field(max_length=32)
    high_water: datetime | None = utc_column()
    """The newest `received_at` stored; the next poll asks from here (and dedupes by id)."""
    updated_at: datetime = utc_column(nullable=False)

    __table_args__ = (UniqueConstraint("store_id", "provider", name="uq_inbound_cursor"),)


class ConsentWording(SQLModel, table=True):
    """The opt-in wording shown on the signature pad: versioned, per language and purpose.

    A consent recorded on the pad names the version it showed; a new text is a
    new version, so old evidence keeps meaning what the patient read.
    """

    __tablename__ = "consent_wording"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    purpose: str = Field(max_length=16, description="transactional or marketing")
    language: str = Field(default="en", max_length=5)
    version: str = Field(max_length=32)
    text: str = Field(sa_column=Column(Text, nullable=False))
    channels: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    created_at: datetime = utc_column(nullable=False)
    created_by: str = Field(default="", max_length=64)

    __table_args__ = (
        UniqueConstraint("store_id", "purpose", "language", "version", name="uq_consent_wording"),
    )


class RestrictedWord(SQLModel, table=True):
    """A word no message may carry (CBD, cannabis, …); admins edit the list."""

    __tablename__ = "restricted_word"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    word: str = Field(max_length=64)
    created_at: datetime = utc_column(nullable=False)

    __table_args__ = (UniqueConstraint("store_id", "word", name="uq_restricted_word"),)
