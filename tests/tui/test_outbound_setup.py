"""Outbound Messaging Setup at 80x24, by keyboard: save, refusals, Esc, and Test per provider."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select
from textual.pilot import Pilot
from textual.widgets import Input, Select, Static

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.config import Settings
from rxmsg_tui.devices.ivr_sim import IvrSimulator
from rxmsg_tui.dialogs.confirm import ConfirmDialog
from rxmsg_tui.domain.vocabulary import Role
from rxmsg_tui.screens.menu import MenuScreen
from rxmsg_tui.screens.outbound_setup import OutboundSetupScreen
from rxmsg_tui.screens.setup_words import FIELDS
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.errors import PermissionDenied
from rxmsg_tui.services.store_settings import change_settings_for, read_settings
from rxmsg_tui.storage.models import AlertSettings, AuditLog, OutboundSetup
from rxmsg_tui.widgets.field_message import FieldMessage
from rxmsg_tui.widgets.provider_row import ProviderRow
from tests.providers.loopback_http import LoopbackHttpServer, Reply
from tests.providers.support import ROUTING_KEY, TWILIO_FROM, TWILIO_SID, TWILIO_TOKEN
from tests.tui.conftest import BOTH_DATABASES, settle, type_text

OPEN_SETUP = ("3", "1", "1", "1")  # Misc > Interface Setups > Outbound Messaging > Setup
SETUP_KEYS = ("setup.email_using", "setup.sms_using", "setup.call_using")
READ_ONLY = "Read only: technicians cannot change setup; ask a pharmacist or an admin."


@pytest.fixture
def app(context: AppContext) -> RxMsgApp:
    return RxMsgApp(context)


@pytest.fixture
def http_server() -> Iterator[LoopbackHttpServer]:
    server = LoopbackHttpServer()
    server.start()
    yield server
    server.stop()


def setup(context: AppContext) -> dict[str, object]:
    values = read_settings(context.db, context.actor.store_id)
    return {key: value for key, value in values.items() if key.startswith("setup.")}


def audit(context: AppContext) -> list[tuple[str, str, object, object]]:
    with context.db.read() as session:
        rows = session.exec(select(AuditLog).order_by(col(AuditLog.id)))
        return [
            (
                row.username,
                row.target,
                json.loads(row.before or "null"),
                json.loads(row.after or "null"),
            )
            for row in rows
            if row.action == "settings.set"
        ]


def calls_used_by_refill(context: AppContext) -> None:
    """Calls on, and Send Refill Reminder sending by SMS and call."""
    with context.db.transaction() as session:
        row = session.exec(select(OutboundSetup)).one()
        row.call_using = "ivr"
        alerts = session.exec(select(AlertSettings)).one()
        alerts.refill_channels = ["sms", "call"]
        session.add_all([row, alerts])


async def open_setup(pilot: Pilot[None]) -> OutboundSetupScreen:
    await pilot.press(*OPEN_SETUP)
    await settle(pilot)
    assert isinstance(pilot.app.screen, OutboundSetupScreen)
    return pilot.app.screen


async def choose(pilot: Pilot[None], *moves: str) -> None:
    """Open the focused Select's list (at its current value), move, take that entry."""
    await pilot.press("enter", *moves, "enter")
    await pilot.pause()


def error_at(screen: OutboundSetupScreen, field: str) -> str:
    return screen.query_one(f"#{field}-error", FieldMessage).message


def status(screen: OutboundSetupScreen) -> str:
    return str(screen.query_one("#setup-status", Static).content)


async def test_calls_off_is_refused_naming_the_alert_and_keeps_the_input(
    app: RxMsgApp, context: AppContext
) -> None:
    calls_used_by_refill(context)
    before = setup(context)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_setup(pilot)
        assert screen.query_one("#call-using", Select).value == "ivr"
        await pilot.press("tab", "tab")  # Email Using → SMS Using → Call Using
        assert app.focused is screen.query_one("#call-using")
        await choose(pilot, "down")  # IVR Interface → None
        assert screen.query_one("#call-using", Select).value == "none"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert error_at(screen, "call-using") == (
            'Outbound Calls cannot be switched off while "Send Refill Reminder" in Alert '
            "Settings still uses call; remove call there first"
        )
        assert status(screen).startswith("Not saved: Call Using: Outbound Calls cannot")
        assert screen.query_one("#call-using", Select).value == "none"
        assert app.focused is screen.query_one("#call-using")
    assert setup(context) == before
    assert audit(context) == []


