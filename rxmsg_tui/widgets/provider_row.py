"""One provider on Outbound Messaging Setup: its masked credentials, a Test button, the answer.

The answer stays next to the provider it is about, so staff testing several in
a row can read each result where they pressed.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Label, Static


class ProviderRow(Vertical):
    """Name, what it is used for and where its settings come from; details; the last result."""

    DEFAULT_CSS = """
    ProviderRow {
        height: auto;
    }
    ProviderRow > Horizontal {
        height: 1;
    }
    ProviderRow .provider-name {
        width: 14;
        text-style: bold;
    }
    ProviderRow .provider-where {
        width: 1fr;
        color: $text-muted;
    }
    ProviderRow .provider-details, ProviderRow .provider-result {
        height: auto;
        margin-left: 2;
    }
    ProviderRow .provider-result {
        display: none;
        text-style: bold;
    }
    ProviderRow .provider-result.-shown {
        display: block;
    }
    ProviderRow .provider-result.-ok {
        color: $text-success;
    }
    ProviderRow .provider-result.-failed {
        color: $text-error;
    }
    """

    def __init__(self, provider: str, label: str, key: str) -> None:
        super().__init__(id=f"provider-{provider}")
        self.provider = provider
        self.label = label
        self.key = key
        self.result_text = ""
        """The last result as shown, for tests and screen readers."""

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label(self.label, classes="provider-name")
            yield Static("", classes="provider-where", markup=False)
            yield Button(
                f"Test {self.key.upper()}",
                action=f"screen.test_provider('{self.provider}')",
                id=f"test-{self.provider}",
                compact=True,
                tooltip=f"Ask {self.label} whether it accepts rxmsg's settings",
            )
        yield Static("", classes="provider-details", markup=False)
        yield Static("", classes="provider-result", markup=False)

    def show_summary(self, where: str, details: str) -> None:
        self.query_one(".provider-where", Static).update(where)
        self.query_one(".provider-details", Static).update(details)

    @property
    def details_text(self) -> str:
        return str(self.query_one(".provider-details", Static).content)

    def show_testing(self) -> None:
        self._result("Testing…", "")

    def show_result(self, ok: bool, message: str) -> None:
        self._result(f"{'✓' if ok else '✗'} {message}", "-ok" if ok else "-failed")

    def _result(self, text: str, outcome: str) -> None:
        self.result_text = text
        result = self.query_one(".provider-result", Static)
        result.update(text)
        result.remove_class("-ok", "-failed")
        result.add_class("-shown", *([outcome] if outcome else []))
