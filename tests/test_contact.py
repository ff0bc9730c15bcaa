"""Cell phones become E.164 or a reason; emails are checked and normalised."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxmsg_tui.domain.contact import InvalidContact, normalise_email, normalise_phone

E164 = re.compile(r"^\+[1-9][0-9]{6,14}$")


@pytest.mark.parametrize(
    ("given_text", "expected"),
    [
        ("(201) 555-0123", "+12015550123"),
        ("201-555-0123", "+12015550123"),
        ("201.555.0123", "+12015550123"),
        ("2015550123", "+12015550123"),
        ("1 201 555 0123", "+12015550123"),
        ("+1 (201) 555-0123", "+12015550123"),
        ("  201 555 0123  ", "+12015550123"),
        ("+44 20 7946 0958", "+442079460958"),
        ("+52 55 1234 5678", "+525512345678"),
    ],
)
def test_valid_numbers_become_e164(given_text: str, expected: str) -> None:
    assert normalise_phone(given_text) == expected


@pytest.mark.parametrize(
    ("given_text", "reason"),
    [
        ("", "empty phone number"),
        ("   ", "empty phone number"),
        ("911", "too few digits"),
        ("201555012", "too few digits"),
        ("201555012345", "too many digits"),
        ("(555) 010-2000", "not a valid number"),
        ("+999 1234 5678", "unknown country code"),
        ("1-800-FLOWERS", "only digits"),
        ("201-555-0123 ext 5", "only digits"),
        ("call me", "only digits"),
        ("()", "not a phone number"),
        ("+", "only digits"),
        ("2" * 41, "longer than 40"),
    ],
)
def test_unusable_numbers_are_refused_with_a_reason(given_text: str, reason: str) -> None:
    with pytest.raises(InvalidContact, match=re.escape(reason)):
        normalise_phone(given_text)


def test_a_number_without_country_code_is_read_in_the_given_region() -> None:
    assert normalise_phone("020 7946 0958", region="GB") == "+442079460958"
    with pytest.raises(InvalidContact):
        normalise_phone("020 7946 0958")


@pytest.mark.parametrize(
    ("given_text", "expected"),
    [
        ("ann@example.com", "ann@example.com"),
        ("Ann.Lee@Example.COM", "Ann.Lee@example.com"),
        ("  bob@pharmacy.org ", "bob@pharmacy.org"),
        ("josé@bücher.de", "josé@bücher.de"),
    ],
)
def test_valid_emails_are_normalised(given_text: str, expected: str) -> None:
    assert normalise_email(given_text) == expected


@pytest.mark.parametrize(
    ("given_text", "reason"),
    [
        ("", "empty email address"),
        ("ann", "an email address must have an @-sign"),
        ("ann@", "there must be something after the @-sign"),
        ("ann@@example.com", "invalid characters"),
        ("ann@localhost", "should have a period"),
        ("ann lee@example.com", "invalid characters"),
        ("a" * 250 + "@example.com", "longer than 254"),
    ],
)
def test_bad_emails_are_refused_with_a_reason(given_text: str, reason: str) -> None:
    with pytest.raises(InvalidContact, match=re.escape(reason)):
        normalise_email(given_text)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=30) | st.from_regex(r"\+?[0-9 ()-]{0,20}", fullmatch=True))
def test_any_text_gives_e164_or_a_reason_and_e164_is_stable(text: str) -> None:
    try:
        number = normalise_phone(text)
    except InvalidContact as exc:
        assert str(exc)
    else:
        assert E164.match(number)
        assert normalise_phone(number) == number


@settings(max_examples=100, deadline=None)
@given(st.emails() | st.text(max_size=40))
def test_any_text_gives_an_address_or_a_reason_and_normal_form_is_stable(text: str) -> None:
    try:
        address = normalise_email(text)
    except InvalidContact as exc:
        assert str(exc)
    else:
        assert normalise_email(address) == address
