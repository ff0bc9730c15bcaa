"""Folding the consent ledger: the latest row per channel and purpose holds; STOP is the newest SMS row."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from rxmsg_tui.domain.consent_ledger import LedgerRow, fold_ledger
from rxmsg_tui.domain.vocabulary import Channel, ConsentPurpose

T0 = datetime(2026, 3, 2, 15, tzinfo=UTC)
TX, MK = ConsentPurpose.TRANSACTIONAL, ConsentPurpose.MARKETING


def row(minutes: int, channel: str, purpose: str, granted: bool, source: str = "verbal",
        patient: int = 1) -> LedgerRow:  # fmt: skip
    return (patient, channel, purpose, granted, source, T0 + timedelta(minutes=minutes))


def test_the_latest_row_per_channel_and_purpose_holds() -> None:
    state = fold_ledger([
        row(0, "sms", "transactional", True),
        row(1, "email", "transactional", True),
        row(2, "sms", "transactional", False),
        row(3, "sms", "transactional", True, "sigpad"),
        row(4, "email", "transactional", False),
    ])[1]  # fmt: skip
    assert state.granted == {(Channel.SMS, TX)}
    assert state.channels(TX) == ("sms",)
    assert [(e.channel, e.granted, e.source) for e in state.entries] == [
        ("email", False, "verbal"),
        ("sms", True, "sigpad"),
    ]
    assert not state.sms_opted_out


def test_a_stop_by_text_on_any_purpose_is_opted_out_until_start() -> None:
    stopped = [
        row(0, "sms", "transactional", True),
        row(1, "sms", "marketing", False, "sms-keyword"),
    ]
    assert fold_ledger(stopped)[1].sms_opted_out
    assert fold_ledger(stopped)[1].granted == {(Channel.SMS, TX)}
    restarted = [*stopped, row(2, "sms", "marketing", True, "sms-keyword")]
    assert not fold_ledger(restarted)[1].sms_opted_out
    verbal = [row(0, "sms", "transactional", False, "verbal")]
    assert not fold_ledger(verbal)[1].sms_opted_out  # withdrawn, but not a STOP by text


def test_patients_are_folded_apart() -> None:
    states = fold_ledger([row(0, "sms", "marketing", True, patient=1),
                          row(0, "email", "marketing", True, patient=2)])  # fmt: skip
    assert states[1].granted == {(Channel.SMS, MK)}
    assert states[2].granted == {(Channel.EMAIL, MK)}
