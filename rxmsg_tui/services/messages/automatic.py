"""Queues one automatic alert for one patient on each channel both the store and patient chose.

Rx events (ready for pickup, pickup confirmation, review requests) and the
small cases of the daily process share this: channels = Alert Settings ∩ the
patient's message settings for that alert; the body is the store's format in
the patient's language; each channel gets its own dedupe key, so queueing the
same alert again is a no-op. The send rules (consent, STOP, verified-only,
restricted words) are applied by `enqueue_once`, which keeps a message the
patient may not get as `Undelivered` with the reason, for staff to see.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, select

from rxmsg_tui.domain.message_text import render_message
from rxmsg_tui.domain.templates import TemplateError
from rxmsg_tui.domain.vocabulary import AlertType, Channel, Entity, QueueStatus
from rxmsg_tui.services.formats.message_formats import format_for, is_html
from rxmsg_tui.services.messages.enqueue import NewMessage, enqueue_once
from rxmsg_tui.services.messages.template_values import patient_values
from rxmsg_tui.storage.models import (
    AlertSettings,
    Patient,
    PatientMessagePrefs,
    Prescription,
    Store,
)


@dataclass(frozen=True)
class QueuedAlert:
    """One message put in the queue, as a command or screen reports it."""

    id: int
    alert_type: AlertType
    channel: Channel
    status: QueueStatus
    warning: str
    entity: Entity
    entity_name: str
    """`Rx <number>` for a prescription's alert, else the patient's name."""


@dataclass
class AlertOutcome:
    """What queueing one alert did: the messages queued and, in words, why others were not."""

    queued: list[QueuedAlert] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def store_channels(settings_row: AlertSettings, alert_type: AlertType) -> list[str]:
    """The channels Alert Settings send this alert on (`alerts.<name>.channels`)."""
    return list(getattr(settings_row, f"{alert_type.short}_channels") or [])


def patient_channels(session: Session, patient: Patient, alert_type: AlertType) -> list[str]:
    """The channels the patient chose for this alert; none without a settings row."""
    prefs = session.exec(
        select(PatientMessagePrefs).where(
            PatientMessagePrefs.patient_id == patient.id,
            PatientMessagePrefs.alert == alert_type.short,
        )
    ).first()
    if prefs is None:
        return []
    return [c.value for c in Channel if getattr(prefs, c.value)]


def queue_alert(
    session: Session,
    store: Store,
    settings_row: AlertSettings,
    patient: Patient,
    alert_type: AlertType,
    key_of: Callable[[Channel], str],
    extra_values: dict[str, str],
    now: datetime,
    *,
    prescription: Prescription | None = None,
    created_by: str = "",
) -> AlertOutcome:
    """Queue `alert_type` once per channel under the dedupe key `key_of(channel)`.

    `extra_values` adds the variables that depend on the occasion (Rx number,
    drug, pickup date, review URL) to the patient's. A message is tied to the
    prescription when one is given, and then shows as `Rx <number>` in the queue.
    """
    outcome = AlertOutcome()
    label = alert_type.value
    offered = store_channels(settings_row, alert_type)
    if not offered:
        outcome.notes.append(f"{label} is switched off in Alert Settings")
        return outcome
    chosen = set(patient_channels(session, patient, alert_type))
    channels = [c for c in Channel if c.value in offered and c.value in chosen]
    if not channels:
        outcome.notes.append(f"{label}: the patient chose none of {', '.join(offered)}")
        return outcome
    today = now.astimezone(ZoneInfo(store.timezone)).date()
    values = patient_values(store, patient, today, **extra_values)
    entity = Entity.PATIENT if prescription is None else Entity.PRESCRIPTION
    entity_name = "" if prescription is None else f"Rx {prescription.rx_number}"
    for channel in channels:
        method = channel.method
        fmt = format_for(session, store.id or 0, method, alert_type, patient.language)
        try:
            html = is_html(method, fmt.body)
            subject, body = render_message(method, fmt.subject, fmt.body, values, html=html)
        except TemplateError as exc:
            outcome.notes.append(
                f"{label} by {method.value} not queued: cannot fill in the format ({exc})"
            )
            continue
        message = NewMessage(
            method,
            alert_type,
            subject,
            body,
            entity=entity,
            entity_name=entity_name,
            prescription_id=None if prescription is None else prescription.id,
            dedupe_key=key_of(channel),
        )
        row = enqueue_once(
            session,
            patient,
            message,
            only_verified=settings_row.only_verified,
            scheduled_at=now,
            created_by=created_by,
            now=now,
        )
        if row is None:
            outcome.notes.append(f"{label} by {method.value} was queued already")
            continue
        assert row.id is not None
        outcome.queued.append(
            QueuedAlert(
                id=row.id,
                alert_type=alert_type,
                channel=channel,
                status=QueueStatus(row.status),
                warning=row.warning,
                entity=entity,
                entity_name=row.entity_name,
            )
        )
    return outcome
