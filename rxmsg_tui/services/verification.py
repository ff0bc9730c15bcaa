"""Verifying a patient's cell or email: send a one-time code, check the code read back.

A code is 6 digits from `secrets`, valid 10 minutes from when it may go out
(at once, or 08:00 at the patient for a text asked for in the quiet hours),
locked after 5 wrong tries; a new one may be sent once a minute per patient and channel. Only a
salted scrypt hash of the code is kept. A 6-digit code has a million values,
so a plain or keyed hash kept in the same database would fall to a copy of
that database in a blink; scrypt with a per-code salt makes every guess cost
tens of milliseconds, hours of work for one code that is dead after 10
minutes. The code itself is only in the queued message's body (it must be,
to be sent), never in `verification_code`, the audit log or the logs.

A code verifies the address it was sent to: once the cell or email on file
changes, the old code no longer verifies anything.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from rxmsg_tui.domain.contact import InvalidContact, normalise_email, normalise_phone
from rxmsg_tui.domain.message_text import MessageTextError, render_message
from rxmsg_tui.domain.send_windows import StoreWindows, next_allowed
from rxmsg_tui.domain.vocabulary import AlertType, Channel, QueueStatus
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import FieldError, InvalidInput, NotFound
from rxmsg_tui.services.formats.message_formats import format_for, is_html
from rxmsg_tui.services.messages.enqueue import NewMessage, enqueue
from rxmsg_tui.services.messages.template_values import patient_values
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import (
    AlertSettings,
    OutboundMessage,
    Patient,
    Store,
    VerificationCode,
)
from rxmsg_tui.storage.queries import alert_settings_of

CODE_DIGITS = 6
VALID_FOR = timedelta(minutes=10)
MAX_TRIES = 5
RESEND_AFTER = timedelta(minutes=1)
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_WHAT = {Channel.SMS: "cell", Channel.EMAIL: "email"}


@dataclass(frozen=True)
class CodeSent:
    """Where a code was queued: shown to staff (never the code)."""

    message_id: int
    address: str
    status: QueueStatus
    expires_at: datetime
    goes_at: datetime
    """Now, or 08:00 in the patient's zone when a text would land in the quiet hours."""


@dataclass(frozen=True)
class AddressState:
    """What the verification dialog shows for one address."""

    address: str
    verified: bool
    code_expires_at: datetime | None
    """When the code waiting to be read back expires; None when none is waiting."""
    next_send_at: datetime | None
    """When a new code may be sent, if not yet."""


def hash_code(code: str, *, salt: bytes | None = None) -> str:
    """`scrypt$<salt hex>$<hash hex>` of the code, with a fresh salt unless one is given."""
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = hashlib.scrypt(code.encode(), salt=salt, **_SCRYPT)
    return f"scrypt${salt.hex()}${digest.hex()}"


def code_matches(code: str, stored: str) -> bool:
    try:
        kind, salt, _ = stored.split("$")
        raw_salt = bytes.fromhex(salt)
    except ValueError:
        return False
    return kind == "scrypt" and hmac.compare_digest(hash_code(code, salt=raw_salt), stored)


