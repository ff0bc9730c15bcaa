"""The alerts the daily process's flood guard may hold, named once for the CLI and the services.

Welcome, Birthday and Customer Review have no prescription behind them, so a
surge of them means a data problem rather than a busy day (DESIGN.md §4).
Named here, below every layer, so `rxmsg run-daily --release` offers them
before any database code loads.
"""

from __future__ import annotations

from rxmsg_tui.domain.vocabulary import AlertType

GUARDED = {
    "birthday": AlertType.BIRTHDAY.short,
    "welcome": AlertType.WELCOME.short,
    "review_resend": AlertType.CUSTOMER_REVIEW.short,
}
"""Daily process part → the alert's settings short name, as `daily_hold.alert` holds it."""

HELD_ALERTS = tuple(
    alert.short for alert in (AlertType.WELCOME, AlertType.BIRTHDAY, AlertType.CUSTOMER_REVIEW)
)
"""The alerts the flood guard holds, by short name (`rxmsg run-daily --release NAME`)."""
