"""The Textual App: global keys, which screen each menu entry opens, and the palette."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
import signal
import threading
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from pathlib import PurePath
from types import ModuleType
from typing import TYPE_CHECKING, ClassVar, cast

from textual._context import active_message_pump
from textual.actions import ActionParseResult
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.containers import Vertical
from textual.dom import DOMNode, NoScreen
from textual.message import Message
from textual.reactive import reactive
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import WorkerFailed

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
from rxmsg_tui.screens.menu import MenuScreen
from rxmsg_tui.widgets.app_events import QueueChanged, SchedulerStateChanged

if TYPE_CHECKING:
    # The first paint needs only Textual and the menu: the screens behind the entries,
    # the database (SQLAlchemy), the scheduler (APScheduler) and the providers (httpx)
    # are imported when first used, so the menu shows as fast as a bare Textual app.
    from rxmsg_tui.scheduler.runner import SchedulerRunner, SchedulerState
    from rxmsg_tui.services.context import AppContext
    from rxmsg_tui.services.dispatch.dispatcher import DispatchStats

log = logging.getLogger("rxmsg.app")

Command = tuple[str, Callable[[], object], str]


@dataclass(frozen=True)
class LazyScreen:
    """The screen class behind a menu entry, imported the first time staff open it.

    `module` is under rxmsg_tui.screens; `takes_item` passes the menu entry on,
    for a screen that serves more than one entry.
    """

    module: str
    name: str
    takes_item: bool = False

    def __call__(self, context: AppContext, item: Item) -> Screen[None]:
        screen_class = getattr(self.load(), self.name)
        screen: Screen[None] = (
            screen_class(context, item) if self.takes_item else screen_class(context)
        )
        return screen

    def load(self) -> ModuleType:
        """The screen's module; called early off the UI thread, its first opening is quick."""
        return importlib.import_module(f"rxmsg_tui.screens.{self.module}")


@dataclass(frozen=True)
class Startup:
    """How the App opens the database after its first paint, as the `rxmsg` command does it.

    Staff see the menu at once; the database checks (migration, store, who is
    signed in) and the scheduler follow in a worker thread.
    """

    connect: Callable[[], tuple[AppContext, SchedulerRunner | None]]
    """In a worker thread: the context, and the scheduler to run (None for none)."""
    explain: Callable[[Exception], str]
    """On the UI thread: the one line staff read when `connect` raised."""


class _Connected(Message):
    def __init__(self, context: AppContext, scheduler: SchedulerRunner | None) -> None:
        super().__init__()
        self.context = context
        self.scheduler = scheduler


class _NotConnected(Message):
    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error