def send_code(
    db: Database, actor: Actor, patient_id: str, channel: Channel, *, now: datetime
) -> CodeSent:
    """Queue a new code to the patient's cell (SMS) or email, at most once a minute."""
    what = _what(channel)
    with db.transaction() as session:
        store = _store(session, actor)
        patient = _patient(session, actor, store, patient_id, lock=True)
        address = _address(patient, channel)
        last = _latest(session, patient, channel)
        if last is not None and _aware(last.created_at) + RESEND_AFTER > now:
            at = _ceil_minute(_aware(last.created_at) + RESEND_AFTER)
            raise InvalidInput(
                f"a code was sent to this {what} less than a minute ago; "
                f"a new code can be sent at {_hhmm(at, store)}"
            )
        code = "".join(secrets.choice("0123456789") for _ in range(CODE_DIGITS))
        settings = alert_settings_of(session, actor.store_id)
        windows = StoreWindows.from_settings(
            store.timezone, settings.email_sms_window, settings.call_window, settings.days
        )
        goes = next_allowed(channel.method, AlertType.VERIFICATION, now, windows, address) or now
        expires = goes + VALID_FOR
        row = _queue(session, store, settings, patient, channel, code, now=now, by=actor.username)
        session.add(
            VerificationCode(
                store_id=store.id or 0,
                patient_id=patient.id or 0,
                channel=channel.value,
                address=address,
                code_hash=hash_code(code),
                created_at=now,
                expires_at=expires,
            )
        )
        audit.record(
            session,
            actor,
            "verification.send",
            at=now,
            target=f"patient {patient.patient_id}",
            after={"channel": channel.value, "address": address, "message": row.id,
                   "expires_at": expires},
        )  # fmt: skip
        assert row.id is not None
        return CodeSent(row.id, address, QueueStatus(row.status), expires, goes)


def check_code(
    db: Database, actor: Actor, patient_id: str, channel: Channel, code: str, *, now: datetime
) -> None:
    """Mark the address verified when `code` is right; else a `FieldError` at "code" saying why.

    A wrong try is counted (and committed) before the refusal is raised.
    """
    typed = "".join(code.split())
    if len(typed) != CODE_DIGITS or not typed.isdigit():
        raise FieldError("code", f"the code is {CODE_DIGITS} digits")
    refusal = ""
    with db.transaction() as session:
        store = _store(session, actor)
        patient = _patient(session, actor, store, patient_id, lock=True)
        refusal = _try(session, actor, store, patient, channel, typed, now=now)
    if refusal:
        raise FieldError("code", refusal)


def address_state(
    db: Database, actor: Actor, patient_id: str, channel: Channel, *, now: datetime
) -> AddressState:
    """The address on file, whether it is verified, and the code waiting, if any."""
    with db.read() as session:
        store = _store(session, actor)
        patient = _patient(session, actor, store, patient_id, lock=False)
        raw = (patient.cell_phone if channel is Channel.SMS else patient.email) or ""
        verified = patient.cell_verified if channel is Channel.SMS else patient.email_verified
        last = _latest(session, patient, channel)
    waiting = None
    next_send = None
    if last is not None:
        if (
            last.verified_at is None
            and last.tries < MAX_TRIES
            and _aware(last.expires_at) > now
            and last.address == _normalised(raw, channel)
        ):
            waiting = _aware(last.expires_at)
        if _aware(last.created_at) + RESEND_AFTER > now:
            next_send = _aware(last.created_at) + RESEND_AFTER
    return AddressState(raw.strip(), verified and bool(raw.strip()), waiting, next_send)


def _try(
    session: Session,
    actor: Actor,
    store: Store,
    patient: Patient,
    channel: Channel,
    typed: str,
    *,
    now: datetime,
) -> str:
    """Check one try; returns the refusal ("" when verified). Changes are kept either way."""
    what = _what(channel)
    last = _latest(session, patient, channel)
    if last is None or last.verified_at is not None:
        return f"no code is waiting for this {what}; send a code first"
    if last.tries >= MAX_TRIES:
        return "too many wrong tries; send a new code"
    if _aware(last.expires_at) <= now:
        return f"the code expired at {_hhmm(_aware(last.expires_at), store)}; send a new one"
    current = (patient.cell_phone if channel is Channel.SMS else patient.email) or ""
    if last.address != _normalised(current, channel):
        return f"the {what} changed since the code was sent; send a new code"
    if not code_matches(typed, last.code_hash):
        last.tries += 1
        session.add(last)
        left = MAX_TRIES - last.tries
        if left <= 0:
            return "wrong code; too many wrong tries, so the code is locked: send a new code"
        return f"wrong code ({left} {'try' if left == 1 else 'tries'} left)"
    last.verified_at = now
    last.verified_by = actor.username
    session.add(last)
    flag = "cell_verified" if channel is Channel.SMS else "email_verified"
    before = getattr(patient, flag)
    setattr(patient, flag, True)
    patient.updated_at = now
    session.add(patient)
    audit.record(
        session,
        actor,
        "verification.verified",
        at=now,
        target=f"patient {patient.patient_id}",
        before={flag: before},
        after={flag: True, "address": last.address},
    )
    return ""


