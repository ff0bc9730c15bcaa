"""The fast path for usual US numbers and plain addresses gives what the libraries give.

Compared over many shapes (valid, invalid, near-valid) against
`normalise_phone_by_library` / `normalise_email_by_library`, which send
everything through phonenumbers and email-validator: the same E.164 number or
address, or the same refusal words.
"""

from __future__ import annotations

import random
from collections.abc import Callable

import phonenumbers
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rxmsg_tui.domain.contact import (
    InvalidContact,
    normalise_email,
    normalise_email_by_library,
    normalise_phone,
    normalise_phone_by_library,
)
from rxmsg_tui.domain.contact_fast import nanp_valid, plain_address, us_number_e164

Outcome = tuple[str, str]


def outcome(normalise: Callable[[str], str], text: str) -> Outcome:
    try:
        return ("ok", normalise(text))
    except InvalidContact as exc:
        return ("refused", str(exc))


DIGITS = "0123456789"
SEPARATORS = ["", " ", "-", ".", "/"]
PREFIXES = ["", "1", "+1", "1 ", "+1 ", "1-", "+1-"]


@st.composite
def us_shaped(draw: st.DrawFn) -> str:
    """3-3-4 digits typed the ways people type them; every other one with near misses.

    Half are drawn from the usual shapes only (most then take the fast path),
    half may have a wrong digit count, odd punctuation or another prefix.
    """
    usual = draw(st.booleans())
    spread = 0 if usual else 1

    def part(size: int) -> str:
        return draw(st.text(alphabet=DIGITS, min_size=size - spread, max_size=size + spread))

    area, exchange, line = part(3), part(3), part(4)
    if usual:
        area = draw(st.sampled_from("23456789")) + area[1:]
        exchange = draw(st.sampled_from("23456789")) + exchange[1:]
    odd_separators = [] if usual else ["  ", " - ", "(", ")", "+"]
    gaps = [draw(st.sampled_from(SEPARATORS + odd_separators)) for _ in range(2)]
    prefix = draw(st.sampled_from(PREFIXES + ([] if usual else ["+", "+44 ", "0", "11", "(1)"])))
    if draw(st.booleans()):
        area = f"({area})"
    padding = draw(st.sampled_from(["", " ", "  "]))
    return f"{padding}{prefix}{area}{gaps[0]}{exchange}{gaps[1]}{line}{padding}"


@settings(max_examples=1000, deadline=None)
@given(us_shaped() | st.from_regex(r"\+?[0-9 ()./-]{0,20}", fullmatch=True) | st.text(max_size=20))
@example("(201) 555-0123")
@example("1-201-555-0123")
@example("+1 (416) 555 0123")
@example("(555) 010-2000")
@example("1 (201)555-0123")
@example("201/555/0123")
@example("(201 555 0123")
@example("+12015550123")
def test_a_number_gets_the_same_answer_as_from_phonenumbers(text: str) -> None:
    assert outcome(normalise_phone, text) == outcome(normalise_phone_by_library, text)


@settings(max_examples=600, deadline=None)
@given(us_shaped())
def test_the_fast_path_answers_only_what_phonenumbers_would(text: str) -> None:
    fast = us_number_e164(text.strip())
    if fast is not None:
        assert fast == normalise_phone_by_library(text)


def test_the_usual_shapes_take_the_fast_path() -> None:
    for text in ("(201) 555-0123", "201-555-0123", "201.555.0123", "2015550123",
                 "1 201 555 0123", "+1 (201) 555-0123", "+12015550123", "1-416-555-0123"):  # fmt: skip
        assert us_number_e164(text) in {"+12015550123", "+14165550123"}, text
    assert us_number_e164("(555) 010-2000") is None, "an invalid area code is left to the library"
    assert us_number_e164("+44 20 7946 0958") is None


def test_validity_agrees_with_phonenumbers_across_every_area_code() -> None:
    """Every area code 200–999 with exchanges and line numbers spread over their range.

    Some NANP patterns look past the exchange (personal numbers, 52x), so the
    line number varies too; a seeded sample keeps the test repeatable.
    """
    rng = random.Random(13)
    for area in range(200, 1000):
        for exchange in range(0, 1000, 37):
            national = f"{area}{exchange:03d}{rng.randrange(10_000):04d}"
            number = phonenumbers.PhoneNumber(country_code=1, national_number=int(national))
            assert nanp_valid(national) == phonenumbers.is_valid_number(number), national


local_part = st.from_regex(r"[A-Za-z0-9_+\-]{1,8}(\.[A-Za-z0-9_+\-]{1,8})?", fullmatch=True)
label = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9\-]{0,8}[A-Za-z0-9]", fullmatch=True)
TOP_LEVELS = ["com", "ORG", "org", "Io"]
ODD_LOCALS = ["Postmaster", "INFO", "a..b", ".a", "a.", "josé", "o'neil", "a b", "a" * 65]
ODD_LABELS = ["xn--bcher-kva", "ab--cd", "a" * 64, "b" * 63, "-x", "x-", "1", "bücher", "a_b"]
ODD_TOP_LEVELS = ["test", "local", "arpa", "invalid", "onion", "localhost", "c0m", "1", "x" * 64]


@st.composite
def near_plain(draw: st.DrawFn) -> str:
    """`local@labels.tld`; every other one with the traps email-validator knows.

    Reserved names, Punycode, two hyphens, dots in the wrong place, labels too
    long, the mailbox names it lower-cases, Unicode.
    """
    usual = draw(st.booleans())
    local = draw(local_part if usual else local_part | st.sampled_from(ODD_LOCALS))
    labels = draw(
        st.lists(label if usual else label | st.sampled_from(ODD_LABELS), min_size=1, max_size=3)
    )
    top = draw(st.sampled_from(TOP_LEVELS + ([] if usual else ODD_TOP_LEVELS)))
    at = "@" if usual else draw(st.sampled_from(["@", "@@", " @", "", "@."]))
    return f"{local}{at}{'.'.join([*labels, top])}"


@settings(max_examples=600, deadline=None)
@given(near_plain() | st.emails() | st.text(max_size=40))
@example("Ann.Lee@Example.COM")
@example("postmaster@example.com")
@example("ann@mail.test")
@example("ann@xn--bcher-kva.de")
@example("ann@" + "a" * 64 + ".com")
@example("a" * 64 + "@" + ("b" * 60 + ".") * 3 + "com")
@example("ann@123.com")
@example("ann@example.c0m")
def test_an_address_gets_the_same_answer_as_from_email_validator(text: str) -> None:
    assert outcome(normalise_email, text) == outcome(normalise_email_by_library, text)


@settings(max_examples=400, deadline=None)
@given(near_plain())
def test_the_fast_path_keeps_an_address_only_as_email_validator_would(text: str) -> None:
    fast = plain_address(text.strip())
    if fast is not None:
        assert fast == normalise_email_by_library(text)


@pytest.mark.parametrize(
    ("text", "fast"),
    [
        ("ann@example.com", "ann@example.com"),
        ("Ann.Lee@Example.COM", "Ann.Lee@example.com"),
        ("pat+rx@mail.pharmacy.org", "pat+rx@mail.pharmacy.org"),
        ("Postmaster@example.com", None),
        ("ann@xn--bcher-kva.de", None),
        ("josé@bücher.de", None),
        ("ann@mail.local", None),
    ],
)
def test_plain_addresses_take_the_fast_path_and_others_do_not(text: str, fast: str | None) -> None:
    assert plain_address(text) == fast
