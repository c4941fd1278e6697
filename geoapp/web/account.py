"""The logged-in user's own account: /account (who am I, change my password) and /api/me.

``GET /api/me`` → {username, name, role, scope}: the scope is what the account
may read (geoapp.store.scopes) — ``all`` true for the whole territory, else its
areas and the ``cells`` they resolve to (a grid member: the cells they work).
A password change needs the current password, ends the account's other
sessions and is audited (never the password itself).
"""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template
from flask_babel import gettext as _
from flask_login import current_user, login_user

from geoapp.store import accounts
from geoapp.web import audit, auth, db, inputs
from geoapp.web.errors import ApiError

bp = Blueprint("account", __name__)


def scope_of(user) -> dict:
    """{all, level, areas, cells}: ``all`` true for the whole territory (then no ``cells``);
    else the resolved cell codes; an enterprise account: ``enterprise``, its USCC; a
    department's account: ``department``."""
    scope = auth.read_scope()
    out = {"all": scope.whole, "level": scope.level,
           "areas": [{"kind": kind, "code": code} for kind, code in scope.areas]}
    if not scope.whole:
        out["cells"] = sorted(scope.cells)
    if user.role == "enterprise":  # its own points only (geoapp.store.ownership)
        out["enterprise"] = user.enterprise_uscc
    if getattr(user, "department", None):  # its sector only (geoapp.store.departments)
        out["department"] = user.department
    return out


@bp.get("/api/me")
def me():
    """Who is logged in: {username, name, role, scope}."""
    auth.actor_name()  # 401 without a session
    user = current_user
    return jsonify({"username": user.username, "name": user.display_name or user.username,
                    "role": user.role, "scope": scope_of(user)})


@bp.get("/account")
def page():
    auth.actor_name()
    return render_template("account/account.html", scope=scope_of(current_user),
                           page_config={"t": {"saved": _("密码已修改，其他设备上的会话已退出。"),
                                              "mismatch": _("两次输入的新密码不一致"),
                                              "failed": _("操作失败")}})


@bp.post("/api/me/password")
def change_password():
    """{current, new} → 204; the current password is checked, the other sessions end."""
    auth.actor_name()
    body = inputs.json_body({"current": inputs.TEXT, "new": inputs.TEXT})
    session = db.session()
    user = current_user._get_current_object()  # loaded by db.session()
    if not accounts.check_password(user.password_hash, body.get("current") or ""):
        raise ApiError(400, "bad_request", _("当前密码不正确"), "current")
    try:
        accounts.validate_password(body.get("new") or "")
    except accounts.AccountError as exc:
        raise ApiError(400, "bad_request", str(exc), "new") from None
    accounts.set_password(user, body["new"])
    audit.record_in(session, "password_change", user.username)
    session.commit()
    login_user(user)  # this session goes on with the new password; the others have ended
    return "", 204
