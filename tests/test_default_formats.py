"""Load Default: every alert × method × language exists, is valid, short, and PHI-minimal."""

from __future__ import annotations

import pytest

from rxmsg_tui.domain.default_formats import DEFAULT_FORMATS, default_format
from rxmsg_tui.domain.restricted_words import DEFAULT_RESTRICTED_WORDS, find_restricted
from rxmsg_tui.domain.sms_length import measure
from rxmsg_tui.domain.template_variables import sample_values
from rxmsg_tui.domain.templates import check, render
from rxmsg_tui.domain.vocabulary import AlertType, Language, Method

CASES = [(a, m, lang) for lang in Language for a in AlertType for m in Method]


@pytest.mark.parametrize(("alert", "method", "language"), CASES)
def test_each_default_is_valid_and_clean(
    alert: AlertType, method: Method, language: Language
) -> None:
    fmt = DEFAULT_FORMATS[language][(alert, method)]
    check(fmt.subject, alert)
    check(fmt.body, alert)
    text = render(fmt.body, sample_values(alert))
    assert "#STORENAME#" in fmt.body or "#STORENAME#" in fmt.subject
    assert not find_restricted(text, DEFAULT_RESTRICTED_WORDS)
    if method is Method.SMS:
        assert "#DRUGNAME#" not in fmt.body, "no drug names in SMS (minimum necessary PHI)"
        if alert is not AlertType.GENERAL:
            length = measure(text)
            assert length.segments == 1, (text, length)


@pytest.mark.parametrize("language", list(Language))
def test_welcome_texts_say_how_to_stop(language: Language) -> None:
    for method in (Method.SMS, Method.EMAIL):
        assert "STOP" in DEFAULT_FORMATS[language][(AlertType.WELCOME, method)].body


def test_unknown_language_falls_back_to_english() -> None:
    assert (
        default_format(AlertType.BIRTHDAY, Method.SMS, "fr")
        == DEFAULT_FORMATS[Language.ENGLISH][(AlertType.BIRTHDAY, Method.SMS)]
    )
    assert "cumpleaños" in default_format(AlertType.BIRTHDAY, Method.SMS, "es").body
