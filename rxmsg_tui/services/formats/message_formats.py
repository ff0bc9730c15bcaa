"""Outbound Messaging Format: list, filter, add, edit, delete and Load Default.

A format is refused at save when its template would fail or leak at send:
syntax, an unknown variable, one that does not apply to the alert type, a
filter that fails with the sample or the longest values, a text over its cap
(10 SMS segments, 100 KB of email, 200 characters of subject), a control
character, or a restricted word; the error names the field and the position.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from rxmsg_tui.domain.default_formats import DEFAULT_FORMATS, DefaultFormat, default_format
from rxmsg_tui.domain.message_text import MessageTextError, check_format
from rxmsg_tui.domain.restricted_words import find_restricted
from rxmsg_tui.domain.text_limits import SUBJECT_MAX_CHARS, TEMPLATE_MAX_CHARS
from rxmsg_tui.domain.vocabulary import AlertType, Language, Method
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import FieldError, NotFound, PermissionDenied
from rxmsg_tui.services.formats.restricted import store_words
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import MessageFormat

_HTML_TAG = re.compile(r"<[a-zA-Z][^>]*>")


@dataclass(frozen=True)
class FormatDraft:
    """What the Add New Format form holds."""

    method: Method
    alert_type: AlertType
    language: Language
    subject: str
    body: str
    group_message: bool = False


@dataclass(frozen=True)
class FormatRow(FormatDraft):
    id: int = 0
    updated_at: datetime | None = None
    is_default: bool = False
    """A built-in default ("Load Default") in use because the store saved none for it."""


def is_html(method: Method, body: str) -> bool:
    """Email bodies with tags are sent as HTML (review buttons); everything else is text."""
    return method is Method.EMAIL and bool(_HTML_TAG.search(body))


def list_formats(
    db: Database,
    store_id: int,
    *,
    method: Method | None = None,
    alert_type: AlertType | None = None,
    subject: str = "",
) -> list[FormatRow]:
    """The formats, filtered as on the legacy screen by Method Type, Alert Type and Subject."""
    query = select(MessageFormat).where(MessageFormat.store_id == store_id)
    if method is not None:
        query = query.where(MessageFormat.method == method.value)
    if alert_type is not None:
        query = query.where(MessageFormat.alert_type == alert_type.value)
    if subject.strip():
        query = query.where(col(MessageFormat.subject).ilike(f"%{subject.strip()}%"))
    query = query.order_by(
        col(MessageFormat.alert_type), col(MessageFormat.method), col(MessageFormat.language)
    )
    with db.read() as session:
        return [_row(f) for f in session.exec(query)]


def list_formats_in_use(
    db: Database,
    store_id: int,
    *,
    method: Method | None = None,
    alert_type: AlertType | None = None,
    subject: str = "",
) -> list[FormatRow]:
    """The store's formats and, beside them, each built-in default still in use, same filters.

    A default is in use for an alert type, method and language while the store
    has saved no (non-group) format for it, nor, for Spanish, an English one:
    the rule `format_for` follows at send. So a new store's list shows what
    patients would get, not "No formats yet". The store's own come first.
    """
    saved = list_formats(db, store_id, method=method, alert_type=alert_type, subject=subject)
    own = {(r.alert_type, r.method, r.language) for r in saved if not r.group_message}
    wanted = subject.strip().casefold()
    defaults: list[FormatRow] = []
    for language in DEFAULT_FORMATS:
        for kind_alert, kind_method in DEFAULT_FORMATS[Language.ENGLISH]:
            if method not in (None, kind_method) or alert_type not in (None, kind_alert):
                continue
            if {
                (kind_alert, kind_method, language),
                (kind_alert, kind_method, Language.ENGLISH),
            } & own:
                continue
            text = default_format(kind_alert, kind_method, language.value)
            if wanted in text.subject.casefold():
                defaults.append(
                    FormatRow(
                        kind_method, kind_alert, language, text.subject, text.body, is_default=True
                    )
                )
    defaults.sort(key=lambda r: (r.alert_type.value, r.method.value, r.language.value))
    return saved + defaults  # the store's own first, each part by alert type, method, language


def over_limit(field: str, text: str) -> str | None:
    """What Save will say of a subject or message longer than its cap, or None.

    Shown at the field while staff type or paste, so a long text is never cut
    silently: it stays whole on screen, said to be too long, until shortened.
    """
    limit = SUBJECT_MAX_CHARS if field == "subject" else TEMPLATE_MAX_CHARS
    if len(text) <= limit:
        return None
    name = "the subject" if field == "subject" else "the message"
    return f"{name} is {len(text):,} characters; at most {limit:,}: shorten it to save"


def load_default(draft: FormatDraft) -> DefaultFormat:
    return default_format(draft.alert_type, draft.method, draft.language.value)


def validate(session: Session, store_id: int, draft: FormatDraft) -> None:
    """Raise `FieldError` on the first problem, naming the field and where in it."""
    if not draft.subject.strip():
        raise FieldError("subject", "enter a subject (it names the format, even for SMS)")
    warning = over_limit("subject", draft.subject)
    if warning is not None:
        raise FieldError("subject", warning)
    if not draft.body.strip():
        raise FieldError("body", "the message is empty")
    html = is_html(draft.method, draft.body)
    try:
        check_format(draft.method, draft.alert_type, draft.subject, draft.body, html=html)
    except MessageTextError as exc:
        raise FieldError(exc.field, str(exc)) from None
    words = store_words(session, store_id)
    for field, text in (("subject", draft.subject), ("body", draft.body)):
        found = find_restricted(text, words)
        if found:
            line = text.count("\n", 0, found[0].start) + 1
            column = found[0].start - (text.rfind("\n", 0, found[0].start) + 1) + 1
            raise FieldError(
                field, f"line {line}, column {column}: restricted word {found[0].word!r}"
            )


def save_format(
    db: Database, actor: Actor, draft: FormatDraft, *, format_id: int | None, now: datetime
) -> FormatRow:
    if not actor.role.may_change_setup:
        raise PermissionDenied("technicians cannot change message formats")
    with db.transaction() as session:
        validate(session, actor.store_id, draft)
        if format_id is None:
            row = MessageFormat(
                store_id=actor.store_id,
                method=draft.method.value,
                alert_type=draft.alert_type.value,
                body="",
                updated_at=now,
            )
            before = None
        else:
            found = session.get(MessageFormat, format_id)
            if found is None or found.store_id != actor.store_id:
                raise NotFound(f"format {format_id} does not exist")
            row, before = found, _audit_view(_row(found))
        row.method, row.alert_type = draft.method.value, draft.alert_type.value
        row.language, row.group_message = draft.language.value, draft.group_message
        row.subject, row.body, row.updated_at = draft.subject, draft.body, now
        session.add(row)
        session.flush()
        saved = _row(row)
        audit.record(
            session,
            actor,
            "format.save",
            at=now,
            target=f"format {saved.id}",
            before=before,
            after=_audit_view(saved),
        )
    return saved


def delete_format(db: Database, actor: Actor, format_id: int, *, now: datetime) -> None:
    if not actor.role.may_change_setup:
        raise PermissionDenied("technicians cannot change message formats")
    with db.transaction() as session:
        found = session.get(MessageFormat, format_id)
        if found is None or found.store_id != actor.store_id:
            raise NotFound(f"format {format_id} does not exist")
        before = _audit_view(_row(found))
        session.delete(found)
        audit.record(
            session, actor, "format.delete", at=now, target=f"format {format_id}", before=before
        )


def format_for(
    session: Session, store_id: int, method: Method, alert_type: AlertType, language: str
) -> DefaultFormat:
    """The store's format in the patient's language, else English, else the default."""
    for lang in dict.fromkeys((language, Language.ENGLISH.value)):
        found = session.exec(
            select(MessageFormat)
            .where(
                MessageFormat.store_id == store_id,
                MessageFormat.method == method.value,
                MessageFormat.alert_type == alert_type.value,
                MessageFormat.language == lang,
                col(MessageFormat.group_message).is_(False),
            )
            .order_by(col(MessageFormat.updated_at).desc())
        ).first()
        if found is not None:
            return DefaultFormat(found.subject, found.body)
    return default_format(alert_type, method, language)


def _row(f: MessageFormat) -> FormatRow:
    assert f.id is not None
    return FormatRow(
        method=Method(f.method),
        alert_type=AlertType(f.alert_type),
        language=Language(f.language),
        subject=f.subject,
        body=f.body,
        group_message=f.group_message,
        id=f.id,
        updated_at=f.updated_at,
    )


def _audit_view(row: FormatRow) -> dict[str, object]:
    view = asdict(row)
    view.pop("updated_at", None)
    return {k: (v.value if hasattr(v, "value") else v) for k, v in view.items()}
