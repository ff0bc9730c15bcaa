"""Builds each method's provider from Settings and the store's Outbound Messaging Setup."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from rxmsg_tui.config import ConfigError, Settings
from rxmsg_tui.domain.vocabulary import Method
from rxmsg_tui.providers.base import Provider
from rxmsg_tui.providers.http_client import HttpTimeouts
from rxmsg_tui.providers.ivr import IvrChannel, IvrProvider
from rxmsg_tui.providers.outbox import OUTBOX_DIRNAME, OutboxProvider
from rxmsg_tui.providers.routing import RoutingProvider
from rxmsg_tui.providers.sendgrid import SendGridProvider
from rxmsg_tui.providers.smtp import IMPLICIT_TLS_PORT, SmtpProvider
from rxmsg_tui.providers.twilio import TwilioProvider

EMAIL_SERVICE_API = "email_service_api"
SMS_SERVICE_API = "sms_service_api"
MESSAGE_ROUTING_API = "message_routing_api"
IVR = "ivr"
NONE = "none"

IVR_DESCRIPTION = "IVR computer (no IP address set; messages wait)"

IvrLinkFor = Callable[[str, int], IvrChannel]
"""Opens the link to the IVR computer at host:port (devices/ivr.py, built by the services)."""

_ALLOWED = {
    Method.EMAIL: ("setup.email_using", (EMAIL_SERVICE_API, IVR, NONE)),
    Method.SMS: ("setup.sms_using", (SMS_SERVICE_API, MESSAGE_ROUTING_API, IVR, NONE)),
    Method.CALL: ("setup.call_using", (IVR, NONE)),
}


@dataclass(frozen=True)
class OutboundSetup:
    """The Outbound Messaging Setup values that pick a transport, as stored (`setup.*` keys)."""

    email_using: str = NONE
    sms_using: str = NONE
    call_using: str = NONE
    store_name: str | None = None
    """Shown as the sender's name on email."""
    ivr_host: str = ""
    """IP Address of IVR Computer; empty while none is set (its messages wait)."""
    ivr_port: int = 5060
    """Outbound Port of the IVR computer."""


@dataclass(frozen=True)
class ProviderChoice:
    method: Method
    using: str
    provider: Provider | None
    """None when the method is off, or handled by an IVR computer not set up (no address)."""
    description: str
    """For the setup screen: which transport, where, and which credentials, masked."""

    @property
    def needs_ivr(self) -> bool:
        """The IVR computer carries this method; the IVR driver, not a provider, sends it."""
        return self.using == IVR


class Providers:
    """The chosen provider per method; closes each one once, even when methods share it."""

    def __init__(self, choices: dict[Method, ProviderChoice]) -> None:
        self._choices = choices

    def __iter__(self) -> Iterator[ProviderChoice]:
        return iter(self._choices.values())

    def choice(self, method: Method) -> ProviderChoice:
        return self._choices[method]

    def for_method(self, method: Method) -> Provider | None:
        return self._choices[method].provider

    def close(self) -> None:
        closed: set[int] = set()
        for choice in self._choices.values():
            if choice.provider is not None and id(choice.provider) not in closed:
                closed.add(id(choice.provider))
                choice.provider.close()


def build_providers(
    settings: Settings,
    setup: OutboundSetup,
    *,
    timeouts: HttpTimeouts | None = None,
    now: Callable[[], datetime] | None = None,
    ivr_link: IvrLinkFor | None = None,
) -> Providers:
    """Credentials decide the transport; with none set, messages go to the outbox.

    Methods Setup gives the IVR share one `IvrProvider` over one link, opened
    with `ivr_link` when an IVR address is set (without one, they wait).

    Half-set credentials (a Twilio SID without its token, …) are refused with
    the missing key named, rather than quietly sending to the outbox instead.
    """
    timeouts = timeouts or HttpTimeouts()
    outbox = OutboxProvider(
        settings.data_dir / OUTBOX_DIRNAME,
        from_address=settings.email_from,
        from_name=setup.store_name,
        now=now,
    )
    choices: dict[Method, ProviderChoice] = {}
    ivr: IvrProvider | None = None
    try:
        for method, using in (
            (Method.EMAIL, setup.email_using),
            (Method.SMS, setup.sms_using),
            (Method.CALL, setup.call_using),
        ):
            key, allowed = _ALLOWED[method]
            if using not in allowed:
                raise ConfigError(f"{key}: {using!r} is not one of {', '.join(allowed)}")
            if using == NONE:
                choices[method] = ProviderChoice(method, using, None, "Off")
                continue
            if using == IVR:
                if ivr is None and ivr_link is not None and setup.ivr_host:
                    where = f"{setup.ivr_host}:{setup.ivr_port}"
                    ivr = IvrProvider(ivr_link(setup.ivr_host, setup.ivr_port), where)
                text = f"IVR computer at {ivr.where}" if ivr else IVR_DESCRIPTION
                choices[method] = ProviderChoice(method, using, ivr, text)
                continue
            if using == EMAIL_SERVICE_API:
                built = _email(settings, setup, timeouts, now)
            elif using == SMS_SERVICE_API:
                built = _twilio(settings, timeouts)
            else:
                built = _routing(settings, timeouts)
            provider, text = built or (outbox, f"Outbox: files in {outbox.directory}")
            choices[method] = ProviderChoice(method, using, provider, text)
    except BaseException:
        Providers(choices).close()  # clients already built for other methods
        raise
    return Providers(choices)


