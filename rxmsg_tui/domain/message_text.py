"""A message's subject and body as templates: checked whole at save, rendered whole at send.

Every path that turns a format into a patient's text goes through here, so a
format saved today renders tomorrow within the caps of `text_limits` (SMS
segments, email size, subject length, no control characters), and a text
that would not fit is an error with the field it is in, never a queued
message nobody can send.
"""

from __future__ import annotations

from collections.abc import Mapping

from rxmsg_tui.domain.templates import TemplateError, check, render, trial_values
from rxmsg_tui.domain.text_limits import (
    SUBJECT_MAX_CHARS,
    TextLimitError,
    bad_character,
    body_keeps,
    check_message,
    check_template_size,
)
from rxmsg_tui.domain.vocabulary import AlertType, Method


class MessageTextError(TemplateError):
    """A subject or body that cannot be saved or sent; `field` says which."""

    def __init__(self, field: str, error: TemplateError | TextLimitError) -> None:
        if isinstance(error, TemplateError):
            super().__init__(error.reason, error.line, error.column)
        else:
            super().__init__(error.reason.removeprefix(f"{field}: "))
        self.field = field


def check_format(
    method: Method, alert_type: AlertType, subject: str, body: str, *, html: bool = False
) -> None:
    """Refuse a format whose texts would fail at send, for any patient of the store.

    Besides `templates.check` (syntax, variables, filters), both texts are
    rendered with the sample and with the longest values of the alert type,
    and the result must fit the caps: so a format that saves is one the daily
    process can always fill in.
    """
    check_sizes(subject, body)
    for field, source, as_html in (("subject", subject, False), ("body", body, html)):
        try:
            check(source, alert_type, html=as_html)
        except TemplateError as exc:
            raise MessageTextError(field, exc) from None
    check_characters(method, subject, body)
    realistic, longest = trial_values(alert_type)
    render_message(method, subject, body, realistic, html=html)
    try:
        render_message(method, subject, body, longest, html=html)
    except MessageTextError as exc:
        at_longest = TemplateError(f"with every variable at its longest, {exc.reason}", exc.line)
        raise MessageTextError(exc.field, at_longest) from None


def check_sizes(subject: str, body: str) -> None:
    """Templates too long to be worth reading are refused before they are read."""
    try:
        check_template_size("subject", subject, limit=SUBJECT_MAX_CHARS)
        check_template_size("body", body)
    except TextLimitError as exc:
        raise MessageTextError(exc.field, exc) from None


def check_characters(method: Method, subject: str, body: str) -> None:
    """Control characters and line breaks where typed, with their position."""
    for field, text, keep in (("subject", subject, ""), ("body", body, body_keeps(method))):
        bad = bad_character(text, keep=keep)
        if bad is not None:
            problem = bad.problem + (" (a subject is one line)" if bad.char in "\r\n" else "")
            raise MessageTextError(field, TemplateError(problem, bad.line, bad.column))


def render_message(
    method: Method,
    subject: str,
    body: str,
    values: Mapping[str, str],
    *,
    html: bool = False,
) -> tuple[str, str]:
    """The subject and body for one patient, within the caps; else a `MessageTextError`."""
    texts: list[str] = []
    for field, source, as_html in (("subject", subject, False), ("body", body, html)):
        try:
            texts.append(render(source, values, html=as_html))
        except TemplateError as exc:
            raise MessageTextError(field, exc) from None
    try:
        check_message(method, texts[0], texts[1])
    except TextLimitError as exc:
        raise MessageTextError(exc.field, exc) from None
    return texts[0], texts[1]
