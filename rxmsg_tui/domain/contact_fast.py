"""The common cell numbers and addresses decided without the full parsers, with the same result.

A pharmacy's patients.csv is almost all US numbers typed one of a few ways
(`(201) 555-0123`, `201-555-0123`, `+12015550123`) and plain addresses
(`ann.lee@example.com`). phonenumbers and email-validator take about 25 µs
each per cell, which is most of a 200,000-patient import; the checks here
take a few µs. They only ever say "this is the answer" or "ask the library":
anything unusual (another country, an invalid area code, an address that
email-validator would change or refuse) returns None and goes the full way,
so every refusal keeps the library's words. `tests/test_contact_fast.py`
proves the two paths agree.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from email_validator import SPECIAL_USE_DOMAIN_NAMES
from email_validator.rfc_constants import (
    CASE_INSENSITIVE_MAILBOX_NAMES,
    DNS_LABEL_LENGTH_LIMIT,
    DOMAIN_MAX_LENGTH,
    EMAIL_MAX_LENGTH,
)
from phonenumbers import COUNTRY_CODE_TO_REGION_CODE, PhoneMetadata
from phonenumbers.phonemetadata import PhoneNumberDesc

NANP_COUNTRY_CODE = 1
NANP_DIGITS = 10

# `1`/`+1`, then 3-3-4 digits with one space, dot, hyphen or slash between
# groups and the area code optionally in brackets. The area code starts
# 2-9, so a leading 1 can only be the country code.
_US_SHAPE = re.compile(
    r"(?:\+?1[ ./\-]?)?(?:\(([2-9][0-9]{2})\)|([2-9][0-9]{2}))[ ./\-]?([0-9]{3})[ ./\-]?([0-9]{4})",
    re.ASCII,
)

# A dot-atom local part of the usual characters and an ASCII host name whose
# last label is letters only: email-validator keeps such an address as typed,
# except that it lower-cases the domain. Labels are held to 63 characters.
# Neither part can hold an `@`, so the address splits at its only one.
_PLAIN_LOCAL = re.compile(r"[A-Za-z0-9_+\-]+(?:\.[A-Za-z0-9_+\-]+)*", re.ASCII)
_LABEL = rf"[A-Za-z0-9](?:[A-Za-z0-9\-]{{0,{DNS_LABEL_LENGTH_LIMIT - 2}}}[A-Za-z0-9])?"
_PLAIN_DOMAIN = re.compile(rf"(?:{_LABEL}\.)+[A-Za-z]{{1,{DNS_LABEL_LENGTH_LIMIT}}}", re.ASCII)
DOMAINS_REMEMBERED = 4096
"""A file's addresses share a few domains; each is judged once."""
_MAILBOX_NAMES = frozenset(CASE_INSENSITIVE_MAILBOX_NAMES)
"""Local parts email-validator lower-cases (`Postmaster@`): left to it."""
_SPECIAL_TOP_LEVEL = frozenset(name for name in SPECIAL_USE_DOMAIN_NAMES if "." not in name)
"""Reserved names (`.test`, `.local`, …) that email-validator refuses, and their subdomains."""
_SPECIAL_DEEPER = tuple(name for name in SPECIAL_USE_DOMAIN_NAMES if "." in name)


def us_number_e164(cleaned: str) -> str | None:
    """`cleaned` (stripped text) in E.164 when it is a valid NANP number in a usual US shape.

    None means "not decided here": the caller asks phonenumbers, which gives
    the refusal, or the answer for a shape this does not know.
    """
    shape = _US_SHAPE.fullmatch(cleaned)
    if shape is None:
        return None
    bracketed, bare, exchange, line = shape.groups()
    national = f"{bracketed or bare}{exchange}{line}"
    return f"+1{national}" if nanp_valid(national) else None


def nanp_valid(national: str) -> bool:
    """What `phonenumbers.is_valid_number` says of +1 `national` (ten digits).

    The same walk over the same metadata: the first NANP region whose leading
    digits match (or, for regions without any, whose patterns know the
    number) decides, and the number is valid when its patterns know it.
    """
    for region in _nanp_regions():
        if region.leading_digits is not None:
            if region.leading_digits.match(national):
                return region.knows(national)
        elif region.knows(national):
            return True
    return False


def plain_address(cleaned: str) -> str | None:
    """`cleaned` as email-validator normalises it, when it is a plain ASCII address.

    None means "not decided here" (Unicode, quotes, odd characters, a
    reserved domain, a mailbox name it lower-cases, anything too long).
    """
    if len(cleaned) > EMAIL_MAX_LENGTH:
        return None
    local, _, domain = cleaned.partition("@")
    if _PLAIN_LOCAL.fullmatch(local) is None or local.lower() in _MAILBOX_NAMES:
        return None
    plain = _plain_domain(domain)
    return None if plain is None else f"{local}@{plain}"


@functools.lru_cache(maxsize=DOMAINS_REMEMBERED)
def _plain_domain(domain: str) -> str | None:
    """The domain lower-cased, when email-validator would take it as it is."""
    if _PLAIN_DOMAIN.fullmatch(domain) is None:
        return None
    domain = domain.lower()
    if len(domain) > DOMAIN_MAX_LENGTH or "--" in domain:
        return None
    if domain.rpartition(".")[2] in _SPECIAL_TOP_LEVEL or any(
        domain == name or domain.endswith(f".{name}") for name in _SPECIAL_DEEPER
    ):
        return None
    return domain


@dataclass(frozen=True, slots=True)
class _Region:
    """One NANP region's validity patterns for ten-digit national numbers."""

    leading_digits: re.Pattern[str] | None
    general: re.Pattern[str] | None
    types: re.Pattern[str] | None

    def knows(self, national: str) -> bool:
        """phonenumbers' number type is not UNKNOWN."""
        return bool(
            self.general is not None
            and self.types is not None
            and self.general.fullmatch(national)
            and self.types.fullmatch(national)
        )


@functools.cache
def _nanp_regions() -> tuple[_Region, ...]:
    """Built once from phonenumbers' own metadata, in its order (US first)."""
    regions = []
    for code in COUNTRY_CODE_TO_REGION_CODE[NANP_COUNTRY_CODE]:
        metadata = PhoneMetadata.metadata_for_region(code, None)
        if metadata is None:
            continue
        types = [
            metadata.premium_rate, metadata.toll_free, metadata.shared_cost, metadata.voip,
            metadata.personal_number, metadata.pager, metadata.uan, metadata.voicemail,
            metadata.fixed_line,
        ]  # fmt: skip
        if not metadata.same_mobile_and_fixed_line_pattern:
            types.append(metadata.mobile)
        leading = metadata.leading_digits
        regions.append(
            _Region(
                re.compile(leading) if leading is not None else None,
                _any_of([metadata.general_desc]),
                _any_of(types),
            )
        )
    return tuple(regions)


def _any_of(descs: Sequence[PhoneNumberDesc | None]) -> re.Pattern[str] | None:
    """One pattern matching what any of `descs` matches at ten digits (None: none can)."""
    patterns = []
    for desc in descs:
        if desc is None or not desc.national_number_pattern:
            continue
        lengths = desc.possible_length
        if lengths and NANP_DIGITS not in lengths:
            continue
        patterns.append(f"(?:{desc.national_number_pattern})")
    return re.compile("|".join(patterns)) if patterns else None
