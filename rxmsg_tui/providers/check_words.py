"""A provider check's answer, and its failures in the words staff read.

Sending (providers/http_errors.py) sorts failures into try-again and give-up;
a check only has to say what happened, so the wording here names the
address, the refusal or the silence, and the provider's own error text.
"""

from __future__ import annotations

import errno
import json
import socket
import ssl
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

import httpx

from rxmsg_tui.config import Settings
from rxmsg_tui.providers.credentials import env_name
from rxmsg_tui.providers.http_client import HttpTimeouts
from rxmsg_tui.providers.http_errors import redact, shorten

CHECK_TIMEOUTS = HttpTimeouts(connect=5.0, read=10.0, write=10.0, pool=5.0, max_connections=1)
IVR_TIMEOUT = 3.0


@dataclass(frozen=True)
class CheckResult:
    ok: bool
    message: str


@dataclass(frozen=True)
class CheckTarget:
    """What a check needs besides Settings: the IVR address as typed, and test seams."""

    ivr_host: str = ""
    ivr_port: int = 0
    timeouts: HttpTimeouts = CHECK_TIMEOUTS
    ivr_timeout: float = IVR_TIMEOUT
    ssl_context: ssl.SSLContext | None = None
    """Trust for SMTP's TLS; the system's CAs when None."""
    now: datetime | None = None


def missing(*pairs: tuple[str, object]) -> CheckResult | None:
    """`not set up: RXMSG_… is not set`, or None when every value is there."""
    names = [env_name(field) for field, value in pairs if value is None or value == ""]
    if not names:
        return None
    verb = "is" if len(names) == 1 else "are"
    return CheckResult(False, f"not set up: {', '.join(names)} {verb} not set")


def with_sender(settings: Settings, success: str) -> CheckResult:
    """Email needs a sender address too: accepted credentials without one still cannot send."""
    missing_from = missing(("email_from", settings.email_from))
    if missing_from is not None:
        return CheckResult(False, f"{success}, but {missing_from.message} (the sender's address)")
    return CheckResult(True, success)


def http_failure(
    response: httpx.Response,
    label: str,
    secrets: tuple[str, ...],
    read_message: Callable[[object], str | None],
) -> str:
    """`Twilio refused the credentials (HTTP 401): Authenticate (Twilio error 20003)`."""
    status = response.status_code
    said = _provider_words(response, read_message)
    if said is None:
        body = " ".join(response.text.split())
        said = body if body and not body.startswith("<") else response.reason_phrase
    if status in (401, 403):
        what = f"{label} refused the credentials (HTTP {status})"
    elif 300 <= status < 400:
        where = response.headers.get("Location", "elsewhere")
        what = f"{label} sent us to {where} (HTTP {status}); check the base URL"
    elif status == 404:
        what = f"{label} does not know this account or address (HTTP 404)"
    elif status >= 500:
        what = f"{label} had a problem on its side (HTTP {status})"
    else:
        what = f"{label} answered HTTP {status}"
    return shorten(redact(f"{what}: {said}" if said else what, secrets))


def _provider_words(
    response: httpx.Response, read_message: Callable[[object], str | None]
) -> str | None:
    try:
        data: object = json.loads(response.content)
    except (ValueError, RecursionError):
        return None
    return read_message(data)


def _causes(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def network_failure(
    exc: BaseException, label: str, host: str, port: int | None, timeout: float
) -> str:
    """What the network did, in plain words, from the error and whatever caused it."""
    where = f"{host}:{port}" if port else host
    for cause in _causes(exc):
        if isinstance(cause, httpx.ConnectTimeout):
            return f"{label} at {where} did not accept a connection within {timeout:g} seconds"
        if isinstance(cause, httpx.TimeoutException | TimeoutError | socket.timeout):
            return f"{label} at {where} did not answer within {timeout:g} seconds"
        if isinstance(cause, socket.gaierror):
            return f"cannot find {host!r}: the name does not resolve to an address (DNS)"
        if isinstance(cause, ConnectionRefusedError):
            return f"connection refused at {where}: nothing is listening there"
        if isinstance(cause, ssl.SSLCertVerificationError):
            return f"the certificate of {host} could not be verified: {cause.verify_message}"
        if isinstance(cause, ssl.SSLError):
            return f"the secure connection to {where} failed: {cause.reason or cause}"
        if isinstance(cause, ConnectionResetError | httpx.RemoteProtocolError):
            return f"{label} at {where} closed the connection without an answer"
        if isinstance(cause, OSError) and cause.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return f"{where} cannot be reached from this computer (no route to it)"
    detail = str(exc) or type(exc).__name__
    return f"could not talk to {label} at {where}: {detail}"
