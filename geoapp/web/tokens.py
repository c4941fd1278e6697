"""``/api/me/tokens``: one's own personal access tokens (个人访问令牌) for desktop GIS.

``POST /api/me/tokens`` {name} → 201 {id, token, name, prefix, created_at}: the
token is shown this once (only its SHA-256 is kept, geoapp.store.tokens).
``GET /api/me/tokens`` lists the account's tokens (never a token's text or
hash); ``DELETE /api/me/tokens/<id>`` revokes one (204; another account's token
is 404, as if it did not exist). Making and revoking are in the audit log with
the token's id, name and prefix, never the token. A token reads the OGC API
(/ogc, geoapp.web.ogc) and the downloads (/api/export/…) as its account does
(geoapp.web.auth), and nothing else; the accounts that may download anything
(geoapp.exports.access) may make one. The account page (/account) has the form.
"""

from __future__ import annotations

from flask import Blueprint, jsonify
from flask_babel import gettext as _
from flask_login import current_user

from geoapp.exports import access
from geoapp.store import tokens
from geoapp.web import audit, auth, db, inputs
from geoapp.web.errors import ApiError

bp = Blueprint("tokens", __name__)


def _owner():
    """The logged-in account (401 without one), if its role may read anything (else 403)."""
    auth.actor_name()
    if access.grant(current_user.role) is None:
        raise ApiError(403, "forbidden", _("您的账号无权使用访问令牌"))
    return current_user._get_current_object()  # loaded by db.session()


def _detail(token) -> dict:
    return {"id": token.id, "name": token.name, "prefix": token.prefix}


@bp.get("/api/me/tokens")
def list_tokens():
    """One's own access tokens, newest first: {tokens: [{id, name, prefix, created_at,
    last_used_at, revoked}]}."""
    user = _owner()
    return jsonify({"tokens": [tokens.as_dict(t) for t in tokens.of_user(db.session(), user)]})


@bp.post("/api/me/tokens")
def create_token():
    """{name} → 201 {id, token, name, prefix, created_at}; the token is shown this once."""
    user = _owner()
    body = inputs.json_body({"name": inputs.TEXT})
    session = db.session()
    try:
        token, clear = tokens.create(session, user, body.get("name"))
    except tokens.TokenError as exc:
        raise ApiError(400, "bad_request", _("令牌名称") + "：" + str(exc), "name") from None
    audit.record_in(session, "token_create", user.username, _detail(token))
    session.commit()
    response = jsonify({**tokens.as_dict(token), "token": clear})
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.delete("/api/me/tokens/<int:token_id>")
def revoke_token(token_id: int):
    """Revoke one's own token → 204 (another account's, or none: 404)."""
    user = _owner()
    session = db.session()
    token = tokens.owned(session, user, token_id)
    if token is None:
        raise ApiError(404, "not_found", f"no token {token_id}", "token_id")
    if tokens.revoke(token):
        audit.record_in(session, "token_revoke", user.username, _detail(token))
        session.commit()
    return "", 204
