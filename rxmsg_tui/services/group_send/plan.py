"""The selected patients decided and filled in, a chunk at a time: the dry run and the send.

One pass over the selection in listing order, 2,000 patients at a time, read
with their consent and General preference in one query, the rules of `rules.py`,
and the texts filled in. A message that is plain text with #VARIABLES# (what
staff type) is filled in by joining its pieces, the way the daily process
builds it in SQL; one with `if` or a filter goes through Jinja2. Either way
the caps are checked per patient by `text_limits`, as `enqueue` does.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import escape
from sqlmodel import Session

from rxmsg_tui.domain.message_text import MessageTextError, render_message
from rxmsg_tui.domain.templates import Variable, flat_pieces
from rxmsg_tui.domain.text_limits import TextLimitError
from rxmsg_tui.domain.text_limits import check_message as check_caps
from rxmsg_tui.domain.vocabulary import Channel, Method, QueueWarning
from rxmsg_tui.services.errors import InvalidInput, NotFound
from rxmsg_tui.services.formats.message_formats import is_html
from rxmsg_tui.services.formats.restricted import store_words
from rxmsg_tui.services.group_send.message import problems
from rxmsg_tui.services.group_send.rules import Target, reach
from rxmsg_tui.services.group_send.selection import iter_targets, store_rules
from rxmsg_tui.services.group_send.types import GroupMessage, Selection
from rxmsg_tui.services.group_send.words import WordCheck
from rxmsg_tui.services.messages.template_values import store_values
from rxmsg_tui.storage.models import Store


@dataclass(frozen=True)
class Outcome:
    """One selected patient on one channel: the texts and address, or the reason left out."""

    target: Target
    channel: Channel
    address: str
    reason: str | None
    subject: str = ""
    body: str = ""


@dataclass
class Tally:
    queued: dict[str, int] = field(default_factory=dict)
    excluded: dict[str, dict[str, int]] = field(default_factory=dict)
    selected: int = 0

    def add(self, outcome: Outcome) -> None:
        channel = outcome.channel.value
        if outcome.reason is None:
            self.queued[channel] = self.queued.get(channel, 0) + 1
        else:
            reasons = self.excluded.setdefault(channel, {})
            reasons[outcome.reason] = reasons.get(outcome.reason, 0) + 1


def outcomes(
    session: Session, store_id: int, selection: Selection, message: GroupMessage, *, now: datetime
) -> Iterator[list[Outcome]]:
    """Per chunk of patients, one outcome per patient and chosen channel (email before SMS).

    A message step 2 would refuse is refused here too, in one line; a
    restricted word never gets this far, so `Word Restricted` only comes from
    a text that a patient's own values (a name) turn restricted: the filled-in
    texts are checked as `enqueue` checks them.
    """
    refused = problems(session, store_id, message)
    if refused:
        field_name, problem = next(iter(refused.items()))
        raise InvalidInput(f"{field_name.replace('_', ' ')}: {problem}")
    store = session.get(Store, store_id)
    if store is None:
        raise NotFound(f"no store with id {store_id}")
    rules = store_rules(session, store_id)
    words = WordCheck(store_words(session, store_id) if _has_variables(message) else [])
    constants = store_values(store, now.astimezone(ZoneInfo(store.timezone)).date())
    texts = [
        _Texts.of(c, message) for c in (Channel.EMAIL, Channel.SMS) if c.value in message.channels
    ]
    for chunk in iter_targets(session, store_id, selection, now=now):
        found: list[Outcome] = []
        for target in chunk:
            values = dict(constants) | _patient_values(target)
            for text in texts:
                got = reach(
                    text.channel,
                    target,
                    store_channels=rules.channels,
                    only_verified=rules.only_verified,
                    restricted=False,
                )
                if got.reason is not None:
                    found.append(Outcome(target, text.channel, "", got.reason))
                    continue
                subject, body = text.fill(values, target)
                if words.restricted(f"{subject}\n{body}"):
                    found.append(Outcome(target, text.channel, "", QueueWarning.WORD_RESTRICTED))
                    continue
                found.append(Outcome(target, text.channel, got.address, None, subject, body))
        yield found


@dataclass(frozen=True)
class _Texts:
    channel: Channel
    method: Method
    subject: str
    body: str
    html: bool
    flat: tuple[tuple[str | Variable, ...], tuple[str | Variable, ...]] | None

    @classmethod
    def of(cls, channel: Channel, message: GroupMessage) -> _Texts:
        method = channel.method
        subject = message.email_subject if channel is Channel.EMAIL else ""
        body = message.email_body if channel is Channel.EMAIL else message.sms_body
        pieces = flat_pieces(subject), flat_pieces(body)
        flat = (pieces[0], pieces[1]) if pieces[0] is not None and pieces[1] is not None else None
        return cls(channel, method, subject, body, is_html(method, body), flat)

    def fill(self, values: Mapping[str, str], target: Target) -> tuple[str, str]:
        """The subject and body for this patient, within the caps, or one line why not."""
        try:
            if self.flat is None:
                return render_message(self.method, self.subject, self.body, values, html=self.html)
            subject = _join(self.flat[0], values, html=False)
            body = _join(self.flat[1], values, html=self.html)
            check_caps(self.method, subject, body)
        except (MessageTextError, TextLimitError) as exc:
            raise InvalidInput(
                f"the {self.channel.value} message cannot be filled in for patient "
                f"{target.patient_id}: {exc}"
            ) from None
        return subject, body


def _join(pieces: tuple[str | Variable, ...], values: Mapping[str, str], *, html: bool) -> str:
    out: list[str] = []
    for piece in pieces:
        if isinstance(piece, str):
            out.append(piece)
        else:
            value = values.get(piece.name, "")
            out.append(str(escape(value)) if html else value)
    return "".join(out)


def _patient_values(target: Target) -> dict[str, str]:
    """As `template_values.patient_values`, from the few columns read for the send."""
    return {
        "patient_name": f"{target.first_name} {target.last_name}".strip(),
        "patient_first_name": target.first_name,
        "patient_last_name": target.last_name,
    }


def _has_variables(message: GroupMessage) -> bool:
    texts = (message.email_subject, message.email_body, message.sms_body)
    return any("#" in t or "{{" in t or "{%" in t for t in texts)
