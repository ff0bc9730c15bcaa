"""The opt-in wording shown on the signature pad: versioned per purpose and language.

A new text is a new version (`en-2`), so a signature in the consent ledger
keeps meaning what the patient read. A store that has none gets plain,
TCPA-minded defaults the first time one is needed. Changing the wording is a
setup change: technicians are refused, and each version is audited.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session
from sqlmodel import select as sm_select

from rxmsg_tui.domain.settings_keys import CHANNELS
from rxmsg_tui.domain.vocabulary import ConsentPurpose, Language
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import FieldError, NotFound, PermissionDenied
from rxmsg_tui.storage.bulk import dialect_insert, table
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import ConsentWording, OutboundSetup, Store

MAX_WORDING = 1000
"""Characters of a wording: what a pad's screen can show and a patient will read."""
FALLBACK_LANGUAGE = Language.ENGLISH.value
PURPOSES = (ConsentPurpose.TRANSACTIONAL.value, ConsentPurpose.MARKETING.value)


@dataclass(frozen=True)
class Wording:
    purpose: str
    language: str
    version: str
    """e.g. `en-2`: the language and the n-th text, as the consent ledger names it."""
    text: str
    channels: tuple[str, ...]
    created_at: datetime
    created_by: str


def current_wordings(db: Database, actor: Actor, *, now: datetime) -> list[Wording]:
    """The wording in force per purpose and language, the defaults seeded if the store has none."""
    with db.transaction() as session:
        seed_defaults(session, actor.store_id, now)
        return [
            found
            for purpose in PURPOSES
            for language in (lang.value for lang in Language)
            if (found := _latest(session, actor.store_id, purpose, language)) is not None
        ]


def save_wording(
    db: Database,
    actor: Actor,
    *,
    purpose: str,
    language: str,
    text: str,
    channels: Sequence[str],
    now: datetime,
) -> Wording:
    """A new version of one wording (the old ones stay, as signatures name them); audited."""
    if not actor.role.may_change_setup:
        raise PermissionDenied(
            f"{actor.username} is a technician; technicians cannot change the opt-in wording"
        )
    checked_text, checked_channels = _checked_wording(purpose, language, text, channels)
    with db.transaction() as session:
        seed_defaults(session, actor.store_id, now)
        before = _latest(session, actor.store_id, purpose, language)
        if (
            before is not None
            and before.text == checked_text
            and before.channels == checked_channels
        ):
            return before
        version = f"{language}-{_next_number(session, actor.store_id, purpose, language)}"
        row = ConsentWording(
            store_id=actor.store_id,
            purpose=purpose,
            language=language,
            version=version,
            text=checked_text,
            channels=list(checked_channels),
            created_at=now,
            created_by=actor.username,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            "consent_wording.save",
            at=now,
            target=f"{purpose} {language}",
            before=None if before is None else _audited(before),
            after=_audited(_wording(row)),
        )
        return _wording(row)


def wording_for(session: Session, store_id: int, purpose: str, language: str) -> Wording:
    found = _latest(session, store_id, purpose, language) or _latest(
        session, store_id, purpose, FALLBACK_LANGUAGE
    )
    if found is None:  # seeded just before; only a database edited by hand gets here
        raise NotFound(f"the store has no {purpose} opt-in wording")
    return found


def _latest(session: Session, store_id: int, purpose: str, language: str) -> Wording | None:
    rows = session.exec(
        sm_select(ConsentWording).where(
            ConsentWording.store_id == store_id,
            ConsentWording.purpose == purpose,
            ConsentWording.language == language,
        )
    ).all()
    if not rows:
        return None
    return _wording(max(rows, key=lambda row: (_number(row.version), row.id or 0)))


def _next_number(session: Session, store_id: int, purpose: str, language: str) -> int:
    versions = session.exec(
        sm_select(ConsentWording.version).where(
            ConsentWording.store_id == store_id,
            ConsentWording.purpose == purpose,
            ConsentWording.language == language,
        )
    ).all()
    return max((_number(v) for v in versions), default=0) + 1


def _number(version: str) -> int:
    tail = version.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def _wording(row: ConsentWording) -> Wording:
    return Wording(
        row.purpose,
        row.language,
        row.version,
        row.text,
        tuple(c for c in CHANNELS if c in row.channels),
        row.created_at,
        row.created_by,
    )


