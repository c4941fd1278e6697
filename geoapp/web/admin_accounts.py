"""Accounts in the browser, for admins: /admin/accounts and its JSON API.

The page lists accounts with filters and creates, edits, deactivates and
activates them and resets passwords, through the API below (its script:
static/admin_accounts.js). A reset or a new account without a password shows
a one-time password once; it is never stored in clear nor written to the
audit log, which records every change with the fields that changed. The rules
are geoapp.store.account_admin (the same checks as ``geoapp users``).
"""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from geoapp.store import account_admin, scopes
from geoapp.store.account_admin import FieldError
from geoapp.store.models import ROLES, User
from geoapp.web import audit, auth, db, inputs, params
from geoapp.web.errors import ApiError

bp = Blueprint("accounts_admin", __name__)


def _filters() -> dict:
    role = params.choice("role", ROLES, "role: unknown role")
    state = params.choice("active", ("1", "0"), "active: 1 or 0")
    text = (request.args.get("q") or "").strip()[:64] or None
    return {"role": role, "active": None if state is None else state == "1", "text": text}


@bp.get("/admin/accounts")
def page():
    auth.require_role("admin")
    filters = _filters()
    texts = {"saved": _("已保存"), "unchanged": _("没有改动"), "failed": _("操作失败"),
             "confirm_reset": _("确定为 %(u)s 重置密码？", u="{u}"),
             "confirm_off": _("确定停用 %(u)s？其会话将立即失效。", u="{u}"),
             "on": _("启用"), "off": _("停用")}
    return render_template("admin/accounts.html", users=account_admin.listing(
        db.session(), **filters), roles=ROLES, args=request.args, cells=_cell_codes(),
        areas=scopes.area_options(db.session()), departments=_departments(),
        page_config={"t": texts})


def _departments() -> tuple[str, ...]:
    """The configured 行业主管部门 (layers/departments.toml): a supervisor's department."""
    return current_app.extensions["geoapp.rules"].departments.names


def _cell_codes() -> list[str]:
    import sqlalchemy as sa

    from geoapp.store.models import Cell

    return list(db.session().scalars(sa.select(Cell.code).order_by(Cell.code)))


@bp.get("/api/admin/accounts")
def api_list():
    """Accounts: ?role=, ?active=1|0, ?q= (in username or name)."""
    auth.require_role("admin")
    return jsonify({"accounts": account_admin.listing(db.session(), **_filters())})


def _refused(exc: FieldError) -> ApiError:
    return ApiError(400, "bad_request", str(exc), exc.field)


def _user(user_id: int) -> User:
    user = db.session().get(User, user_id)
    if user is None:
        raise ApiError(404, "not_found", f"no account {user_id}")
    return user


@bp.post("/api/admin/accounts")
def api_create():
    """{username, role, display_name?, email?, cells?, areas?, enterprise?, department?,
    password?} → 201 {account, password?}; ``enterprise``: the USCC an enterprise account
    speaks for; ``department``: a supervisor's 行业主管部门 (its sector only);
    ``areas``: its area scope, ["town:…", "village:…", "cell:…", "zone:…"]."""
    auth.require_role("admin")
    body = inputs.json_body({"username": inputs.TEXT, "role": inputs.TEXT,
                             "display_name": inputs.TEXT, "email": inputs.TEXT,
                             "phone": inputs.TEXT,
                             "cells": (inputs.LIST, inputs.TEXT), "password": inputs.TEXT,
                             "enterprise": inputs.TEXT, "areas": (inputs.LIST, inputs.TEXT),
                             "department": inputs.TEXT})
    session = db.session()
    try:
        user, made = account_admin.create(session, body, _departments())
    except FieldError as exc:
        session.rollback()
        raise _refused(exc) from None
    audit.record_in(session, "account_create", user.username,
                    {"role": user.role, "cells": user.cell_codes}
                    | ({"enterprise": user.enterprise_uscc} if user.enterprise_uscc else {})
                    | ({"areas": account_admin.as_dict(user)["areas"]} if user.area_links else {})
                    | ({"department": user.department} if user.department else {}))
    session.commit()
    out = {"account": account_admin.as_dict(user)}
    if made:
        out["password"] = made  # shown once
    return jsonify(out), 201


@bp.patch("/api/admin/accounts/<int:user_id>")
def api_update(user_id: int):
    """{display_name?, email?, phone?, role?, cells?, areas?, enterprise?, department?} → {account,
    changed}; a role changed to or from 企业 takes or drops its ``enterprise`` (USCC)."""
    auth.require_role("admin")
    body = inputs.json_body({"display_name": inputs.TEXT, "email": inputs.TEXT,
                             "phone": inputs.TEXT, "role": inputs.TEXT,
                             "cells": (inputs.LIST, inputs.TEXT),
                             "areas": (inputs.LIST, inputs.TEXT), "enterprise": inputs.TEXT,
                             "department": inputs.TEXT})
    session = db.session()
    user = _user(user_id)
    try:
        changed = account_admin.update(session, user, body, by=current_user,
                                       departments=_departments())
    except FieldError as exc:
        session.rollback()
        raise _refused(exc) from None
    if changed:
        audit.record_in(session, "account_change", user.username, {"changed": changed})
    session.commit()
    return jsonify({"account": account_admin.as_dict(user), "changed": changed})


@bp.post("/api/admin/accounts/<int:user_id>/active")
def api_active(user_id: int):
    """{active: true|false}: deactivate (sessions end at once) or activate."""
    auth.require_role("admin")
    body = inputs.json_body({"active": inputs.BOOL})
    if body.get("active") is None:
        raise ApiError(400, "bad_request", "active: true or false", "active")
    session = db.session()
    user = _user(user_id)
    try:
        account_admin.set_active(user, body["active"], by=current_user)
    except FieldError as exc:
        raise ApiError(409, "conflict", str(exc), exc.field) from None
    audit.record_in(session, "account_activate" if body["active"] else "account_deactivate",
                    user.username)
    session.commit()
    return jsonify({"account": account_admin.as_dict(user)})


@bp.post("/api/admin/accounts/<int:user_id>/password")
def api_reset_password(user_id: int):
    """A new one-time password, returned once; the account's sessions end."""
    auth.require_role("admin")
    session = db.session()
    user = _user(user_id)
    password = account_admin.reset_password(user)
    audit.record_in(session, "password_reset", user.username)
    session.commit()
    return jsonify({"account": account_admin.as_dict(user), "password": password})
