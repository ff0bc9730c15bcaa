"""The file outbox: real RFC 5322 email, plain text for SMS and calls, 0600, atomic, idempotent."""

from __future__ import annotations

import os
import stat
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest

from rxmsg_tui.providers.base import DeliveryStatus, PermanentError, TransientError
from rxmsg_tui.providers.outbox import OutboxProvider
from tests.providers.support import EMAIL_FROM, call, email, sms

NOW = datetime(2026, 3, 2, 15, 30, 1, 250000, tzinfo=UTC)


@pytest.fixture
def outbox(tmp_path: Path) -> OutboxProvider:
    return OutboxProvider(
        tmp_path / "outbox", from_address=EMAIL_FROM, from_name="Main St Pharmacy", now=lambda: NOW
    )


def _files(outbox: OutboxProvider) -> list[str]:
    return sorted(os.listdir(outbox.directory))


def test_email_is_a_real_eml_file(outbox: OutboxProvider) -> None:
    message = email()
    result = outbox.send(message)

    name = f"20260302T153001250000Z-{message.uuid}.eml"
    assert result.provider_message_id == name
    assert _files(outbox) == [name]
    parsed = message_from_bytes((outbox.directory / name).read_bytes(), policy=policy.default)
    assert parsed.get_content_type() == "multipart/alternative"
    assert parsed["To"] == "patient@example.com"
    assert parsed["From"] == f"Main St Pharmacy <{EMAIL_FROM}>"
    assert parsed["Subject"] == "Your prescription"
    assert parsed["Message-ID"] == f"<{message.uuid}@mainst-rx.example>"
    assert parsed["X-Rxmsg-Message-Id"] == message.uuid
    assert [p.get_content_type() for p in parsed.iter_parts()] == ["text/plain", "text/html"]


@pytest.mark.parametrize("make", [sms, call])
def test_sms_and_calls_are_text_files(outbox: OutboxProvider, make: type) -> None:
    message = make()
    outbox.send(message)
    (name,) = _files(outbox)
    assert name == f"20260302T153001250000Z-{message.uuid}.txt"
    text = (outbox.directory / name).read_text(encoding="utf-8")
    assert text.splitlines()[:3] == [
        f"Method: {message.method}",
        "To: +15551234567",
        f"Message-Id: {message.uuid}",
    ]
    assert text.endswith(f"\n\n{message.body}\n")


def test_files_and_directory_are_private(outbox: OutboxProvider) -> None:
    outbox.send(sms())
    (name,) = _files(outbox)
    assert stat.S_IMODE((outbox.directory / name).stat().st_mode) == 0o600
    assert stat.S_IMODE(outbox.directory.stat().st_mode) == 0o700


def test_same_uuid_twice_writes_one_file_even_after_a_restart(tmp_path: Path) -> None:
    clock = iter([NOW, NOW + timedelta(seconds=5), NOW + timedelta(seconds=9)])
    first = OutboxProvider(tmp_path / "outbox", now=lambda: next(clock))
    name = first.send(sms()).provider_message_id
    assert first.send(sms()).provider_message_id == name
    restarted = OutboxProvider(tmp_path / "outbox", now=lambda: next(clock))
    assert restarted.send(sms()).provider_message_id == name
    assert _files(first) == [name]


def test_a_file_written_by_another_process_is_seen(tmp_path: Path) -> None:
    here = OutboxProvider(tmp_path / "outbox", now=lambda: NOW)
    there = OutboxProvider(tmp_path / "outbox", now=lambda: NOW + timedelta(seconds=1))
    here.send(email())  # builds here's index
    name = there.send(sms()).provider_message_id
    assert here.send(sms()).provider_message_id == name
    assert len(_files(here)) == 2


def test_a_crash_mid_write_leaves_no_file(
    outbox: OutboxProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", crash)
    with pytest.raises(TransientError, match="No space left"):
        outbox.send(email())
    assert _files(outbox) == []  # neither the message nor its temporary file
    monkeypatch.undo()
    outbox.send(email())
    assert len(_files(outbox)) == 1


def test_leftover_temporary_files_are_not_messages(outbox: OutboxProvider) -> None:
    outbox.directory.mkdir(parents=True)
    (outbox.directory / f".tmp-{sms().uuid}.tmp").write_text("half a mess")
    outbox.send(sms())
    assert len([f for f in _files(outbox) if not f.startswith(".")]) == 1


def test_uuid_must_be_safe_in_a_file_name(outbox: OutboxProvider) -> None:
    with pytest.raises(PermanentError):
        outbox.send(replace(sms(), uuid="../../etc/passwd"))


def test_status_is_sent_and_nothing_comes_in(outbox: OutboxProvider) -> None:
    assert outbox.status("anything") is DeliveryStatus.SENT
    assert outbox.poll_inbound(None) == []
    outbox.close()


def test_find_sent_is_the_file_named_by_the_uuid(tmp_path: Path) -> None:
    writer = OutboxProvider(tmp_path / "outbox", now=lambda: NOW)
    reader = OutboxProvider(tmp_path / "outbox", now=lambda: NOW)
    message = sms()
    assert reader.find_sent(message, NOW) == []
    name = writer.send(message).provider_message_id
    (found,) = reader.find_sent(message, NOW)  # written by another process after the first look
    assert found.provider_message_id == name
