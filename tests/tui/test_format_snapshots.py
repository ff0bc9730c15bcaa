"""The Outbound Messaging Format list and editor at 80x24, against approved screenshots."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import pytest
from textual.pilot import Pilot

from rxmsg_tui.app import RxMsgApp
from rxmsg_tui.domain.vocabulary import AlertType, Language, Method
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.formats.message_formats import FormatDraft, load_default, save_format
from rxmsg_tui.services.formats.review_sites import save_site
from tests.conftest import NOW
from tests.tui.conftest import settle

SnapCompare = Callable[..., bool]
OPEN_FORMATS = ("3", "1", "1", "3")


@pytest.fixture
def formats_app(app: RxMsgApp, context: AppContext) -> RxMsgApp:
    """Three formats (listed by alert type) and two review sites, Google the default."""
    for method, alert, language in (
        (Method.SMS, AlertType.READY_FOR_PICKUP, Language.ENGLISH),
        (Method.EMAIL, AlertType.CUSTOMER_REVIEW, Language.ENGLISH),
        (Method.SMS, AlertType.BIRTHDAY, Language.SPANISH),
    ):
        default = load_default(FormatDraft(method, alert, language, "", ""))
        draft = FormatDraft(method, alert, language, default.subject, default.body)
        save_format(context.db, context.actor, draft, format_id=None, now=NOW)
    for name, default_site in (("Google", True), ("Yelp", False)):
        url = f"https://{name.lower()}.example.com/main-street"
        save_site(context.db, context.actor, name=name, url=url, make_default=default_site, now=NOW)
    return app


def press_and_wait(*keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Press `keys`, then let the reads and the preview finish: no half-drawn screenshots."""

    async def run_before(pilot: Pilot[None]) -> None:
        for key in keys:
            await pilot.press(key)
            await settle(pilot)
        await pilot.pause(0.4)  # the preview waits for typing to pause
        # A blinking cursor would be caught on or off at random: take it out of the picture.
        pilot.app.screen.set_focus(None)
        await pilot.pause()

    return run_before


def test_format_list(formats_app: RxMsgApp, snap_compare: SnapCompare) -> None:
    run_before = press_and_wait(*OPEN_FORMATS)
    assert snap_compare(formats_app, terminal_size=(80, 24), run_before=run_before)


def test_format_editor_sms_with_its_counter(
    formats_app: RxMsgApp, snap_compare: SnapCompare
) -> None:
    # Listed by alert type: Birthday Greeting, Customer Review, RX Ready for Pickup.
    run_before = press_and_wait(*OPEN_FORMATS, "down", "down", "enter")
    assert snap_compare(formats_app, terminal_size=(80, 24), run_before=run_before)


def test_format_editor_email_review_with_its_sites(
    formats_app: RxMsgApp, snap_compare: SnapCompare
) -> None:
    run_before = press_and_wait(*OPEN_FORMATS, "down", "enter")  # Email Customer Review
    assert snap_compare(formats_app, terminal_size=(80, 24), run_before=run_before)
