"""The Textual App: global keys, which screen each menu entry opens, and the palette."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from pathlib import PurePath
from typing import TYPE_CHECKING, ClassVar, cast

from textual._context import active_message_pump
from textual.actions import ActionParseResult
from textual.app import App
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.dom import DOMNode, NoScreen
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import WorkerFailed

from rxmsg_tui.screens.alert_settings import AlertSettingsScreen
from rxmsg_tui.screens.base import RxScreen, ScreenRequested
from rxmsg_tui.screens.catalogue import (
    ALERT_SETTINGS,
    HELD_DAILY_MESSAGES,
    MAIN_MENU,
    MESSAGE_FORMAT,
    MESSAGE_QUEUE,
    OPT_IN_WORDING,
    OUTBOUND_SETUP,
    PATIENT_LISTING,
    PATIENT_PROFILE,
    QUICK_RESPONSES,
    REVIEW_SITES,
    SEND_EMAIL_SMS,
    TWO_WAY_MESSAGING,
    Item,
    Menu,
    walk,
)
from rxmsg_tui.screens.daily_holds import DailyHoldsScreen, notify_held
from rxmsg_tui.screens.group_send.wizard import GroupSendScreen
from rxmsg_tui.screens.menu import MenuScreen
from rxmsg_tui.screens.message_format import MessageFormatScreen
from rxmsg_tui.screens.message_queue import QueueScreen
from rxmsg_tui.screens.not_available import NotAvailableScreen
from rxmsg_tui.screens.opt_in_wording import OptInWordingScreen
from rxmsg_tui.screens.outbound_setup import OutboundSetupScreen
from rxmsg_tui.screens.patient_listing import PatientListingScreen
from rxmsg_tui.screens.patient_profile import PatientProfileScreen
from rxmsg_tui.screens.quick_responses import QuickResponsesScreen
from rxmsg_tui.screens.review_sites import ReviewSitesScreen
from rxmsg_tui.screens.two_way_messaging import TwoWayMessagingScreen
from rxmsg_tui.services.context import AppContext
from rxmsg_tui.services.failures import describe_failure, log_failure
from rxmsg_tui.widgets.app_events import QueueChanged, SchedulerStateChanged

if TYPE_CHECKING:  # the scheduler (APScheduler) stays off the path to the first paint
    from rxmsg_tui.scheduler.runner import SchedulerRunner, SchedulerState
    from rxmsg_tui.services.dispatch.dispatcher import DispatchStats

log = logging.getLogger("rxmsg.app")

Command = tuple[str, Callable[[], object], str]


class ScreenCommands(Provider):
    """Every screen and menu by its legacy name, then the keys of the screen in front."""

    def commands(self) -> Iterator[Command]:
        app = cast("RxMsgApp", self.app)
        yield MAIN_MENU.name, partial(app.open, MAIN_MENU), MAIN_MENU.purpose
        for item, path in walk():
            yield item.name, partial(app.open, item), f"{path}: {item.purpose}"
        for item, path in walk():
            for alias in getattr(item, "aliases", ()):
                yield alias, partial(app.open, item), f"{path}: {item.purpose}"
        screen = self.screen
        for binding in screen.active_bindings.values():
            if binding.node is screen and binding.binding.show and binding.enabled:
                action = partial(app.run_action, binding.binding.action, screen)
                yield f"{screen.title}: {binding.binding.description}", action, binding.tooltip

    async def discover(self) -> Hits:
        for name, command, help_text in self.commands():
            yield DiscoveryHit(name, command, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, command, help_text in self.commands():
            if (score := matcher.match(name)) > 0:
                yield Hit(score, matcher.highlight(name), command, help=help_text)


class RxMsgApp(App[None]):
    """rxmsg's terminal application; built by the `rxmsg` command with everything it needs."""

    TITLE = "rxmsg"
    # Textual loads a screen's CSS_PATH when the screen is pushed, and the first
    # menu is installed rather than pushed, so the App loads its stylesheet.
    CSS_PATH: ClassVar[list[str | PurePath]] = ["styles/app.tcss", "styles/menu.tcss"]
    COMMANDS = App.COMMANDS | {ScreenCommands}
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+q", "quit", "Quit", id="quit", tooltip="Leave rxmsg", priority=True),
    ]

    _SCREENS: ClassVar[dict[str, Callable[[AppContext], Screen[None]]]] = {
        PATIENT_LISTING.id: PatientListingScreen,
        SEND_EMAIL_SMS.id: lambda context: GroupSendScreen(context, SEND_EMAIL_SMS),
        PATIENT_PROFILE.id: PatientProfileScreen,
        MESSAGE_QUEUE.id: QueueScreen,
        MESSAGE_FORMAT.id: MessageFormatScreen,
        QUICK_RESPONSES.id: QuickResponsesScreen,
        REVIEW_SITES.id: ReviewSitesScreen,
        ALERT_SETTINGS.id: AlertSettingsScreen,
        OUTBOUND_SETUP.id: OutboundSetupScreen,
        HELD_DAILY_MESSAGES.id: DailyHoldsScreen,
        TWO_WAY_MESSAGING.id: TwoWayMessagingScreen,
        OPT_IN_WORDING.id: OptInWordingScreen,
    }

    scheduler_state: reactive[str] = reactive("off")
    """The in-process scheduler's state in a word; every screen's header follows it."""

    def __init__(self, context: AppContext, *, scheduler: SchedulerRunner | None = None) -> None:
        super().__init__()
        self.context = context
        self.scheduler = scheduler
        # One thread starts and stops the runner, so a quick exit never stops it before it starts.
        self._scheduler_thread: ThreadPoolExecutor | None = None

    def on_mount(self) -> None:
        # SIGTERM (`docker stop`, systemd, a supervisor) ends the App as Ctrl+Q does: the
        # terminal is restored and the scheduler stopped. As PID 1 in a container the
        # kernel would otherwise ignore the signal, and the stop would wait for SIGKILL.
        with contextlib.suppress(NotImplementedError, RuntimeError):  # no loop signals here
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.exit)
        notify_held(self, self.context)
        if self.scheduler is not None:
            self._scheduler_thread = ThreadPoolExecutor(1, thread_name_prefix="rxmsg-scheduler")
            self._scheduler_thread.submit(self.scheduler.start).add_done_callback(_log_failure)

    async def on_unmount(self) -> None:
        """Stop the scheduler off the event loop: it waits for a dispatch under way."""
        if self.scheduler is not None and self._scheduler_thread is not None:
            stopping = self._scheduler_thread.submit(self.scheduler.stop)
            stopping.add_done_callback(_log_failure)
            with contextlib.suppress(Exception):  # logged above; the App still closes
                await asyncio.wrap_future(stopping)
            self._scheduler_thread.shutdown()

    def scheduler_state_changed(self, state: SchedulerState) -> None:
        """The runner's `on_state`: called on its threads, so it only posts an event."""
        self.post_message(SchedulerStateChanged(str(state)))

    def queue_dispatched(self, stats: DispatchStats) -> None:
        """The runner's `on_dispatch`: called on its threads, so it only posts an event."""
        self.post_message(QueueChanged())

    def on_scheduler_state_changed(self, event: SchedulerStateChanged) -> None:
        self.scheduler_state = event.state

    def on_queue_changed(self, _event: QueueChanged) -> None:
        for screen in self.screen_stack:
            screen.post_message(QueueChanged())

    def get_default_screen(self) -> Screen[None]:
        return MenuScreen(self.context, MAIN_MENU)

    async def run_action(
        self,
        action: str | ActionParseResult,
        default_namespace: DOMNode | None = None,
        namespaces: Mapping[str, DOMNode] | None = None,
    ) -> bool:
        """Every key, button and palette action: a fault in one is a message, not the App's end.

        Actions run on the App's own message loop, which Textual ends (and the
        App with it) when an action raises; the screen that asked is left as it was.
        """
        try:
            return await super().run_action(action, default_namespace, namespaces)
        except Exception as error:
            doing = action if isinstance(action, str) else action[1]
            log_failure(log, f"the action {doing}", error)
            self.notify(describe_failure(error), title="Not done", severity="error")
            return True

    def _handle_exception(self, error: Exception) -> None:
        """Textual exits on any unhandled exception; rxmsg stays up where it can.

        Textual offers no `exit_on_error` for the App, so this is where that
        policy lives. A failed worker broke nothing: its failure is shown and
        logged. A fault in a screen's (or its widgets') message handler stops
        that screen's message loop, so the screen is closed and staff are back
        where they came from. A fault on the App's own loop or on the first
        screen still ends the App, as nothing would answer the keys any more.
        """
        if isinstance(error, WorkerFailed):
            log_failure(log, "a background task", error.error)
            self.notify(describe_failure(error.error), title="Not done", severity="error")
            return
        node = active_message_pump.get(None)
        screen = node if isinstance(node, Screen) else _screen_of(node)
        if screen is None or screen is not self.screen or len(self.screen_stack) < 2:
            super()._handle_exception(error)
            return
        log_failure(log, f"the screen {screen.title}", error)
        kind = type(error).__name__
        self.pop_screen()
        self.notify(
            f"{screen.title} was closed after an unexpected error ({kind}); "
            "nothing was changed — open it again",
            title="Screen closed",
            severity="error",
            timeout=15,
        )

    def on_screen_requested(self, event: ScreenRequested) -> None:
        self.open(event.item)

    def open(self, item: Item) -> None:
        """Show the screen or menu behind a menu entry or palette command."""
        if item is MAIN_MENU:
            while len(self.screen_stack) > 1:
                self.pop_screen()
            return
        if isinstance(self.screen, RxScreen) and self.screen.item is item:
            return
        self.push_screen(self._build(item))

    def _build(self, item: Item) -> Screen[None]:
        if isinstance(item, Menu):
            return MenuScreen(self.context, item)
        build = self._SCREENS.get(item.id)
        if build is not None:
            return build(self.context)
        return NotAvailableScreen(self.context, item)


def _screen_of(node: object) -> Screen[object] | None:
    """The screen a widget is on; None for the App or a widget already gone."""
    if not isinstance(node, Widget):
        return None
    try:
        return node.screen
    except NoScreen:
        return None


def _log_failure(done: Future[None]) -> None:
    if (error := done.exception()) is not None:
        log.error("scheduler could not start or stop: %s", error, exc_info=error)
