"""Personal access tokens on the web: where a token stands in for a log-in, and how.

Desktop GIS clients read with a token (geoapp.store.tokens) instead of a
session: ``Authorization: Bearer gat_…`` or ``?token=gat_…``, on GET and HEAD
of TOKEN_PATHS only, so a token never writes and logs in nowhere else. A
request that brings one is the token's: its session cookie is ignored and it
gets none back. geoapp.web.auth wires these into Flask-Login and the read policy.
"""

from __future__ import annotations

from flask import g, request
from flask.sessions import SecureCookieSessionInterface

from geoapp.store import tokens as access_tokens
from geoapp.store.models import User
from geoapp.web import db

# Where a token (geoapp.store.tokens) may stand in for a log-in: reads of the OGC API and
# of the downloads, never anything else and never a write.
TOKEN_PATHS = ("/ogc", "/api/export/")
TOKEN_METHODS = frozenset({"GET", "HEAD"})


def is_token_path(path: str) -> bool:
    """May a token be used on ``path``? /ogc and below, and /api/export/…

    >>> [is_token_path(p) for p in ("/ogc", "/ogc/collections", "/ogcx", "/api/export/a.xlsx",
    ...                             "/api/cells", "/export")]
    [True, True, False, True, False, False]
    """
    return path == "/ogc" or path.startswith("/ogc/") or path.startswith("/api/export/")


def presented_token() -> str | None:
    """The token this request carries where tokens count, else None.

    ``Authorization: Bearer <token>``, or ``?token=<token>`` (for clients that
    cannot set a header; the URL, token included, ends up in logs). Only on a
    GET or HEAD of TOKEN_PATHS: anywhere else a token is ignored, so it can
    never write.
    """
    if request.method not in TOKEN_METHODS or not is_token_path(request.path):
        return None
    header = request.headers.get("Authorization", "")
    scheme, _sep, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    value = request.args.get("token")
    return value.strip() if value and value.strip() else None


def load_user(_request) -> User | None:
    """Flask-Login's request loader: the token's account, or None (the read policy then
    answers 401 for a token it did not take). Notes the token's use, once a minute."""
    clear = presented_token()
    if clear is None:
        return None
    g.geoapp_token_presented = True
    session = db.session()
    found = access_tokens.authenticate(session, clear)
    if found is None:
        return None
    user, token = found
    access_tokens.note_use(session, token)
    g.geoapp_token_id = token.id
    return user


def via_token() -> bool:
    """Was this request authenticated by a personal access token (not a session)?"""
    return g.get("geoapp_token_id") is not None


class NoSessionForTokens(SecureCookieSessionInterface):
    """A request that came with a token never gets a session cookie back."""

    def save_session(self, app, session, response):
        if g.get("geoapp_token_presented") or presented_token() is not None:
            return None
        return super().save_session(app, session, response)


def challenge(response):
    """A 401 where a token would count names the scheme (RFC 6750), and why when one failed."""
    if response.status_code == 401 and is_token_path(request.path):
        challenge = 'Bearer realm="geoapp"'
        if presented_token() is not None:
            challenge += ', error="invalid_token"'
        response.headers["WWW-Authenticate"] = challenge
    return response
