"""SMS through a Twilio-compatible REST API (2010-04-01 Messages resource)."""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote, urlsplit

import httpx

from rxmsg_tui.domain.vocabulary import Method
from rxmsg_tui.providers.base import (
    DeliveryStatus,
    InboundSms,
    OutgoingMessage,
    PermanentError,
    SendResult,
    SentRecord,
    TransientError,
)
from rxmsg_tui.providers.http_client import HttpTimeouts, ProviderHttp, build_client, json_object

log = logging.getLogger(__name__)

_STATUS = {
    "accepted": DeliveryStatus.QUEUED,
    "scheduled": DeliveryStatus.QUEUED,
    "queued": DeliveryStatus.QUEUED,
    "sending": DeliveryStatus.QUEUED,
    "sent": DeliveryStatus.SENT,
    # Partly delivered is not a delivery receipt for the patient's handset.
    "partially_delivered": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "read": DeliveryStatus.DELIVERED,
    "undelivered": DeliveryStatus.FAILED,
    "failed": DeliveryStatus.FAILED,
    "canceled": DeliveryStatus.FAILED,
}

PAGE_SIZE = 100
LOOKUP_PAGES = 20
"""Pages read when looking for one message: 2,000 texts to one number in a day is not a pharmacy."""
CLOCK_SLACK = timedelta(minutes=5)
"""Our clock and Twilio's may disagree by this much when matching a message's date."""


def twilio_error_message(data: object) -> str | None:
    """Twilio's error body: `{"code": 21211, "message": "The 'To' number … is not valid", …}`."""
    if not isinstance(data, dict) or not isinstance(data.get("message"), str):
        return None
    message: str = data["message"]
    code = data.get("code")
    return f"{message} (Twilio error {code})" if isinstance(code, int) else message


class TwilioProvider:
    """Sends SMS, looks up delivery and lists replies; calls belong to the IVR."""

    name = "twilio"

    def __init__(
        self,
        *,
        account_sid: str,
        auth_token: str,
        from_number: str,
        base_url: str = "https://api.twilio.com",
        timeouts: HttpTimeouts | None = None,
    ) -> None:
        self.account_sid = account_sid
        self.from_number = from_number
        self.base_url = base_url
        make_client = functools.partial(
            build_client,
            base_url,
            timeouts or HttpTimeouts(),
            auth=httpx.BasicAuth(account_sid, auth_token),
        )
        self._http = ProviderHttp(
            make_client, "Twilio", secrets=(auth_token,), read_message=twilio_error_message
        )
        self._messages = f"/2010-04-01/Accounts/{account_sid}/Messages"

    def __repr__(self) -> str:
        return f"TwilioProvider(base_url={self.base_url!r}, from_number={self.from_number!r})"

    def send(self, message: OutgoingMessage) -> SendResult:
        if message.method is not Method.SMS:
            raise PermanentError(
                f"{message.method} cannot be sent through Twilio here: "
                "outbound calls go through the IVR and email through the email service"
            )
        response = self._http.request(
            "POST",
            f"{self._messages}.json",
            idempotency_key=message.uuid,
            data={"To": message.to, "From": self.from_number, "Body": message.body},
        )
        body = json_object(response)
        sid = body.get("sid") if isinstance(body.get("sid"), str) else None
        # A 2xx without a readable sid is still accepted: raising here would send it twice.
        log.info("message %s accepted by Twilio as %s", message.uuid, sid)
        return SendResult(
            provider_message_id=sid,
            status_code=response.status_code,
            response=self._http.summary(
                f"HTTP {response.status_code}: sid={sid} status={body.get('status')}"
            ),
        )

    def status(self, provider_message_id: str) -> DeliveryStatus:
        sid = quote(provider_message_id, safe="")
        response = self._http.request("GET", f"{self._messages}/{sid}.json")
        status = json_object(response).get("status")
        if not isinstance(status, str):
            return DeliveryStatus.UNKNOWN
        return _STATUS.get(status, DeliveryStatus.UNKNOWN)

    def find_sent(self, message: OutgoingMessage, since: datetime) -> list[SentRecord]:
        """Our messages to `message.to` with its exact body created since `since` (minus slack).

        Twilio ignores Idempotency-Key, so after a sender died mid-send this list
        (`To`, `From`, `DateSent>=` the day before) is the only way to know
        whether the message went. Raises TransientError when it cannot read
        every page, so "not found" always means not found.
        """
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        earliest = since - CLOCK_SLACK
        params: dict[str, str | int] = {
            "To": message.to,
            "From": self.from_number,
            "DateSent>": (earliest - timedelta(days=1)).astimezone(UTC).strftime("%Y-%m-%d"),
            "PageSize": PAGE_SIZE,
        }
        found: list[SentRecord] = []
        url = f"{self._messages}.json"
        for page_number in range(LOOKUP_PAGES):
            page = json_object(
                self._http.request("GET", url, params=params if page_number == 0 else None)
            )
            if not isinstance(page.get("messages"), list):
                raise TransientError("Twilio's message list had no messages field")
            found.extend(_ours(page["messages"], message, earliest))
            next_url = _same_host(page.get("next_page_uri"))
            if next_url is None:
                return found
            url = next_url
        raise TransientError(f"Twilio listed more than {LOOKUP_PAGES} pages of messages")

    def poll_inbound(self, since: datetime | None) -> list[InboundSms]:
        """Replies to our number, oldest first; may repeat ones sent at exactly `since`.

        Twilio filters `DateSent>=` itself; the same bound is applied again here
        because a compatible server may ignore it. Callers dedupe by sid.
        """
        if since is not None and since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        params: dict[str, str | int] = {"To": self.from_number, "PageSize": PAGE_SIZE}
        if since is not None:
            params["DateSent>"] = since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        found: list[InboundSms] = []
        url: str | None = f"{self._messages}.json"
        seen: set[str] = set()
        while url is not None and url not in seen:
            # Later pages: next_page_uri carries filters and page token; params would replace them.
            page_params = params if not seen else None
            seen.add(url)
            page = json_object(self._http.request("GET", url, params=page_params))
            found.extend(_inbound(page.get("messages"), since))
            url = _same_host(page.get("next_page_uri"))
        return sorted(found, key=lambda sms: sms.received_at)

    def close(self) -> None:
        self._http.close()


