"""Patients' replies read as STOP, START, HELP or an ordinary message, and the one answer to each.

The rule (DESIGN §4; FCC 2024: a revocation by any reasonable means counts):

- A **keyword** is the whole message once case, accents, spaces, punctuation
  and emoji are set aside: ``" Stop. "``, ``"STOP!!"``, ``"stop 🙏"``,
  ``"Opt-Out"`` and ``"S T O P"`` all read as STOP. STOP, STOPALL,
  UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT, ALTO, PARAR, CANCELAR stop;
  START, UNSTOP, YES, SÍ, SI start; HELP, INFO, AYUDA ask for help. A message
  made only of keywords that includes a STOP word ("yes stop", "START STOP")
  is STOP: when in doubt, the law wants the texts to end.
- A **revocation in plain words** is STOP with ``plain_words``: a STOP keyword
  with only courtesy around it ("stop please", "unsubscribe me", "alto por
  favor"), a misspelt one ("stopp"), a leading STOP/UNSUBSCRIBE/OPTOUT/REVOKE
  followed by a sentence break ("STOP - wrong number"), or an English or
  Spanish sentence about the messages themselves ("please stop texting me",
  "take me off your list", "dejen de enviarme mensajes", "bórrenme de la
  lista"). It is held back for staff instead when it is negated ("don't stop
  the reminders"), limited in time ("stop texting me before 9"), about calls
  or emails only ("stop calling me": STOP ends texts, not calls), or a
  question that is not a request ("why did you stop texting me?"; but
  "can you stop texting me?" and "how do I unsubscribe?" are STOP).
- **Staff look** (``needs_staff``) at what is not STOP but mentions a stop
  word ("stop by at 5?", "can you stop the refill on my Lisinopril", "cancel
  my prescription", "I quit smoking", "when does the store end today",
  "el precio es muy alto"), a start word in a sentence ("start texting me
  again": consent is given back only by the keyword), a mixed keyword pair
  ("help start"), a wrong number, a bare "¡Para!", "¡Basta!" or "REMOVE",
  or a keyword after other words ("Maria: STOP"). A flagged text withdraws
  nothing until a person reads it; kind and ``needs_staff`` never both say
  act (a STOP, START or HELP is never flagged).

Judgement calls: Spanish "para" is the preposition "for" in almost every
message ("para mañana está bien?") and is never a keyword; only "para" alone
(the imperative "stop!") is flagged. "final" is not END. START and HELP are
never wrapped: "sí, gracias" and "yes please" are ordinary replies (a yes to
a question), not consent. ``language`` is "es" for the Spanish keywords and
Spanish sentences, "en" for English sentences, and None for the universal
keywords (STOP, START, HELP, YES…), so the answer follows the patient's
preferred language there. A "cancel" wrapped in a pronoun ("cancel it") is
the refill, not the texts; "stop it" is the texts. Known limits: a sentence that reports rather than
asks ("I got no more messages") may be missed or caught; the lists are short
on slang and other languages, which get no special reading. Every pattern
looks at most a few words apart, so a long text is read in linear time.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum


class ReplyKind(StrEnum):
    """What a patient's reply asks of the pharmacy's texting."""

    STOP = "stop"  # also plain-words revocations
    START = "start"
    HELP = "help"
    NONE = ""  # an ordinary message


@dataclass(frozen=True)
class Reading:
    """How a reply was read: what it asks, how we knew, and whether a person should look."""

    kind: ReplyKind
    plain_words: bool
    needs_staff: bool
    language: str | None


_KEYWORDS: dict[str, tuple[ReplyKind, str | None]] = {
    **{
        word: (ReplyKind.STOP, None)
        for word in ("stop", "stopall", "unsubscribe", "cancel", "end", "quit", "revoke", "optout")
    },
    **{word: (ReplyKind.STOP, "es") for word in ("alto", "parar", "cancelar")},
    **{word: (ReplyKind.START, None) for word in ("start", "unstop", "yes")},
    "si": (ReplyKind.START, "es"),
    "help": (ReplyKind.HELP, None),
    "info": (ReplyKind.HELP, None),
    "ayuda": (ReplyKind.HELP, "es"),
}


def _word_set(text: str) -> frozenset[str]:
    """A set of words written as one readable line."""
    return frozenset(text.split())


_STOP_WORDS = frozenset(word for word, (kind, _) in _KEYWORDS.items() if kind is ReplyKind.STOP)
_COURTESY_EN = _word_set(
    "please pls plz now thanks thank you thx ty ok okay asap already me all",
)
_COURTESY_ES = _word_set("por favor gracias ya ahora")
_STOP_PRONOUNS = _word_set("it this that them these")
_LEADING_STOP = re.compile(
    r"\s*(?:stop|stopall|unsubscribe|optout|opt[\s-]*out|revoke)\s*[.!,;:\n–—-]"
)

_ES_HINTS = _word_set(
    "el la los las de del que por favor gracias mi mis manana hoy esta estoy quiero usted "
    "ustedes receta recoger recojo mensajes hola buenos buenas dias tardes con una pero "
    "como cuando donde farmacia medicina",
)
_EN_HINTS = _word_set(
    "the i my you your is are to please thanks thank can will what when how it this "
    "and for pick up today tomorrow pharmacy ready",
)


def _fold(text: str) -> str:
    """Case and accents set aside, compatibility forms (fullwidth, ligatures) made plain."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def _words(folded: str) -> list[str]:
    """Letters and digits only; an apostrophe inside a word is dropped ("don't" → "dont")."""
    joined = re.sub(r"(?<=[^\W_])['’‘`](?=[^\W_])", "", folded)
    return re.findall(r"[^\W_]+", joined)


