"""Accounts as an administrator manages them: list, change, reset a password (no Flask here).

The checks are geoapp.store.accounts' (username, role, cells, name, email,
password), so the admin pages and ``geoapp users`` refuse the same things with
the same messages. Every function raises AccountError naming the field and
changes nothing then; the caller commits, with its audit entry.
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain.departments import checked as checked_department
from geoapp.store import accounts, scopes
from geoapp.store.accounts import AccountError
from geoapp.store.models import ROLES, User

EDITABLE = ("display_name", "email", "phone", "role", "cells", "areas", "enterprise", "department")


class FieldError(AccountError):
    """An AccountError about one field of the request."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def one_time_password() -> str:
    """A password to hand over once (16 URL-safe characters, about 96 bits)."""
    return secrets.token_urlsafe(12)


def as_dict(user: User) -> dict:
    return {"id": user.id, "username": user.username, "role": user.role,
            "display_name": user.display_name, "email": user.email, "phone": user.phone,
            "active": user.active,
            "cells": user.cell_codes, "enterprise_uscc": user.enterprise_uscc,
            "areas": _area_texts(user), "department": user.department,
            "created_at": user.created_at.isoformat(timespec="seconds")
            if user.created_at else None}


def listing(session: Session, *, role: str | None = None, active: bool | None = None,
            text: str | None = None) -> list[dict]:
    """Accounts by username, filtered by role, state and a text in the username or name."""
    query = sa.select(User).order_by(User.username)
    if role:
        query = query.where(User.role == role)
    if active is not None:
        query = query.where(User.active.is_(active))
    if text:
        query = query.where(sa.or_(User.username.contains(text, autoescape=True),
                                   User.display_name.contains(text, autoescape=True)))
    return [as_dict(u) for u in session.scalars(query)]


def _cells(value) -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.replace("，", ",").split(",")]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise FieldError("cells", "cells: a list of cell codes")
    return [v.strip() for v in value if v.strip()]


def create(session: Session, fields: dict,
           departments: tuple[str, ...] = ()) -> tuple[User, str | None]:
    """A new account from ``fields`` (username, role, display_name, email, phone, cells, areas,
    enterprise, department (one of ``departments``), password);
    without a password one is made: returned once, never stored in clear."""
    password = fields.get("password") or None
    made = None
    if password is None:
        password = made = one_time_password()
    for name in ("username", "role"):
        if not isinstance(fields.get(name), str) or not fields[name].strip():
            raise FieldError(name, f"{name}: required")
    cells = _cells(fields.get("cells") or [])
    areas = _areas(fields.get("areas") or [])
    try:
        user = accounts.create_user(session, fields["username"], fields["role"].strip(),
                                    password, cells, fields.get("display_name"),
                                    enterprise=fields.get("enterprise") or None, areas=areas)
    except AccountError as exc:
        raise FieldError(_field_of(str(exc)), str(exc)) from None
    try:
        user.email = accounts.checked_email(fields.get("email"))
    except AccountError as exc:
        raise FieldError("email", str(exc)) from None
    try:
        user.phone = accounts.checked_phone(fields.get("phone"))
    except AccountError as exc:
        raise FieldError("phone", str(exc)) from None
    user.department = department_for(user.role, fields.get("department"), departments)
    session.flush()
    return user, made


def department_for(role: str, value, names: tuple[str, ...]) -> str | None:
    """A department account is a supervisor given one of the configured departments
    (layers/departments.toml); other roles take none."""
    if value is not None and not isinstance(value, str):
        raise FieldError("department", "department: a text")
    value = (value or "").strip() or None
    if value is None:
        return None
    if role != "supervisor":
        raise FieldError("department", f"only supervisors are given a department; role {role!r} "
                                       "takes none")
    try:
        return checked_department(value, names)
    except ValueError as exc:
        raise FieldError("department", str(exc)) from None


def _areas(value) -> list[tuple[str, str]]:
    try:
        return scopes.parse_areas(value)
    except scopes.ScopeError as exc:
        raise FieldError("areas", str(exc)) from None


def _field_of(message: str) -> str:
    for prefix, field in (("areas", "areas"), ("username", "username"), ("user ", "username"),
                          ("role", "role"),
                          ("password", "password"), ("name", "display_name"),
                          ("email", "email"), ("USCC", "enterprise"),
                          ("an enterprise", "enterprise"), ("only enterprise", "enterprise")):
        if message.startswith(prefix):
            return field
    return "cells"


