"""Patients' replies: a corpus read as STOP, START, HELP or ordinary, and the answers sent back."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rxmsg_tui.domain.inbound_keywords import ReplyKind, keyword_answer, read_reply
from rxmsg_tui.domain.sms_length import measure

STOP, START, HELP, NONE = ReplyKind.STOP, ReplyKind.START, ReplyKind.HELP, ReplyKind.NONE
KEYWORD, PLAIN, STAFF, PLAIN_TEXT = "keyword", "plain", "staff", "-"

# text → (kind, how it was read): "keyword" = a bare keyword; "plain" = a revocation from
# plain words (plain_words=True); "staff" = not acted on, flagged for a person
# (needs_staff=True); "-" = an ordinary message, nothing to do.
CORPUS: list[tuple[str, ReplyKind, str]] = [
    # Keywords, any case, spacing, punctuation and emoji
    ("STOP", STOP, KEYWORD),
    ("stop", STOP, KEYWORD),
    (" Stop. ", STOP, KEYWORD),
    ("STOP!!", STOP, KEYWORD),
    ("stop 🙏", STOP, KEYWORD),
    ('"Stop"', STOP, KEYWORD),
    ("S T O P", STOP, KEYWORD),
    ("ＳＴＯＰ", STOP, KEYWORD),
    ("STOP STOP STOP", STOP, KEYWORD),
    ("StopAll", STOP, KEYWORD),
    ("stop all", STOP, KEYWORD),
    ("UNSUBSCRIBE", STOP, KEYWORD),
    ("Cancel", STOP, KEYWORD),
    ("end.", STOP, KEYWORD),
    ("QUIT", STOP, KEYWORD),
    ("Revoke", STOP, KEYWORD),
    ("OPTOUT", STOP, KEYWORD),
    ("opt-out", STOP, KEYWORD),
    ("Opt out", STOP, KEYWORD),
    ("ALTO", STOP, KEYWORD),
    ("¡Alto!", STOP, KEYWORD),
    ("parar", STOP, KEYWORD),
    ("CANCELAR", STOP, KEYWORD),
    ("yes, stop", STOP, KEYWORD),
    ("START", START, KEYWORD),
    ("start!", START, KEYWORD),
    ("Unstop", START, KEYWORD),
    ("YES", START, KEYWORD),
    ("yes.", START, KEYWORD),
    ("SÍ", START, KEYWORD),
    ("Sí", START, KEYWORD),
    ("Si", START, KEYWORD),
    ("si!", START, KEYWORD),
    ("HELP", HELP, KEYWORD),
    ("help?", HELP, KEYWORD),
    ("Info", HELP, KEYWORD),
    ("AYUDA", HELP, KEYWORD),
    # STOP with courtesy around it, a typo, or a sentence after it
    ("stop please", STOP, PLAIN),
    ("Please STOP", STOP, PLAIN),
    ("stop now!", STOP, PLAIN),
    ("Stop it", STOP, PLAIN),
    ("stop this", STOP, PLAIN),
    ("unsubscribe me", STOP, PLAIN),
    ("cancel please", STOP, PLAIN),
    ("alto por favor", STOP, PLAIN),
    ("ya, parar", STOP, PLAIN),
    ("Stopp", STOP, PLAIN),
    ("STOOOP", STOP, PLAIN),
    ("STOP - wrong number", STOP, PLAIN),
    ("Stop. I am not a patient there", STOP, PLAIN),
    # English plain words
    ("please stop texting me", STOP, PLAIN),
    ("Stop texting me!!", STOP, PLAIN),
    ("quit messaging me", STOP, PLAIN),
    ("no more messages", STOP, PLAIN),
    ("No more texts please", STOP, PLAIN),
    ("no texts please", STOP, PLAIN),
    ("take me off your list", STOP, PLAIN),
    ("Remove me from your texting list", STOP, PLAIN),
    ("take my number off your list", STOP, PLAIN),
    ("I don't want these texts anymore", STOP, PLAIN),
    ("I dont want these texts anymore", STOP, PLAIN),
    ("I no longer wish to receive text messages", STOP, PLAIN),
    ("remove my number", STOP, PLAIN),
    ("Please delete my phone number", STOP, PLAIN),
    ("I want to opt out", STOP, PLAIN),
    ("please opt me out", STOP, PLAIN),
    ("I revoke my consent", STOP, PLAIN),
    ("stop sending me these", STOP, PLAIN),
    ("stop sending me text messages", STOP, PLAIN),
    ("Stop the refill reminders", STOP, PLAIN),
    ("cancel the text alerts", STOP, PLAIN),
    ("turn off notifications", STOP, PLAIN),
    ("Do not text me", STOP, PLAIN),
    ("don’t contact me again", STOP, PLAIN),
    ("leave me alone", STOP, PLAIN),
    ("NO MORE", STOP, PLAIN),
    ("remove me please", STOP, PLAIN),
    ("Stop!!! Who is this?", STOP, PLAIN),
    ("stop texting and calling me", STOP, PLAIN),
    ("can you stop texting me?", STOP, PLAIN),
    ("Could you please take me off your list?", STOP, PLAIN),
    ("how do I unsubscribe?", STOP, PLAIN),
    ("How do I stop these texts?", STOP, PLAIN),
    # Spanish plain words
    ("dejen de enviarme mensajes", STOP, PLAIN),
    ("Dejen de mandarme mensajes por favor", STOP, PLAIN),
    ("para de escribirme", STOP, PLAIN),
    ("no me manden más mensajes", STOP, PLAIN),
    ("No me envíen mensajes", STOP, PLAIN),
    ("no me escriban", STOP, PLAIN),
    ("ya no quiero recibir mensajes", STOP, PLAIN),
    ("No quiero más mensajes de texto", STOP, PLAIN),
    ("no quiero que me manden mensajes", STOP, PLAIN),
    ("bórrenme de la lista", STOP, PLAIN),
    ("BORRENME DE LA LISTA", STOP, PLAIN),
    ("quiten mi número", STOP, PLAIN),
    ("quiero darme de baja", STOP, PLAIN),
    ("No más mensajes", STOP, PLAIN),
    ("basta de mensajes", STOP, PLAIN),
    ("cancelen los recordatorios", STOP, PLAIN),
    ("déjenme en paz", STOP, PLAIN),
    ("Ya no más", STOP, PLAIN),
    ("desuscribirme por favor", STOP, PLAIN),
    ("¿Cómo dejo de recibir mensajes?", STOP, PLAIN),
    ("quiero dejar de recibir estos mensajes", STOP, PLAIN),
    # Ambiguous: a stop or start word not clearly about the texts
    ("stop by at 5?", NONE, STAFF),
    ("I'll stop by at 5", NONE, STAFF),
    ("can you stop the refill on my Lisinopril", NONE, STAFF),
    ("cancel my prescription", NONE, STAFF),
    ("Please cancel my refill", NONE, STAFF),
    ("I quit smoking", NONE, STAFF),
    ("when does the store end today", NONE, STAFF),
    ("I stopped taking metformin", NONE, STAFF),
    ("my doctor said to stop the aspirin", NONE, STAFF),
    ("Stop & Shop parking lot ok?", NONE, STAFF),
    ("I'll be there at the end of the day", NONE, STAFF),
    ("el precio es muy alto", NONE, STAFF),
    ("quiero cancelar mi receta", NONE, STAFF),
    ("para", NONE, STAFF),
    ("¡Para!", NONE, STAFF),
    ("¡Basta!", NONE, STAFF),
    ("wrong number", NONE, STAFF),
    ("REMOVE", NONE, STAFF),
    ("cancel it", NONE, STAFF),
    ("Maria: STOP", NONE, STAFF),
    ("The End", NONE, STAFF),
    ("número equivocado", NONE, STAFF),
    ("help start", NONE, STAFF),
    ("start texting me again", NONE, STAFF),
    ("Quiero recibir mensajes otra vez", NONE, STAFF),
    # Revocation-like but held back: negated, limited in time, calls only, a question
    ("don't stop the reminders", NONE, STAFF),
    ("Please do not stop texting me", NONE, STAFF),
    ("keep texting me please, don't cancel", NONE, STAFF),
    ("stop texting me before 9", NONE, STAFF),
    ("no me manden mensajes antes de las 9", NONE, STAFF),
    ("stop calling me", NONE, STAFF),
    ("opt me out of the calls", NONE, STAFF),
    ("why did you stop texting me?", NONE, STAFF),
    ("did you cancel the reminders?", NONE, STAFF),
    ("No dejen de mandarme mensajes", NONE, STAFF),
    # Ordinary messages
    ("thanks, see you tomorrow", NONE, PLAIN_TEXT),
    ("Is my prescription ready?", NONE, PLAIN_TEXT),
    ("ok", NONE, PLAIN_TEXT),
    ("No thanks", NONE, PLAIN_TEXT),
    ("not interested", NONE, PLAIN_TEXT),
    ("Thank you!", NONE, PLAIN_TEXT),
    ("👍", NONE, PLAIN_TEXT),
    ("", NONE, PLAIN_TEXT),
    ("   ", NONE, PLAIN_TEXT),
    ("yes please", NONE, PLAIN_TEXT),
    ("Yes I will pick it up today", NONE, PLAIN_TEXT),
    ("help me with my refill", NONE, PLAIN_TEXT),
    ("I need info on my copay", NONE, PLAIN_TEXT),
    ("What time do you close on the weekend?", NONE, PLAIN_TEXT),
    ("para mañana está bien?", NONE, PLAIN_TEXT),
    ("sí, lo recojo mañana", NONE, PLAIN_TEXT),
    ("si, gracias", NONE, PLAIN_TEXT),
    ("Gracias, paso mañana", NONE, PLAIN_TEXT),
    ("¿Está lista mi receta?", NONE, PLAIN_TEXT),
    ("es para mi mamá", NONE, PLAIN_TEXT),
    ("final", NONE, PLAIN_TEXT),
    ("Dejé de recibir mensajes, ¿está lista mi receta?", NONE, PLAIN_TEXT),
    ("Al final del día paso por ella", NONE, PLAIN_TEXT),
    ("Stopwatch", NONE, PLAIN_TEXT),
    ("Standing by", NONE, PLAIN_TEXT),
    ("Infomation about my insurance please", NONE, PLAIN_TEXT),
]


@pytest.mark.parametrize(("text", "kind", "how"), CORPUS, ids=[row[0] or "empty" for row in CORPUS])
def test_corpus(text: str, kind: ReplyKind, how: str) -> None:
    reading = read_reply(text)
    assert (reading.kind, reading.plain_words, reading.needs_staff) == (
        kind,
        how == PLAIN,
        how == STAFF,
    )


def test_corpus_is_large_and_covers_both_languages_and_every_outcome() -> None:
    assert len(CORPUS) >= 100
    assert len({text for text, _, _ in CORPUS}) == len(CORPUS)
    spanish = [text for text, _, _ in CORPUS if read_reply(text).language == "es"]
    assert len(spanish) >= 25
    for outcome in ((STOP, KEYWORD), (STOP, PLAIN), (START, KEYWORD), (HELP, KEYWORD)):
        assert outcome in {(kind, how) for _, kind, how in CORPUS}
    assert {how for kind, how in ((k, h) for _, k, h in CORPUS) if kind is NONE} == {
        STAFF,
        PLAIN_TEXT,
    }


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("ALTO", "es"),
        ("parar", "es"),
        ("CANCELAR", "es"),
        ("Sí", "es"),
        ("ayuda", "es"),
        ("stop por favor", "es"),
        ("dejen de enviarme mensajes", "es"),
        ("please stop texting me", "en"),
        ("take me off your list", "en"),
        ("STOP", None),
        ("YES", None),
        ("HELP", None),
        ("Is my prescription ready?", "en"),
        ("¿Está lista mi receta?", "es"),
        ("ok", None),
    ],
)
def test_language_is_said_only_when_the_text_says_it(text: str, language: str | None) -> None:
    assert read_reply(text).language == language


STOP_WORDS = ["STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT"]
STOP_WORDS += ["ALTO", "PARAR", "CANCELAR"]
ALL_KEYWORDS = [(word, STOP) for word in STOP_WORDS] + [
    ("START", START),
    ("UNSTOP", START),
    ("YES", START),
    ("SÍ", START),
    ("SI", START),
    ("HELP", HELP),
    ("INFO", HELP),
    ("AYUDA", HELP),
]
_WRAPPING = st.text(alphabet=" \t\n.!?,;:-\"'()¡¿…🙏😀👍", max_size=6)


@given(
    st.sampled_from(ALL_KEYWORDS),
    _WRAPPING,
    _WRAPPING,
    st.lists(st.booleans(), min_size=12, max_size=12),
)
def test_any_keyword_in_any_case_and_wrapping_reads_the_same(
    keyword: tuple[str, ReplyKind], before: str, after: str, upper: list[bool]
) -> None:
    word, kind = keyword
    cased = "".join(ch.upper() if up else ch.lower() for ch, up in zip(word, upper, strict=False))
    reading = read_reply(before + cased + after)
    assert (reading.kind, reading.plain_words, reading.needs_staff) == (kind, False, False)


@given(st.text(max_size=200))
def test_any_text_is_read_without_error_and_consistently(text: str) -> None:
    reading = read_reply(text)
    assert reading == read_reply(text)
    assert reading.language in {None, "en", "es"}
    if reading.kind is not NONE:
        assert not reading.needs_staff
    if reading.plain_words:
        assert reading.kind is STOP


STORE, PHONE = "Main Street Pharmacy", "(555) 010-2000"


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("kind", [STOP, START, HELP])
def test_each_answer_is_one_gsm7_segment_for_a_usual_store(kind: ReplyKind, language: str) -> None:
    text = keyword_answer(kind, language, store_name=STORE, store_phone=PHONE)
    length = measure(text)
    assert (length.encoding, length.segments) == ("GSM-7", 1)
    assert text.startswith(STORE)


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("kind", [STOP, START, HELP])
def test_a_long_store_name_still_fits_two_segments(kind: ReplyKind, language: str) -> None:
    name = "Saint Mary's Community Health Center Pharmacy & Wellness"
    text = keyword_answer(kind, language, store_name=name, store_phone="+1 (555) 010-2000 x123")
    assert measure(text).segments <= 2


@pytest.mark.parametrize(
    ("language", "opted_out", "opt_back_in"),
    [("en", "no more texts", "Reply START"), ("es", "no le enviaremos", "Responda START")],
)
def test_stop_answer_says_no_more_texts_and_how_to_opt_back_in(
    language: str, opted_out: str, opt_back_in: str
) -> None:
    text = keyword_answer(STOP, language, store_name=STORE, store_phone=PHONE)
    assert opted_out in text
    assert opt_back_in in text


@pytest.mark.parametrize(("language", "opt_out"), [("en", "Reply STOP"), ("es", "Responda STOP")])
def test_help_answer_gives_store_name_phone_and_how_to_opt_out(language: str, opt_out: str) -> None:
    text = keyword_answer(HELP, language, store_name=STORE, store_phone=PHONE)
    assert STORE in text
    assert PHONE in text
    assert opt_out in text


def test_start_answer_confirms_in_each_language() -> None:
    english = keyword_answer(START, "en", store_name=STORE, store_phone=PHONE)
    spanish = keyword_answer(START, "es", store_name=STORE, store_phone=PHONE)
    assert "opted back in" in english
    assert "Ha vuelto a recibir" in spanish


def test_a_regional_spanish_gets_spanish_and_any_other_language_english() -> None:
    spanish = keyword_answer(STOP, "es", store_name=STORE, store_phone=PHONE)
    english = keyword_answer(STOP, "en", store_name=STORE, store_phone=PHONE)
    assert keyword_answer(STOP, "es-MX", store_name=STORE, store_phone=PHONE) == spanish
    assert keyword_answer(STOP, "fr", store_name=STORE, store_phone=PHONE) == english
    assert spanish != english


def test_an_ordinary_message_has_no_keyword_answer() -> None:
    with pytest.raises(ValueError, match="ordinary message"):
        keyword_answer(NONE, "en", store_name=STORE, store_phone=PHONE)
