"""Formats that cannot break a run: filter misuse and amplification refused, texts capped."""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxmsg_tui.domain.default_formats import default_format
from rxmsg_tui.domain.message_text import MessageTextError, check_format, render_message
from rxmsg_tui.domain.settings_keys import SettingError, validate
from rxmsg_tui.domain.template_budget import RENDER_MAX_CHARS
from rxmsg_tui.domain.template_variables import VARIABLES, long_values, sample_values
from rxmsg_tui.domain.templates import TemplateError, check, render
from rxmsg_tui.domain.text_limits import bad_character, check_message
from rxmsg_tui.domain.vocabulary import AlertType, Language, Method

SAMPLE = sample_values()
TEN = "'" + "a" * 10 + "'"
# Eight chained replaces turn the sample's ten letters into 100,000,000 (the reported SMS)…
HUNDRED_MILLION = "{{ " + TEN + f"|replace('a', {TEN})" * 7 + " }}"
# …and from a patient's name as well; one more level gave a MemoryError traceback.
FROM_A_NAME = "Hi {{ patient_first_name" + f"|replace('a', {TEN})" * 8 + " }}"
ONE_MORE_LEVEL = "Hi {{ patient_first_name" + f"|replace('a', {TEN})" * 9 + " }}"
JOINED = "{{ " + " ~ ".join(["(patient_name" + f"|replace('a', {TEN})" * 4 + ")"] * 40) + " }}"


