"""The Test action per provider against real loopback servers: what it asks and what staff read."""

from __future__ import annotations

import base64
import socket
import ssl
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from rxmsg_tui.config import Settings, write_config_file
from rxmsg_tui.devices.ivr_sim import IvrSimulator
from rxmsg_tui.services.provider_check import (
    CheckResult,
    CheckTarget,
    check_provider,
    describe_providers,
)
from tests.providers import conftest as loopback
from tests.providers.loopback_http import LoopbackHttpServer, Reply
from tests.providers.loopback_smtp import SMTP_PASSWORD, SMTP_USER, LoopbackController
from tests.providers.support import (
    EMAIL_FROM,
    ROUTING_KEY,
    SENDGRID_KEY,
    SHORT_READ,
    SLOW,
    TIMEOUTS,
    TWILIO_FROM,
    TWILIO_SID,
    TWILIO_TOKEN,
)

# The loopback servers' fixtures, shared with the provider tests.
certificate_authority = loopback.certificate_authority
server_tls = loopback.server_tls
client_tls = loopback.client_tls
closed_port = loopback.closed_port
http_server = loopback.http_server
smtp_handler = loopback.smtp_handler
smtp_server = loopback.smtp_server
plain_smtp_server = loopback.plain_smtp_server

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)
TARGET = CheckTarget(timeouts=TIMEOUTS, now=NOW)
ACCOUNT = {"sid": TWILIO_SID, "friendly_name": "Main St Rx", "status": "active"}


@pytest.fixture(autouse=True)
def no_config_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RXMSG_CONFIG_FILE", str(tmp_path / "absent.toml"))


def settings(**values: Any) -> Settings:
    secrets = ("twilio_auth_token", "sendgrid_api_key", "smtp_password", "routing_api_key")
    return Settings(**{k: SecretStr(v) if k in secrets else v for k, v in values.items()})


def twilio(base_url: str, token: str = TWILIO_TOKEN) -> Settings:
    return settings(
        twilio_account_sid=TWILIO_SID,
        twilio_auth_token=token,
        twilio_from=TWILIO_FROM,
        twilio_base_url=base_url,
    )


def check(values: Settings, provider: str, target: CheckTarget = TARGET) -> CheckResult:
    result = check_provider(values, provider, target)
    for secret in (TWILIO_TOKEN, SENDGRID_KEY, ROUTING_KEY, SMTP_PASSWORD):
        assert secret not in result.message
    return result


def test_twilio_fetches_the_account_with_basic_auth(http_server: LoopbackHttpServer) -> None:
    http_server.script(Reply(200, {**ACCOUNT, "auth_token": TWILIO_TOKEN}))
    result = check(twilio(http_server.base_url), "twilio")
    assert result == CheckResult(
        True, "Twilio accepted the credentials; account 'Main St Rx' is active"
    )
    (request,) = http_server.requests
    assert (request.method, request.path) == ("GET", f"/2010-04-01/Accounts/{TWILIO_SID}.json")
    expected = base64.b64encode(f"{TWILIO_SID}:{TWILIO_TOKEN}".encode()).decode()
    assert request.headers["authorization"] == f"Basic {expected}"


def test_twilio_wrong_token_shows_status_and_twilios_words(http_server: LoopbackHttpServer) -> None:
    body = {"code": 20003, "message": "Authenticate", "status": 401}
    http_server.script(Reply(401, body))
    result = check(twilio(http_server.base_url, token="wrong-token-1234567890"), "twilio")
    assert result == CheckResult(
        False, "Twilio refused the credentials (HTTP 401): Authenticate (Twilio error 20003)"
    )


def test_twilio_suspended_account_is_a_failure(http_server: LoopbackHttpServer) -> None:
    http_server.script(Reply(200, {**ACCOUNT, "status": "suspended"}))
    result = check(twilio(http_server.base_url), "twilio")
    assert result == CheckResult(
        False, "Twilio says account 'Main St Rx' is suspended; it cannot send SMS"
    )


