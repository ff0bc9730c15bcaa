"""The consent ledger folded into the consent that holds now (DESIGN.md §4).

Consent is a ledger of grants and revocations; what holds now is the latest
row per channel and purpose. Sending (queue and dispatch) and the patient
screens read the ledger the same way through `fold_ledger`, so a STOP shown
on the Patient Profile is the STOP the dispatcher obeys. The daily process
states the same rule in SQL (`services/daily/eligibility.py`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from rxmsg_tui.domain.vocabulary import Channel, ConsentPurpose, ConsentSource

LedgerRow = tuple[int, str, str, bool, str, datetime]
"""patient id, channel, purpose, granted, source, recorded at."""


@dataclass(frozen=True)
class ConsentEntry:
    """The latest ledger row for one channel and purpose: that is the consent now."""

    channel: str
    purpose: str
    granted: bool
    source: str
    recorded_at: datetime


@dataclass(frozen=True)
class ConsentState:
    entries: tuple[ConsentEntry, ...] = ()
    """One per channel and purpose the ledger mentions, sorted by channel and purpose."""
    sms_opted_out: bool = False
    """The newest SMS row of any purpose is a STOP by text: shown as `Opted Out`."""

    def channels(self, purpose: ConsentPurpose) -> tuple[str, ...]:
        """The channels the patient has consented to for `purpose`, as things stand."""
        return tuple(e.channel for e in self.entries if e.purpose == purpose and e.granted)

    @property
    def granted(self) -> frozenset[tuple[Channel, ConsentPurpose]]:
        return frozenset(
            (Channel(e.channel), ConsentPurpose(e.purpose)) for e in self.entries if e.granted
        )


NO_CONSENT = ConsentState()


def fold_ledger(rows: Iterable[LedgerRow]) -> dict[int, ConsentState]:
    """The state now per patient, from rows in ledger order (recorded at, then id).

    The last row read for a channel and purpose is the one that holds; the last
    SMS row read, whatever its purpose, tells whether the patient texted STOP.
    """
    latest: dict[int, dict[tuple[str, str], ConsentEntry]] = {}
    newest_sms: dict[int, ConsentEntry] = {}
    for patient, channel, purpose, granted, source, recorded_at in rows:
        entry = ConsentEntry(channel, purpose, bool(granted), source, recorded_at)
        latest.setdefault(patient, {})[(channel, purpose)] = entry
        if channel == Channel.SMS.value:
            newest_sms[patient] = entry
    return {
        patient: ConsentState(
            tuple(entries[key] for key in sorted(entries)),
            _is_stop(newest_sms.get(patient)),
        )
        for patient, entries in latest.items()
    }


def _is_stop(entry: ConsentEntry | None) -> bool:
    return (
        entry is not None and not entry.granted and entry.source == ConsentSource.SMS_KEYWORD.value
    )
