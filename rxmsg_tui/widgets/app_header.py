"""The one-line header every screen shows: where you are, who you are, what runs."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.reactive import reactive
from textual.widget import Widget

if TYPE_CHECKING:
    from rxmsg_tui.services.context import AppContext

TEST_MARK = "TEST"
DEVICE_POLL_SECONDS = 1.0
OPENING = "Opening the database…"
"""Said where the store and user go while the App checks them, right after the first paint."""


class AppHeader(Widget):
    """The screen's title on the left; store, user, role and scheduler state on the right.

    Staff at a shared counter terminal need to see at a glance which store and
    which login they are acting as before they send anything. A test store
    (a demo, or one whose clock `RXMSG_NOW` may move) says TEST first, so
    nobody takes it for the live pharmacy. No clock is
    shown: the terminal has one, and a ticking header would make screenshots
    and tests differ from run to run.
    """

    DEFAULT_CSS = """
    AppHeader {
        dock: top;
        height: 1;
        background: $primary-background;
        color: $foreground;
    }
    """

    scheduler: reactive[str] = reactive("off")
    """The scheduler's state in a word (`off`, `running`); the App sets it."""

    screen_title: reactive[str] = reactive("")

    devices_down: reactive[str] = reactive("")
    """Devices unreachable now ("IVR"): their messages wait, and staff should know why."""

    store_name: reactive[str] = reactive("")
    username: reactive[str] = reactive("")
    """Empty until the App has signed the user in (the header then says `OPENING`)."""
    role: reactive[str] = reactive("")
    test_store: reactive[bool] = reactive(False)

    def __init__(
        self, *, store_name: str = "", username: str = "", role: str = "", test_store: bool = False
    ) -> None:
        super().__init__()
        self.set_reactive(AppHeader.store_name, store_name)
        self.set_reactive(AppHeader.username, username)
        self.set_reactive(AppHeader.role, role)
        self.set_reactive(AppHeader.test_store, test_store)
        self._polling = False

    @classmethod
    def of(cls, context: AppContext | None) -> AppHeader:
        """The header for `context`; for None, one that says the database is being opened."""
        header = cls()
        if context is not None:
            header.show(context)
        return header

    def show(self, context: AppContext) -> None:
        """The store and the signed-in user, once the App knows them."""
        self.store_name = context.store.name
        self.username = context.actor.username
        self.role = context.actor.role.value
        self.test_store = context.store.is_test
        if self.is_mounted:  # the first menu's header: the scheduler arrived with the context
            self._watch_devices()

    def on_mount(self) -> None:
        self.watch(self.screen, "title", self._title_changed)
        if hasattr(self.app, "scheduler_state"):  # the rxmsg App; a bare test App has none
            self.watch(self.app, "scheduler_state", self._scheduler_changed)
        self._watch_devices()

    def _watch_devices(self) -> None:
        if getattr(self.app, "scheduler", None) is not None and not self._polling:
            self._polling = True
            self._poll_devices()
            self.set_interval(DEVICE_POLL_SECONDS, self._poll_devices)

    def _poll_devices(self) -> None:
        """Asks the runner, which only reads a flag the IVR link keeps: no I/O on the UI."""
        probe = getattr(self.app.scheduler, "devices_down", None)  # type: ignore[attr-defined]
        down = probe() if callable(probe) else []
        self.devices_down = " ".join(f"{name} down" for name in down)

    def _scheduler_changed(self, state: str) -> None:
        self.scheduler = state

    def _title_changed(self, title: str | None) -> None:
        self.screen_title = title or ""

    def status_text(self) -> str:
        """The right-hand side in full, as tests and screen readers want it."""
        if not self.username:
            return OPENING
        test = f"{TEST_MARK} · " if self.test_store else ""
        return f"{test}{self.store_name} · {self._who()}"

    def render(self) -> Text:
        width = self.size.width
        title = self.screen_title
        if not self.username:
            gap = max(width - len(title) - len(OPENING) - 2, 1)
            return Text.assemble(" ", (title, "bold"), " " * gap, OPENING, " ")
        who = self._who()
        # The store name gives way first: the title and the user must stay whole.
        test = f"{TEST_MARK} · " if self.test_store else ""
        room = width - len(title) - len(who) - len(test) - 7
        store = self.store_name
        if len(store) > room:
            store = store[: max(room - 1, 0)] + "…" if room > 4 else ""
        right = f"{store} · {who}" if store else who
        gap = max(width - len(title) - len(test) - len(right) - 2, 1)
        mark = (TEST_MARK, "bold reverse") if test else ""
        return Text.assemble(
            " ", (title, "bold"), " " * gap, mark, " · " if test else "", right, " "
        )

    def _who(self) -> str:
        down = f" · {self.devices_down}" if self.devices_down else ""
        return f"{self.username} ({self.role}) · Scheduler: {self.scheduler}{down}"