def _email(
    settings: Settings,
    setup: OutboundSetup,
    timeouts: HttpTimeouts,
    now: Callable[[], datetime] | None,
) -> tuple[Provider, str] | None:
    if settings.sendgrid_api_key is None and not settings.smtp_host:
        return None
    if not settings.email_from:
        raise ConfigError("RXMSG_EMAIL_FROM: needed to send email (the sender's address)")
    if settings.sendgrid_api_key is not None:
        provider = SendGridProvider(
            api_key=settings.sendgrid_api_key.get_secret_value(),
            from_address=settings.email_from,
            from_name=setup.store_name,
            base_url=settings.sendgrid_base_url,
            timeouts=timeouts,
        )
        url = display_url(settings.sendgrid_base_url)
        return provider, f"SendGrid at {url} (from {settings.email_from}, API key set)"
    assert settings.smtp_host is not None
    _require_together(
        ("RXMSG_SMTP_USER", settings.smtp_user), ("RXMSG_SMTP_PASSWORD", settings.smtp_password)
    )
    smtp = SmtpProvider(
        host=settings.smtp_host,
        port=settings.smtp_port,
        from_address=settings.email_from,
        from_name=setup.store_name,
        username=settings.smtp_user,
        password=settings.smtp_password.get_secret_value() if settings.smtp_password else None,
        timeout=timeouts.read,
        now=now,
    )
    tls = "TLS" if settings.smtp_port == IMPLICIT_TLS_PORT else "STARTTLS"
    login = f", user {mask(settings.smtp_user)}, password set" if settings.smtp_user else ""
    where = f"{settings.smtp_host}:{settings.smtp_port}"
    return smtp, f"SMTP {where} with {tls} (from {settings.email_from}{login})"


def _twilio(settings: Settings, timeouts: HttpTimeouts) -> tuple[Provider, str] | None:
    sid, token, sender = (
        settings.twilio_account_sid,
        settings.twilio_auth_token,
        settings.twilio_from,
    )
    if not _require_together(
        ("RXMSG_TWILIO_ACCOUNT_SID", sid),
        ("RXMSG_TWILIO_AUTH_TOKEN", token),
        ("RXMSG_TWILIO_FROM", sender),
    ):
        return None
    assert sid is not None and token is not None and sender is not None
    provider = TwilioProvider(
        account_sid=sid,
        auth_token=token.get_secret_value(),
        from_number=sender,
        base_url=settings.twilio_base_url,
        timeouts=timeouts,
    )
    url = display_url(settings.twilio_base_url)
    return provider, f"Twilio at {url} (account {mask(sid)}, from {sender}, auth token set)"


def _routing(settings: Settings, timeouts: HttpTimeouts) -> tuple[Provider, str] | None:
    base, key = settings.routing_base_url, settings.routing_api_key
    if not _require_together(("RXMSG_ROUTING_BASE_URL", base), ("RXMSG_ROUTING_API_KEY", key)):
        return None
    assert base is not None and key is not None
    provider = RoutingProvider(base_url=base, api_key=key.get_secret_value(), timeouts=timeouts)
    return provider, f"Message Routing API at {display_url(base)} (API key set)"


def _require_together(*pairs: tuple[str, object]) -> bool:
    """True when all are set, False when none are; a partial set is a configuration error."""
    missing = [name for name, value in pairs if value is None or value == ""]
    if missing and len(missing) < len(pairs):
        given = [name for name, _ in pairs if name not in missing]
        verb = "is" if len(given) == 1 else "are"
        raise ConfigError(f"{', '.join(missing)}: needed because {', '.join(given)} {verb} set")
    return not missing


def mask(value: str) -> str:
    """`AC1234…89ab`-style: enough to tell two accounts apart, not enough to use one."""
    if len(value) >= 12:
        return f"{value[:4]}…{value[-4:]}"
    return f"{value[:2]}…" if len(value) > 4 else "…"


def display_url(url: str) -> str:
    """The URL without any user:password someone put in it."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{parts.port}"
    return parts._replace(netloc=netloc).geturl()
