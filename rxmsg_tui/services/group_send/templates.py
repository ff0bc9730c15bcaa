"""Step 2's "Select Previously Sent" lists and "Save this Email/Text Message".

A saved template is a General message format marked Group Message (the flag
that offers a format in step 2), so it is edited and deleted in Outbound
Messaging Format like any other and checked the same way when saved.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import col, select

from rxmsg_tui.domain.vocabulary import AlertType, Channel, Language
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import InvalidInput
from rxmsg_tui.services.formats.message_formats import FormatDraft, save_format
from rxmsg_tui.services.group_send.types import PreviousMessage
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import GroupSend, MessageFormat

RECENT = 10
_SCANNED = 100
"""Group sends read to find the 10 newest of one channel."""


def previously_sent(db: Database, store_id: int, channel: str) -> list[PreviousMessage]:
    """Saved templates first (newest first), then the 10 most recent group messages sent."""
    wanted = _channel(channel)
    with db.read() as session:
        saved = session.exec(
            select(MessageFormat)
            .where(
                MessageFormat.store_id == store_id,
                MessageFormat.method == wanted.method.value,
                MessageFormat.alert_type == AlertType.GENERAL.value,
                col(MessageFormat.group_message).is_(True),
            )
            .order_by(col(MessageFormat.updated_at).desc(), col(MessageFormat.id).desc())
        ).all()
        groups = session.exec(
            select(GroupSend)
            .where(GroupSend.store_id == store_id)
            .order_by(col(GroupSend.created_at).desc(), col(GroupSend.id).desc())
            .limit(_SCANNED)
        ).all()
    found = [PreviousMessage(f"Saved: {f.subject}", f.subject, f.body, True) for f in saved]
    seen: set[tuple[str, str]] = set()
    for group in groups:
        if wanted.value not in group.methods:
            continue
        subject, body = (
            (group.email_subject, group.email_body)
            if wanted is Channel.EMAIL
            else (group.sms_subject, group.sms_body)
        )
        if (subject, body) in seen:
            continue
        seen.add((subject, body))
        about = " ".join((subject or body).split())[:50]
        found.append(PreviousMessage(f"{group.created_at:%m/%d/%Y} {about}", subject, body, False))
        if len(seen) == RECENT:
            break
    return found


def save_template(
    db: Database, actor: Actor, channel: str, subject: str, body: str, *, now: datetime
) -> None:
    """Save as a Group Message format; an SMS template needs a subject to name it."""
    wanted = _channel(channel)
    if not subject.strip():
        raise InvalidInput(
            "an SMS template needs a subject to name it (it is not sent)"
            if wanted is Channel.SMS
            else "an email template needs a subject"
        )
    draft = FormatDraft(
        method=wanted.method,
        alert_type=AlertType.GENERAL,
        language=Language.ENGLISH,
        subject=subject,
        body=body,
        group_message=True,
    )
    save_format(db, actor, draft, format_id=None, now=now)


def _channel(channel: str) -> Channel:
    if channel not in (Channel.EMAIL.value, Channel.SMS.value):
        raise InvalidInput(f"a group message goes by email or sms, not {channel!r}")
    return Channel(channel)