def test_slow_provider_is_a_timeout_in_plain_words(http_server: LoopbackHttpServer) -> None:
    http_server.script(Reply(200, ACCOUNT, delay=SLOW))
    target = CheckTarget(timeouts=SHORT_READ)
    result = check(twilio(http_server.base_url), "twilio", target)
    host = http_server.base_url.removeprefix("http://")
    assert result == CheckResult(False, f"Twilio at {host} did not answer within 0.3 seconds")


def test_refused_connection_names_the_address(closed_port: int) -> None:
    result = check(twilio(f"http://127.0.0.1:{closed_port}"), "twilio")
    assert result == CheckResult(
        False, f"connection refused at 127.0.0.1:{closed_port}: nothing is listening there"
    )


def test_sendgrid_asks_for_the_keys_scopes(http_server: LoopbackHttpServer) -> None:
    http_server.script(Reply(200, {"scopes": ["mail.send", "mail.batch.read"]}))
    values = settings(
        sendgrid_api_key=SENDGRID_KEY, sendgrid_base_url=http_server.base_url, email_from=EMAIL_FROM
    )
    assert check(values, "sendgrid") == CheckResult(True, "SendGrid accepted the API key")
    (request,) = http_server.requests
    assert (request.method, request.path) == ("GET", "/v3/scopes")
    assert request.headers["authorization"] == f"Bearer {SENDGRID_KEY}"


def test_sendgrid_key_without_mail_send_or_refused(http_server: LoopbackHttpServer) -> None:
    values = settings(
        sendgrid_api_key=SENDGRID_KEY, sendgrid_base_url=http_server.base_url, email_from=EMAIL_FROM
    )
    http_server.script(
        Reply(200, {"scopes": ["user.profile.read"]}),
        Reply(403, {"errors": [{"field": None, "message": "access forbidden"}]}),
    )
    assert check(values, "sendgrid") == CheckResult(
        False, "SendGrid accepted the API key, but it may not send mail"
    )
    assert check(values, "sendgrid") == CheckResult(
        False, "SendGrid refused the credentials (HTTP 403): access forbidden"
    )


def test_routing_reads_inbound_since_now_with_its_bearer_key(
    http_server: LoopbackHttpServer,
) -> None:
    values = settings(
        routing_base_url=f"{http_server.base_url}/rxmsg/", routing_api_key=ROUTING_KEY
    )
    http_server.script(
        Reply(200, {"messages": [], "next_cursor": None}),
        Reply(503, {"error": {"code": "down", "message": "The carrier link is down"}}),
    )
    ok = check(values, "routing")
    assert ok == CheckResult(True, "the Message Routing API accepted the API key")
    request = http_server.requests[0]
    assert (request.method, request.path) == ("GET", "/rxmsg/v1/inbound")
    assert request.query == {"since": "2026-03-02T15:30:00Z"}
    assert request.headers["authorization"] == f"Bearer {ROUTING_KEY}"
    assert check(values, "routing") == CheckResult(
        False,
        "the Message Routing API had a problem on its side (HTTP 503): The carrier link is down",
    )


def smtp_values(server: LoopbackController, password: str = SMTP_PASSWORD) -> Settings:
    return settings(
        smtp_host="127.0.0.1",
        smtp_port=server.port,
        smtp_user=SMTP_USER,
        smtp_password=password,
        email_from=EMAIL_FROM,
    )


def test_smtp_starttls_and_login(
    smtp_server: LoopbackController, client_tls: ssl.SSLContext
) -> None:
    target = CheckTarget(timeouts=TIMEOUTS, ssl_context=client_tls)
    result = check(smtp_values(smtp_server), "smtp", target)
    assert result == CheckResult(
        True,
        f"the mail server 127.0.0.1:{smtp_server.port} answered with STARTTLS, "
        f"login as {SMTP_USER} accepted",
    )
    wrong = check(smtp_values(smtp_server, "not-the-password"), "smtp", target)
    assert not wrong.ok
    assert wrong.message.startswith("the mail server refused the login (535): 5.7.8")