def _collapse(word: str) -> str:
    return re.sub(r"(.)\1+", r"\1", word)


_COLLAPSED_STOP = frozenset(_collapse(word) for word in _STOP_WORDS)


def read_reply(body: str) -> Reading:
    """Read one inbound text; pure, never raises, the same answer for the same text."""
    folded = _fold(body)
    words = _words(folded)
    if not words:
        return Reading(ReplyKind.NONE, False, False, None)
    keyword = _keyword_reading(folded, words)
    if keyword is not None:
        return keyword
    phrase = " ".join(words)
    said = _revocation_language(phrase)
    if said is not None and not _held_back(phrase, folded):
        return Reading(ReplyKind.STOP, True, False, said)
    staff = said is not None or _mentions_trigger(words, phrase)
    return Reading(ReplyKind.NONE, False, staff, said or _language(words))


def _keyword_reading(folded: str, words: list[str]) -> Reading | None:
    """A whole-message keyword, bare or (STOP only) wrapped in courtesy; None otherwise."""
    joined = "".join(words)
    if joined in _KEYWORDS:
        kind, language = _KEYWORDS[joined]
        return Reading(kind, False, False, language)
    if all(word in _KEYWORDS for word in words):
        kinds = {_KEYWORDS[word][0] for word in words}
        spanish = any(_KEYWORDS[word][1] == "es" for word in words)
        language = "es" if spanish else None
        if ReplyKind.STOP in kinds:
            return Reading(ReplyKind.STOP, False, False, language)
        if len(kinds) == 1:
            return Reading(kinds.pop(), False, False, language)
        return Reading(ReplyKind.NONE, False, True, language)
    core = [w for w in words if w not in _COURTESY_EN and w not in _COURTESY_ES]
    spanish = any(w in _COURTESY_ES for w in words) or any(
        _KEYWORDS.get(w, (None, None))[1] == "es" for w in core
    )
    language = "es" if spanish else None
    if core and (
        all(w in _STOP_WORDS for w in core)
        or "".join(core) in _STOP_WORDS
        or (core[0] == "stop" and all(w in _STOP_PRONOUNS for w in core[1:]))
        or (len(core) == 1 and _collapse(core[0]) in _COLLAPSED_STOP)
    ):
        return Reading(ReplyKind.STOP, True, False, language)
    if _LEADING_STOP.match(folded):
        return Reading(ReplyKind.STOP, True, False, _language(words))
    return None


def _language(words: list[str]) -> str | None:
    """The language the words lean to, or None when they do not say."""
    spanish = sum(word in _ES_HINTS for word in words)
    english = sum(word in _EN_HINTS for word in words)
    if spanish > english:
        return "es"
    if english > spanish:
        return "en"
    return None


