"""`rxmsg patient show|set|consent|verify`: the bell (Patient Message Settings) from a shell."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

from rxmsg_tui.cli.errors import fail
from rxmsg_tui.cli.patient_verify_cmd import verify
from rxmsg_tui.cli.state import CliState
from rxmsg_tui.domain.safe_text import visible
from rxmsg_tui.domain.settings_keys import ALERT_SHORT_NAMES
from rxmsg_tui.domain.vocabulary import STAFF_SOURCES, Channel, ConsentPurpose
from rxmsg_tui.services.errors import InvalidInput

if TYPE_CHECKING:
    from rxmsg_tui.services.patient_settings import AddressState, PatientSettings


@click.group("patient")
def patient() -> None:
    """One patient's message settings: addresses, channels per alert, consent, verification."""


patient.add_command(verify)


@patient.command("show")
@click.argument("patient_id", metavar="ID")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "json"]),
    default="table",
    show_default=True,
    help="table for people, json for other programs.",
)
@click.pass_obj
def show(state: CliState, patient_id: str, output_format: str) -> None:
    """Addresses and their verification, language, channels per alert, the consent ledger."""
    from rxmsg_tui.services.patient_settings import read_settings

    ctx = state.context()
    settings = read_settings(ctx.db, ctx.actor.store_id, patient_id)
    if output_format == "json":
        click.echo(json.dumps(as_json(settings), indent=2, default=str))
        return
    for line in as_lines(settings):
        click.echo(visible(line))


@patient.command("set")
@click.argument("patient_id", metavar="ID")
@click.option("--cell", metavar="N", help='Cell phone (stored E.164); "" removes it.')
@click.option("--email", metavar="E", help='Email address; "" removes it.')
@click.option("--language", type=click.Choice(["en", "es"]))
@click.option(
    "--channels",
    "channel_specs",
    metavar="ALERT=email,sms",
    multiple=True,
    help=f"Channels of one alert ({', '.join(ALERT_SHORT_NAMES)}); ALERT= for none. Repeatable.",
)
@click.option(
    "--apply-defaults", is_flag=True, help="First replace the channels with the store's defaults."
)
@click.pass_obj
def set_(
    state: CliState,
    patient_id: str,
    cell: str | None,
    email: str | None,
    language: str | None,
    channel_specs: tuple[str, ...],
    apply_defaults: bool,
) -> None:
    """Change a patient's addresses, language or channels; a changed address is unverified."""
    from rxmsg_tui.services.patient_settings import SettingsChange, change_settings

    channels = parse_channels(channel_specs)
    change = SettingsChange(
        cell=cell,
        email=email,
        language=language,
        channels=channels or None,
        apply_defaults=apply_defaults,
    )
    if change == SettingsChange():
        fail("nothing to change: give --cell, --email, --language, --channels or --apply-defaults")
    ctx = state.context()
    settings = change_settings(ctx.db, ctx.actor, patient_id, change, now=ctx.clock.now())
    for line in as_lines(settings, ledger=False):
        click.echo(visible(line))


@patient.command("consent")
@click.argument("patient_id", metavar="ID")
@click.option("--channel", type=click.Choice([c.value for c in Channel]))
@click.option("--purpose", type=click.Choice([p.value for p in ConsentPurpose]))
@click.option("--grant/--withdraw", "granted", default=None, help="Consent given or withdrawn.")
@click.option(
    "--source",
    type=click.Choice([s.value for s in STAFF_SOURCES]),
    help="in-person at the counter, or verbal by phone.",
)
@click.option("--sigpad", is_flag=True, help="Ask on the signature pad (RXMSG_SIGPAD_URL).")
@click.option("--marketing", is_flag=True, help="With --sigpad: then ask for marketing consent.")
@click.pass_obj
def consent(
    state: CliState,
    patient_id: str,
    channel: str | None,
    purpose: str | None,
    granted: bool | None,
    source: str | None,
    sigpad: bool,
    marketing: bool,
) -> None:
    """Record consent the patient gave or withdrew to staff, or ask on the signature pad."""
    if sigpad:
        if channel or purpose or granted is not None or source:
            raise click.UsageError("--sigpad asks the pad: leave out --channel, --purpose, …")
        _consent_on_sigpad(state, patient_id, marketing=marketing)
        return
    if marketing:
        raise click.UsageError("--marketing goes with --sigpad; else give --purpose marketing")
    missing = [
        name
        for name, value in (
            ("--channel", channel),
            ("--purpose", purpose),
            ("--grant or --withdraw", granted),
            ("--source", source),
        )
        if value is None
    ]
    if missing:
        raise click.UsageError(f"missing {', '.join(missing)}")
    assert channel and purpose and source and granted is not None  # checked just above
    from rxmsg_tui.services.patient_settings import record_consent

    ctx = state.context()
    settings = record_consent(
        ctx.db,
        ctx.actor,
        patient_id,
        channel=channel,
        purpose=purpose,
        granted=granted,
        source=source,
        now=ctx.clock.now(),
    )
    word = "granted" if granted else "withdrawn"
    click.echo(f"{settings.patient_id}: {channel} {purpose} consent {word} ({source})")