def update(session: Session, user: User, changes: dict, *, by: User | None = None,
           departments: tuple[str, ...] = ()) -> dict:
    """Apply ``changes`` (keys of EDITABLE); returns {field: [old, new]} of what changed.

    An admin cannot take the admin role from their own account (nobody would be
    left to give it back).
    """
    unknown = sorted(set(changes) - set(EDITABLE))
    if unknown:
        raise FieldError(unknown[0], f"{unknown[0]}: cannot be changed here")
    new = _editable(user)
    try:
        if "phone" in changes:
            new["phone"] = accounts.checked_phone(changes["phone"])
    except AccountError as exc:
        raise FieldError("phone", str(exc)) from None
    try:
        if "display_name" in changes:
            new["display_name"] = accounts.checked_name(changes["display_name"])
    except AccountError as exc:
        raise FieldError("display_name", str(exc)) from None
    try:
        if "email" in changes:
            new["email"] = accounts.checked_email(changes["email"])
    except AccountError as exc:
        raise FieldError("email", str(exc)) from None
    if "role" in changes:
        if changes["role"] not in ROLES:
            raise FieldError("role", f"role {changes['role']!r}: must be one of "
                                     f"{', '.join(ROLES)}")
        new["role"] = changes["role"]
        if by is not None and by.id == user.id and new["role"] != "admin":
            raise FieldError("role", "you cannot take the admin role from your own account")
    if "cells" in changes:
        new["cells"] = list(dict.fromkeys(_cells(changes["cells"])))
    if new["role"] != "grid":
        if "cells" in changes and new["cells"]:
            raise FieldError("cells", f"only grid members work cells; role {new['role']!r} "
                                      "takes none")
        new["cells"] = []
    elif not new["cells"]:
        raise FieldError("cells", "a grid member needs at least one cell")
    unknown_cells = accounts.missing_cells(session, new["cells"])
    if unknown_cells:
        raise FieldError("cells", f"no cell with code {', '.join(map(repr, unknown_cells))}")
    areas = _areas(changes["areas"]) if "areas" in changes else [
        (a.kind, a.code) for a in user.area_links]
    if new["role"] not in scopes.AREA_ROLES and "areas" not in changes:
        areas = []  # a role that is not scoped by area keeps none
    try:
        areas = accounts.checked_areas(session, new["role"], areas)
    except AccountError as exc:
        raise FieldError("areas", str(exc)) from None
    new["areas"] = [f"{k}:{c}" for k, c in areas]
    new["enterprise"] = _enterprise(session, new["role"], changes, user.enterprise_uscc)
    if "department" in changes:
        new["department"] = department_for(new["role"], changes["department"], departments)
    elif new["role"] != "supervisor":
        new["department"] = None  # a role that is not a department's keeps none
    old = _editable(user)
    changed = {k: [old[k], new[k]] for k in EDITABLE if old[k] != new[k]}
    user.display_name, user.email, user.role = new["display_name"], new["email"], new["role"]
    user.phone, user.enterprise_uscc = new["phone"], new["enterprise"]
    user.department = new["department"]
    accounts.set_cells(user, new["cells"])
    scopes.set_areas(user, areas)
    if {"role", "cells", "areas", "enterprise", "department"} & changed.keys():
        accounts.end_sessions(user)  # what they may see changed: log in again
    return changed


def _editable(user: User) -> dict:
    return {"display_name": user.display_name, "email": user.email, "phone": user.phone,
            "role": user.role, "cells": user.cell_codes, "areas": _area_texts(user),
            "enterprise": user.enterprise_uscc, "department": user.department}


def _enterprise(session: Session, role: str, changes: dict, current: str | None) -> str | None:
    """The USCC an account of ``role`` speaks for after ``changes``: an enterprise account
    needs one of the ledger (checked_uscc); any other role has none."""
    given = changes.get("enterprise") if "enterprise" in changes else current
    if role != "enterprise":
        if "enterprise" in changes and (given or "").strip():
            raise FieldError("enterprise", f"only enterprise accounts speak for an enterprise; "
                                           f"role {role!r} takes none")
        return None
    if not (given or "").strip():
        raise FieldError("enterprise", "an enterprise account needs its enterprise's USCC")
    try:
        return accounts.checked_uscc(session, given)
    except AccountError as exc:
        raise FieldError("enterprise", str(exc)) from None


def _area_texts(user: User) -> list[str]:
    return [f"{a.kind}:{a.code}" for a in user.area_links]


def reset_password(user: User) -> str:
    """A new one-time password for ``user`` (their sessions end); returned once."""
    password = one_time_password()
    accounts.set_password(user, password)
    return password


def set_active(user: User, active: bool, *, by: User | None = None) -> None:
    if by is not None and by.id == user.id and not active:
        raise FieldError("active", "you cannot deactivate your own account")
    accounts.set_active(user, active)
