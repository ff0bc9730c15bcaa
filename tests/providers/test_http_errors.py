"""The mapping of HTTP answers and transport failures to transient and permanent errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from rxmsg_tui.providers.base import PermanentError, TransientError
from rxmsg_tui.providers.http_client import json_object
from rxmsg_tui.providers.http_errors import (
    SUMMARY_LIMIT,
    check_response,
    parse_retry_after,
    summarize,
    transport_error,
)
from rxmsg_tui.providers.twilio import twilio_error_message

NOW = datetime(2026, 3, 2, 15, 30, tzinfo=UTC)


def _response(status: int, body: bytes = b"", **headers: str) -> httpx.Response:
    return httpx.Response(status, content=body, headers=headers)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("120", 120.0),
        (" 1.5 ", 1.5),
        ("0", 0.0),
        ("-5", None),
        (format_datetime(NOW + timedelta(seconds=90), usegmt=True), 90.0),
        ("Mon, 02 Mar 2026 15:29:00 GMT", None),
        ("1000000000000", None),
        ("inf", None),
        ("172800", None),
        ("Mon, 02 Mar 2099 15:30:00 GMT", None),
        ("soon", None),
        ("", None),
        (None, None),
        ("nan", None),
    ],
)
def test_retry_after_as_seconds_or_http_date(value: str | None, expected: float | None) -> None:
    assert parse_retry_after(value, NOW) == expected


def test_summary_is_one_truncated_line_without_secrets() -> None:
    body = b'{"detail": "token hunter2 rejected",\n  "pad": "' + b"x" * 1000 + b'"}'
    summary = summarize(_response(400, body), ["hunter2"])
    assert summary.startswith("HTTP 400: ")
    assert "\n" not in summary and "hunter2" not in summary
    assert len(summary) <= len("HTTP 400: ") + SUMMARY_LIMIT


@pytest.mark.parametrize("status", [200, 201, 202, 204])
def test_success_passes(status: int) -> None:
    check_response(_response(status), "Twilio")


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503, 504])
def test_server_trouble_and_throttling_are_transient(status: int) -> None:
    with pytest.raises(TransientError) as caught:
        check_response(_response(status, b"busy", **{"Retry-After": "7"}), "Twilio")
    assert caught.value.status_code == status
    assert caught.value.retry_after == 7.0
    assert caught.value.response == f"HTTP {status}: busy"


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 413, 422])
def test_other_client_errors_are_permanent(status: int) -> None:
    with pytest.raises(PermanentError) as caught:
        check_response(_response(status), "Twilio")
    assert caught.value.status_code == status
    assert f"HTTP {status}" in caught.value.reason


def test_permanent_reason_leads_with_the_providers_own_words() -> None:
    body = (
        b'{"code": 21211, "message": "The \'To\' number +15550001 is not a valid phone number.",'
        b' "more_info": "https://www.twilio.com/docs/errors/21211", "status": 400}'
    )
    with pytest.raises(PermanentError) as caught:
        check_response(_response(400, body), "Twilio", read_message=twilio_error_message)
    assert caught.value.reason == (
        "The 'To' number +15550001 is not a valid phone number. (Twilio error 21211) "
        "(Twilio refused the message (HTTP 400))"
    )


@pytest.mark.parametrize("status", [200, 400, 503])
def test_deeply_nested_json_from_a_provider_is_an_odd_body_not_a_crash(status: int) -> None:
    body = b"[" * 100_000
    if status == 200:
        assert json_object(_response(200, body)) == {}
        return
    kind = PermanentError if status == 400 else TransientError
    with pytest.raises(kind):
        check_response(_response(status, body), "Twilio", read_message=twilio_error_message)


def test_redirect_is_a_configuration_problem() -> None:
    with pytest.raises(PermanentError, match="base URL"):
        check_response(_response(301, Location="https://elsewhere.example/"), "SendGrid")


@pytest.mark.parametrize(
    ("exc", "kind", "words"),
    [
        (httpx.ConnectTimeout("timed out"), TransientError, "Could not connect to Twilio in time"),
        (httpx.ReadTimeout("timed out"), TransientError, "did not answer in time"),
        (
            httpx.ConnectError("[Errno 111] Connection refused"),
            TransientError,
            "Connection refused",
        ),
        (
            httpx.RemoteProtocolError("Server disconnected without sending a response."),
            TransientError,
            "closed the connection",
        ),
        (httpx.ReadError("reset"), TransientError, "Network error"),
        (
            httpx.UnsupportedProtocol("Request URL has an unsupported protocol 'ftp://'."),
            PermanentError,
            "not a usable URL",
        ),
    ],
)
def test_transport_failures(exc: httpx.HTTPError, kind: type[Exception], words: str) -> None:
    error = transport_error(exc, "Twilio")
    assert isinstance(error, kind)
    assert words in error.reason


def test_transport_detail_is_scrubbed() -> None:
    error = transport_error(
        httpx.ConnectError("cannot reach user:hunter2@host"), "Twilio", ["hunter2"]
    )
    assert "hunter2" not in error.reason and "hunter2" not in error.response
