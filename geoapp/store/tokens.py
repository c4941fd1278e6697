"""Personal access tokens (个人访问令牌): made, listed, revoked, and found by their text.

A desktop GIS client (QGIS, ArcGIS Pro, GDAL) cannot log in through the form,
so an account makes itself a token and the client sends it with each read
(geoapp.web.auth: only GET/HEAD of /ogc/… and /api/export/…). The token is
``gat_`` and 32 random bytes (``secrets.token_urlsafe``); only its SHA-256 is
stored (``AccessToken.token_hash``): the token is random enough that a slow
hash adds nothing, and the clear text is shown once, when it is made. Its
first characters (``prefix``) stay readable, so the owner can tell tokens apart.

A token reads as its account does (role, scope) for as long as the account is
active and the token is not revoked. ``last_used_at`` is kept to the minute.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain.values import text
from geoapp.store import dialect
from geoapp.store.models import AccessToken, User

PREFIX = "gat_"  # geoapp access token: recognisable in a config file or a leaked log
PREFIX_LENGTH = 12  # what the owner sees of a token: gat_ and 8 characters
NAME_LENGTH = 100
TOUCH_EVERY = dt.timedelta(minutes=1)


class TokenError(ValueError):
    """A token name that cannot be used; the message says why."""


def digest(clear: str) -> str:
    """The SHA-256 (hex) of a token's text, as stored.

    >>> digest("gat_x") == hashlib.sha256(b"gat_x").hexdigest()
    True
    """
    return hashlib.sha256(clear.encode("utf-8")).hexdigest()


def looks_like_token(clear: str | None) -> bool:
    """Is ``clear`` shaped like a token (the prefix, then URL-safe characters)?

    >>> looks_like_token("gat_" + "A" * 43), looks_like_token("abc"), looks_like_token(None)
    (True, False, False)
    """
    if not clear or not clear.startswith(PREFIX) or len(clear) > 200:
        return False
    body = clear[len(PREFIX):]
    return bool(body) and all(c.isascii() and (c.isalnum() or c in "-_") for c in body)


def checked_name(name) -> str:
    """The token's name trimmed: text, 1–100 characters; else TokenError."""
    try:
        return text(name, NAME_LENGTH, required=True)
    except ValueError as exc:
        raise TokenError(str(exc)) from None


def create(session: Session, user: User, name, *,
           now: dt.datetime | None = None) -> tuple[AccessToken, str]:
    """A new token for ``user`` named ``name``: (the stored row, flushed; its clear text).

    The clear text is returned here once and never stored.
    """
    label = checked_name(name)
    clear = PREFIX + secrets.token_urlsafe(32)
    token = AccessToken(user_id=user.id, name=label, prefix=clear[:PREFIX_LENGTH],
                        token_hash=digest(clear), created_at=now or dt.datetime.now(dt.UTC))
    session.add(token)
    session.flush()
    return token, clear


def of_user(session: Session, user: User) -> list[AccessToken]:
    """The account's tokens, revoked ones too, newest first."""
    return list(session.scalars(sa.select(AccessToken).where(AccessToken.user_id == user.id)
                                .order_by(AccessToken.created_at.desc(), AccessToken.id.desc())))


def owned(session: Session, user: User, token_id: int) -> AccessToken | None:
    """The token ``token_id`` if it is ``user``'s (another's is as if it did not exist)."""
    token = session.get(AccessToken, token_id)
    return token if token is not None and token.user_id == user.id else None


def revoke(token: AccessToken, *, now: dt.datetime | None = None) -> bool:
    """Revoke ``token``; False if it was revoked already (nothing changes then)."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = now or dt.datetime.now(dt.UTC)
    return True


def authenticate(session: Session, clear: str | None) -> tuple[User, AccessToken] | None:
    """The active account and the live token whose text is ``clear``; else None.

    None for anything not shaped like a token, an unknown or revoked token, and
    a token of a deactivated account.
    """
    if not looks_like_token(clear):
        return None
    wanted = digest(clear)
    token = session.scalar(sa.select(AccessToken).where(AccessToken.token_hash == wanted))
    # the lookup is by the hash's index; the comparison again in constant time
    if token is None or not hmac.compare_digest(token.token_hash, wanted):
        return None
    if token.revoked_at is not None:
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.active:
        return None
    return user, token


def touch(token: AccessToken, *, now: dt.datetime | None = None) -> bool:
    """Note that ``token`` was used, at most once a minute; True if it changed."""
    now = now or dt.datetime.now(dt.UTC)
    if token.last_used_at is not None and now - token.last_used_at < TOUCH_EVERY:
        return False
    token.last_used_at = now
    return True


def note_use(session: Session, token: AccessToken) -> None:
    """``touch`` and commit at once, from a read: a busy database (an import holding the
    write lock) only skips the note, never fails the read."""
    if not touch(token):
        return
    try:
        session.commit()
    except sa.exc.OperationalError as exc:
        if not dialect.is_locked_error(exc):
            raise
        session.rollback()


def as_dict(token: AccessToken) -> dict:
    """What the owner sees of a token: never its text, never its hash."""
    def iso(value):
        return None if value is None else value.astimezone(dt.UTC).isoformat(timespec="seconds")

    return {"id": token.id, "name": token.name, "prefix": token.prefix,
            "created_at": iso(token.created_at), "last_used_at": iso(token.last_used_at),
            "revoked": token.revoked_at is not None, "revoked_at": iso(token.revoked_at)}
