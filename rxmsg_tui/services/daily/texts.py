"""Subjects and bodies of a day's messages, filled in by the database when the format allows.

A format that is plain text with variables (all the defaults, and most a
pharmacy writes) becomes a SQL concatenation of literals and columns, one per
language, so the INSERT…SELECT writes finished texts. A format with `if` or a
filter returns None here and its rows are rendered by Jinja2 in Python
(`insert.py`); both give the same text (`tests/test_daily_matches_rules.py`).

The database cannot count SMS segments, so a format goes to SQL only when
its text fits the caps with every variable at its longest (what the save
check already demands); any other, such as one stored before that check,
is rendered row by row through `message_text.render_message`, which refuses
a text over the caps.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from markupsafe import escape
from sqlalchemy import case, func
from sqlalchemy.sql import ColumnElement

from rxmsg_tui.domain.default_formats import DefaultFormat
from rxmsg_tui.domain.message_text import render_message
from rxmsg_tui.domain.template_variables import long_values
from rxmsg_tui.domain.templates import TemplateError, Variable, flat_pieces
from rxmsg_tui.domain.vocabulary import Language, Method
from rxmsg_tui.services.errors import InvalidInput
from rxmsg_tui.services.formats.message_formats import is_html
from rxmsg_tui.storage.queries import concat

_HTML_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&#34;"), ("'", "&#39;"))


@dataclass(frozen=True)
class SqlTexts:
    subject: ColumnElement[str]
    body: ColumnElement[str]


def sql_texts(
    formats: Mapping[Language, DefaultFormat],
    method: Method,
    constants: Mapping[str, str],
    columns: Mapping[str, ColumnElement[Any]],
    language: ColumnElement[str],
) -> SqlTexts | None:
    """Subject and body as SQL by the patient's language, or None when a format needs Jinja2."""
    subjects: dict[Language, ColumnElement[str]] = {}
    bodies: dict[Language, ColumnElement[str]] = {}
    english = formats[Language.ENGLISH]
    for lang, fmt in formats.items():
        if lang is not Language.ENGLISH and fmt == english:
            continue  # the patient's language has no format of its own: English it is
        html = is_html(method, fmt.body)
        if not fits_at_longest(method, fmt, html=html):
            return None
        subject = _expression(fmt.subject, False, constants, columns)
        body = _expression(fmt.body, html, constants, columns)
        if subject is None or body is None:
            return None
        subjects[lang], bodies[lang] = subject, body
    return SqlTexts(_by_language(subjects, language), _by_language(bodies, language))


def fits_at_longest(method: Method, fmt: DefaultFormat, *, html: bool) -> bool:
    """Whether the format's texts stay within the caps with every variable at its longest."""
    try:
        render_message(method, fmt.subject, fmt.body, long_values(), html=html)
    except TemplateError:  # MessageTextError included
        return False
    return True


def _expression(
    source: str,
    html: bool,
    constants: Mapping[str, str],
    columns: Mapping[str, ColumnElement[Any]],
) -> ColumnElement[str] | None:
    pieces = flat_pieces(source)
    if pieces is None:
        return None
    parts: list[ColumnElement[Any] | str] = []
    for piece in pieces:
        if isinstance(piece, str):
            parts.append(piece)
        elif piece.name in constants:
            value = constants[piece.name]
            parts.append(str(escape(value)) if html else value)
        elif piece.name in columns:
            parts.append(_escaped(columns[piece.name]) if html else columns[piece.name])
        else:
            raise _missing(piece)
    return concat(*_merge_literals(parts))


def _merge_literals(parts: list[ColumnElement[Any] | str]) -> list[ColumnElement[Any] | str]:
    """Adjacent literal pieces as one, so the statement stays short."""
    merged: list[ColumnElement[Any] | str] = []
    for part in parts:
        if isinstance(part, str) and merged and isinstance(merged[-1], str):
            merged[-1] += part
        elif not (isinstance(part, str) and part == ""):
            merged.append(part)
    return merged


def _escaped(column: ColumnElement[Any]) -> ColumnElement[str]:
    """What Jinja2's autoescape does to a value in an HTML email."""
    result: ColumnElement[Any] = column
    for raw, entity in _HTML_ESCAPES:
        result = func.replace(result, raw, entity)
    return result


def _by_language(
    texts: Mapping[Language, ColumnElement[str]], language: ColumnElement[str]
) -> ColumnElement[str]:
    others = [(language == lang.value, text) for lang, text in texts.items()
              if lang is not Language.ENGLISH]  # fmt: skip
    return case(*others, else_=texts[Language.ENGLISH]) if others else texts[Language.ENGLISH]


def _missing(piece: Variable) -> InvalidInput:
    return InvalidInput(
        f"a message format uses {{{{ {piece.name} }}}}, which the daily process cannot fill in; "
        "correct it in Outbound Messaging Format"
    )
