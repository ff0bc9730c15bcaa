"""Whether one selected patient is reached on one channel, and if not the one reason why.

The same rules as every other path (`domain.eligibility.decide`, DESIGN §4):
a group send is a General message, which the store's Alert Settings and the
patient's own General preference must both allow; consent is the
transactional kind (General service messages are transactional, §4).
Step 1's red flags, the dry run and the send all ask this module, so what
step 3 promises is what the queue gets.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from rxmsg_tui.domain.consent_ledger import ConsentEntry, ConsentState
from rxmsg_tui.domain.eligibility import Recipient, decide
from rxmsg_tui.domain.vocabulary import AlertType, Channel, ConsentPurpose, QueueWarning

NO_ADDRESS = {Channel.EMAIL: "No Email", Channel.SMS: "No Cell"}
_ADDRESS_WARNINGS = (QueueWarning.MISSING_ADDRESS, QueueWarning.INVALID_ADDRESS)
_SETTINGS_REASONS = frozenset({"Channel Off", "No Consent", "Opted Out"})
_ALL_CONSENT = ConsentState(
    tuple(
        ConsentEntry(c.value, p.value, True, "", datetime.min)
        for c in Channel
        for p in ConsentPurpose
    )
)


@dataclass(frozen=True)
class Target:
    """A selected patient as the rules need them."""

    pk: int
    patient_id: str
    first_name: str
    last_name: str
    cell_phone: str | None
    email: str | None
    cell_verified: bool
    email_verified: bool

    @property
    def name(self) -> str:
        return f"{self.last_name}, {self.first_name}"


@dataclass(frozen=True)
class Reach:
    """The address to use on a channel, or the reason the patient is left out there."""

    address: str
    reason: str | None


def reach(
    channel: Channel,
    target: Target,
    consent: ConsentState,
    preferred: Collection[str],
    *,
    store_channels: Collection[str],
    only_verified: bool,
    restricted: bool,
) -> Reach:
    """Word Restricted, then Channel Off, then the patient's consent, address and verification."""
    if restricted:
        return Reach("", QueueWarning.WORD_RESTRICTED.value)
    if channel.value not in store_channels or channel.value not in preferred:
        return Reach("", "Channel Off")
    decision = decide(
        channel.method,
        AlertType.GENERAL,
        _recipient(target, consent),
        only_verified=only_verified,
        restricted=False,
    )
    if decision.warning is None:
        return Reach(decision.recipient, None)
    if decision.warning in _ADDRESS_WARNINGS:
        return Reach("", NO_ADDRESS[channel])
    return Reach("", decision.warning.value)


def red_flags(
    email: Reach, sms: Reach, *, address_email: Reach, address_sms: Reach
) -> frozenset[str]:
    """Step 1's red fields: Settings when neither channel is allowed, and the unusable addresses."""
    red: set[str] = set()
    if email.reason in _SETTINGS_REASONS and sms.reason in _SETTINGS_REASONS:
        red.add("Settings")
    if address_email.reason is not None:
        red.add("Email")
    if address_sms.reason is not None:
        red.add("Cell")
    return frozenset(red)


def address_only(channel: Channel, target: Target, *, only_verified: bool) -> Reach:
    """The address alone (consent and channels aside): there, valid, and verified if needed."""
    decision = decide(
        channel.method,
        AlertType.GENERAL,
        _recipient(target, _ALL_CONSENT),
        only_verified=only_verified,
        restricted=False,
    )
    if decision.warning in _ADDRESS_WARNINGS:
        return Reach("", NO_ADDRESS[channel])
    return Reach(decision.recipient, decision.warning.value if decision.warning else None)


def _recipient(target: Target, consent: ConsentState) -> Recipient:
    return Recipient(
        cell_phone=target.cell_phone,
        email=target.email,
        cell_verified=target.cell_verified,
        email_verified=target.email_verified,
        consented=consent.granted,
        sms_opted_out=consent.sms_opted_out,
    )
