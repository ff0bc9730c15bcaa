"""What a format editor shows as staff type: the text for a sample patient, SMS length, snippets."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import quote

from rxmsg_tui.domain.message_text import MessageTextError, check_format, render_message
from rxmsg_tui.domain.restricted_words import find_restricted
from rxmsg_tui.domain.sms_length import SmsLength, measure
from rxmsg_tui.domain.template_variables import sample_values, variables_for
from rxmsg_tui.domain.vocabulary import AlertType, Method
from rxmsg_tui.services.formats.message_formats import is_html
from rxmsg_tui.services.formats.restricted import list_words
from rxmsg_tui.services.formats.review_sites import ReviewSiteRow, list_sites
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import Store

_TAG = re.compile(r"<[^>]*>")
_LINK = re.compile(r"""<a\s[^>]*href=["']([^"']*)["'][^>]*>(.*?)</a>""", re.IGNORECASE | re.DOTALL)
_BLANK_LINES = re.compile(r"\n{3,}")
BUTTON_STYLE = (
    "display:inline-block;padding:10px 18px;background-color:rgb(26,115,232);"
    "color:rgb(255,255,255);text-decoration:none;border-radius:4px"
)
"""Inline, because email clients drop style sheets; colours as rgb() so no `#` can read as a
legacy `#VARIABLE#`."""


@dataclass(frozen=True)
class InsertableVariable:
    """A variable as the picker lists it: what goes into the text and what it stands for."""

    token: str
    description: str
    sample: str


@dataclass(frozen=True)
class PreviewSample:
    """The store's side of a preview, read once when the editor opens.

    Previews use the store's own name and phone and its default review site,
    so staff see what their patients will see; the patient is a sample one.
    """

    values: dict[str, str] = field(default_factory=dict)
    words: tuple[str, ...] = ()
    sites: tuple[ReviewSiteRow, ...] = ()

    @property
    def default_site(self) -> ReviewSiteRow | None:
        return next((site for site in self.sites if site.is_default), None)


@dataclass(frozen=True)
class Preview:
    """A draft rendered for the sample patient, or the first problem with it."""

    subject: str = ""
    body: str = ""
    error: str = ""
    """The template problem and its position, in the words the save would refuse with."""
    error_field: str = ""
    """`subject` or `body`: where the error is."""
    sms: SmsLength | None = None
    """For SMS: encoding, characters and segments of the body as it will be sent."""
    html: bool = False


def insertable_variables(alert_type: AlertType) -> list[InsertableVariable]:
    """The `#VARIABLES#` a format of this alert type may use, in catalogue order."""
    return [InsertableVariable(v.token, v.description, v.sample) for v in variables_for(alert_type)]


def load_sample(db: Database, store: Store) -> PreviewSample:
    """The store's values, restricted words and review sites (two short reads)."""
    values = sample_values()
    address = ", ".join(part for part in (store.address, store.city) if part)
    values.update(store_name=store.name, store_phone=store.phone)
    if address:
        values["store_address"] = address
    if store.hours:
        values["store_hours"] = store.hours
    assert store.id is not None
    words = tuple(list_words(db, store.id))
    sites = tuple(list_sites(db, store.id))
    default = next((site for site in sites if site.is_default), None)
    if default is not None:
        values["review_url"] = default.url
    return PreviewSample(values, words, sites)


def preview_format(
    method: Method, alert_type: AlertType, subject: str, body: str, sample: PreviewSample
) -> Preview:
    """Render subject and body as the patient would get them; never raises.

    The checks are those of the save (syntax, unknown or foreign variables,
    filters, caps, control characters, restricted words), so the preview
    warns of a refusal before staff save.
    """
    html_body = is_html(method, body)
    values = sample.values or sample_values(alert_type)
    try:
        check_format(method, alert_type, subject, body, html=html_body)
        rendered = render_message(method, subject, body, values, html=html_body)
    except MessageTextError as exc:
        return Preview(error=str(exc), error_field=exc.field, html=html_body)
    for name, text in (("subject", subject), ("body", body)):
        found = find_restricted(text, sample.words)
        if found:
            line, column = _position(text, found[0].start)
            problem = f"line {line}, column {column}: restricted word {found[0].word!r}"
            return Preview(error=problem, error_field=name, html=html_body)
    sms = measure(rendered[1]) if method is Method.SMS else None
    return Preview(rendered[0], rendered[1], sms=sms, html=html_body)


def as_plain_text(rendered_html: str) -> str:
    """An HTML email body as a terminal can show it: links as `[text](url)`, tags dropped."""
    text = _LINK.sub(lambda m: f"[{_TAG.sub('', m.group(2)).strip()}]({m.group(1)})", rendered_html)
    text = re.sub(r"<br\s*/?>|</p>|</div>", "\n", text, flags=re.IGNORECASE)
    return _BLANK_LINES.sub("\n\n", html.unescape(_TAG.sub("", text)))


def review_link(site: ReviewSiteRow) -> str:
    """An HTML link to the site, safe to put into an Email Customer Review format."""
    return f'<a href="{_safe_url(site.url)}">{_safe_text(site.name)}</a>'


def review_button(site: ReviewSiteRow) -> str:
    """A clickable button (a styled link) to the site, for an HTML email."""
    label = _safe_text(f"Review us on {site.name}")
    return f'<a href="{_safe_url(site.url)}" style="{BUTTON_STYLE}">{label}</a>'


def _safe_text(text: str) -> str:
    """Escaped for HTML and inert as a template: braces and hashes become character references."""
    escaped = html.escape(text, quote=True)
    return escaped.replace("#", "&#35;").replace("{", "&#123;").replace("}", "&#125;")


def _safe_url(url: str) -> str:
    """Escaped for an attribute; braces and any `#` after the fragment mark percent-encoded."""
    head, mark, fragment = url.partition("#")
    safe = quote(head, safe=":/?&=%@+,;!$'()*~.-_") + mark + quote(fragment, safe="/?&=%-_.~")
    return html.escape(safe, quote=True)


def _position(text: str, offset: int) -> tuple[int, int]:
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1
