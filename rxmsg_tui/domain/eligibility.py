"""Whether a message may go to a patient on a channel, and if not, the queue's warning.

Every path that creates a message (automatic alerts, group send, `rxmsg send`,
two-way replies) asks this one function, so a patient who texted STOP or never
consented is protected the same way everywhere. The checks run in the order a
pharmacist would explain them: the words, the patient's wishes, then the address.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rxmsg_tui.domain.contact import InvalidContact, normalise_email, normalise_phone
from rxmsg_tui.domain.vocabulary import AlertType, Channel, ConsentPurpose, Method, QueueWarning


@dataclass(frozen=True)
class Recipient:
    """What the rules need to know of a patient; consent as derived from the ledger."""

    cell_phone: str | None
    email: str | None
    cell_verified: bool = False
    email_verified: bool = False
    consented: frozenset[tuple[Channel, ConsentPurpose]] = field(default_factory=frozenset)
    sms_opted_out: bool = False
    """The latest SMS consent row is a STOP keyword: shown as `Opted Out`, not `No Consent`."""


@dataclass(frozen=True)
class Decision:
    recipient: str
    """The normalised address, or the raw one (possibly empty) when it cannot be used."""
    warning: QueueWarning | None

    @property
    def may_send(self) -> bool:
        return self.warning is None


def decide(
    method: Method,
    alert_type: AlertType,
    patient: Recipient,
    *,
    only_verified: bool,
    restricted: bool,
) -> Decision:
    """The address to use, or the warning that keeps the message `Undelivered`."""
    channel = method.channel
    raw = (patient.email if channel is Channel.EMAIL else patient.cell_phone) or ""
    if restricted:
        return Decision(raw, QueueWarning.WORD_RESTRICTED)
    if refused := consent_warning(method, alert_type, patient.consented, patient.sms_opted_out):
        return Decision(raw, refused)
    if not raw.strip():
        return Decision("", QueueWarning.MISSING_ADDRESS)
    try:
        address = normalise_email(raw) if channel is Channel.EMAIL else normalise_phone(raw)
    except InvalidContact:
        return Decision(raw, QueueWarning.INVALID_ADDRESS)
    verified = patient.email_verified if channel is Channel.EMAIL else patient.cell_verified
    if only_verified and not verified and alert_type is not AlertType.VERIFICATION:
        return Decision(address, QueueWarning.NOT_VERIFIED)
    return Decision(address, None)


def consent_warning(
    method: Method,
    alert_type: AlertType,
    consented: frozenset[tuple[Channel, ConsentPurpose]],
    sms_opted_out: bool,
) -> QueueWarning | None:
    """`Opted Out` or `No Consent` when the patient's wishes forbid this message, else None.

    Asked when a message is queued and again when it is sent, so a STOP or a
    withdrawn consent recorded while a message waited for its window still
    keeps it from going.
    """
    channel = method.channel
    if channel is Channel.SMS and sms_opted_out:
        return QueueWarning.OPTED_OUT
    purpose = ConsentPurpose.MARKETING if alert_type.is_marketing else ConsentPurpose.TRANSACTIONAL
    if alert_type is not AlertType.VERIFICATION and (channel, purpose) not in consented:
        return QueueWarning.NO_CONSENT
    return None
