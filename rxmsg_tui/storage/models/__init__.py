"""Every table of rxmsg (DESIGN.md §2); import from here so metadata is complete."""

from rxmsg_tui.storage.models.admin import AppUser, AuditLog, SchedulerLease, UnlockCodeUse
from rxmsg_tui.storage.models.daily import DailyHold, DailyRun
from rxmsg_tui.storage.models.messaging import (
    ConsentWording,
    ConversationMessage,
    GroupSend,
    InboundCursor,
    MessageAttempt,
    MessageFormat,
    OutboundMessage,
    QuickResponse,
    RestrictedWord,
    VerificationCode,
)
from rxmsg_tui.storage.models.patient import (
    Consent,
    ConsentCurrent,
    Patient,
    PatientMessagePrefs,
)
from rxmsg_tui.storage.models.pharmacy import Drug, Prescription, RxEvent
from rxmsg_tui.storage.models.store import AlertSettings, OutboundSetup, ReviewSite, Store

__all__ = [
    "AlertSettings",
    "AppUser",
    "AuditLog",
    "Consent",
    "ConsentCurrent",
    "ConsentWording",
    "ConversationMessage",
    "DailyHold",
    "DailyRun",
    "Drug",
    "GroupSend",
    "InboundCursor",
    "MessageAttempt",
    "MessageFormat",
    "OutboundMessage",
    "OutboundSetup",
    "Patient",
    "PatientMessagePrefs",
    "Prescription",
    "QuickResponse",
    "RestrictedWord",
    "ReviewSite",
    "RxEvent",
    "SchedulerLease",
    "Store",
    "UnlockCodeUse",
    "VerificationCode",
]
