"""Templates: legacy #VARIABLES# and Jinja, the sandbox, save-time checks with positions."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rxmsg_tui.domain.template_variables import VARIABLES, sample_values, variables_for
from rxmsg_tui.domain.templates import TemplateError, check, render, to_jinja
from rxmsg_tui.domain.vocabulary import AlertType

SAMPLE = sample_values()


def test_legacy_and_jinja_variables_render_the_same() -> None:
    assert render("Hi #PATIENTFIRSTNAME#!", SAMPLE) == "Hi Maria!"
    assert render("Hi {{ patient_first_name }}!", SAMPLE) == "Hi Maria!"
    assert to_jinja("#STORENAME# #STOREPHONE#") == "{{ store_name }} {{ store_phone }}"


def test_filters_and_conditions_work() -> None:
    source = "{{ store_name|upper }}{% if rx_number %} Rx {{ rx_number }}{% else %}-{% endif %}"
    assert render(source, SAMPLE) == "MAIN STREET PHARMACY Rx 1042337"
    assert render(source, {**SAMPLE, "rx_number": ""}) == "MAIN STREET PHARMACY-"


def test_plain_text_with_hashes_is_left_alone() -> None:
    assert render("Rx #12345 and # signs", SAMPLE) == "Rx #12345 and # signs"


def test_html_templates_escape_values() -> None:
    assert render("<b>#PATIENTNAME#</b>", {"patient_name": "<i>x</i>"}, html=True) == (
        "<b>&lt;i&gt;x&lt;/i&gt;</b>"
    )
    assert render("#PATIENTNAME#", {"patient_name": "<i>x</i>"}) == "<i>x</i>"


@pytest.mark.parametrize(
    ("source", "alert", "words", "line", "column"),
    [
        ("Hi #FOO#", AlertType.GENERAL, "unknown variable #FOO#", 1, 4),
        ("Hi\n  {{ nobody }}", AlertType.GENERAL, "unknown variable 'nobody'", 2, 6),
        ("Hi {{ patient_name ", AlertType.GENERAL, "unexpected end of template", 1, None),
        ("Code #VERIFICATIONCODE#", AlertType.BIRTHDAY, "does not apply to Birthday", 1, 6),
        ("Visit #REVIEWURL#", AlertType.REFILL_REMINDER, "does not apply to Refill", 1, 7),
        ("{% for x in y %}{% endfor %}", AlertType.GENERAL, "loops are not allowed", 1, None),
        ("{{ lipsum(1) }}", AlertType.GENERAL, "calling functions", 1, None),
        ("{{ patient_name|attr('x') }}", AlertType.GENERAL, "filter 'attr'", 1, None),
        ("{% set a = 1 %}", AlertType.GENERAL, "not allowed", 1, None),
        ("{% include 'x' %}", AlertType.GENERAL, "not allowed", 1, None),
        ("{{ 9**9**9 }}", AlertType.GENERAL, "not allowed", 1, None),
        ("{{ 'a' * 1000000000 }}", AlertType.GENERAL, "not allowed", 1, None),
    ],
)
def test_bad_templates_are_refused_with_where(
    source: str, alert: AlertType, words: str, line: int, column: int | None
) -> None:
    with pytest.raises(TemplateError, match=words) as caught:
        check(source, alert)
    assert caught.value.line == line
    if column is not None:
        assert caught.value.column == column


@pytest.mark.parametrize(
    "escape",
    [
        "{{ ''.__class__ }}",
        "{{ ''.__class__.__mro__[1].__subclasses__() }}",
        "{{ patient_name.__class__ }}",
        "{{ patient_name['__class__'] }}",
        "{{ cycler.__init__.__globals__ }}",
        "{{ self._TemplateReference__context }}",
        "{{ config }}",
        "{{ request.application.__globals__ }}",
        "{{ namespace.__init__ }}",
        "{{ (patient_name|format)('%s') }}",
    ],
)
def test_attribute_escapes_are_blocked(escape: str) -> None:
    with pytest.raises(TemplateError):
        check(escape, AlertType.GENERAL)
    with pytest.raises(TemplateError):
        render(escape, SAMPLE)


def test_a_missing_value_at_render_is_a_template_error() -> None:
    with pytest.raises(TemplateError, match="'patient_name' is undefined"):
        render("Hi #PATIENTNAME#", {})


def test_every_variable_has_a_token_a_sample_and_applies_somewhere() -> None:
    for variable in VARIABLES:
        assert variable.token == f"#{variable.legacy}#"
        assert variable.sample and variable.applies_to
        check(variable.token, next(iter(variable.applies_to)))
    assert {v.legacy for v in variables_for(AlertType.VERIFICATION)} >= {"VERIFICATIONCODE"}
    assert "REVIEWURL" not in {v.legacy for v in variables_for(AlertType.BIRTHDAY)}


_PIECES = st.sampled_from(
    ["#PATIENTNAME#", "#FOO#", "{{", "}}", "{%", "%}", "if", "else", "endif", "for", "|", "upper",
     "(", ")", "'", '"', ".", "__class__", "#", " ", "x", "patient_name", "store_name", "\n",
     "[", "]", "*", "**", "9", "-", "~", "{#", "#}"]
)  # fmt: skip


@settings(max_examples=300)
@given(
    st.lists(_PIECES | st.text(max_size=5), max_size=25).map("".join),
    st.dictionaries(st.sampled_from(sorted(SAMPLE)), st.text(max_size=20)),
)
def test_any_text_and_data_render_or_raise_a_template_error(
    source: str, data: dict[str, str]
) -> None:
    try:
        result = render(source, {**SAMPLE, **data})
    except TemplateError:
        return
    assert isinstance(result, str)