def _inbound(messages: object, since: datetime | None) -> list[InboundSms]:
    if not isinstance(messages, list):
        return []
    found = []
    for item in messages:
        if not isinstance(item, dict) or item.get("direction") != "inbound":
            continue
        when = _rfc2822(item.get("date_sent")) or _rfc2822(item.get("date_created"))
        if when is None or (since is not None and when < since):
            continue
        found.append(
            InboundSms(
                provider_message_id=str(item.get("sid", "")),
                from_number=str(item.get("from", "")),
                to_number=str(item.get("to", "")),
                body=str(item.get("body") or ""),
                received_at=when,
            )
        )
    return found


def _ours(messages: list[object], message: OutgoingMessage, earliest: datetime) -> list[SentRecord]:
    """The listed outbound messages with the same recipient and body, created since `earliest`.

    A message with no readable date is kept: missing a match sends twice, a
    false match only leaves one message for its sender to sort out.
    """
    records = []
    for item in messages:
        if not isinstance(item, dict) or not str(item.get("direction", "")).startswith("outbound"):
            continue
        if item.get("to") != message.to or (item.get("body") or "") != message.body:
            continue
        when = _rfc2822(item.get("date_created")) or _rfc2822(item.get("date_sent"))
        if when is not None and when < earliest:
            continue
        sid = item.get("sid")
        records.append(SentRecord(sid if isinstance(sid, str) else None, when))
    return records


def _same_host(uri: object) -> str | None:
    """Only the path and query of a next page: the credentials never follow a link elsewhere."""
    if not isinstance(uri, str) or not uri:
        return None
    parts = urlsplit(uri)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def _rfc2822(value: object) -> datetime | None:
    """Twilio dates look like `Fri, 24 May 2019 17:44:50 +0000`."""
    if not isinstance(value, str):
        return None
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)
