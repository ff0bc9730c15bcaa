"""Cell phone and email normalisation: E.164 numbers and checked, normalised addresses."""

from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from phonenumbers import NumberParseException, PhoneNumberFormat, ValidationResult

from rxmsg_tui.domain.contact_fast import plain_address, us_number_e164

DEFAULT_REGION = "US"
MAX_PHONE_INPUT = 40
MAX_EMAIL_LENGTH = 254

# Digits and the punctuation people type around them; letters would let
# phonenumbers read vanity words ("1-800-FLOWERS") or an extension into a cell number.
_PHONE_CHARS = re.compile(r"^\+?[0-9 ()./\-]+$", re.ASCII)

_LENGTH_REASONS = {
    ValidationResult.INVALID_COUNTRY_CODE: "unknown country code",
    ValidationResult.TOO_SHORT: "too few digits",
    ValidationResult.TOO_LONG: "too many digits",
    ValidationResult.INVALID_LENGTH: "wrong number of digits",
    ValidationResult.IS_POSSIBLE_LOCAL_ONLY: "no area code",
}


class InvalidContact(ValueError):
    """A phone number or email address that cannot be used; the message says why.

    Every path that takes an address (import, the patient screens, two-way SMS)
    goes through this module, so an address refused in one place is refused
    everywhere with the same words, and equal addresses compare equal.
    """


def normalise_phone(text: str, *, region: str = DEFAULT_REGION) -> str:
    """The number in E.164 (`+12015550123`); numbers without `+` are read as `region`'s.

    Possible-but-invalid numbers (`555-010-2000`) are refused too: a message to
    a number that cannot exist is a wasted send and a misleading `Sent`.
    Usual US shapes are decided by `contact_fast` (an import checks 200,000
    of them); everything else, and every refusal, by phonenumbers.
    """
    cleaned = _phone_text(text)
    if region == DEFAULT_REGION and (fast := us_number_e164(cleaned)) is not None:
        return fast
    return _parse_phone(cleaned, region)


def normalise_phone_by_library(text: str, *, region: str = DEFAULT_REGION) -> str:
    """`normalise_phone` with every number through phonenumbers: the reference it must match."""
    return _parse_phone(_phone_text(text), region)


def _phone_text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise InvalidContact("empty phone number")
    if len(cleaned) > MAX_PHONE_INPUT:
        raise InvalidContact(f"longer than {MAX_PHONE_INPUT} characters")
    if not _PHONE_CHARS.match(cleaned):
        raise InvalidContact("only digits, spaces, + ( ) - . / are allowed in a phone number")
    return cleaned


def _parse_phone(cleaned: str, region: str) -> str:
    try:
        number = phonenumbers.parse(cleaned, region)
    except NumberParseException as exc:
        unknown_country = exc.error_type == NumberParseException.INVALID_COUNTRY_CODE
        raise InvalidContact(
            "unknown country code" if unknown_country else "not a phone number"
        ) from None
    possible = phonenumbers.is_possible_number_with_reason(number)
    if possible != ValidationResult.IS_POSSIBLE:
        raise InvalidContact(_LENGTH_REASONS.get(possible, "not a possible phone number"))
    if not phonenumbers.is_valid_number(number):
        raise InvalidContact("not a valid number (no such area code or exchange)")
    return phonenumbers.format_number(number, PhoneNumberFormat.E164)


def normalise_email(text: str) -> str:
    """The address as email-validator normalises it (domain lower-cased, IDNA applied).

    Deliverability (DNS) is not checked: imports and the counter must work offline.
    Plain ASCII addresses are decided by `contact_fast`; the rest, and every
    refusal, by email-validator.
    """
    cleaned = _email_text(text)
    if (fast := plain_address(cleaned)) is not None:
        return fast
    return _validate_email(cleaned)


def normalise_email_by_library(text: str) -> str:
    """`normalise_email` with every address through email-validator: the reference it must match."""
    return _validate_email(_email_text(text))


def _email_text(text: str) -> str:
    cleaned = text.strip()
    if not cleaned:
        raise InvalidContact("empty email address")
    if len(cleaned) > MAX_EMAIL_LENGTH:
        raise InvalidContact(f"longer than {MAX_EMAIL_LENGTH} characters")
    return cleaned


def _validate_email(cleaned: str) -> str:
    try:
        checked = validate_email(cleaned, check_deliverability=False)
    except EmailNotValidError as exc:
        raise InvalidContact(_email_reason(exc)) from None
    normalised: str = checked.normalized
    if len(normalised) > MAX_EMAIL_LENGTH:
        raise InvalidContact(f"longer than {MAX_EMAIL_LENGTH} characters")
    return normalised


def _email_reason(exc: EmailNotValidError) -> str:
    """email-validator's sentence, lower-cased at the start and without its full stop."""
    reason = str(exc).strip().rstrip(".") or "not an email address"
    return reason[0].lower() + reason[1:]
