"""How an HTTP provider's answer, or its silence, becomes a TransientError or a PermanentError."""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from rxmsg_tui.providers.base import PermanentError, TransientError

SUMMARY_LIMIT = 300
"""message_attempt keeps a summary, not a transcript: enough for support to read the cause."""

REDACTED = "[redacted]"

ErrorMessageReader = Callable[[object], str | None]
"""Pulls the provider's own words out of a parsed JSON error body (Twilio `message`, …)."""


def redact(text: str, secrets: Iterable[str]) -> str:
    """Blank out every secret, even when a server or proxy echoes one back."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, REDACTED)
    return text


def summarize(response: httpx.Response, secrets: Iterable[str] = ()) -> str:
    """`HTTP 400: {...}` on one line, truncated, with secrets removed."""
    body = shorten(redact(response.text, secrets))
    return f"HTTP {response.status_code}: {body}" if body else f"HTTP {response.status_code}"


def shorten(text: str) -> str:
    """One line of at most SUMMARY_LIMIT characters; redact before, never after, cutting."""
    text = " ".join(text.split())
    return text if len(text) <= SUMMARY_LIMIT else text[: SUMMARY_LIMIT - 1] + "…"


RETRY_AFTER_LIMIT = 86_400.0
"""More than a day is not a wait a provider means: such a value is ignored as garbage."""


def parse_retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from `Retry-After`, given as delay-seconds or as an HTTP-date (RFC 9110).

    None, so the normal backoff applies, for anything that is not a usable wait:
    not a number or a date, NaN, negative, a date already past, or more than a day
    (`1000000000000` once overflowed the dispatcher's date arithmetic).
    """
    if value is None or not value.strip():
        return None
    value = value.strip()[:100]
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError, OverflowError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if not math.isfinite(seconds) or seconds < 0 or seconds > RETRY_AFTER_LIMIT:
        return None
    return seconds


def transport_error(
    exc: httpx.HTTPError, label: str, secrets: Iterable[str] = ()
) -> TransientError | PermanentError:
    """No answer at all: the provider may be down for a moment, so try again later.

    A read timeout after the request went out is also transient: the retry
    carries the same Idempotency-Key, so a provider that honours it never
    delivers twice.
    """
    detail = redact(str(exc) or type(exc).__name__, secrets)
    if isinstance(exc, httpx.ConnectTimeout):
        return TransientError(f"Could not connect to {label} in time", response=detail)
    if isinstance(exc, httpx.TimeoutException):
        return TransientError(f"{label} did not answer in time", response=detail)
    if isinstance(exc, httpx.ConnectError):
        return TransientError(f"Could not connect to {label}: {detail}", response=detail)
    if isinstance(exc, httpx.RemoteProtocolError):
        return TransientError(
            f"{label} closed the connection without a complete answer", response=detail
        )
    if isinstance(exc, httpx.UnsupportedProtocol | httpx.InvalidURL):
        return PermanentError(f"The {label} address is not a usable URL: {detail}")
    if isinstance(exc, httpx.TransportError):
        return TransientError(f"Network error talking to {label}: {detail}", response=detail)
    return PermanentError(f"Unexpected error talking to {label}: {detail}", response=detail)


def check_response(
    response: httpx.Response,
    label: str,
    *,
    secrets: Iterable[str] = (),
    read_message: ErrorMessageReader | None = None,
    now: datetime | None = None,
) -> None:
    """Return quietly on 2xx; otherwise raise the error the dispatcher should act on."""
    status = response.status_code
    if 200 <= status < 300:
        return
    secrets = tuple(secrets)
    summary = summarize(response, secrets)
    said = _provider_words(response, read_message, secrets)
    # 408 is the server's own timeout and 429/5xx are "not now": all worth another try.
    if status in (408, 429) or status >= 500:
        retry_after = parse_retry_after(response.headers.get("Retry-After"), now)
        if status == 429:
            reason = f"{label} is limiting how fast we send (HTTP 429)"
        elif status == 408:
            reason = f"{label} timed out reading the request (HTTP 408)"
        else:
            reason = f"{label} had a problem on its side (HTTP {status})"
        if said:
            reason += f": {said}"
        raise TransientError(reason, status_code=status, response=summary, retry_after=retry_after)
    if status in (401, 403):
        reason = f"{label} refused our credentials (HTTP {status})"
    elif 400 <= status < 500:
        reason = f"{label} refused the message (HTTP {status})"
    else:
        # Redirects and other oddities mean the base URL points somewhere unexpected.
        reason = f"{label} gave an unexpected answer (HTTP {status}); check its base URL"
    if said:
        reason = f"{said} ({reason})"
    raise PermanentError(reason, status_code=status, response=summary)


def _provider_words(
    response: httpx.Response, read_message: ErrorMessageReader | None, secrets: tuple[str, ...]
) -> str | None:
    if read_message is None:
        return None
    try:
        data: object = json.loads(response.content)
    except (ValueError, RecursionError):  # deeply nested JSON is no reason either
        return None
    words = read_message(data)
    return shorten(redact(words, secrets)) if words else None