def _cost(action: Callable[[], object]) -> tuple[float, int]:
    """Seconds and peak bytes allocated while `action` runs."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        action()
    except TemplateError:
        pass
    finally:
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return elapsed, peak


def test_a_filter_given_arguments_it_does_not_take_is_refused_at_save() -> None:
    with pytest.raises(TemplateError, match="'title' filter cannot be used this way") as caught:
        check("Hi\n{{ patient_first_name|title(1) }}", AlertType.REFILL_REMINDER)
    assert caught.value.line == 2
    with pytest.raises(TemplateError, match="cannot render"):
        check("{{ patient_first_name|truncate('a') }}", AlertType.GENERAL)
    with pytest.raises(TemplateError, match="'replace' filter"):
        check("{{ store_name|replace('a') }}", AlertType.GENERAL)


@pytest.mark.parametrize("source", [HUNDRED_MILLION, FROM_A_NAME, ONE_MORE_LEVEL, JOINED])
def test_amplification_is_refused_at_save(source: str) -> None:
    with pytest.raises(TemplateError, match="grow past 200,000 characters"):
        check(source, AlertType.GENERAL)


@pytest.mark.parametrize("source", [HUNDRED_MILLION, FROM_A_NAME, ONE_MORE_LEVEL, JOINED])
def test_amplification_stored_anyway_fails_at_render_at_once_and_small(source: str) -> None:
    with pytest.raises(TemplateError, match="grow past"):
        render(source, SAMPLE)
    elapsed, peak = _cost(lambda: render(source, {**SAMPLE, "patient_first_name": "a" * 80}))
    assert elapsed < 1.0
    assert peak < 10 * RENDER_MAX_CHARS  # a few copies of the budget, never gigabytes


def test_replace_and_joins_within_the_budget_still_work() -> None:
    assert render("{{ store_name|replace('Street', 'St') ~ '!' }}", SAMPLE) == "Main St Pharmacy!"
    assert render("{{ patient_name|replace('', '.') }}", {"patient_name": "ab"}) == ".a.b."
    html = render("<b>{{ patient_first_name|replace('a', '&') }}</b>", SAMPLE, html=True)
    assert html == "<b>M&amp;ri&amp;</b>"
    big = "x" * (RENDER_MAX_CHARS // 2 - 10)
    assert len(render("{{ patient_name|replace('y', 'z') }}", {"patient_name": big})) == len(big)


def test_every_variable_has_a_longest_value_as_long_as_storage_keeps() -> None:
    from rxmsg_tui.storage.models import Patient, Store

    def column(model: type, name: str) -> int:
        return int(model.__table__.c[name].type.length)  # type: ignore[attr-defined]

    first, last = column(Patient, "first_name"), column(Patient, "last_name")
    longest = {v.name: v.longest for v in VARIABLES}
    assert longest["patient_first_name"] == first and longest["patient_last_name"] == last
    assert longest["patient_name"] == first + 1 + last
    assert longest["store_name"] == column(Store, "name")
    assert longest["store_hours"] == column(Store, "hours")
    values = long_values()
    assert all(len(values[v.name]) == v.longest for v in VARIABLES)
    assert not bad_character("".join(values.values()))


def test_a_format_that_fits_with_the_sample_but_not_the_longest_values_is_refused() -> None:
    body = "#PATIENTNAME# " * 4 + "your prescription is ready at #STORENAME#."
    assert len(render(body, SAMPLE)) < 160
    with pytest.raises(MessageTextError, match=r"at its longest, the SMS is .* at most 10") as e:
        check_format(Method.SMS, AlertType.READY_FOR_PICKUP, "Pickup", body)
    assert e.value.field == "body"
    check_format(Method.EMAIL, AlertType.READY_FOR_PICKUP, "Pickup", body)


@pytest.mark.parametrize(
    ("method", "subject", "body", "field", "words"),
    [
        (Method.EMAIL, "Hi\r\nBcc: all@example.org", "Body", "subject", "carriage return"),
        (Method.EMAIL, "Hi\nthere", "Body", "subject", r"line break \(LF\)"),
        (Method.EMAIL, "x" * 201, "Body", "subject", "at most 200"),
        (Method.SMS, "General", "Hi \x1b[2J there", "body", "ESC"),
        (Method.SMS, "General", "Ring\x07", "body", "BEL"),
        (Method.SMS, "General", "Hi\r\nthere", "body", "carriage return"),
        (Method.SMS, "General", "Tab\there", "body", "tab"),
        (Method.EMAIL, "Hello", "Dear \x9b1m you", "body", "control character"),
        (Method.SMS, "General", "x" * 1531, "body", "at most 10 segments"),
        (Method.SMS, "General", "ọ" * 671, "body", "11 segments in UCS-2"),
        (Method.EMAIL, "Hello", "x" * 100_001, "body", "at most 100,000"),
        (Method.CALL, "Call", "Hello\x00", "body", "NUL"),
    ],
)
def test_texts_over_their_caps_or_with_control_characters_are_refused(
    method: Method, subject: str, body: str, field: str, words: str
) -> None:
    with pytest.raises(MessageTextError, match=words) as caught:
        check_format(method, AlertType.GENERAL, subject, body)
    assert caught.value.field == field


def test_what_texts_may_keep() -> None:
    check_message(Method.EMAIL, "Hello", "Dear Ana,\n\n\tYour order\n" + "x" * 99_000)
    check_message(Method.SMS, "General", "Ready at Elm.\nReply STOP to opt out.")
    check_message(Method.SMS, "General", "x" * 1530)
    check_format(Method.SMS, AlertType.GENERAL, "General", "#STORENAME#:\nSee you soon")


def test_values_from_the_database_are_capped_at_render_too() -> None:
    values = {**SAMPLE, "store_name": "Elm\x1b]0;owned\x07"}
    with pytest.raises(MessageTextError, match="ESC") as caught:
        render_message(Method.SMS, "General", "#STORENAME#: hi", values)
    assert caught.value.field == "body"
    long_name = {**SAMPLE, "patient_first_name": "Ana " * 500}
    with pytest.raises(MessageTextError, match="at most 10 segments"):
        render_message(Method.SMS, "General", "Hi #PATIENTFIRSTNAME#", long_name)


@pytest.mark.parametrize("language", list(Language))
def test_every_default_format_passes_the_save_check(language: Language) -> None:
    for alert in AlertType:
        for method in Method:
            fmt = default_format(alert, method, language.value)
            html = method is Method.EMAIL and "<a " in fmt.body
            check_format(method, alert, fmt.subject, fmt.body, html=html)


@pytest.mark.parametrize("value", ["Elm\x1b[31m Pharmacy", "Elm\x07", "Elm\r\nPharmacy"])
def test_store_name_and_phone_refuse_control_characters(value: str) -> None:
    with pytest.raises(SettingError, match=r"store\.name: .* is not allowed"):
        validate("store.name", value)
    with pytest.raises(SettingError, match=r"store\.phone: .* is not allowed"):
        validate("store.phone", "(555) 010-2000" + value[3:])
    assert validate("store.name", "Elm Pharmacy") == "Elm Pharmacy"


_GROWERS = st.sampled_from(
    ["|replace('a', 'aaaaaaaaaa')", "|replace('', 'xy')", "|e", "|upper", "|title",
     "|replace('a', '&<>')", "|truncate(5)", "|default('zz')"]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(_GROWERS, max_size=12), st.integers(1, 4), st.booleans())
def test_no_chain_of_filters_builds_past_the_budget(
    chain: list[str], terms: int, html: bool
) -> None:
    term = "(patient_name" + "".join(chain) + ")"
    source = "{{ " + " ~ ".join([term] * terms) + " }}"
    try:
        text = render(source, {"patient_name": "Ana María " * 8}, html=html)
    except TemplateError:
        return
    assert len(text) <= RENDER_MAX_CHARS
