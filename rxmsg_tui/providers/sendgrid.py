"""Email through a SendGrid v3-compatible Mail Send API (`POST /v3/mail/send`)."""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from typing import Any

from rxmsg_tui.domain.vocabulary import Method
from rxmsg_tui.providers.base import (
    DeliveryStatus,
    InboundSms,
    OutgoingMessage,
    PermanentError,
    SendResult,
)
from rxmsg_tui.providers.email_message import MESSAGE_ID_HEADER
from rxmsg_tui.providers.http_client import HttpTimeouts, ProviderHttp, build_client

log = logging.getLogger(__name__)


def sendgrid_error_message(data: object) -> str | None:
    """SendGrid's error body: `{"errors": [{"message": "…", "field": "from"}]}`."""
    if not isinstance(data, dict) or not isinstance(data.get("errors"), list):
        return None
    parts = []
    for error in data["errors"]:
        if not isinstance(error, dict) or not isinstance(error.get("message"), str):
            continue
        field = error.get("field")
        has_field = isinstance(field, str) and field not in ("", "null")
        parts.append(f"{error['message']} (field {field})" if has_field else error["message"])
    return "; ".join(parts) or None


class SendGridProvider:
    """Sends email; delivery and replies arrive by SendGrid webhooks, not by polling."""

    name = "sendgrid"

    def __init__(
        self,
        *,
        api_key: str,
        from_address: str,
        from_name: str | None = None,
        base_url: str = "https://api.sendgrid.com",
        timeouts: HttpTimeouts | None = None,
    ) -> None:
        self.from_address = from_address
        self.from_name = from_name
        self.base_url = base_url
        make_client = functools.partial(
            build_client,
            base_url,
            timeouts or HttpTimeouts(),
            headers={"Authorization": f"Bearer {api_key}"},
        )
        self._http = ProviderHttp(
            make_client, "SendGrid", secrets=(api_key,), read_message=sendgrid_error_message
        )

    def __repr__(self) -> str:
        return f"SendGridProvider(base_url={self.base_url!r}, from_address={self.from_address!r})"

    def send(self, message: OutgoingMessage) -> SendResult:
        if message.method is not Method.EMAIL:
            raise PermanentError(f"{message.method} cannot be sent through SendGrid: email only")
        # SendGrid rejects an empty subject or body; say so before spending a request.
        if not message.subject.strip():
            raise PermanentError("An email needs a subject")
        if not message.body.strip():
            raise PermanentError("An email needs a body")
        response = self._http.request(
            "POST", "/v3/mail/send", idempotency_key=message.uuid, json=self._payload(message)
        )
        provider_id = response.headers.get("X-Message-Id") or None
        log.info("message %s accepted by SendGrid as %s", message.uuid, provider_id)
        return SendResult(
            provider_message_id=provider_id,
            status_code=response.status_code,
            response=self._http.summary(f"HTTP {response.status_code}: X-Message-Id={provider_id}"),
        )

    def _payload(self, message: OutgoingMessage) -> dict[str, Any]:
        sender: dict[str, str] = {"email": self.from_address}
        if self.from_name:
            sender["name"] = self.from_name
        # text/plain must come first; SendGrid refuses other orders.
        content = [{"type": "text/plain", "value": message.body}]
        if message.html_body:
            content.append({"type": "text/html", "value": message.html_body})
        return {
            "personalizations": [
                {
                    "to": [{"email": message.to}],
                    # Comes back on every webhook event for this message.
                    "custom_args": {"rxmsg_message_id": message.uuid},
                }
            ],
            "from": sender,
            "subject": message.subject,
            "content": content,
            "headers": {MESSAGE_ID_HEADER: message.uuid},
        }

    def status(self, provider_message_id: str) -> DeliveryStatus:
        """SendGrid reports delivery through its Event Webhook; there is nothing to poll."""
        return DeliveryStatus.UNKNOWN

    def poll_inbound(self, since: datetime | None) -> list[InboundSms]:
        """Email replies are not read back into rxmsg."""
        return []

    def close(self) -> None:
        self._http.close()