_EN_NOUN = r"(?:texts?|txts?|messages?|msgs?|sms|reminders?|notifications?|alerts?|spam)"
_EN_VERB = r"(?:texting|txting|messaging|contacting|spamming|bugging|harassing)"
_ES_NOUN = r"(?:mensajes?|mensajitos?|textos?|msjs?|sms|recordatorios?|notificaciones?|alertas?)"
_ES_VERB = r"(?:(?:enviar|mandar|escribir|textear|molestar|contactar)(?:me|nos|le|les)?)"
_REVOCATIONS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (language, re.compile(pattern))
    for language, pattern in (
        ("en", rf"\b(?:stop|quit|cease|end)(?: \w+){{0,2}} {_EN_VERB}\b"),
        (
            "en",
            r"\b(?:stop|quit|cease|end|cancel|unsubscribe|remove|block|disable|turn off|no more)"
            rf"(?: \w+){{0,4}} {_EN_NOUN}\b",
        ),
        (
            "en",
            r"\b(?:dont|do not|no longer|never) (?:want|wish|need|like)"
            rf"(?: \w+){{0,5}} {_EN_NOUN}\b",
        ),
        (
            "en",
            r"\b(?:dont|do not|never) (?:text|txt|message|msg|sms|contact) (?:me|us|this|again)\b",
        ),
        (
            "en",
            r"\b(?:take|remove|delete|drop|get)"
            r" (?:me|us|my(?: \w+)? (?:number|phone|cell|info|name))"
            r"(?: \w+)? (?:off|from|out of)(?: \w+){0,3} (?:list|lists|system|database|contacts)\b",
        ),
        (
            "en",
            r"\b(?:remove|delete|lose|erase|forget) (?:my|this)"
            r"(?: phone| cell| mobile)? (?:number|phone|cell)\b",
        ),
        ("en", r"\b(?:unsubscribe|unsub|opt out|optout|opt me out|unenroll|revoke)\b"),
        ("en", r"\b(?:leave me alone|stop sending (?:me |us )?(?:these|this|them|those))\b"),
        ("en", rf"^(?:\w+ )?no (?:more )?{_EN_NOUN}\b"),
        ("en", r"^(?:please |pls )?(?:no more|remove me)(?: please| pls| thanks| thank you)?$"),
        (
            "es",
            rf"\b(?:dejen|deje|dejes|dejar|paren|pare|para|parar|detengan|detenga) de {_ES_VERB}\b",
        ),
        (
            "es",
            r"\b(?:paren|pare|parar|detengan|cancelen|cancele|cancelar|suspendan|suspender|quiten|quitar"
            rf"|eliminen|eliminar)(?: \w+){{0,3}} {_ES_NOUN}\b",
        ),
        (
            "es",
            r"\bno (?:me |nos |le )?(?:manden|envien|mande|envie|mandes|envies|escriban|escriba)"
            rf"(?: \w+){{0,2}} (?:mas|{_ES_NOUN})\b",
        ),
        (
            "es",
            r"\bno (?:me|nos) (?:escriban|escriba|escribas|contacten|contacte|molesten|texteen)\b",
        ),
        ("es", rf"\b(?:no|ya no) (?:quiero|deseo|necesito|queremos)(?: \w+){{0,4}} {_ES_NOUN}\b"),
        (
            "es",
            r"\b(?:borren|borrenme|borreme|borrar|borrarme|eliminen|eliminenme|elimineme|eliminarme"
            r"|quiten|quitenme|quiteme|quitarme|saquen|saquenme|saqueme|sacarme)"
            r"(?: \w+){0,3} (?:lista|listas|sistema|numero|telefono|celular|contactos)\b",
        ),
        (
            "es",
            r"\b(?:de baja|desuscrib\w*|desinscrib\w*"
            r"|(?:anular|cancelar) (?:mi |la )?suscripcion)\b",
        ),
        ("es", rf"\b(?:no mas|basta de|alto a)(?: \w+){{0,2}} {_ES_NOUN}\b"),
        ("es", r"\bdejen(?:me)? en paz\b"),
        ("es", r"^(?:ya )?no mas(?: por favor| gracias)?$"),
        # "dejé de recibir" (I stopped receiving) is a complaint, not a request
        ("es", rf"\b(?:dejar|dejo) de recibir(?:los)?(?: \w+){{0,2}} {_ES_NOUN}\b"),
    )
)
_NEGATED = re.compile(
    r"\b(?:dont|do not|never|didnt|did not|doesnt|does not|wont|will not|not)"
    r" (?:please )?(?:stop|quit|cancel|end|unsubscribe|opt out|remove)\b"
    r"|\b(?:dont|do not) (?:want|wish|need) (?:you |u )?to (?:stop|quit|cancel|end|unsubscribe)\b"
    r"|\bkeep (?:texting|sending|messaging)\b"
    r"|\b(?:got|get|getting|received|receiving|had|have) no more\b"
    r"|\bno (?:\w+ )?(?:dejen|deje|dejes|paren|pare|cancelen|cancele|borren|quiten)\b"
)
_TIME_LIMITED = re.compile(
    r"\b(?:before|after|until|till|during|between|so early|so late|at night|in the morning"
    r"|on (?:weekends|sundays|saturdays)|antes de|despues de|temprano|de noche|en la noche"
    r"|fines de semana)\b"
)
_CALLS_ONLY = re.compile(
    r"\b(?:calls?|calling|emails?|emailing|llamadas?|llamar|llamen|correos?)\b"
)
_ABOUT_TEXTS = re.compile(
    rf"\b(?:{_EN_NOUN}|{_ES_NOUN}|texting|txting|messaging|text|list|lista)\b"
)
_REQUEST = re.compile(
    r"^(?:\w+ ){0,2}"
    r"(?:(?:can|could|would|will) (?:you|u|yall)|how|como|pueden|podrian|puede|podria)\b"
)
_TRIGGERS = _word_set(
    "stop stops stopped stopping stopall cancel cancels cancelled canceled cancelling canceling "
    "cancellation end ends ending quit quits quitting revoke unsubscribe optout "
    "start unstop resume restart alto parar paren cancelar cancelen cancele cancela cancelo "
    "detener detengan",
)
_TRIGGER_PHRASES = re.compile(
    r"\b(?:opt out|opt in|wrong number|not my number|numero equivocado|equivocado|"
    r"(?:again|otra vez|de nuevo)(?: \w+){0,6} (?:texts?|messages?|mensajes?)"
    r"|(?:texts?|messages?|mensajes?)(?: \w+){0,6} (?:again|otra vez|de nuevo))\b"
)
_BARE_IMPERATIVES = frozenset(
    {("para",), ("pare",), ("basta",), ("ya", "basta"), ("basta", "ya"), ("remove",)}
)


