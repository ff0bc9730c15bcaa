"""Outbound Messaging Setup as staff see it at 80x24: the form, masked credentials, a Test answer."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.config import Settings
from rxmsg_tui.services.context import AppContext
from tests.tui.conftest import settle

SnapCompare = Callable[..., bool]


def test_outbound_setup(
    context: AppContext,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    snap_compare: SnapCompare,
) -> None:
    monkeypatch.setenv("RXMSG_TWILIO_ACCOUNT_SID", "AC" + "0123456789abcdef" * 2)
    monkeypatch.setenv("RXMSG_TWILIO_AUTH_TOKEN", "twilio-token-9f8e7d6c5b4a39281706")
    monkeypatch.setenv("RXMSG_TWILIO_FROM", "+15557654321")
    monkeypatch.setenv("RXMSG_SMTP_HOST", "127.0.0.1")
    context.settings = Settings(data_dir=tmp_path)

    async def run_before(pilot: Pilot[None]) -> None:
        for key in ("3", "1", "1", "1", "f6"):  # open the screen, test SendGrid (not set)
            await pilot.press(key)
            await settle(pilot)

    assert snap_compare(RxMsgApp(context), terminal_size=(80, 24), run_before=run_before)