@BOTH_DATABASES
async def test_a_change_is_saved_and_audit_logged_with_before_and_after(
    app: RxMsgApp, context: AppContext
) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_setup(pilot)
        await pilot.press("tab")  # SMS Using
        await choose(pilot, "up", "up")  # None → Message Routing API
        await pilot.press("tab", "tab")  # IP Address of IVR Computer
        await type_text(pilot, "ivr-pc")
        await pilot.press("tab", "ctrl+a", "ctrl+k")  # port: clear it
        await type_text(pilot, "5070")
        await pilot.press("enter")  # Enter in a field saves, like the legacy
        await settle(pilot)
        assert status(screen) == ("Saved: SMS Using, IP Address of IVR Computer, Outbound Port.")
        ivr_line = screen.query_one("#provider-ivr", ProviderRow).details_text
        assert ivr_line == "ivr-pc:5070"
        await pilot.press("escape")  # nothing unsaved: leaves without asking
        assert isinstance(app.screen, MenuScreen)
    assert setup(context) == {
        "setup.email_using": "none",
        "setup.sms_using": "message_routing_api",
        "setup.call_using": "none",
        "setup.ivr_host": "ivr-pc",
        "setup.ivr_port": 5070,
    }
    assert audit(context) == [
        ("alice", "setup.sms_using", "none", "message_routing_api"),
        ("alice", "setup.ivr_host", "", "ivr-pc"),
        ("alice", "setup.ivr_port", 5060, 5070),
    ]


async def test_bad_host_and_port_are_shown_at_their_fields_and_nothing_is_saved(
    app: RxMsgApp, context: AppContext
) -> None:
    before = setup(context)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_setup(pilot)
        await pilot.press("tab", "tab", "tab")  # IP Address of IVR Computer
        await type_text(pilot, "ivr pc!")
        await pilot.press("enter")
        await settle(pilot)
        host_error = "'ivr pc!' is neither an IP address nor a computer name"
        assert error_at(screen, "ivr-host") == host_error
        assert app.focused is screen.query_one("#ivr-host")
        # A good host with a bad port: all or nothing, so the host is not saved either.
        await pilot.press("ctrl+a", "ctrl+k")
        await type_text(pilot, "ivr-pc")
        assert error_at(screen, "ivr-host") == ""  # typing clears the field's message
        await pilot.press("tab", "ctrl+a", "ctrl+k")
        await type_text(pilot, "70000")
        await pilot.press("enter")
        await settle(pilot)
        assert error_at(screen, "ivr-port") == "must be between 1 and 65535, got 70000"
        assert status(screen) == "Not saved: Outbound Port: must be between 1 and 65535, got 70000"
        await pilot.press("ctrl+a", "ctrl+k", "ctrl+s")
        await settle(pilot)
        assert error_at(screen, "ivr-port") == (
            "Outbound Port must be a whole number from 1 to 65535"
        )
        # Esc with unsaved changes asks; keep editing, then discard.
        await pilot.press("escape")
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("n")
        assert app.screen is screen
        assert screen.query_one("#ivr-host", Input).value == "ivr-pc"
        await pilot.press("escape", "y")
        assert isinstance(app.screen, MenuScreen)
    assert setup(context) == before
    assert audit(context) == []


async def test_a_technician_is_told_on_opening_that_it_is_read_only_and_may_still_test(
    app: RxMsgApp, context: AppContext
) -> None:
    context.actor = Actor(context.actor.store_id, context.actor.store_code, "tom", Role.TECHNICIAN)
    before = setup(context)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_setup(pilot)
        assert status(screen) == READ_ONLY  # on opening, before anything is typed
        assert screen.query_one("#email-using", Select).value == "none"
        assert all(screen.query_one(f"#{name}").disabled for name in FIELDS)
        assert screen.query_one("#save").disabled
        # Testing changes nothing, so a technician may: the focus starts on Twilio's Test.
        assert app.focused is screen.query_one("#test-twilio")
        await pilot.press("enter")
        await settle(pilot)
        assert screen.query_one("#provider-twilio", ProviderRow).result_text == (
            "✗ not set up: RXMSG_TWILIO_ACCOUNT_SID, RXMSG_TWILIO_AUTH_TOKEN are not set"
        )
        await pilot.press("ctrl+s")  # Save says why, rather than doing nothing
        await settle(pilot)
        assert status(screen) == READ_ONLY
        assert [n.message for n in app._notifications] == [READ_ONLY]
        await pilot.press("escape")  # nothing could change: leaves at once
        assert isinstance(app.screen, MenuScreen)
    assert setup(context) == before
    assert audit(context) == []