def _revocation_language(phrase: str) -> str | None:
    """The language of the first plain-words revocation found, or None."""
    for language, pattern in _REVOCATIONS:
        if pattern.search(phrase):
            return language
    return None


def _held_back(phrase: str, folded: str) -> bool:
    """A revocation-like sentence a person should read before anything is withdrawn."""
    if _NEGATED.search(phrase) or _TIME_LIMITED.search(phrase):
        return True
    if _CALLS_ONLY.search(phrase) and not _ABOUT_TEXTS.search(phrase):
        return True
    return ("?" in folded or "¿" in folded) and not _REQUEST.search(phrase)


def _mentions_trigger(words: list[str], phrase: str) -> bool:
    """A stop or start word, a wrong number, or a bare "¡Para!": not STOP, but worth a look."""
    core = tuple(w for w in words if w not in _COURTESY_ES and w != "please")
    return (
        any(word in _TRIGGERS for word in words)
        or bool(_TRIGGER_PHRASES.search(phrase))
        or core in _BARE_IMPERATIVES
        or tuple(words) in _BARE_IMPERATIVES
    )


_ANSWERS: dict[str, dict[ReplyKind, str]] = {
    "en": {
        ReplyKind.STOP: (
            "{store}: You are opted out and will get no more texts from us. "
            "Reply START to opt back in."
        ),
        ReplyKind.START: (
            "{store}: You are opted back in to our texts. Reply HELP for help, STOP to opt out."
        ),
        ReplyKind.HELP: "{store}: for help call {phone}. Reply STOP to opt out.",
    },
    "es": {
        ReplyKind.STOP: (
            "{store}: Se ha dado de baja y no le enviaremos otros mensajes. "
            "Responda START para volver a recibirlos."
        ),
        ReplyKind.START: (
            "{store}: Ha vuelto a recibir nuestros mensajes. "
            "Responda AYUDA para ayuda, STOP para darse de baja."
        ),
        ReplyKind.HELP: "{store}: para ayuda llame al {phone}. Responda STOP para darse de baja.",
    },
}


def keyword_answer(kind: ReplyKind, language: str, *, store_name: str, store_phone: str) -> str:
    """The one confirmation text for STOP / START / HELP in "en" or "es".

    GSM-7 friendly (no á í ó ú, which would force UCS-2) and one segment where
    the store's name allows. STOP's says they will get no more texts and how to
    opt back in (reply START); HELP's gives the store name and phone and says
    reply STOP to opt out; START's confirms. Any language other than Spanish
    ("es", "es-MX") gets the English text.
    """
    if kind is ReplyKind.NONE:
        raise ValueError("an ordinary message gets no keyword answer")
    texts = _ANSWERS["es" if language.casefold().startswith("es") else "en"]
    return texts[kind].format(store=store_name.strip(), phone=store_phone.strip())
