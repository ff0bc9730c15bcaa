"""The alert short names staff type (`--channels refill=sms`, `--release welcome`) and
settings store (`alerts.<short>.channels`) come from the alert vocabulary alone."""

from __future__ import annotations

import pytest

from rxmsg_tui.domain.held_alerts import HELD_ALERTS
from rxmsg_tui.domain.settings_keys import ALERT_SHORT_NAMES, SETTING_KEYS
from rxmsg_tui.domain.vocabulary import SHORT_NAMED_ALERTS, AlertType


def test_every_alert_but_verification_has_a_short_name_that_leads_back_to_it() -> None:
    assert AlertType.VERIFICATION not in SHORT_NAMED_ALERTS
    assert set(SHORT_NAMED_ALERTS) == set(AlertType) - {AlertType.VERIFICATION}
    for alert in SHORT_NAMED_ALERTS:
        assert AlertType.from_short(alert.short) is alert


def test_the_short_names_are_the_legacy_settings_names_in_screen_order() -> None:
    assert ALERT_SHORT_NAMES == (
        "refill",
        "pickup",
        "pickup_confirmation",
        "birthday",
        "welcome",
        "general",
        "review",
    )
    assert AlertType.CUSTOMER_REVIEW.short == "review"
    assert AlertType.READY_FOR_PICKUP.short == "pickup"


def test_each_short_name_has_its_channels_setting() -> None:
    for short in ALERT_SHORT_NAMES:
        assert f"alerts.{short}.channels" in SETTING_KEYS


def test_an_unknown_short_name_and_verification_are_refused() -> None:
    with pytest.raises(KeyError):
        AlertType.from_short("verification")
    with pytest.raises(KeyError):
        _ = AlertType.VERIFICATION.short


def test_the_flood_guard_holds_greetings_and_reviews_only() -> None:
    assert HELD_ALERTS == ("welcome", "birthday", "review")
