"""Review Sites: where review requests send patients; exactly one is the store's default."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlmodel import Session, col, select

from rxmsg_tui.domain.text_limits import bad_character
from rxmsg_tui.services import audit
from rxmsg_tui.services.actor import Actor
from rxmsg_tui.services.errors import FieldError, NotFound, PermissionDenied
from rxmsg_tui.storage.database import Database
from rxmsg_tui.storage.models import ReviewSite

_URL_MAX = 500
"""The review_site.url column; the longest #REVIEWURL# the format check counts on."""


@dataclass(frozen=True)
class ReviewSiteRow:
    id: int
    name: str
    url: str
    is_default: bool


def list_sites(db: Database, store_id: int) -> list[ReviewSiteRow]:
    with db.read() as session:
        return [_row(s) for s in _sites(session, store_id)]


def default_site(session: Session, store_id: int) -> ReviewSiteRow | None:
    for site in _sites(session, store_id):
        if site.is_default:
            return _row(site)
    return None


def check_url(url: str) -> str:
    """An http(s) URL with a host; anything else is refused at the field."""
    text = url.strip()
    bad = bad_character(text)  # urlsplit drops tabs and line breaks silently; the row would not
    if bad is not None:
        raise FieldError("url", f"the URL holds a control character: {bad.problem}")
    if len(text) > _URL_MAX:
        raise FieldError("url", f"the URL is longer than {_URL_MAX} characters")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
        raise FieldError("url", "the URL must start with http:// or https:// and name a site")
    return text


def save_site(
    db: Database,
    actor: Actor,
    *,
    name: str,
    url: str,
    make_default: bool,
    site_id: int | None = None,
    now: datetime,
) -> ReviewSiteRow:
    """Add or change a site; the first site, or one marked default, becomes the only default."""
    _require_setup(actor)
    name = name.strip()
    if not name or len(name) > 80:
        raise FieldError("name", "give the site a name of 1 to 80 characters")
    bad = bad_character(name)
    if bad is not None:
        raise FieldError("name", f"the name holds a control character: {bad.problem}")
    url = check_url(url)
    with db.transaction() as session:
        sites = _sites(session, actor.store_id)
        if any(s.name.lower() == name.lower() and s.id != site_id for s in sites):
            raise FieldError("name", f"a review site named {name!r} already exists")
        if site_id is None:
            site = ReviewSite(store_id=actor.store_id, name=name, url=url)
            before = None
        else:
            found = next((s for s in sites if s.id == site_id), None)
            if found is None:
                raise NotFound(f"review site {site_id} does not exist")
            site, before = found, _row(found).__dict__
            site.name, site.url = name, url
        others = [s for s in sites if s.id != site_id]
        if make_default or not any(s.is_default for s in others):
            for other in others:
                other.is_default = False
                session.add(other)
            site.is_default = True
        session.add(site)
        session.flush()
        result = _row(site)
        audit.record(
            session,
            actor,
            "review_site.save",
            at=now,
            target=name,
            before=before,
            after=result.__dict__,
        )
    return result


def delete_site(db: Database, actor: Actor, site_id: int, *, now: datetime) -> None:
    """Remove a site; when it was the default, the first remaining site takes over."""
    _require_setup(actor)
    with db.transaction() as session:
        sites = _sites(session, actor.store_id)
        site = next((s for s in sites if s.id == site_id), None)
        if site is None:
            raise NotFound(f"review site {site_id} does not exist")
        session.delete(site)
        remaining = [s for s in sites if s.id != site_id]
        if site.is_default and remaining:
            remaining[0].is_default = True
            session.add(remaining[0])
        audit.record(session, actor, "review_site.delete", at=now, target=site.name)


def _sites(session: Session, store_id: int) -> list[ReviewSite]:
    query = select(ReviewSite).where(ReviewSite.store_id == store_id)
    return list(session.exec(query.order_by(col(ReviewSite.name))))


def _row(site: ReviewSite) -> ReviewSiteRow:
    assert site.id is not None
    return ReviewSiteRow(site.id, site.name, site.url, site.is_default)


def _require_setup(actor: Actor) -> None:
    if not actor.role.may_change_setup:
        raise PermissionDenied("technicians cannot change review sites")
