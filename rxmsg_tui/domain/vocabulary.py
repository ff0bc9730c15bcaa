"""The words of the legacy screens, exactly as staff read them (DESIGN.md §3).

Enum values are the display names and are stored as such in the database, so a
row read with plain SQL says what the screen says.
"""

from __future__ import annotations

from enum import IntEnum, StrEnum


class Method(StrEnum):
    EMAIL = "Email"
    SMS = "SMS"
    CALL = "Outbound Call"

    @property
    def channel(self) -> Channel:
        return _METHOD_CHANNEL[self]


class Channel(StrEnum):
    """The short names used in settings keys and channel lists."""

    EMAIL = "email"
    SMS = "sms"
    CALL = "call"

    @property
    def method(self) -> Method:
        return _CHANNEL_METHOD[self]


_METHOD_CHANNEL = {Method.EMAIL: Channel.EMAIL, Method.SMS: Channel.SMS, Method.CALL: Channel.CALL}
_CHANNEL_METHOD = {c: m for m, c in _METHOD_CHANNEL.items()}


class AlertType(StrEnum):
    GENERAL = "General"
    REFILL_REMINDER = "Refill Reminder"
    READY_FOR_PICKUP = "RX Ready for Pickup"
    PICKUP_CONFIRMATION = "RX Pickup Confirmation"
    BIRTHDAY = "Birthday Greeting"
    WELCOME = "Welcome Greeting"
    VERIFICATION = "Verification"
    CUSTOMER_REVIEW = "Customer Review"

    @property
    def is_marketing(self) -> bool:
        """Birthday and review requests need marketing consent (TCPA written consent)."""
        return self in (AlertType.BIRTHDAY, AlertType.CUSTOMER_REVIEW)

    @property
    def priority(self) -> Priority:
        return _ALERT_PRIORITY[self]

    @property
    def short(self) -> str:
        """The short name staff type and settings store (`alerts.<short>.channels`,
        patient prefs, `rxmsg patient --channels`, held daily messages); a
        Verification has none because it is never chosen or held."""
        return _ALERT_SHORT[self]

    @classmethod
    def from_short(cls, short: str) -> AlertType:
        """The alert a short name stands for; KeyError for a name no alert has."""
        return _SHORT_ALERT[short]


class Priority(IntEnum):
    """Lower sorts first: the dispatcher claims High before Normal before Low."""

    HIGH = 1
    NORMAL = 2
    LOW = 3

    @property
    def label(self) -> str:
        return self.name.title()


_ALERT_PRIORITY = {
    AlertType.VERIFICATION: Priority.HIGH,
    AlertType.READY_FOR_PICKUP: Priority.NORMAL,
    AlertType.PICKUP_CONFIRMATION: Priority.NORMAL,
    AlertType.REFILL_REMINDER: Priority.NORMAL,
    AlertType.BIRTHDAY: Priority.LOW,
    AlertType.WELCOME: Priority.LOW,
    AlertType.GENERAL: Priority.LOW,
    AlertType.CUSTOMER_REVIEW: Priority.LOW,
}

_ALERT_SHORT = {
    AlertType.REFILL_REMINDER: "refill",
    AlertType.READY_FOR_PICKUP: "pickup",
    AlertType.PICKUP_CONFIRMATION: "pickup_confirmation",
    AlertType.BIRTHDAY: "birthday",
    AlertType.WELCOME: "welcome",
    AlertType.GENERAL: "general",
    AlertType.CUSTOMER_REVIEW: "review",
}
_SHORT_ALERT = {short: alert for alert, short in _ALERT_SHORT.items()}
SHORT_NAMED_ALERTS: tuple[AlertType, ...] = tuple(_ALERT_SHORT)
"""The alerts with a short name, in the order the settings screens list them."""


class QueueStatus(StrEnum):
    PENDING = "Pending"
    SENDING = "Sending"
    SENT = "Sent"
    DELIVERED = "Delivered"
    FAILED = "Failed"
    UNDELIVERED = "Undelivered"
    DELETED = "Deleted"
    UNCONFIRMED = "Unconfirmed"
    """Its sender died after handing it to a provider that cannot be asked; staff decide."""

    @property
    def label(self) -> str:
        """What the queue shows: an unconfirmed send reads "Sent?"."""
        return "Sent?" if self is QueueStatus.UNCONFIRMED else self.value


class QueueWarning(StrEnum):
    WORD_RESTRICTED = "Word Restricted"
    OPTED_OUT = "Opted Out"
    NO_CONSENT = "No Consent"
    NOT_VERIFIED = "Not Verified"
    MISSING_ADDRESS = "Missing Address"
    INVALID_ADDRESS = "Invalid Address"


class Entity(StrEnum):
    PATIENT = "Patient"
    PRESCRIPTION = "Prescription"


class Role(StrEnum):
    TECHNICIAN = "technician"
    PHARMACIST = "pharmacist"
    ADMIN = "admin"

    @property
    def may_change_setup(self) -> bool:
        """Technicians run the queue; only pharmacists and admins change setup."""
        return self is not Role.TECHNICIAN


class ConsentPurpose(StrEnum):
    TRANSACTIONAL = "transactional"
    MARKETING = "marketing"


class ConsentSource(StrEnum):
    SIGPAD = "sigpad"
    VERBAL = "verbal"
    IN_PERSON = "in-person"
    IMPORT = "import"
    SMS_KEYWORD = "sms-keyword"


STAFF_SOURCES = (ConsentSource.IN_PERSON, ConsentSource.VERBAL)
"""How staff record consent: asked at the counter, or on the phone."""


class Language(StrEnum):
    ENGLISH = "en"
    SPANISH = "es"


class RxEventKind(StrEnum):
    LABEL_PRINTED = "label-printed"
    INSURANCE_APPROVED = "insurance-approved"
    VERIFIED = "verified"
    PICKED_UP = "picked-up"