class StartFailedScreen(Screen[None]):
    """Why rxmsg cannot open, in plain words; any of Enter, Esc or Q leaves.

    The `rxmsg` command repeats the line on stderr once the terminal is back,
    and exits 1, as it did when these checks ran before the App started.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter,escape,q", "app.quit", "Leave rxmsg", id="start-failed.leave"),
    ]
    DEFAULT_CSS = """
    StartFailedScreen { align: center middle; }
    StartFailedScreen > Vertical {
        width: 72; height: auto; border: heavy $error; padding: 1 2;
    }
    """

    def __init__(self, reason: str) -> None:
        super().__init__()
        self.reason = reason
        self.title = "rxmsg cannot open"

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "rxmsg cannot open"
            yield Static(self.reason, id="start-failed-reason")
            yield Static("\nPress Enter to leave.", id="start-failed-help")


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

    _SCREENS: ClassVar[dict[str, LazyScreen]] = {
        PATIENT_LISTING.id: LazyScreen("patient_listing", "PatientListingScreen"),
        SEND_EMAIL_SMS.id: LazyScreen("group_send.wizard", "GroupSendScreen", takes_item=True),
        PATIENT_PROFILE.id: LazyScreen("patient_profile", "PatientProfileScreen"),
        MESSAGE_QUEUE.id: LazyScreen("message_queue", "OutboundMessagingQueueScreen"),
        MESSAGE_FORMAT.id: LazyScreen("message_format", "MessageFormatScreen"),
        QUICK_RESPONSES.id: LazyScreen("two_way_message_template", "TwoWayMessageTemplateScreen"),
        REVIEW_SITES.id: LazyScreen("review_sites", "ReviewSitesScreen"),
        ALERT_SETTINGS.id: LazyScreen("alert_settings", "AlertSettingsScreen"),
        OUTBOUND_SETUP.id: LazyScreen("outbound_setup", "OutboundSetupScreen"),
        HELD_DAILY_MESSAGES.id: LazyScreen("daily_holds", "DailyHoldsScreen"),
        TWO_WAY_MESSAGING.id: LazyScreen("two_way_messaging", "TwoWayMessagingScreen"),
        OPT_IN_WORDING.id: LazyScreen("opt_in_wording", "OptInWordingScreen"),
    }
    """Each menu entry (named as on the legacy screens) and the screen class it opens."""

    scheduler_state: reactive[str] = reactive("off")
    """The in-process scheduler's state in a word; every screen's header follows it."""

    def __init__(
        self,
        context: AppContext | None = None,
        *,
        scheduler: SchedulerRunner | None = None,
        startup: Startup | None = None,
    ) -> None:
        """Give the context (tests, the demo) or a `startup` that opens it after the first paint."""
        super().__init__()
        if (context is None) == (startup is None):
            raise ValueError("give the App a context or a startup, not both or neither")
        self._known_context = context
        self.scheduler = scheduler
        self.startup = startup
        self.start_failure: Exception | None = None
        """Why `startup` could not open the database; the command reports it after the App."""
        self._waiting: Item | None = None
        """An entry chosen before the database was open: it opens as soon as it is."""
        # One thread starts and stops the runner, so a quick exit never stops it before it starts.
        self._scheduler_thread: ThreadPoolExecutor | None = None

    @property
    def context(self) -> AppContext:
        """Store, user and database: known once `ready` (at once when given to the App)."""
        if self._known_context is None:
            raise RuntimeError("the database is not open yet")
        return self._known_context

    @property
    def ready(self) -> bool:
        return self._known_context is not None

    def on_mount(self) -> None:
        # SIGTERM (`docker stop`, systemd, a supervisor) ends the App as Ctrl+Q does: the
        # terminal is restored and the scheduler stopped. As PID 1 in a container the
        # kernel would otherwise ignore the signal, and the stop would wait for SIGKILL.
        with contextlib.suppress(NotImplementedError, RuntimeError):  # no loop signals here
            asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, self.exit)
        if self._known_context is not None:
            self._start(self._known_context)
        else:  # the menu is painted first; the database is opened right after
            self.call_after_refresh(self._connect)

    def _connect(self) -> None:
        """Open the database in a thread of its own, which never holds up leaving the App.

        A Textual worker would: the App waits for its threads when it exits, and a
        database server that does not answer would keep Ctrl+Q or SIGTERM waiting.
        """
        assert self.startup is not None
        connect = self.startup.connect
        notices = self._SCREENS[HELD_DAILY_MESSAGES.id]

        def work() -> None:
            try:
                context, scheduler = connect()
            except Exception as error:
                self.post_message(_NotConnected(error))
                return
            with contextlib.suppress(Exception):  # `_start` imports it on the UI thread otherwise
                notices.load()
            if self.post_message(_Connected(context, scheduler)):
                for route in self._SCREENS.values():  # while staff read the menu
                    with contextlib.suppress(Exception):  # opening it will say what is wrong
                        route.load()

        threading.Thread(target=work, name="rxmsg-open-database", daemon=True).start()

    def on__connected(self, event: _Connected) -> None:
        self.scheduler = event.scheduler
        self._known_context = event.context
        for screen in self.screen_stack:
            if isinstance(screen, RxScreen) and not screen.has_context:
                screen.signed_in(event.context)
        self._start(event.context)
        if self._waiting is not None:
            item, self._waiting = self._waiting, None
            self.open(item)

    def on__not_connected(self, event: _NotConnected) -> None:
        assert self.startup is not None
        self.start_failure = event.error
        self._waiting = None
        self.push_screen(StartFailedScreen(self.startup.explain(event.error)))

    def _start(self, context: AppContext) -> None:
        """What follows the database being open: the keymap, held-message notices, the scheduler."""
        from rxmsg_tui.screens.daily_holds import notify_held

        self.set_keymap(context.settings.keymap)  # keys rebound in the config file, by binding id
        notify_held(self, context)
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
        return MenuScreen(self._known_context, MAIN_MENU)

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
            from rxmsg_tui.services.failures import describe_failure, log_failure

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
        from rxmsg_tui.services.failures import describe_failure, log_failure

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
        if self.start_failure is not None:
            return
        if item is MAIN_MENU:
            while len(self.screen_stack) > 1:
                self.pop_screen()
            return
        if isinstance(self.screen, RxScreen) and self.screen.item is item:
            return
        if self._known_context is None:
            self._waiting = item
            self.notify(f"{item.name} opens as soon as the database is open.", title="Opening")
            return
        self.push_screen(self._build(self._known_context, item))

    def _build(self, context: AppContext, item: Item) -> Screen[None]:
        if isinstance(item, Menu):
            return MenuScreen(context, item)
        build = self._SCREENS.get(item.id)
        if build is not None:
            return build(context, item)
        from rxmsg_tui.screens.not_available import NotAvailableScreen

        return NotAvailableScreen(context, item)


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
