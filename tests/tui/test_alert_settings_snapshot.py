"""Alert Settings and its Patient Default dialog as staff first see them at 80x24: locked."""

from __future__ import annotations

from collections.abc import Callable

from rxmsg_tui.app import RxMsgApp
from tests.tui.test_snapshots import press_and_wait

SnapCompare = Callable[..., bool]


def test_alert_settings_locked(app: RxMsgApp, snap_compare: SnapCompare) -> None:
    run_before = press_and_wait("3", "1", "1", "2")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_patient_default_dialog_locked(app: RxMsgApp, snap_compare: SnapCompare) -> None:
    run_before = press_and_wait("3", "1", "1", "2", "f4")
    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)
