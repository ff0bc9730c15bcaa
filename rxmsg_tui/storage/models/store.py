"""The pharmacy and its messaging setup: store, outbound_setup, alert_settings, review_site."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import UniqueConstraint
from sqlmodel import Field, SQLModel

from rxmsg_tui.storage.models.columns import json_column, store_fk, utc_column


class Store(SQLModel, table=True):
    """One pharmacy. `code` is what `RXMSG_STORE` names when a database holds several."""

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=32, unique=True)
    name: str = Field(max_length=120)
    phone: str = Field(max_length=32)
    timezone: str = Field(max_length=64, description="IANA zone, e.g. America/New_York")
    address: str = Field(default="", max_length=200)
    city: str = Field(default="", max_length=80)
    state: str = Field(default="", max_length=32)
    zip: str = Field(default="", max_length=16)
    hours: str = Field(default="", max_length=200, description="Shown to patients (HELP reply)")
    created_at: datetime = utc_column(nullable=False)
    go_live: date | None = Field(
        default=None, description="The day messaging started: patients present then are not new"
    )
    is_test: bool = Field(
        default=False,
        description="A demo store, or one created while RXMSG_NOW was set: the clock may be moved",
    )


class OutboundSetup(SQLModel, table=True):
    """Outbound Messaging Setup: which transport carries each method."""

    __tablename__ = "outbound_setup"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    email_using: str = Field(default="none", max_length=32)
    sms_using: str = Field(default="none", max_length=32)
    call_using: str = Field(default="none", max_length=32)
    ivr_host: str = Field(default="", max_length=255)
    ivr_port: int = Field(default=5060)
    inbound_poll_seconds: int = Field(
        default=15, description="`inbound.poll_seconds`: how often replies are read"
    )
    max_per_second: float = Field(
        default=0.0,
        description="`sending.max_per_second` per sender number; 0 means no limit of our own",
    )

    __table_args__ = (UniqueConstraint("store_id", name="uq_outbound_setup_store"),)


class AlertSettings(SQLModel, table=True):
    """Alert Settings: what is sent, when, and the patient defaults (DESIGN.md §8 keys)."""

    __tablename__ = "alert_settings"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    refill_channels: list[str] = json_column()
    refill_when_due: bool = True
    refill_when_past_due: bool = True
    refill_before_days: int = 3
    refill_after_days: int = 7
    refill_non_maintenance: bool = False
    control_drugs: bool = False
    c2_drugs: bool = False
    pickup_channels: list[str] = json_column()
    pickup_trigger: str = Field(default="label_printed", max_length=32)
    pickup_followup_days: list[int] = json_column()
    pickup_confirmation_channels: list[str] = json_column()
    birthday_channels: list[str] = json_column()
    welcome_channels: list[str] = json_column()
    general_channels: list[str] = json_column()
    review_channels: list[str] = json_column()
    review_resend_after_days: int = 0
    only_verified: bool = False
    email_sms_window: str = Field(default="09:00-19:00", max_length=11)
    call_window: str = Field(default="10:00-18:00", max_length=11)
    days: list[str] = json_column()
    daily_start: str = Field(default="08:00", max_length=5)
    defaults_apply_on: str = Field(default="new_patient", max_length=32)
    defaults: dict[str, list[str]] = json_column(dict)
    flood_guard_share: float = Field(
        default=0.05, description="Greetings to more than this share of patients wait for an admin"
    )

    __table_args__ = (UniqueConstraint("store_id", name="uq_alert_settings_store"),)


class ReviewSite(SQLModel, table=True):
    """A website where patients may leave a review; one is the store's default."""

    __tablename__ = "review_site"

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = store_fk()
    name: str = Field(max_length=80)
    url: str = Field(max_length=500)
    is_default: bool = False

    __table_args__ = (UniqueConstraint("store_id", "name", name="uq_review_site_name"),)