def test_the_service_refuses_a_technician_all_the_same(context: AppContext) -> None:
    context.actor = Actor(context.actor.store_id, context.actor.store_code, "tom", Role.TECHNICIAN)
    before = setup(context)
    with pytest.raises(PermissionDenied, match="tom is a technician"):
        change_settings_for(context, {"setup.email_using": "email_service_api"})
    assert setup(context) == before


@pytest.fixture
def listener() -> Iterator[int]:
    """An IVR computer (the simulator) that answers Test's ping."""
    ivr = IvrSimulator(log=lambda _line: None).start()
    try:
        yield ivr.port
    finally:
        ivr.stop()


async def test_test_keys_ask_each_provider_and_show_the_answer_beside_it(
    app: RxMsgApp,
    context: AppContext,
    http_server: LoopbackHttpServer,
    listener: int,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name, value in {
        "TWILIO_ACCOUNT_SID": TWILIO_SID,
        "TWILIO_AUTH_TOKEN": TWILIO_TOKEN,
        "TWILIO_FROM": TWILIO_FROM,
        "TWILIO_BASE_URL": http_server.base_url,
        "ROUTING_BASE_URL": http_server.base_url,
        "ROUTING_API_KEY": ROUTING_KEY,
    }.items():
        monkeypatch.setenv(f"RXMSG_{name}", value)
    context.settings = Settings(data_dir=tmp_path)
    account = {"sid": TWILIO_SID, "friendly_name": "Main St Rx", "status": "active"}
    refused = {"error": {"code": "unauthorized", "message": "The API key is not valid"}}
    http_server.script(Reply(200, account, delay=0.5), Reply(401, refused))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_setup(pilot)
        twilio = screen.query_one("#provider-twilio", ProviderRow)
        assert twilio.details_text == (
            f"account AC••••••••cdef · token •••••••• · from +15557654321 · {http_server.base_url}"
        )
        await pilot.press("f5")
        await pilot.pause()
        assert twilio.result_text == "Testing…"
        await pilot.press("tab", "tab", "tab")  # the screen still answers while Twilio thinks
        await type_text(pilot, "127.0.0.1")
        await pilot.press("tab", "ctrl+a", "ctrl+k")
        await type_text(pilot, str(listener))
        await settle(pilot)
        assert twilio.result_text == (
            "✓ Twilio accepted the credentials; account 'Main St Rx' is active"
        )
        await pilot.press("f8")
        await settle(pilot)
        routing = screen.query_one("#provider-routing", ProviderRow)
        assert routing.result_text == (
            "✗ the Message Routing API refused the credentials (HTTP 401): The API key is not valid"
        )
        await pilot.press("f9")  # the IVR computer as typed, before saving
        await settle(pilot)
        ivr = screen.query_one("#provider-ivr", ProviderRow)
        assert ivr.result_text.startswith(f"✓ the IVR computer answers at 127.0.0.1:{listener} (")
        await pilot.press("shift+tab", "ctrl+a", "ctrl+k")
        await type_text(pilot, "ivr pc!")
        await pilot.press("f9")
        await settle(pilot)
        assert ivr.result_text == "✗ 'ivr pc!' is neither an IP address nor a computer name"
        smtp = screen.query_one("#provider-smtp", ProviderRow)
        await pilot.press("f7")
        await settle(pilot)
        assert smtp.result_text == "✗ not set up: RXMSG_SMTP_HOST is not set"
        shown = " ".join(str(s.content) for s in screen.query(Static))
        assert TWILIO_TOKEN not in shown and ROUTING_KEY not in shown
        assert TWILIO_SID not in shown
    assert [r.path for r in http_server.requests] == [
        f"/2010-04-01/Accounts/{TWILIO_SID}.json",
        "/v1/inbound",
    ]
