"""Our Twilio and SendGrid requests, as the loopback server received them, against the official specs.

The specs are the vendors' own OpenAPI documents in ../shared/peers/. Each
captured request is validated with openapi-core as if it had gone to the
spec's server (the loopback host stands in for api.twilio.com): path and
path parameters, query parameters, security (basic auth / bearer) and the
body against the operation's schema. The canned answers our tests feed the
clients are validated as responses too, so the clients are tested on
realistic data.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.exceptions import OpenAPIError
from werkzeug.datastructures import Headers, ImmutableMultiDict

from rxmsg_tui.providers.sendgrid import SendGridProvider
from rxmsg_tui.providers.twilio import TwilioProvider
from tests.providers.loopback_http import LoopbackHttpServer, Recorded, Reply
from tests.providers.support import (
    EMAIL_FROM,
    SENDGRID_KEY,
    TIMEOUTS,
    TWILIO_FROM,
    TWILIO_SID,
    TWILIO_TOKEN,
    email,
    sid,
    sms,
    twilio_message,
    twilio_page,
)

PEERS = Path(__file__).resolve().parents[2].parent / "shared" / "peers"
TWILIO_SERVER = "https://api.twilio.com"
SENDGRID_SERVER = "https://api.sendgrid.com"


def _load(name: str) -> OpenAPI:
    path = PEERS / name
    if not path.exists():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the contract tests: {path} is missing")
        pytest.skip(f"official spec {path} is not present")
    # json, not from_path: the YAML loader rejects the spec's escaped emoji. The vendor's
    # document is taken as given (no self-check: 4.5 s for Twilio's 1.9 MB, and not ours to fix).
    return OpenAPI.from_dict(
        json.loads(path.read_text("utf-8")), config=Config(spec_validator_cls=None)
    )


@pytest.fixture(scope="session")
def twilio_spec() -> OpenAPI:
    return _load("twilio_api_v2010.json")


@pytest.fixture(scope="session")
def sendgrid_spec() -> OpenAPI:
    return _load("sendgrid_mail_v3.json")


class CapturedRequest:
    """openapi-core's Request protocol over a request the loopback server received."""

    def __init__(self, recorded: Recorded, host_url: str) -> None:
        parts = urlsplit(recorded.target)
        self.host_url = host_url
        self.path = parts.path
        self.method = recorded.method.lower()
        self.body: bytes | None = recorded.body
        self.content_type = recorded.headers.get("content-type", "").lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(parts.query, keep_blank_values=True)),
            header=Headers(recorded.headers),
        )


class CannedResponse:
    """openapi-core's Response protocol over an answer the loopback server gave."""

    def __init__(self, reply: Reply) -> None:
        self.data, headers = reply.payload()
        self.status_code = reply.status
        self.headers = Headers(headers)
        self.content_type = headers.get("Content-Type", "").lower()


@pytest.fixture
def twilio(http_server: LoopbackHttpServer) -> Iterator[TwilioProvider]:
    provider = TwilioProvider(
        account_sid=TWILIO_SID,
        auth_token=TWILIO_TOKEN,
        from_number=TWILIO_FROM,
        base_url=http_server.base_url,
        timeouts=TIMEOUTS,
    )
    yield provider
    provider.close()


@pytest.fixture
def sendgrid(http_server: LoopbackHttpServer) -> Iterator[SendGridProvider]:
    provider = SendGridProvider(
        api_key=SENDGRID_KEY,
        from_address=EMAIL_FROM,
        base_url=http_server.base_url,
        timeouts=TIMEOUTS,
    )
    yield provider
    provider.close()


def _twilio_exchange(twilio: TwilioProvider, http_server: LoopbackHttpServer) -> list[Reply]:
    """Every kind of request the Twilio client makes: send, status, and two pages of replies."""
    next_uri = f"/2010-04-01/Accounts/{TWILIO_SID}/Messages.json?To=%2B15557654321&PageSize=100&Page=1&PageToken=PA42"
    inbound = twilio_message(sid("SM", 9), direction="inbound", status="received", to=TWILIO_FROM)
    replies = [
        Reply(201, twilio_message(sid("SM", 1))),
        Reply(200, twilio_message(sid("SM", 1), status="delivered")),
        Reply(200, twilio_page([inbound], next_uri)),
        Reply(200, twilio_page([], None, page=1)),
    ]
    http_server.script(*replies)
    twilio.send(sms())
    twilio.status(sid("SM", 1))
    twilio.poll_inbound(datetime(2026, 3, 2, 15, 30, tzinfo=UTC))
    assert len(http_server.requests) == len(replies)
    return replies


