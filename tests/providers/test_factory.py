"""Choosing each method's provider from the environment, the config file and the setup values."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
import pytest

from rxmsg_tui.config import ConfigError, Settings, load_settings, write_config_file
from rxmsg_tui.domain.vocabulary import Method
from rxmsg_tui.providers.factory import OutboundSetup, build_providers, display_url, mask
from rxmsg_tui.providers.http_client import HttpTimeouts
from rxmsg_tui.providers.outbox import OutboxProvider
from rxmsg_tui.providers.routing import RoutingProvider
from rxmsg_tui.providers.sendgrid import SendGridProvider
from rxmsg_tui.providers.smtp import SmtpProvider
from rxmsg_tui.providers.twilio import TwilioProvider
from tests.providers.loopback_http import LoopbackHttpServer, Reply
from tests.providers.loopback_smtp import SMTP_PASSWORD
from tests.providers.support import (
    EMAIL_FROM,
    ROUTING_KEY,
    SENDGRID_KEY,
    TWILIO_FROM,
    TWILIO_SID,
    TWILIO_TOKEN,
    sid,
    sms,
    twilio_message,
)

SERVICES = OutboundSetup(
    email_using="email_service_api", sms_using="sms_service_api", call_using="ivr"
)
SECRETS = (TWILIO_TOKEN, SENDGRID_KEY, ROUTING_KEY, SMTP_PASSWORD)


@pytest.fixture(autouse=True)
def _isolated(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    for key in list(os.environ):
        if key.startswith("RXMSG_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("RXMSG_DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "cfg" / "config.toml"
    monkeypatch.setenv("RXMSG_CONFIG_FILE", str(path))
    return path


def _env(monkeypatch: pytest.MonkeyPatch, **values: str) -> Settings:
    for key, value in values.items():
        monkeypatch.setenv(f"RXMSG_{key.upper()}", value)
    return load_settings()


def _assert_no_secret_shown(descriptions: list[str]) -> None:
    for text in descriptions:
        for secret in SECRETS:
            assert secret not in text


def test_no_credentials_means_the_outbox(tmp_path: Path) -> None:
    providers = build_providers(load_settings(), SERVICES)
    email, text = providers.for_method(Method.EMAIL), providers.for_method(Method.SMS)
    assert isinstance(email, OutboxProvider) and email is text
    assert email.directory == tmp_path / "data" / "outbox"
    assert (
        providers.choice(Method.SMS).description
        == f"Outbox: files in {tmp_path / 'data' / 'outbox'}"
    )
    assert providers.for_method(Method.CALL) is None
    assert providers.choice(Method.CALL).needs_ivr
    providers.close()


def test_twilio_and_sendgrid_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _env(
        monkeypatch,
        twilio_account_sid=TWILIO_SID,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_from=TWILIO_FROM,
        sendgrid_api_key=SENDGRID_KEY,
        email_from=EMAIL_FROM,
        smtp_host="mail.example.org",  # SendGrid wins when both are set
    )
    timeouts = HttpTimeouts(connect=1.5, read=7.0)
    providers = build_providers(settings, SERVICES, timeouts=timeouts)
    twilio, sendgrid = providers.for_method(Method.SMS), providers.for_method(Method.EMAIL)
    assert isinstance(twilio, TwilioProvider) and isinstance(sendgrid, SendGridProvider)

    sms_text = providers.choice(Method.SMS).description
    assert sms_text == (
        "Twilio at https://api.twilio.com (account AC01…cdef, from +15557654321, auth token set)"
    )
    assert TWILIO_SID not in sms_text
    assert providers.choice(Method.EMAIL).description == (
        f"SendGrid at https://api.sendgrid.com (from {EMAIL_FROM}, API key set)"
    )
    _assert_no_secret_shown([c.description for c in providers])

    client, email_client = twilio._http.client, sendgrid._http.client
    assert client.timeout == httpx.Timeout(connect=1.5, read=7.0, write=15.0, pool=5.0)
    assert client._transport._pool._max_connections == timeouts.max_connections  # type: ignore[attr-defined]
    providers.close()
    assert client.is_closed and email_client.is_closed


def test_smtp_when_there_is_no_sendgrid_key(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _env(
        monkeypatch,
        smtp_host="mail.example.org",
        smtp_user="pharmacy-relay",
        smtp_password=SMTP_PASSWORD,
        email_from=EMAIL_FROM,
    )
    providers = build_providers(settings, SERVICES)
    smtp = providers.for_method(Method.EMAIL)
    assert isinstance(smtp, SmtpProvider) and smtp.require_starttls
    description = providers.choice(Method.EMAIL).description
    assert description == (
        f"SMTP mail.example.org:587 with STARTTLS (from {EMAIL_FROM}, user phar…elay, password set)"
    )
    _assert_no_secret_shown([description, repr(smtp)])


def test_routing_api_for_sms(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = _env(
        monkeypatch,
        routing_base_url="https://ops:pw@router.example.com/rxmsg/",
        routing_api_key=ROUTING_KEY,
    )
    setup = OutboundSetup(sms_using="message_routing_api")
    providers = build_providers(settings, setup)
    assert isinstance(providers.for_method(Method.SMS), RoutingProvider)
    description = providers.choice(Method.SMS).description
    assert description == "Message Routing API at https://router.example.com/rxmsg/ (API key set)"
    assert providers.for_method(Method.EMAIL) is None
    assert providers.choice(Method.EMAIL).description == "Off"
    providers.close()


def test_routing_without_settings_falls_back_to_the_outbox() -> None:
    providers = build_providers(load_settings(), OutboundSetup(sms_using="message_routing_api"))
    assert isinstance(providers.for_method(Method.SMS), OutboxProvider)


def test_credentials_from_the_private_config_file(_isolated: Path) -> None:
    write_config_file(
        {
            "twilio_account_sid": TWILIO_SID,
            "twilio_auth_token": TWILIO_TOKEN,
            "twilio_from": TWILIO_FROM,
        },
        _isolated,
    )
    providers = build_providers(load_settings(), SERVICES)
    assert isinstance(providers.for_method(Method.SMS), TwilioProvider)
    providers.close()


@pytest.mark.parametrize(
    ("values", "setup", "missing"),
    [
        (
            {"twilio_account_sid": TWILIO_SID, "twilio_from": TWILIO_FROM},
            SERVICES,
            "RXMSG_TWILIO_AUTH_TOKEN",
        ),
        (
            {"routing_api_key": ROUTING_KEY},
            OutboundSetup(sms_using="message_routing_api"),
            "RXMSG_ROUTING_BASE_URL",
        ),
        ({"sendgrid_api_key": SENDGRID_KEY}, SERVICES, "RXMSG_EMAIL_FROM"),
        (
            {"smtp_host": "mail.example.org", "email_from": EMAIL_FROM, "smtp_user": "u"},
            SERVICES,
            "RXMSG_SMTP_PASSWORD",
        ),
    ],
)
def test_half_set_credentials_name_the_missing_key(
    monkeypatch: pytest.MonkeyPatch, values: dict[str, str], setup: OutboundSetup, missing: str
) -> None:
    with pytest.raises(ConfigError, match=missing) as caught:
        build_providers(_env(monkeypatch, **values), setup)
    for secret in SECRETS:
        assert secret not in str(caught.value)


def test_a_refused_setup_closes_what_it_already_built(monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[str] = []
    monkeypatch.setattr(SendGridProvider, "close", lambda self: closed.append("sendgrid"))
    settings = _env(
        monkeypatch, sendgrid_api_key=SENDGRID_KEY, email_from=EMAIL_FROM, twilio_from=TWILIO_FROM
    )
    with pytest.raises(ConfigError, match="RXMSG_TWILIO_ACCOUNT_SID"):
        build_providers(settings, SERVICES)
    assert closed == ["sendgrid"]


def test_half_set_credentials_of_an_unused_transport_are_ignored(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    settings = _env(monkeypatch, twilio_account_sid=TWILIO_SID)
    providers = build_providers(settings, OutboundSetup(sms_using="ivr"))
    assert providers.for_method(Method.SMS) is None and providers.choice(Method.SMS).needs_ivr


@pytest.mark.parametrize(
    "setup",
    [
        OutboundSetup(email_using="message_routing_api"),
        OutboundSetup(call_using="sms_service_api"),
        OutboundSetup(sms_using="carrier_pigeon"),
    ],
)
def test_unknown_setup_values_are_refused(setup: OutboundSetup) -> None:
    with pytest.raises(ConfigError, match="setup\\."):
        build_providers(load_settings(), setup)


def test_factory_built_twilio_sends(
    monkeypatch: pytest.MonkeyPatch, http_server: LoopbackHttpServer
) -> None:
    settings = _env(
        monkeypatch,
        twilio_account_sid=TWILIO_SID,
        twilio_auth_token=TWILIO_TOKEN,
        twilio_from=TWILIO_FROM,
        twilio_base_url=http_server.base_url,
    )
    http_server.script(Reply(201, twilio_message(sid("SM", 7))))
    providers = build_providers(settings, SERVICES)
    provider = providers.for_method(Method.SMS)
    assert provider is not None
    assert provider.send(sms()).provider_message_id == sid("SM", 7)
    assert http_server.requests[0].headers["idempotency-key"] == sms().uuid
    providers.close()


@pytest.mark.parametrize(
    ("value", "shown"),
    [(TWILIO_SID, "AC01…cdef"), ("pharmacy-relay", "phar…elay"), ("apikey", "ap…"), ("abc", "…")],
)
def test_mask(value: str, shown: str) -> None:
    assert mask(value) == shown


def test_display_url_drops_userinfo() -> None:
    assert display_url("https://u:p@[::1]:8443/x") == "https://[::1]:8443/x"
    assert display_url("https://api.twilio.com") == "https://api.twilio.com"
