"""The preview beside a template being written: the text a sample patient gets, SMS length."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Static

from rxmsg_tui.domain.spoken_length import spoken_length
from rxmsg_tui.domain.vocabulary import Method
from rxmsg_tui.services.formats.preview import Preview, as_plain_text


class FormatPreview(Vertical):
    """Shows a `Preview`: the counter on top ("83 chars, GSM-7, 1 segment"), the text below.

    For a call the counter is the time the IVR takes to read it aloud.

    A template error replaces the text, in the words Save would refuse it
    with, so staff fix it before they save.
    """

    DEFAULT_CSS = """
    FormatPreview {
        height: 1fr;
    }
    FormatPreview > #preview-count {
        height: 1;
        padding: 0 1;
        text-style: bold;
    }
    FormatPreview > #preview-scroll {
        height: 1fr;
        border: round $primary;
        border-title-style: bold;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    FormatPreview #preview-text {
        height: auto;
    }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="preview-count", markup=False)
        with VerticalScroll(id="preview-scroll", can_focus=False) as scroll:
            scroll.border_title = "Preview"
            yield Static(id="preview-text", markup=False)

    @property
    def counter(self) -> str:
        """The counter line as staff read it."""
        return str(self.query_one("#preview-count", Static).content)

    @property
    def text(self) -> str:
        """The previewed text (or the error) as staff read it."""
        return str(self.query_one("#preview-text", Static).content)

    def show(self, method: Method, preview: Preview) -> None:
        count = self.query_one("#preview-count", Static)
        shown = self.query_one("#preview-text", Static)
        if method is Method.SMS:
            count.update(preview.sms.summary() if preview.sms else "SMS length: fix the text first")
        elif method is Method.EMAIL:
            count.update("HTML email" if preview.html else "Plain-text email")
        elif preview.error:
            count.update("Read out by the IVR")
        else:
            count.update(f"Read out by the IVR, {spoken_length(preview.body)}")
        if preview.error:
            where = preview.error_field.title()
            shown.update(Text(f"{where}: {preview.error}", "bold red"))
            return
        body = as_plain_text(preview.body) if preview.html else preview.body
        if method is Method.SMS:
            shown.update(body)
        else:
            shown.update(Text.assemble(("Subject: ", "bold"), preview.subject, "\n\n", body))
