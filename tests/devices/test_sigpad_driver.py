"""The signature pad driver over a real pty and a real TCP socket: answers and every fault."""

from __future__ import annotations

import errno
import threading
import time

import pytest
import serial
import serial.serialposix

from rxmsg_tui.devices.sigpad import SignaturePad, SigpadCancelled, SigpadError, _cannot_open
from rxmsg_tui.devices.sigpad_protocol import Prompt
from rxmsg_tui.devices.sigpad_sim import answer_no, answer_yes
from tests.devices.sigpad_world import simulated_pad

KINDS = ["pty", "tcp"]


@pytest.mark.parametrize("kind", KINDS)
def test_yes_carries_the_signature_hash_and_the_prompt_shows_the_wording(kind: str) -> None:
    with simulated_pad(kind, answer_yes) as pad:
        answer = SignaturePad(pad.url).ask("p1", "I agree\nto texts", timeout=5)
    assert answer.yes and answer.prompt_id == "p1"
    assert len(answer.signature_sha256) == 64
    int(answer.signature_sha256, 16)
    assert pad.prompts == [Prompt("p1", "I agree to texts")]


@pytest.mark.parametrize("kind", KINDS)
def test_no(kind: str) -> None:
    with simulated_pad(kind, answer_no) as pad:
        answer = SignaturePad(pad.url).ask("p2", "I agree", timeout=5)
    assert not answer.yes and answer.signature_sha256 == ""


@pytest.mark.parametrize("kind", KINDS)
def test_ping(kind: str) -> None:
    with simulated_pad(kind, answer_no) as pad:
        SignaturePad(pad.url).ping(timeout=5)


@pytest.mark.parametrize("kind", KINDS)
def test_no_answer_in_time(kind: str) -> None:
    with simulated_pad(kind, lambda prompt: None) as pad:
        started = time.monotonic()
        with pytest.raises(SigpadError, match=r"did not answer within 0\.5 s"):
            SignaturePad(pad.url).ask("p3", "I agree", timeout=0.5)
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("kind", KINDS)
def test_garbage_is_an_error(kind: str) -> None:
    garbage = simulated_pad(kind, lambda prompt: "RESULT p4 MAYBE")
    with garbage as pad, pytest.raises(SigpadError, match="not an answer: 'RESULT p4 MAYBE'"):
        SignaturePad(pad.url).ask("p4", "I agree", timeout=5)


@pytest.mark.parametrize("kind", KINDS)
def test_a_late_answer_to_another_prompt_never_counts(kind: str) -> None:
    def stale_then_no(prompt: Prompt) -> str:
        return f"RESULT old1 YES {'a' * 64}\r\nRESULT {prompt.prompt_id} NO"

    with simulated_pad(kind, stale_then_no) as pad:
        answer = SignaturePad(pad.url).ask("p5", "I agree", timeout=5)
    assert not answer.yes


@pytest.mark.parametrize("kind", KINDS)
def test_cable_pulled_while_waiting(kind: str) -> None:
    with simulated_pad(kind, lambda prompt: None) as pad:
        threading.Thread(target=lambda: pad.asked.wait(5) and pad.pull_cable()).start()
        started = time.monotonic()
        with pytest.raises(SigpadError, match="disconnected while waiting"):
            SignaturePad(pad.url).ask("p6", "I agree", timeout=10)
    assert time.monotonic() - started < 5


def test_a_port_gone_when_asked_what_is_waiting_is_a_pulled_cable(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The reader asks the port how many bytes wait before each read; a pty or USB adapter that
    just went answers that with EIO, an `OSError` pyserial's reader does not catch itself."""
    with simulated_pad("pty", lambda prompt: None) as pad:
        waiting = serial.serialposix.Serial.in_waiting

        def gone_once_asked(port: serial.serialposix.Serial) -> int:
            if pad.asked.is_set():
                raise OSError(errno.EIO, "Input/output error")
            return int(waiting.fget(port))  # type: ignore[attr-defined]

        monkeypatch.setattr(serial.serialposix.Serial, "in_waiting", property(gone_once_asked))
        started = time.monotonic()
        with pytest.raises(SigpadError, match="disconnected while waiting"):
            SignaturePad(pad.url).ask("p7", "I agree", timeout=10)
    assert time.monotonic() - started < 5


def test_staff_cancel_while_waiting() -> None:
    with simulated_pad("pty", lambda prompt: None) as pad:
        driver = SignaturePad(pad.url)
        threading.Thread(target=lambda: pad.asked.wait(5) and driver.cancel()).start()
        with pytest.raises(SigpadCancelled):
            driver.ask("p7", "I agree", timeout=10)


def test_no_such_port() -> None:
    with pytest.raises(SigpadError, match="no such port"):
        SignaturePad("/dev/ttyUSB-nothing-here").ask("p8", "I agree", timeout=1)


def test_permission_denied_names_the_dialout_group() -> None:
    """As pyserial reports a port the login may not open (the suite may run as root)."""
    refused = serial.SerialException(errno.EACCES, "could not open port /dev/ttyUSB0")
    said = _cannot_open("/dev/ttyUSB0", refused)
    assert "permission denied" in said and "dialout" in said


def test_nothing_listening_on_the_network() -> None:
    with pytest.raises(
        SigpadError, match=r"cannot open the signature pad at socket://127\.0\.0\.1:9"
    ):
        SignaturePad("socket://127.0.0.1:9").ask("p10", "I agree", timeout=1)


def test_loop_url_reads_back_the_prompt_as_garbage() -> None:
    """loop:// echoes what is written: a PROMPT coming back is not an answer."""
    with pytest.raises(SigpadError, match="not an answer"):
        SignaturePad("loop://").ask("p11", "I agree", timeout=2)
