"""Each inbound text stored once, matched to every patient whose cell is the sender's number.

The provider's id is unique in `conversation_message`, so a text read twice
(the overlap each poll re-reads, a page served again, a re-read after a crash)
is recognised and counted as a duplicate, never stored twice, on SQLite and
PostgreSQL alike, even when two pollers race.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from rxmsg_tui.domain.contact import InvalidContact, normalise_phone
from rxmsg_tui.domain.inbound_keywords import Reading, read_reply
from rxmsg_tui.providers.base import InboundSms
from rxmsg_tui.storage.models import ConversationMessage, Patient

IN = "in"
OUT = "out"
_CHUNK = 500
"""Ids and numbers per IN (…) query: well under every database's parameter limit."""


@dataclass(frozen=True)
class Arrival:
    """A newly stored inbound line, who sent it, and how its words were read."""

    line: ConversationMessage
    patients: tuple[Patient, ...]
    """Every patient of the store with this cell, oldest record first (a household)."""
    reading: Reading

    @property
    def line_id(self) -> int:
        assert self.line.id is not None
        return self.line.id


@dataclass(frozen=True)
class Stored:
    arrivals: list[Arrival]
    duplicates: int


def store_arrivals(
    session: Session, store_id: int, messages: Sequence[InboundSms], *, provider: str
) -> Stored:
    """Insert the messages not stored yet, in the order given (oldest first)."""
    unique: dict[str, InboundSms] = {}
    for sms in messages:
        unique.setdefault(sms.provider_message_id or _made_up_id(provider, sms), sms)
    duplicates = len(messages) - len(unique)
    known = _known_ids(session, list(unique))
    duplicates += len(known)
    fresh = {key: sms for key, sms in unique.items() if key not in known}
    phones = {key: sender_phone(sms.from_number) for key, sms in fresh.items()}
    households = _patients_by_cell(session, store_id, set(phones.values()))
    built: list[tuple[ConversationMessage, tuple[Patient, ...], Reading]] = []
    for key, sms in fresh.items():
        phone = phones[key]
        reading = read_reply(sms.body)
        line = ConversationMessage(
            store_id=store_id,
            patient_id=_only(households.get(phone, ())),
            direction=IN,
            phone=phone,
            body=sms.body,
            provider_message_id=key,
            at=sms.received_at,
            provider=provider,
            keyword=reading.kind.value,
            needs_staff=reading.needs_staff,
        )
        built.append((line, households.get(phone, ()), reading))
    try:
        with session.begin_nested():  # all at once: the usual case, no one else polling
            session.add_all([line for line, _, _ in built])
    except IntegrityError:  # another poller stored some a moment ago: one by one
        kept = []
        for line, patients, reading in built:
            try:
                with session.begin_nested():
                    session.add(line)
            except IntegrityError:
                duplicates += 1
                continue
            kept.append((line, patients, reading))
        built = kept
    return Stored([Arrival(*made) for made in built], duplicates)


def sender_phone(text: str) -> str:
    """The sender in E.164 when it is a phone number; a short code or name is kept as given."""
    try:
        return normalise_phone(text)
    except InvalidContact:
        return text.strip()[:32]


def _made_up_id(provider: str, sms: InboundSms) -> str:
    """A stable id for a message its source gave none: the same text read again matches."""
    digest = hashlib.sha256(
        f"{sms.from_number}\0{sms.received_at.isoformat()}\0{sms.body}".encode()
    ).hexdigest()[:32]
    return f"{provider}:{digest}"


def _known_ids(session: Session, ids: list[str]) -> set[str]:
    known: set[str] = set()
    for chunk in _chunks(ids):
        query = select(ConversationMessage.provider_message_id).where(
            col(ConversationMessage.provider_message_id).in_(chunk)
        )
        known.update(found for found in session.exec(query) if found is not None)
    return known


def _patients_by_cell(
    session: Session, store_id: int, phones: set[str]
) -> dict[str, tuple[Patient, ...]]:
    found: dict[str, list[Patient]] = {}
    for chunk in _chunks(sorted(phones)):
        query = (
            select(Patient)
            .where(Patient.store_id == store_id, col(Patient.cell_phone).in_(chunk))
            .order_by(col(Patient.id))
        )
        for patient in session.exec(query):
            assert patient.cell_phone is not None
            found.setdefault(patient.cell_phone, []).append(patient)
    return {phone: tuple(patients) for phone, patients in found.items()}


def _only(patients: Iterable[Patient]) -> int | None:
    """The patient's id when exactly one matched; a household's line belongs to all of them."""
    matched = list(patients)
    return matched[0].id if len(matched) == 1 else None


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
