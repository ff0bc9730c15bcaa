"""The format editor's preview and review-site snippets, without the UI."""

from __future__ import annotations

from rxmsg_tui.clock import Clock
from rxmsg_tui.domain.templates import render
from rxmsg_tui.domain.vocabulary import AlertType, Language, Method
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.formats.message_formats import FormatDraft, load_default, save_format
from rxmsg_tui.services.formats.preview import (
    PreviewSample,
    as_plain_text,
    insertable_variables,
    load_sample,
    preview_format,
    review_button,
    review_link,
)
from rxmsg_tui.services.formats.review_sites import ReviewSiteRow, save_site
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Store

SAMPLE = PreviewSample()
HOSTILE = ReviewSiteRow(
    1,
    'Yelp {{ 7*7 }} {% if 1 %}x{% endif %} #PATIENTNAME# <b>"bold"</b>',
    'https://example.com/r?a=1&b={{ 7*7 }}"><script>#frag#STORENAME#',
    True,
)


def test_sms_preview_renders_the_sample_and_counts_segments() -> None:
    default = load_default(
        FormatDraft(Method.SMS, AlertType.READY_FOR_PICKUP, Language.ENGLISH, "", "")
    )
    preview = preview_format(
        Method.SMS, AlertType.READY_FOR_PICKUP, default.subject, default.body, SAMPLE
    )
    assert not preview.error
    assert "Maria" in preview.body and "#" not in preview.body
    assert preview.sms is not None
    assert preview.sms.summary() == f"{len(preview.body)} chars, GSM-7, 1 segment"

    long_text = "Hola #PATIENTFIRSTNAME#, ¿cómo está? " * 3
    spanish = preview_format(Method.SMS, AlertType.GENERAL, "s", long_text, SAMPLE)
    assert spanish.sms is not None
    assert (spanish.sms.encoding, spanish.sms.segments) == ("UCS-2", 2)
    email = preview_format(Method.EMAIL, AlertType.GENERAL, "Hi", "Hello", SAMPLE)
    assert email.sms is None and not email.html


def test_preview_names_the_problem_and_where_it_is_as_save_would() -> None:
    unknown = preview_format(Method.SMS, AlertType.GENERAL, "s", "Hi\n  #NOPE#", SAMPLE)
    assert (unknown.error_field, unknown.error) == (
        "body",
        "line 2, column 3: unknown variable #NOPE#",
    )
    foreign = preview_format(Method.SMS, AlertType.BIRTHDAY, "Due #DUEDATE#", "Hi", SAMPLE)
    assert foreign.error_field == "subject"
    assert "#DUEDATE# does not apply to Birthday Greeting" in foreign.error
    words = PreviewSample(words=("cbd",))
    restricted = preview_format(Method.SMS, AlertType.GENERAL, "s", "Try C.B.D today", words)
    assert restricted.error == "line 1, column 5: restricted word 'cbd'"
    broken = preview_format(Method.EMAIL, AlertType.GENERAL, "s", "{% if %}", SAMPLE)
    assert broken.error_field == "body" and broken.error.startswith("line 1")


def test_the_variables_offered_are_those_of_the_alert_type() -> None:
    tokens = [v.token for v in insertable_variables(AlertType.VERIFICATION)]
    assert "#VERIFICATIONCODE#" in tokens and "#PATIENTNAME#" in tokens
    assert "#REVIEWURL#" not in tokens and "#DRUGNAME#" not in tokens
    assert "#REVIEWURL#" in [v.token for v in insertable_variables(AlertType.CUSTOMER_REVIEW)]


def test_review_snippets_escape_the_name_and_url_and_stay_inert_as_templates() -> None:
    for snippet in (review_link(HOSTILE), review_button(HOSTILE)):
        body = f"Dear #PATIENTFIRSTNAME#, {snippet}"
        preview = preview_format(Method.EMAIL, AlertType.CUSTOMER_REVIEW, "s", body, SAMPLE)
        assert not preview.error, preview.error
        assert preview.html
        assert "49" not in preview.body and "Maria Lopez" not in preview.body
        assert "Main Street" not in preview.body  # #STORENAME# in the URL stays text
        assert "<script>" not in preview.body and "<b>" not in preview.body
        assert preview.body.count("<a ") == 1
        assert 'href="https://example.com/r?a=1&amp;b=%7B%7B%207*7%20%7D%7D%22%3E%3Cscript%3E' in (
            preview.body
        )
        shown = as_plain_text(preview.body)
        assert shown.startswith("Dear Maria, [")
        assert "{{ 7*7 }}" in shown and "#PATIENTNAME#" in shown
    assert "background-color:rgb(26,115,232)" in review_button(HOSTILE)


def test_a_site_inserted_into_an_email_review_format_saves_and_renders(
    db: Database, admin: Actor, store: Store, clock: Clock
) -> None:
    site = save_site(
        db,
        admin,
        name="Google",
        url="https://g.page/r/abc/review",
        make_default=True,
        now=clock.now(),
    )
    save_site(
        db, admin, name="Yelp", url="https://yelp.com/biz/x", make_default=False, now=clock.now()
    )
    sample = load_sample(db, store)
    assert sample.values["store_name"] == "Main Street Pharmacy"
    assert sample.values["review_url"] == "https://g.page/r/abc/review"
    assert [s.name for s in sample.sites] == ["Google", "Yelp"]
    assert sample.default_site == site
    assert "cbd" in sample.words

    body = f"Hi #PATIENTFIRSTNAME#,\n{review_button(site)}\n{review_link(site)}"
    draft = FormatDraft(Method.EMAIL, AlertType.CUSTOMER_REVIEW, Language.ENGLISH, "Review", body)
    saved = save_format(db, admin, draft, format_id=None, now=clock.now())
    html = render(saved.body, {"patient_first_name": "<Ann>"}, html=True)
    assert html.startswith('Hi &lt;Ann&gt;,\n<a href="https://g.page/r/abc/review" style=')
    assert html.endswith('<a href="https://g.page/r/abc/review">Google</a>')

    sms = preview_format(
        Method.SMS, AlertType.CUSTOMER_REVIEW, "Review", "Tell us: #REVIEWURL#", sample
    )
    assert sms.body == "Tell us: https://g.page/r/abc/review"
