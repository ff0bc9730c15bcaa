"""The send decision: words, STOP, consent, address and verification, in that order."""

from __future__ import annotations

import pytest

from rxmsg_tui.domain.eligibility import Recipient, decide
from rxmsg_tui.domain.vocabulary import AlertType, Channel, ConsentPurpose, Method, QueueWarning

T, M = ConsentPurpose.TRANSACTIONAL, ConsentPurpose.MARKETING
ALL_CONSENT = frozenset((c, p) for c in Channel for p in ConsentPurpose)
GOOD = Recipient("+12025550143", "ana@example.org", True, True, ALL_CONSENT)


def _with(**changes: object) -> Recipient:
    values = {**GOOD.__dict__, **changes}
    return Recipient(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("method", "alert", "patient", "only_verified", "restricted", "warning", "address"),
    [
        (Method.SMS, AlertType.GENERAL, GOOD, False, False, None, "+12025550143"),
        (Method.EMAIL, AlertType.GENERAL, _with(email="Ana@EXAMPLE.org"), False, False, None, "Ana@example.org"),
        (Method.CALL, AlertType.REFILL_REMINDER, GOOD, True, False, None, "+12025550143"),
        (Method.SMS, AlertType.GENERAL, _with(cell_phone="(202) 555-0143"), False, False, None, "+12025550143"),
        (Method.SMS, AlertType.GENERAL, GOOD, False, True, QueueWarning.WORD_RESTRICTED, "+12025550143"),
        (Method.SMS, AlertType.GENERAL, _with(sms_opted_out=True), False, False, QueueWarning.OPTED_OUT, "+12025550143"),
        (Method.EMAIL, AlertType.GENERAL, _with(sms_opted_out=True), False, False, None, "ana@example.org"),
        (Method.SMS, AlertType.GENERAL, _with(consented=frozenset()), False, False, QueueWarning.NO_CONSENT, "+12025550143"),
        (Method.SMS, AlertType.BIRTHDAY, _with(consented=frozenset({(Channel.SMS, T)})), False, False, QueueWarning.NO_CONSENT, "+12025550143"),
        (Method.SMS, AlertType.CUSTOMER_REVIEW, _with(consented=frozenset({(Channel.SMS, M)})), False, False, None, "+12025550143"),
        (Method.EMAIL, AlertType.REFILL_REMINDER, _with(consented=frozenset({(Channel.SMS, T)})), False, False, QueueWarning.NO_CONSENT, "ana@example.org"),
        (Method.SMS, AlertType.VERIFICATION, _with(consented=frozenset(), cell_verified=False), True, False, None, "+12025550143"),
        (Method.SMS, AlertType.GENERAL, _with(cell_phone=None), False, False, QueueWarning.MISSING_ADDRESS, ""),
        (Method.EMAIL, AlertType.GENERAL, _with(email="  "), False, False, QueueWarning.MISSING_ADDRESS, ""),
        (Method.SMS, AlertType.GENERAL, _with(cell_phone="555-12"), False, False, QueueWarning.INVALID_ADDRESS, "555-12"),
        (Method.EMAIL, AlertType.GENERAL, _with(email="jane@@example"), False, False, QueueWarning.INVALID_ADDRESS, "jane@@example"),
        (Method.SMS, AlertType.GENERAL, _with(cell_verified=False), True, False, QueueWarning.NOT_VERIFIED, "+12025550143"),
        (Method.SMS, AlertType.GENERAL, _with(cell_verified=False), False, False, None, "+12025550143"),
        (Method.EMAIL, AlertType.GENERAL, _with(email_verified=False, cell_verified=True), True, False, QueueWarning.NOT_VERIFIED, "ana@example.org"),
    ],
)  # fmt: skip
def test_decision(
    method: Method,
    alert: AlertType,
    patient: Recipient,
    only_verified: bool,
    restricted: bool,
    warning: QueueWarning | None,
    address: str,
) -> None:
    decision = decide(method, alert, patient, only_verified=only_verified, restricted=restricted)
    assert (decision.warning, decision.recipient) == (warning, address)
    assert decision.may_send is (warning is None)
