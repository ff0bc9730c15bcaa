"""Recording Rx events on the Patient Profile at 80x24: keys in the footer, the result line."""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest
from sqlalchemy import update
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import Static
from textual.widgets._footer import FooterKey

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.screens.patient_profile import PatientProfileScreen
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import (
    AlertSettings,
    OutboundMessage,
    Patient,
    ReviewSite,
    RxEvent,
    Store,
)
from rxmsg_tui.widgets.prescription_table import PrescriptionTable
from tests.tui.conftest import SMITH, settle, type_text
from tests.tui.seed import insert_drug, insert_prefs, insert_rx

REVIEW_URL = "https://g.page/r/main-street/review"


@pytest.fixture
def sends_pickup_messages(db: Database, store: Store, pharmacy: dict[str, int]) -> None:
    """Pickup by email and SMS, confirmation and review by SMS; Smith chose them all."""
    assert store.id is not None
    with db.transaction() as session:
        session.exec(
            update(AlertSettings)
            .where(col(AlertSettings.store_id) == store.id)
            .values(
                pickup_channels=["email", "sms"],
                pickup_confirmation_channels=["sms"],
                review_channels=["sms"],
            )
        )
        session.add(ReviewSite(store_id=store.id, name="Google", url=REVIEW_URL, is_default=True))
        # The seed's 555-01xx number is fictional, which the send rules refuse as invalid.
        session.exec(
            update(Patient)
            .where(col(Patient.id) == pharmacy[SMITH])
            .values(cell_phone="+12025550143")
        )
    insert_prefs(db, store.id, pharmacy[SMITH], "pickup_confirmation", "sms")
    insert_prefs(db, store.id, pharmacy[SMITH], "review", "sms")
    drug = insert_drug(db, store.id, "00071-0155-23", "Atorvastatin 20 mg tablet")
    # Filled tomorrow (a future-dated fill): an event today belongs to no fill of it yet.
    insert_rx(db, store.id, pharmacy[SMITH], drug, "600125", last_fill=date(2026, 3, 3))


def text(app: RxMsgApp, selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


def footer_keys(app: RxMsgApp) -> dict[str, str]:
    """The keys the footer shows in full: none overlaps the next or runs off the screen."""
    keys = sorted(app.screen.query(FooterKey), key=lambda k: k.region.x)
    for key, after in pairwise(keys):
        assert key.region.right <= after.region.x, (key.description, after.description)
    assert keys[-1].region.right <= app.size.width
    return {k.key_display: k.description for k in keys}


def statuses(db: Database) -> list[tuple[str, str, str, str]]:
    with db.read() as session:
        rows = session.exec(select(OutboundMessage).order_by(col(OutboundMessage.id)))
        return [(m.alert_type, m.method, m.status, m.warning) for m in rows]


async def open_smith(pilot: Pilot[None], app: RxMsgApp) -> PatientProfileScreen:
    await pilot.press("2")
    await type_text(pilot, SMITH)
    await pilot.press("enter")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, PatientProfileScreen)
    return screen


@pytest.mark.usefixtures("sends_pickup_messages")
async def test_label_printed_then_picked_up_by_key(app: RxMsgApp, db: Database) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_smith(pilot, app)
        table = screen.query_one("#prescriptions", PrescriptionTable)
        assert app.focused is table
        keys = footer_keys(app)
        assert keys["l"] == "Label" and keys["i"] == "Approve"
        assert keys["v"] == "Verify" and keys["p"] == "Pick up"
        assert keys["/"] == "Find" and keys["^q"] == "Quit"

        await pilot.press("l")
        await settle(pilot)
        assert text(app, "#event-result") == (
            "Rx 600123 label printed: queued RX Ready for Pickup by Email "
            "(Undelivered: No Consent), RX Ready for Pickup by SMS (Pending)"
        )
        assert table.get_row_at(0)[0] == "600123" and table.get_row_at(0)[-1] == "Labeled"

        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await settle(pilot)
        assert app.screen is screen
        # Smith never gave marketing consent by SMS: the review request is kept, not sent.
        assert text(app, "#event-result") == (
            "Rx 600123 picked up: cancelled 1 pickup reminder; queued RX Pickup Confirmation "
            "by SMS (Pending), Customer Review by SMS (Undelivered: No Consent)"
        )
        assert table.get_row_at(0)[-1] == "Picked up"
        assert table.cursor_row == 0
        assert text(app, "#rx-detail").startswith(
            "Rx 600123 · Lisinopril 10 mg tablet · picked up 2026-03-02 10:3"
        )
        assert text(app, "#rx-detail").endswith(" by alice")
        assert app.focused is table
    assert statuses(db) == [
        ("RX Ready for Pickup", "Email", "Undelivered", "No Consent"),
        ("RX Ready for Pickup", "SMS", "Deleted", ""),
        ("RX Pickup Confirmation", "SMS", "Pending", ""),
        ("Customer Review", "SMS", "Undelivered", "No Consent"),
    ]


@pytest.mark.usefixtures("sends_pickup_messages")
async def test_cancelling_the_pickup_question_and_a_refused_event(
    app: RxMsgApp, db: Database
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_smith(pilot, app)
        table = screen.query_one("#prescriptions", PrescriptionTable)
        await pilot.press("p")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is screen
        assert text(app, "#event-result") == ""

        assert [table.get_row_at(i)[0] for i in range(table.row_count)] == [
            "600123",
            "600125",
            "600124",
        ]
        await pilot.press("down", "v")
        await settle(pilot)
        assert text(app, "#event-result") == (
            "Not recorded: The event (2026-03-02) is before the current fill of Rx 600125 "
            "(2026-03-03); events of earlier fills are not recorded"
        )
        assert screen.query_one("#event-result").has_class("-refused")  # shown as a warning
        assert table.get_row_at(1)[-1] == ""
    with db.read() as session:
        assert session.exec(select(RxEvent)).all() == []
    assert statuses(db) == []