def _queue(
    session: Session,
    store: Store,
    settings: AlertSettings,
    patient: Patient,
    channel: Channel,
    code: str,
    *,
    now: datetime,
    by: str,
) -> OutboundMessage:
    """The Verification message with the code, queued High to go at once (TCPA aside)."""
    method = channel.method
    fmt = format_for(session, store.id or 0, method, AlertType.VERIFICATION, patient.language)
    today = now.astimezone(ZoneInfo(store.timezone)).date()
    values = patient_values(store, patient, today, verification_code=code)
    try:
        subject, body = render_message(
            method, fmt.subject, fmt.body, values, html=is_html(method, fmt.body)
        )
    except MessageTextError as exc:
        raise InvalidInput(
            f"the store's Verification format cannot be filled in ({exc.field}: {exc}); "
            "fix it in Message Format"
        ) from None
    row = enqueue(
        session,
        patient,
        NewMessage(method, AlertType.VERIFICATION, subject, body),
        only_verified=settings.only_verified,
        scheduled_at=now,
        created_by=by,
        now=now,
    )
    if row.status != QueueStatus.PENDING.value:
        raise InvalidInput(f"no code sent: the message could not be queued ({row.warning})")
    return row


def _store(session: Session, actor: Actor) -> Store:
    store = session.get(Store, actor.store_id)
    if store is None:
        raise NotFound(f"no store {actor.store_code!r}")
    return store


def _patient(
    session: Session, actor: Actor, store: Store, patient_id: str, *, lock: bool
) -> Patient:
    query = select(Patient).where(Patient.store_id == store.id, Patient.patient_id == patient_id)
    if lock:
        query = query.with_for_update()
    patient = session.exec(query).first()
    if patient is None:
        raise NotFound(f"no patient with ID {patient_id!r} at store {actor.store_code}")
    return patient


def _address(patient: Patient, channel: Channel) -> str:
    """The normalised address to send to, or why there is none."""
    what = _what(channel)
    raw = (patient.cell_phone if channel is Channel.SMS else patient.email) or ""
    if not raw.strip():
        raise InvalidInput(f"no {what} on file for patient {patient.patient_id}")
    try:
        return normalise_phone(raw) if channel is Channel.SMS else normalise_email(raw)
    except InvalidContact as exc:
        raise InvalidInput(
            f"the {what} on file for patient {patient.patient_id} cannot be used: {exc}"
        ) from None


def _normalised(raw: str, channel: Channel) -> str:
    try:
        return normalise_phone(raw) if channel is Channel.SMS else normalise_email(raw)
    except InvalidContact:
        return ""


def _latest(session: Session, patient: Patient, channel: Channel) -> VerificationCode | None:
    return session.exec(
        select(VerificationCode)
        .where(
            VerificationCode.patient_id == patient.id,
            VerificationCode.channel == channel.value,
        )
        .order_by(col(VerificationCode.created_at).desc(), col(VerificationCode.id).desc())
    ).first()


def _what(channel: Channel) -> str:
    if channel not in _WHAT:
        raise InvalidInput("only a cell phone or an email can be verified")
    return _WHAT[channel]


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _ceil_minute(at: datetime) -> datetime:
    """The minute at or after `at` (a fraction of a second past the minute does not count)."""
    start = at.replace(second=0, microsecond=0)
    return start + timedelta(minutes=1) if at.second else start


def _hhmm(at: datetime, store: Store) -> str:
    return at.astimezone(ZoneInfo(store.timezone)).strftime("%H:%M")