def _consent_on_sigpad(state: CliState, patient_id: str, *, marketing: bool) -> None:
    """Exit 0 when the patient signed YES; 1 on NO or any fault of the pad (one line each)."""
    from rxmsg_tui.services.sigpad_consent import ask_for_consent, pad_from_settings

    ctx = state.context()
    settings = ctx.settings
    pad = pad_from_settings(settings.sigpad_url, baudrate=settings.sigpad_baud)
    outcome = ask_for_consent(
        ctx.db,
        ctx.actor,
        pad,
        patient_id,
        marketing=marketing,
        now=ctx.clock.now,
        timeout=settings.sigpad_timeout,
        showing=lambda wording: click.echo(
            f"waiting for the patient on the signature pad… ({wording.purpose} "
            f"wording {wording.version})",
            err=True,
        ),
    )
    if not outcome.agreed:
        fail(outcome.summary())
    click.echo(outcome.summary())


def parse_channels(specs: tuple[str, ...]) -> dict[str, list[str]]:
    """`refill=email,sms` → {"refill": ["email", "sms"]}; the service checks the names."""
    parsed: dict[str, list[str]] = {}
    for spec in specs:
        alert, sep, names = spec.partition("=")
        if not sep or not alert.strip():
            raise InvalidInput(f"--channels {spec[:40]!r}: expected ALERT=email,sms")
        parsed[alert.strip()] = [n.strip() for n in names.split(",") if n.strip()]
    return parsed


def _address(state: AddressState) -> str:
    if not state.address:
        return "none"
    if not state.verified:
        return f"{state.address} (not verified)"
    by = f" by {state.verified_by}" if state.verified_by else ""
    at = f" {state.verified_at:%Y-%m-%d %H:%M}" if state.verified_at else ""
    return f"{state.address} (verified{by}{at})"


def as_lines(settings: PatientSettings, *, ledger: bool = True) -> list[str]:
    lines = [
        f"Patient   {settings.patient_id}  {settings.name}",
        f"Cell      {_address(settings.cell)}",
        f"Email     {_address(settings.email)}",
        f"Language  {settings.language}",
        "Channels",
        *(
            f"  {alert:<20} {', '.join(chosen) or 'none'}"
            for alert, chosen in settings.channels.items()
        ),
    ]
    if ledger:
        lines.append("Consent ledger" if settings.ledger else "Consent ledger: no entries")
        lines.extend(
            f"  {e.recorded_at:%Y-%m-%d %H:%M}  {e.channel:<5} {e.purpose:<13} "
            f"{'granted' if e.granted else 'withdrawn':<9} {e.source:<11} {e.username}"
            for e in settings.ledger
        )
    return lines


def as_json(settings: PatientSettings) -> dict[str, object]:
    def address(state: AddressState) -> dict[str, object]:
        return {
            "address": state.address,
            "verified": state.verified,
            "verified_by": state.verified_by or None,
            "verified_at": state.verified_at.isoformat() if state.verified_at else None,
        }

    return {
        "patient_id": settings.patient_id,
        "name": settings.name,
        "cell": address(settings.cell),
        "email": address(settings.email),
        "language": settings.language,
        "channels": settings.channels,
        "consent": [
            {
                "channel": e.channel,
                "purpose": e.purpose,
                "granted": e.granted,
                "source": e.source,
                "recorded_at": e.recorded_at.isoformat(),
                "username": e.username,
            }
            for e in settings.ledger
        ],
    }
