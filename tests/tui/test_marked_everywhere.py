"""Every check-box and radio button shows its state as a mark, so a monochrome terminal reads it.

Textual's own Checkbox and RadioButton draw the same `X` ticked or not and
tell the two apart by colour only; under NO_COLOR every box looks ticked.
These tests open every screen of the menu (and the editor and dialogs they
open) at 80x24 with NO_COLOR=1 and find only the marked ones, each drawing
its mark exactly when it is on; and no module builds a plain one, so a new
screen or dialog cannot bring it back.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import RadioButton
from textual.widgets._toggle_button import ToggleButton

import rxmsg_tui
from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.screens.catalogue import (
    ALERT_SETTINGS,
    MESSAGE_FORMAT,
    ScreenEntry,
    walk,
)
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.widgets.marked_toggles import MarkedCheckbox, MarkedRadioButton
from tests.tui.conftest import settle

SCREENS = [item for item, _ in walk() if isinstance(item, ScreenEntry)]
MORE = {MESSAGE_FORMAT.id: "f3", ALERT_SETTINGS.id: "f4"}
"""The key that opens, from a screen, the editor or dialog with boxes of its own."""
MARKED = (MarkedCheckbox, MarkedRadioButton)
PACKAGE = Path(rxmsg_tui.__file__).parent
UNMARKED = {"Checkbox", "RadioButton"}


def toggles(app: RxMsgApp) -> list[ToggleButton]:
    """Every check-box and radio button mounted, on the screen and the screens under it."""
    return [toggle for screen in app.screen_stack for toggle in screen.query(ToggleButton)]


def drawn(toggle: ToggleButton) -> str:
    """What the box itself shows between its brackets, as plain text (no colour at all)."""
    return toggle.render().plain[:3]


def mark_of(toggle: ToggleButton) -> str:
    inner = "●" if isinstance(toggle, RadioButton) else "X"
    return f"▐{inner}▌" if toggle.value else "▐ ▌"


async def open_screen(pilot: Pilot[None], app: RxMsgApp, item: ScreenEntry) -> None:
    while len(app.screen_stack) > 1:
        app.pop_screen()
    app.open(item)
    await settle(pilot)
    assert app.screen.title == item.name
    if item.id in MORE:
        await pilot.press(MORE[item.id])
        await settle(pilot)


async def test_every_screen_shows_only_marked_boxes_without_colour(
    context: AppContext, pharmacy: dict[str, int], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = RxMsgApp(context)
    seen: dict[str, list[str]] = {}
    kinds: set[type[ToggleButton]] = set()
    async with app.run_test(size=(80, 24)) as pilot:
        assert app.no_color
        for item in SCREENS:
            await open_screen(pilot, app, item)
            found = toggles(app)
            plain = [f"{type(t).__name__}#{t.id}" for t in found if not isinstance(t, MARKED)]
            assert plain == [], f"{item.name} mounts unmarked boxes"
            for toggle in found:
                assert drawn(toggle) == mark_of(toggle), f"{item.name}: {toggle!r}"
            seen[item.name] = [t.id or str(t.label) for t in found]
            kinds |= {type(t) for t in found}
    # The walk reached the boxes it is meant to check, ticked and not, boxes and buttons.
    assert {"by-email", "by-sms", "save-email", "save-sms"} <= set(seen["Send Email/SMS"])
    assert "site-default" in seen["Review Sites"]
    assert "group" in seen["Outbound Messaging Format"]  # the editor F3 opened
    assert "wording-channel-call" in seen["Opt-in Wording"]
    assert len(seen["Alert Settings"]) > 20  # its fields and the Patient Default dialog's
    assert kinds == set(MARKED)


def test_no_module_builds_a_plain_check_box_or_radio_button() -> None:
    """Even a dialog the walk above cannot reach is held to it."""
    builders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "marked_toggles.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", getattr(node.func, "attr", ""))
                if name in UNMARKED:
                    builders.append(f"{path.relative_to(PACKAGE)}:{node.lineno} {name}(")
    assert builders == []


def test_the_source_check_sees_a_plain_box() -> None:
    """The check above finds `Checkbox(` and `widgets.RadioButton(` when they are there."""
    found = [
        node.func
        for node in ast.walk(ast.parse("Checkbox('a')\nwidgets.RadioButton('b')\nMarkedCheckbox()"))
        if isinstance(node, ast.Call)
    ]
    names = [getattr(f, "id", getattr(f, "attr", "")) for f in found]
    assert [n for n in names if n in UNMARKED] == ["Checkbox", "RadioButton"]
