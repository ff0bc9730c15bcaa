"""SMS and email through the Message Routing API, rxmsg's own JSON HTTP API.

The contract is documented in docs/message-routing-api.md: a router in front
of whatever carrier a chain already uses implements it once, and every store
can send through it.
"""

from __future__ import annotations

import functools
import logging
from datetime import UTC, datetime
from urllib.parse import quote

from rxmsg_tui.domain.vocabulary import Method
from rxmsg_tui.providers.base import (
    DeliveryStatus,
    InboundSms,
    OutgoingMessage,
    PermanentError,
    ProviderError,
    SendResult,
    SentRecord,
)
from rxmsg_tui.providers.http_client import HttpTimeouts, ProviderHttp, build_client, json_object

log = logging.getLogger(__name__)

_CHANNEL = {Method.SMS: "sms", Method.EMAIL: "email"}

_STATUS = {
    "accepted": DeliveryStatus.QUEUED,
    "queued": DeliveryStatus.QUEUED,
    "sent": DeliveryStatus.SENT,
    "delivered": DeliveryStatus.DELIVERED,
    "failed": DeliveryStatus.FAILED,
    "undelivered": DeliveryStatus.FAILED,
}

MAX_PAGES = 1000
"""A router that hands out cursors forever must not hold the inbound poll hostage."""


def routing_error_message(data: object) -> str | None:
    """The router's error body: `{"error": {"code": "invalid_recipient", "message": "…"}}`."""
    error = data.get("error") if isinstance(data, dict) else None
    if not isinstance(error, dict) or not isinstance(error.get("message"), str):
        return None
    message: str = error["message"]
    return message


class RoutingProvider:
    """Sends SMS and email, reads delivery status and polls replies from the router."""

    name = "routing"

    def __init__(
        self, *, base_url: str, api_key: str, timeouts: HttpTimeouts | None = None
    ) -> None:
        self.base_url = base_url
        make_client = functools.partial(
            build_client,
            base_url,
            timeouts or HttpTimeouts(),
            headers={"Authorization": f"Bearer {api_key}", "Accept": "application/json"},
        )
        self._http = ProviderHttp(
            make_client,
            "the Message Routing API",
            secrets=(api_key,),
            read_message=routing_error_message,
        )

    def __repr__(self) -> str:
        return f"RoutingProvider(base_url={self.base_url!r})"

    def send(self, message: OutgoingMessage) -> SendResult:
        channel = _CHANNEL.get(message.method)
        if channel is None:
            raise PermanentError(
                f"{message.method} cannot be sent through the Message Routing API; "
                "outbound calls go through the IVR"
            )
        payload = {
            "id": message.uuid,
            "channel": channel,
            "to": message.to,
            "subject": message.subject,
            "text": message.body,
            "html": message.html_body,
        }
        response = self._http.request(
            "POST", "v1/messages", idempotency_key=message.uuid, json=payload
        )
        answer = json_object(response)
        routing_id = answer.get("id") if isinstance(answer.get("id"), str) else None
        log.info("message %s accepted by the Message Routing API as %s", message.uuid, routing_id)
        return SendResult(
            provider_message_id=routing_id or message.uuid,
            status_code=response.status_code,
            response=self._http.summary(
                f"HTTP {response.status_code}: id={routing_id} status={answer.get('status')}"
            ),
        )

    def status(self, provider_message_id: str) -> DeliveryStatus:
        response = self._http.request("GET", f"v1/messages/{quote(provider_message_id, safe='')}")
        status = json_object(response).get("status")
        if not isinstance(status, str):
            return DeliveryStatus.UNKNOWN
        return _STATUS.get(status, DeliveryStatus.UNKNOWN)

    def find_sent(self, message: OutgoingMessage, since: datetime) -> list[SentRecord]:
        """Whether the router accepted rxmsg's id: `GET v1/messages/by-key/{uuid}`.

        Only a 404 whose error code is `not_found` means "never accepted"; a
        404 without it (a router without this endpoint) cannot tell.
        """
        try:
            response = self._http.request(
                "GET", f"v1/messages/by-key/{quote(message.uuid, safe='')}"
            )
        except PermanentError as error:
            if error.status_code == 404 and '"not_found"' in error.response.replace(" ", ""):
                return []
            raise ProviderError(error.reason, status_code=error.status_code) from error
        answer = json_object(response)
        routing_id = answer.get("id") if isinstance(answer.get("id"), str) else None
        accepted = answer.get("accepted_at")
        when = _instant(accepted) if isinstance(accepted, str) else None
        return [SentRecord(routing_id or message.uuid, when)]

    def poll_inbound(self, since: datetime | None) -> list[InboundSms]:
        """Replies received at or after `since`, oldest first, following `next_cursor`."""
        params: dict[str, str] = {}
        if since is not None:
            aware = since if since.tzinfo is not None else since.replace(tzinfo=UTC)
            params["since"] = aware.astimezone(UTC).isoformat().replace("+00:00", "Z")
        found: list[InboundSms] = []
        for _ in range(MAX_PAGES):
            page = json_object(self._http.request("GET", "v1/inbound", params=params))
            found.extend(_inbound(page.get("messages")))
            cursor = page.get("next_cursor")
            if not isinstance(cursor, str) or not cursor or cursor == params.get("cursor"):
                break
            params = {**params, "cursor": cursor}
        return sorted(found, key=lambda sms: sms.received_at)

    def close(self) -> None:
        self._http.close()


def _instant(text: str) -> datetime | None:
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _inbound(messages: object) -> list[InboundSms]:
    if not isinstance(messages, list):
        return []
    found = []
    for item in messages:
        if not isinstance(item, dict):
            continue
        try:
            received = datetime.fromisoformat(str(item["received_at"]))
        except (KeyError, ValueError):
            continue
        found.append(
            InboundSms(
                provider_message_id=str(item.get("id", "")),
                from_number=str(item.get("from", "")),
                to_number=str(item.get("to", "")),
                body=str(item.get("text") or ""),
                received_at=received if received.tzinfo else received.replace(tzinfo=UTC),
            )
        )
    return found
