"""The Test action of Outbound Messaging Setup: one real, harmless request to each provider.

Each check sends nothing to a patient and changes nothing at the provider:

- Twilio: `GET /2010-04-01/Accounts/{sid}.json` with the account SID and auth token.
- SendGrid: `GET /v3/scopes`, which any API key may call; the key must hold `mail.send`.
- SMTP: connect, EHLO, STARTTLS when offered (required, as for sending), AUTH when a
  user is set, QUIT.
- Message Routing API: `GET v1/inbound?since=<now>` (docs/message-routing-api.md,
  "Checking the connection"): read-only, authenticated, and normally empty.
- IVR: a `{"op":"ping"}` → `{"op":"pong"}` round trip (docs/ivr-protocol.md), so a port
  where something else listens is named as not an IVR.

The answer is a `CheckResult` whose message is the provider's own reason on
failure (HTTP status and error text, refused connections, failed name lookups,
timeouts) in plain words. A check never raises: staff see a line, not a traceback.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

import httpx

from rxmsg_tui.config import Settings
from rxmsg_tui.domain.settings_keys import SettingError, validate
from rxmsg_tui.providers.base import ProviderError
from rxmsg_tui.providers.check_words import (
    CheckResult,
    CheckTarget,
    http_failure,
    missing,
    network_failure,
    with_sender,
)
from rxmsg_tui.providers.credentials import (
    IVR,
    ROUTING,
    SENDGRID,
    SMTP,
    TWILIO,
)
from rxmsg_tui.providers.http_client import HttpTimeouts, build_client, json_object
from rxmsg_tui.providers.http_errors import redact
from rxmsg_tui.providers.ivr import ping_ivr
from rxmsg_tui.providers.routing import routing_error_message
from rxmsg_tui.providers.sendgrid import sendgrid_error_message
from rxmsg_tui.providers.smtp_check import check_smtp
from rxmsg_tui.providers.twilio import twilio_error_message

__all__ = ["CheckResult", "CheckTarget", "check_provider"]

log = logging.getLogger(__name__)


def check_provider(settings: Settings, provider: str, target: CheckTarget) -> CheckResult:
    """Talk to `provider` once and say whether it accepts rxmsg's configuration."""
    checks: dict[str, Callable[[Settings, CheckTarget], CheckResult]] = {
        TWILIO: _twilio,
        SENDGRID: _sendgrid,
        SMTP: check_smtp,
        ROUTING: _routing,
        IVR: _ivr,
    }
    check = checks.get(provider)
    if check is None:
        return CheckResult(False, f"there is no test for {provider!r}")
    try:
        return check(settings, target)
    except Exception as exc:  # a check answers in words, whatever went wrong
        log.exception("the %s check failed unexpectedly", provider)
        return CheckResult(False, f"the test itself failed: {type(exc).__name__}: {exc}")


def _http_get(
    base_url: str,
    path: str,
    *,
    label: str,
    timeouts: HttpTimeouts,
    secrets: tuple[str, ...],
    read_message: Callable[[object], str | None],
    auth: httpx.Auth | None = None,
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> httpx.Response | CheckResult:
    """The 2xx answer, or a failed result in words."""
    try:
        with build_client(base_url, timeouts, auth=auth, headers=headers) as client:
            response = client.get(path, params=params)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        return CheckResult(False, f"the {label} address {base_url!r} is not a usable URL: {exc}")
    except httpx.HTTPError as exc:
        where = httpx.URL(base_url)
        words = network_failure(exc, label, where.host, where.port, timeouts.read)
        return CheckResult(False, redact(words, secrets))
    if 200 <= response.status_code < 300:
        return response
    return CheckResult(False, http_failure(response, label, secrets, read_message))


def _twilio(settings: Settings, target: CheckTarget) -> CheckResult:
    sid, token = settings.twilio_account_sid, settings.twilio_auth_token
    unset = missing(("twilio_account_sid", sid), ("twilio_auth_token", token))
    if unset is not None or sid is None or token is None:
        return unset or CheckResult(False, "not set up")
    secret = token.get_secret_value()
    answer = _http_get(
        settings.twilio_base_url,
        f"/2010-04-01/Accounts/{sid}.json",
        label="Twilio",
        timeouts=target.timeouts,
        secrets=(secret,),
        read_message=twilio_error_message,
        auth=httpx.BasicAuth(sid, secret),
    )
    if isinstance(answer, CheckResult):
        return answer
    account = json_object(answer)
    name = account.get("friendly_name")
    status = account.get("status")
    called = f"account {name!r}" if isinstance(name, str) and name else "the account"
    if isinstance(status, str) and status != "active":
        return CheckResult(False, f"Twilio says {called} is {status}; it cannot send SMS")
    missing_from = missing(("twilio_from", settings.twilio_from))
    if missing_from is not None:
        return CheckResult(False, f"credentials accepted, but {missing_from.message}")
    return CheckResult(True, f"Twilio accepted the credentials; {called} is active")


def _sendgrid(settings: Settings, target: CheckTarget) -> CheckResult:
    key = settings.sendgrid_api_key
    if key is None:
        return missing(("sendgrid_api_key", None)) or CheckResult(False, "not set up")
    secret = key.get_secret_value()
    answer = _http_get(
        settings.sendgrid_base_url,
        "/v3/scopes",
        label="SendGrid",
        timeouts=target.timeouts,
        secrets=(secret,),
        read_message=sendgrid_error_message,
        headers={"Authorization": f"Bearer {secret}"},
    )
    if isinstance(answer, CheckResult):
        return answer
    scopes = json_object(answer).get("scopes")
    if isinstance(scopes, list) and "mail.send" not in scopes:
        return CheckResult(False, "SendGrid accepted the API key, but it may not send mail")
    return with_sender(settings, "SendGrid accepted the API key")


def _routing(settings: Settings, target: CheckTarget) -> CheckResult:
    base, key = settings.routing_base_url, settings.routing_api_key
    unset = missing(("routing_base_url", base), ("routing_api_key", key))
    if unset is not None or base is None or key is None:
        return unset or CheckResult(False, "not set up")
    secret = key.get_secret_value()
    since = (target.now or datetime.now(UTC)).astimezone(UTC)
    answer = _http_get(
        base,
        "v1/inbound",
        label="the Message Routing API",
        timeouts=target.timeouts,
        secrets=(secret,),
        read_message=routing_error_message,
        headers={"Authorization": f"Bearer {secret}", "Accept": "application/json"},
        params={"since": since.strftime("%Y-%m-%dT%H:%M:%SZ")},
    )
    if isinstance(answer, CheckResult):
        return answer
    return CheckResult(True, "the Message Routing API accepted the API key")


def _ivr(settings: Settings, target: CheckTarget) -> CheckResult:
    host, port = target.ivr_host, target.ivr_port
    if not host:
        return CheckResult(False, "no IVR computer set: enter its IP address or name first")
    try:
        validate("setup.ivr_host", host)
        validate("setup.ivr_port", port)
    except SettingError as exc:  # "setup.ivr_host: …": the screen shows it by the IVR row
        return CheckResult(False, str(exc).partition(": ")[2] or str(exc))
    try:
        seconds = ping_ivr(host, port, target.ivr_timeout)
    except ProviderError as exc:
        return CheckResult(False, exc.reason)
    except OSError as exc:
        return CheckResult(
            False, network_failure(exc, "the IVR computer", host, port, target.ivr_timeout)
        )
    return CheckResult(True, f"the IVR computer answers at {host}:{port} ({seconds * 1000:.0f} ms)")