def test_smtp_untrusted_certificate_and_no_starttls(
    smtp_server: LoopbackController, plain_smtp_server: LoopbackController
) -> None:
    untrusted = check(smtp_values(smtp_server), "smtp", CheckTarget(timeouts=TIMEOUTS))
    assert untrusted.message.startswith("the certificate of 127.0.0.1 could not be verified")
    plain = check(smtp_values(plain_smtp_server), "smtp", TARGET)
    assert plain == CheckResult(
        False,
        f"the mail server 127.0.0.1:{plain_smtp_server.port} does not offer STARTTLS; "
        "rxmsg never sends patient email or a password unencrypted",
    )


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        yield server.getsockname()[1]


def test_ivr_pings_the_address_as_typed(closed_port: int) -> None:
    ivr = IvrSimulator(log=lambda _line: None).start()
    try:
        ok = check(settings(), "ivr", CheckTarget(ivr_host="127.0.0.1", ivr_port=ivr.port))
    finally:
        ivr.stop()
    assert ok.ok and ok.message.startswith(f"the IVR computer answers at 127.0.0.1:{ivr.port} (")
    refused = check(settings(), "ivr", CheckTarget(ivr_host="127.0.0.1", ivr_port=closed_port))
    assert refused.message == (
        f"connection refused at 127.0.0.1:{closed_port}: nothing is listening there"
    )
    empty = check(settings(), "ivr", CheckTarget(ivr_port=closed_port))
    assert empty.message == "no IVR computer set: enter its IP address or name first"


def test_a_port_that_listens_but_is_not_an_ivr_is_named(listener: int) -> None:
    target = CheckTarget(ivr_host="127.0.0.1", ivr_port=listener, ivr_timeout=0.3)
    silent = check(settings(), "ivr", target)
    assert silent == CheckResult(
        False,
        f"something listens at 127.0.0.1:{listener} but did not answer the IVR ping "
        "within 0.3 s: is it the IVR interface?",
    )


def test_unknown_host_name_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    """No name lookups leave this machine in tests: the resolver's answer is stood in for."""

    def no_such_name(*_args: object, **_kwargs: object) -> object:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    result = check(settings(), "ivr", CheckTarget(ivr_host="ivr-pc", ivr_port=5060))
    assert result == CheckResult(
        False, "cannot find 'ivr-pc': the name does not resolve to an address (DNS)"
    )


def test_unset_credentials_are_named_without_a_request() -> None:
    assert check(settings(twilio_account_sid=TWILIO_SID), "twilio") == CheckResult(
        False, "not set up: RXMSG_TWILIO_AUTH_TOKEN is not set"
    )
    assert check(settings(), "routing").message == (
        "not set up: RXMSG_ROUTING_BASE_URL, RXMSG_ROUTING_API_KEY are not set"
    )
    assert check(settings(), "smtp").message == "not set up: RXMSG_SMTP_HOST is not set"
    assert check(settings(twilio_base_url="ftp://x"), "nothing").message == (
        "there is no test for 'nothing'"
    )


def test_credentials_are_masked_and_say_where_they_come_from(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = write_config_file({"sendgrid_api_key": SENDGRID_KEY}, tmp_path / "config.toml")
    monkeypatch.setenv("RXMSG_CONFIG_FILE", str(config))
    monkeypatch.setenv("RXMSG_TWILIO_ACCOUNT_SID", TWILIO_SID)
    monkeypatch.setenv("RXMSG_TWILIO_AUTH_TOKEN", TWILIO_TOKEN)
    shown = describe_providers(Settings(), ivr_host="10.0.0.5", ivr_port=5060)
    lines = {s.provider: (s.details, s.source, s.configured) for s in shown}
    assert lines == {
        "twilio": (
            "account AC••••••••cdef · token •••••••• · from not set",
            "RXMSG_* environment",
            True,
        ),
        "sendgrid": ("API key •••••••• · from not set", "config file", True),
        "smtp": ("host not set · no user · password not set", "not set", False),
        "routing": ("URL not set · key not set", "not set", False),
        "ivr": ("10.0.0.5:5060", "Outbound Messaging Setup", True),
    }
    for summary in shown:
        for secret in (TWILIO_SID, TWILIO_TOKEN, SENDGRID_KEY):
            assert secret not in f"{summary}"