def test_twilio_requests_match_the_official_spec(
    twilio_spec: OpenAPI, twilio: TwilioProvider, http_server: LoopbackHttpServer
) -> None:
    replies = _twilio_exchange(twilio, http_server)
    for recorded, reply in zip(http_server.requests, replies, strict=True):
        request = CapturedRequest(recorded, TWILIO_SERVER)
        twilio_spec.validate_request(request)
        twilio_spec.validate_response(request, CannedResponse(reply))


def test_sendgrid_requests_match_the_official_spec(
    sendgrid_spec: OpenAPI, sendgrid: SendGridProvider, http_server: LoopbackHttpServer
) -> None:
    accepted = Reply(202, b"", {"X-Message-Id": "sg-1"})
    http_server.script(accepted, accepted)
    sendgrid.send(email())
    sendgrid.send(email(html=None))
    for recorded in http_server.requests:
        request = CapturedRequest(recorded, SENDGRID_SERVER)
        sendgrid_spec.validate_request(request)
        sendgrid_spec.validate_response(request, CannedResponse(accepted))


def _rejected(spec: OpenAPI, recorded: Recorded, server: str, *because: str) -> None:
    """Rejected, and for the reason expected (any of the wordings jsonschema versions use)."""
    with pytest.raises(OpenAPIError) as caught:
        spec.validate_request(CapturedRequest(recorded, server))
    said = f"{caught.value} {caught.value.__cause__}"
    assert any(reason in said for reason in because), said


def test_the_check_catches_broken_twilio_requests(
    twilio_spec: OpenAPI, twilio: TwilioProvider, http_server: LoopbackHttpServer
) -> None:
    """Proof the validation has teeth: the same captures, each broken one way, are rejected."""
    _twilio_exchange(twilio, http_server)
    send, status = http_server.requests[0], http_server.requests[1]
    no_to = urlencode({k: v for k, v in send.form().items() if k != "To"}).encode()
    no_auth = {k: v for k, v in send.headers.items() if k != "authorization"}
    short_sid = send.target.replace(TWILIO_SID, "AC123")
    bad_sid = status.target.replace(sid("SM", 1), "XX" + "0" * 32)
    _rejected(twilio_spec, replace(send, body=no_to), TWILIO_SERVER, "'To' is a required property")
    _rejected(twilio_spec, replace(send, headers=no_auth), TWILIO_SERVER, "accountSid_authToken")
    _rejected(twilio_spec, replace(send, target=short_sid), TWILIO_SERVER, "AccountSid")
    _rejected(twilio_spec, replace(status, target=bad_sid), TWILIO_SERVER, "path parameter: Sid")


def test_the_check_catches_broken_sendgrid_requests(
    sendgrid_spec: OpenAPI, sendgrid: SendGridProvider, http_server: LoopbackHttpServer
) -> None:
    http_server.script(Reply(202))
    sendgrid.send(email())
    (sent,) = http_server.requests
    payload = sent.json()
    cases: list[tuple[dict[str, object], tuple[str, ...]]] = [
        ({k: v for k, v in payload.items() if k != "from"}, ("'from' is a required property",)),
        ({**payload, "personalizations": [{"custom_args": {}}]}, ("'to' is a required property",)),
        (
            {**payload, "content": [{"type": "text/plain", "value": ""}]},
            ("should be non-empty", "is too short"),
        ),
    ]
    for body, because in cases:
        broken = replace(sent, body=json.dumps(body).encode())
        _rejected(sendgrid_spec, broken, SENDGRID_SERVER, *because)
    no_auth = {k: v for k, v in sent.headers.items() if k != "authorization"}
    _rejected(sendgrid_spec, replace(sent, headers=no_auth), SENDGRID_SERVER, "BearerAuth")
