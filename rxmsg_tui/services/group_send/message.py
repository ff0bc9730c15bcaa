"""Step 2's checks: what is wrong with the typed message, said at the field, before any queueing.

The same checks a format gets when saved (`message_text.check_format`: syntax,
variables, caps with the longest values, control characters) plus the
store's restricted words and an empty text for a chosen method.
"""

from __future__ import annotations

from sqlmodel import Session

from rxmsg_tui.domain.message_text import MessageTextError, check_format
from rxmsg_tui.domain.restricted_words import find_restricted
from rxmsg_tui.domain.vocabulary import AlertType, Method
from rxmsg_tui.services.formats.message_formats import is_html
from rxmsg_tui.services.formats.restricted import store_words
from rxmsg_tui.services.group_send.types import GroupMessage
from rxmsg_tui.storage.database import Database

SUBJECT_MAX = 200


def check_message(db: Database, store_id: int, message: GroupMessage) -> dict[str, str]:
    """Field name → one line saying what is wrong; empty when the message may be queued."""
    with db.read() as session:
        return problems(session, store_id, message)


def problems(session: Session, store_id: int, message: GroupMessage) -> dict[str, str]:
    found: dict[str, str] = {}
    if not (message.email or message.sms):
        found["methods"] = "choose Email, SMS or both"
    words = store_words(session, store_id)
    if message.email:
        found |= _check_one(Method.EMAIL, message.email_subject, message.email_body, words)
    if message.sms:
        found |= _check_one(Method.SMS, "", message.sms_body, words)
        if len(message.sms_subject) > SUBJECT_MAX:
            found["sms_subject"] = f"a subject holds at most {SUBJECT_MAX} characters"
        elif hit := find_restricted(message.sms_subject, words):
            found["sms_subject"] = _restricted(hit[0].word)
    return found


def _check_one(method: Method, subject: str, body: str, words: list[str]) -> dict[str, str]:
    prefix = "email" if method is Method.EMAIL else "sms"
    found: dict[str, str] = {}
    if method is Method.EMAIL and not subject.strip():
        found[f"{prefix}_subject"] = "an email needs a subject"
    if not body.strip():
        found[f"{prefix}_body"] = "the message is empty"
    for field, text in (("subject", subject), ("body", body)):
        if hit := find_restricted(text, words):
            found.setdefault(f"{prefix}_{field}", _restricted(hit[0].word))
    if found:
        return found
    try:
        check_format(method, AlertType.GENERAL, subject, body, html=is_html(method, body))
    except MessageTextError as exc:
        found[f"{prefix}_{exc.field}"] = str(exc)
    return found


def _restricted(word: str) -> str:
    return f"{word!r} is a restricted word; such a message is never sent"
