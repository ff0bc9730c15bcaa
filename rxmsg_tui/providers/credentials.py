"""What Outbound Messaging Setup shows of each provider's credentials: masked, with their source.

Credentials live in the `RXMSG_*` environment or the 0600 config file, never in
the database, so the setup screen can only show them, never change them. It
shows enough to tell two accounts apart and whether each secret is set, and
where to change it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from rxmsg_tui.config import Settings
from rxmsg_tui.providers.factory import display_url

TWILIO = "twilio"
SENDGRID = "sendgrid"
SMTP = "smtp"
ROUTING = "routing"
IVR = "ivr"
PROVIDERS = (TWILIO, SENDGRID, SMTP, ROUTING, IVR)

LABELS = {
    TWILIO: "Twilio",
    SENDGRID: "SendGrid",
    SMTP: "SMTP relay",
    ROUTING: "Routing API",
    IVR: "IVR computer",
}
USED_FOR = {
    TWILIO: "SMS Service API",
    SENDGRID: "Email Service API",
    SMTP: "Email Service API",
    ROUTING: "Message Routing API",
    IVR: "IVR Interface",
}

_FIELDS = {
    TWILIO: ("twilio_account_sid", "twilio_auth_token", "twilio_from", "twilio_base_url"),
    SENDGRID: ("sendgrid_api_key", "email_from", "sendgrid_base_url"),
    SMTP: ("smtp_host", "smtp_port", "smtp_user", "smtp_password", "email_from"),
    ROUTING: ("routing_base_url", "routing_api_key"),
}
"""The Settings fields behind each provider: the environment variable is RXMSG_ + upper case."""

DOTS = "••••••••"
ENVIRONMENT = "RXMSG_* environment"
CONFIG_FILE = "config file"


@dataclass(frozen=True)
class ProviderSummary:
    provider: str
    label: str
    used_for: str
    details: str
    """Masked credentials on one line: `AC••••••••1234 · token set · from +1555…`."""
    source: str
    """Where the values come from: the environment, the config file, both, or nothing set."""
    configured: bool


def mask_id(value: str) -> str:
    """`AC••••••••1234`: the kind of id and its last digits, not enough to use it."""
    if len(value) < 10:
        return DOTS
    return f"{value[:2]}{DOTS}{value[-4:]}"


def secret_state(name: str, value: object) -> str:
    """`token ••••••••` when set: the dots say a value is there without its length."""
    return f"{name} {DOTS}" if value else f"{name} not set"


def env_name(field: str) -> str:
    return f"RXMSG_{field.upper()}"


def source_of(settings: Settings, provider: str) -> str:
    """Environment variables win over the config file (config.py), so a set value not in the
    environment came from the file."""
    places: set[str] = set()
    for field in _FIELDS.get(provider, ()):
        if env_name(field) in os.environ:
            places.add(ENVIRONMENT)
        elif getattr(settings, field) != Settings.model_fields[field].default and getattr(
            settings, field
        ):
            places.add(CONFIG_FILE)
    if not places:
        return "not set"
    return " and ".join(sorted(places, key=lambda place: place != ENVIRONMENT))


def describe_providers(
    settings: Settings, *, ivr_host: str, ivr_port: int
) -> list[ProviderSummary]:
    """One line per provider, in the order the screen lists them."""
    return [
        _twilio(settings),
        _sendgrid(settings),
        _smtp(settings),
        _routing(settings),
        ProviderSummary(
            IVR,
            LABELS[IVR],
            USED_FOR[IVR],
            f"{ivr_host}:{ivr_port}" if ivr_host else f"no IP address set (port {ivr_port})",
            "Outbound Messaging Setup",
            bool(ivr_host),
        ),
    ]


def _summary(
    settings: Settings, provider: str, parts: list[str], configured: bool
) -> ProviderSummary:
    return ProviderSummary(
        provider,
        LABELS[provider],
        USED_FOR[provider],
        " · ".join(parts),
        source_of(settings, provider),
        configured,
    )


def _twilio(settings: Settings) -> ProviderSummary:
    sid = settings.twilio_account_sid
    parts = [
        f"account {mask_id(sid)}" if sid else "account not set",
        secret_state("token", settings.twilio_auth_token),
        f"from {settings.twilio_from}" if settings.twilio_from else "from not set",
    ]
    if settings.twilio_base_url != Settings.model_fields["twilio_base_url"].default:
        parts.append(display_url(settings.twilio_base_url))
    return _summary(settings, TWILIO, parts, bool(sid and settings.twilio_auth_token))


def _sendgrid(settings: Settings) -> ProviderSummary:
    parts = [
        secret_state("API key", settings.sendgrid_api_key),
        f"from {settings.email_from}" if settings.email_from else "from not set",
    ]
    if settings.sendgrid_base_url != Settings.model_fields["sendgrid_base_url"].default:
        parts.append(display_url(settings.sendgrid_base_url))
    return _summary(settings, SENDGRID, parts, settings.sendgrid_api_key is not None)


def _smtp(settings: Settings) -> ProviderSummary:
    host = settings.smtp_host
    parts = [
        f"{host}:{settings.smtp_port}" if host else "host not set",
        "user set" if settings.smtp_user else "no user",
        secret_state("password", settings.smtp_password),
    ]
    if settings.sendgrid_api_key is not None and host:
        parts.append("not used while a SendGrid key is set")
    return _summary(settings, SMTP, parts, bool(host))


def _routing(settings: Settings) -> ProviderSummary:
    base = settings.routing_base_url
    parts = [
        display_url(base) if base else "URL not set",
        secret_state("key", settings.routing_api_key),
    ]
    return _summary(settings, ROUTING, parts, bool(base and settings.routing_api_key))