def _checked_wording(
    purpose: str, language: str, text: str, channels: Sequence[str]
) -> tuple[str, tuple[str, ...]]:
    if purpose not in PURPOSES:
        raise FieldError("purpose", f"purpose {purpose[:20]!r} is not one of {', '.join(PURPOSES)}")
    languages = [lang.value for lang in Language]
    if language not in languages:
        raise FieldError(
            "language", f"language {language[:10]!r} is not one of {', '.join(languages)}"
        )
    flat = " ".join(text.split())
    if not flat:
        raise FieldError("text", "the wording is empty; write what the patient agrees to")
    if len(flat) > MAX_WORDING:
        raise FieldError(
            "text", f"the wording has {len(flat)} characters; a pad shows at most {MAX_WORDING}"
        )
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        raise FieldError(
            "channels", f"unknown channel {unknown[0][:10]!r}; one of {', '.join(CHANNELS)}"
        )
    if not channels:
        raise FieldError("channels", "name at least one channel the wording covers")
    return flat, tuple(c for c in CHANNELS if c in channels)


def _audited(wording: Wording) -> dict[str, object]:
    return {"version": wording.version, "text": wording.text, "channels": list(wording.channels)}


def seed_defaults(session: Session, store_id: int, now: datetime) -> None:
    """Version 1 of each wording a store lacks; two terminals seeding at once write it once."""
    have = session.execute(
        select(func.count())
        .select_from(table(ConsentWording))
        .where(table(ConsentWording).c.store_id == store_id)
    ).scalar_one()
    if have >= len(PURPOSES) * len(Language):
        return
    store = session.get(Store, store_id)
    if store is None:
        raise NotFound(f"store {store_id} is missing; the database is incomplete")
    setup = session.exec(sm_select(OutboundSetup).where(OutboundSetup.store_id == store_id)).first()
    calls = setup is not None and setup.call_using != "none"
    rows = [
        {
            "store_id": store_id,
            "purpose": purpose,
            "language": language,
            "version": f"{language}-1",
            "text": text,
            "channels": channels,
            "created_at": now,
            "created_by": "",
        }
        for (purpose, language), (text, channels) in default_wordings(
            store.name, store.phone, calls=calls
        ).items()
    ]
    conn = session.connection()
    wording = table(ConsentWording)
    for row in rows:
        conn.execute(
            dialect_insert(conn, wording)
            .values(**row)
            .on_conflict_do_nothing(index_elements=["store_id", "purpose", "language", "version"])
        )


def default_wordings(
    store: str, phone: str, *, calls: bool
) -> dict[tuple[str, str], tuple[str, list[str]]]:
    """(purpose, language) → (text, channels): plain words a patient can read at the counter.

    They say who will contact the patient, about what, how to stop, that rates
    may apply and, for marketing, that agreeing is not a condition of purchase.
    """
    channels = ["email", "sms", "call"] if calls else ["email", "sms"]
    how_en = (
        "text messages, emails and automated phone calls" if calls else "text messages and emails"
    )
    how_es = (
        "mensajes de texto, correos electrónicos y llamadas automatizadas"
        if calls
        else "mensajes de texto y correos electrónicos"
    )
    return {
        ("transactional", "en"): (
            f"I agree that {store} may send me {how_en} at the number and address on file "
            "about my prescriptions: refill reminders, ready-for-pickup notices, pickup "
            "confirmations and account verification codes. Message frequency varies. "
            f"Msg & data rates may apply. Reply STOP to opt out, HELP for help, or call {phone}.",
            channels,
        ),
        ("transactional", "es"): (
            f"Acepto que {store} me envíe {how_es} al número y la dirección registrados "
            "sobre mis recetas: recordatorios de resurtido, avisos de recetas listas para "
            "recoger, confirmaciones de recogida y códigos de verificación. La frecuencia "
            "varía. Pueden aplicarse tarifas de mensajes y datos. Responda ALTO para dejar de "
            f"recibirlos, AYUDA para ayuda, o llame al {phone}.",
            channels,
        ),
        ("marketing", "en"): (
            f"Optional: I also agree that {store} may send me marketing text messages and "
            "emails, such as birthday greetings, offers and requests to review the pharmacy, "
            "using automated technology. Consent is not a condition of any purchase. "
            "Msg & data rates may apply. Reply STOP to opt out at any time.",
            ["email", "sms"],
        ),
        ("marketing", "es"): (
            f"Opcional: también acepto que {store} me envíe mensajes de texto y correos de "
            "mercadeo, como felicitaciones de cumpleaños, ofertas y solicitudes para opinar "
            "sobre la farmacia, con tecnología automatizada. Aceptar no es condición para "
            "ninguna compra. Pueden aplicarse tarifas de mensajes y datos. Responda ALTO para "
            "dejar de recibirlos en cualquier momento.",
            ["email", "sms"],
        ),
    }
