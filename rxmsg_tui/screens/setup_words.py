"""Outbound Messaging Setup's fields, their §8 keys and choices, and refusals in their words."""

from __future__ import annotations

import re

from rxmsg_tui.domain.settings_keys import SETTING_KEYS

FIELDS = {
    "email-using": "Email Using",
    "sms-using": "SMS Using",
    "call-using": "Call Using",
    "ivr-host": "IP Address of IVR Computer",
    "ivr-port": "Outbound Port",
}
"""Field id → the legacy label, in the legacy order."""

KEYS = {
    "email-using": "setup.email_using",
    "sms-using": "setup.sms_using",
    "call-using": "setup.call_using",
    "ivr-host": "setup.ivr_host",
    "ivr-port": "setup.ivr_port",
}

IVR_INTERFACE = ("IVR Interface", "ivr")
NONE = ("None", "none")
OPTIONS: dict[str, list[tuple[str, str]]] = {
    "email-using": [("Email Service API", "email_service_api"), IVR_INTERFACE, NONE],
    "sms-using": [
        ("SMS Service API", "sms_service_api"),
        ("Message Routing API", "message_routing_api"),
        IVR_INTERFACE,
        NONE,
    ],
    "call-using": [IVR_INTERFACE, NONE],
}
"""Display name and stored value (DESIGN.md §8) of each choice."""

_ALERT_KEY = re.compile(r"\balerts\.[a-z_]+\.channels\b")


def refusal(message: str) -> tuple[str, str]:
    """The field a `SettingError` is about and its text without the key, alerts by their names.

    `setup.call_using: … while alerts.refill.channels still uses call` becomes, at
    Call Using, `… while "Send Refill Reminder" in Alert Settings still uses call`.
    """
    key, _, text = message.partition(": ")
    fields = {value: field for field, value in KEYS.items()}
    if key in fields:
        return fields[key], _alert_names(text)
    if _ALERT_KEY.fullmatch(key):
        return "call-using", _alert_names(message)
    return "", _alert_names(message)


def _alert_names(text: str) -> str:
    def name(found: re.Match[str]) -> str:
        spec = SETTING_KEYS.get(found[0])
        return f'"{spec.description}" in Alert Settings' if spec else found[0]

    return _ALERT_KEY.sub(name, text)
