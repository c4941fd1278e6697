"""Accounts in the browser's API, for admins: create (a one-time password when none is given),
edit, deactivate, activate, reset a password; refusals name the field and change nothing;
every change is in the audit log without a password. On both backends.
"""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from geoapp.store.models import AuditEntry, User
from tests.support.apps import shop_with_hazard
from tests.support.checks import snapshot


@pytest.fixture
def admin(database, rules, client, auth):
    import datetime as dt

    shop_with_hazard(database, rules, found_on=dt.date(2030, 6, 1))  # cells A and B
    auth.login("admin")
    return client


def _user(database, username) -> User:
    with database.sessions() as s:
        user = s.scalar(sa.select(User).where(User.username == username))
        s.expunge_all()
        return user


def _audit(database) -> list[tuple]:
    with database.sessions() as s:
        return [(e.action, e.actor, e.target, e.detail) for e in s.scalars(
            sa.select(AuditEntry).where(AuditEntry.action.like("account%") |
                                        (AuditEntry.action == "password_reset"))
            .order_by(AuditEntry.id))]


def test_create_edit_deactivate_reset(admin, client, database, auth):
    r = admin.post("/api/admin/accounts", json={"username": "zhang", "role": "grid",
                                                "display_name": "张三（虚构）", "cells": ["A"]})
    assert r.status_code == 201, r.get_json()
    made = r.get_json()
    password = made["password"]
    assert len(password) >= 16 and made["account"]["cells"] == ["A"]
    uid = made["account"]["id"]
    # the new account logs in with the one-time password
    auth.logout()
    assert auth.login("zhang", password).status_code == 302
    auth.login("admin")
    r = client.patch(f"/api/admin/accounts/{uid}", json={"cells": "A, B",
                                                         "email": "zhang@ajz.example.cn"})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["changed"] == {"email": [None, "zhang@ajz.example.cn"],
                                       "cells": [["A"], ["A", "B"]]}
    r = client.patch(f"/api/admin/accounts/{uid}", json={"role": "leader"})
    assert r.get_json()["account"]["cells"] == []  # only grid members work cells
    assert client.post(f"/api/admin/accounts/{uid}/active",
                       json={"active": False}).get_json()["account"]["active"] is False
    auth.logout()
    assert auth.login("zhang", password).status_code == 200  # refused: deactivated
    auth.login("admin")
    client.post(f"/api/admin/accounts/{uid}/active", json={"active": True})
    new = client.post(f"/api/admin/accounts/{uid}/password").get_json()["password"]
    assert new != password
    auth.logout()
    assert auth.login("zhang", password).status_code == 200
    assert auth.login("zhang", new).status_code == 302
    assert [(a, actor, target) for a, actor, target, _d in _audit(database)] == [
        ("account_create", "admin", "zhang"), ("account_change", "admin", "zhang"),
        ("account_change", "admin", "zhang"), ("account_deactivate", "admin", "zhang"),
        ("account_activate", "admin", "zhang"), ("password_reset", "admin", "zhang")]
    text = repr(_audit(database))
    assert password not in text and new not in text


def test_a_given_password_is_not_echoed(admin):
    r = admin.post("/api/admin/accounts", json={"username": "boss", "role": "leader",
                                                "password": "given-pass-1"})
    assert r.status_code == 201 and "password" not in r.get_json()


@pytest.mark.parametrize("body, field", [
    ({"role": "leader"}, "username"),
    ({"username": "li"}, "role"),
    ({"username": "bad name", "role": "leader"}, "username"),
    ({"username": "li", "role": "boss"}, "role"),
    ({"username": "li", "role": "grid"}, "cells"),
    ({"username": "li", "role": "grid", "cells": ["Z9"]}, "cells"),
    ({"username": "li", "role": "leader", "email": "not-an-address"}, "email"),
    ({"username": "li", "role": "leader", "password": "short"}, "password"),
    ({"username": "admin", "role": "leader"}, "username"),
    ({"username": "li", "role": "leader", "cells": [1]}, "cells"),
])
def test_a_bad_new_account_is_refused_naming_the_field(admin, database, body, field):
    before = snapshot(database)
    r = admin.post("/api/admin/accounts", json=body)
    assert r.status_code == 400 and r.get_json()["field"] == field, r.get_json()
    assert snapshot(database) == before


@pytest.mark.parametrize("body, field", [
    ({"role": "grid"}, "cells"), ({"cells": ["Z9"]}, "cells"), ({"email": "x@"}, "email"),
    ({"username": "other"}, "username"), ({"display_name": "a\x07b"}, "display_name"),
    ({"role": "king"}, "role")])
def test_a_bad_change_is_refused_naming_the_field(admin, database, body, field):
    uid = admin.post("/api/admin/accounts", json={"username": "li", "role": "leader"}
                     ).get_json()["account"]["id"]
    before = snapshot(database)
    r = admin.patch(f"/api/admin/accounts/{uid}", json=body)
    assert r.status_code == 400 and r.get_json()["field"] == field, r.get_json()
    assert snapshot(database) == before


def test_an_admin_cannot_lock_themselves_out(admin, database):
    me = _user(database, "admin").id
    assert admin.patch(f"/api/admin/accounts/{me}", json={"role": "leader"}).status_code == 400
    r = admin.post(f"/api/admin/accounts/{me}/active", json={"active": False})
    assert r.status_code == 409 and r.get_json()["field"] == "active"
    assert _user(database, "admin").role == "admin" and _user(database, "admin").active


def test_only_admins(client, auth, admin, database):
    uid = admin.post("/api/admin/accounts", json={"username": "li", "role": "leader"}
                     ).get_json()["account"]["id"]
    for role in ("leader", "grid", "planner", "supervisor"):
        auth.login(role, cells=["A"] if role == "grid" else ())
        assert client.get("/admin/accounts").status_code == 403
        assert client.get("/api/admin/accounts").status_code == 403
        assert client.post("/api/admin/accounts", json={"username": "x", "role": "admin"}
                           ).status_code == 403
        assert client.patch(f"/api/admin/accounts/{uid}", json={"role": "admin"}
                            ).status_code == 403
        assert client.post(f"/api/admin/accounts/{uid}/password").status_code == 403
    assert _user(database, "li").role == "leader" and _user(database, "x") is None
    auth.logout()
    assert client.get("/api/admin/accounts").status_code == 401
    assert client.post("/api/admin/accounts/1/password").status_code in (400, 401)


def test_the_list_filters(admin):
    admin.post("/api/admin/accounts", json={"username": "li", "role": "leader",
                                            "display_name": "李四（虚构）"})
    admin.post("/api/admin/accounts", json={"username": "wang", "role": "grid", "cells": ["B"]})
    def names(q):
        return [a["username"] for a in admin.get(f"/api/admin/accounts?{q}")
                .get_json()["accounts"]]

    assert names("role=grid") == ["wang"]
    assert names("q=李四") == ["li"]
    assert "admin" in names("active=1")
    assert admin.get("/api/admin/accounts?role=king").status_code == 400
    page = admin.get("/admin/accounts?role=leader").get_data(as_text=True)
    assert 'data-username="li"' in page and 'data-username="wang"' not in page
    assert admin.get("/api/admin/accounts/99999/password").status_code == 405
    assert admin.post("/api/admin/accounts/99999/password").status_code == 404


def test_an_area_scope_phone_and_enterprise_are_set_and_checked(admin, client, database):
    """Areas (town by name, a cell), a phone; a role changed to 企业 needs its USCC; each
    refusal names its field and changes nothing; the scope change ends the sessions."""
    from geoapp.store import scopes
    from geoapp.store.models import Town

    with database.sessions() as s:
        town = s.scalar(sa.select(Town.name))
    r = admin.post("/api/admin/accounts", json={
        "username": "wang", "role": "leader", "phone": "0510-8888 1234",
        "areas": [f"town:{town}"]})
    assert r.status_code == 201, r.get_json()
    account = r.get_json()["account"]
    assert account["areas"] == [f"town:{town}"] and account["phone"] == "0510-8888 1234"
    with database.sessions() as s:
        user = s.scalar(sa.select(User).where(User.username == "wang"))
        assert scopes.scope_of(s, user).cells == {"A", "B"}
    uid = account["id"]
    r = admin.patch(f"/api/admin/accounts/{uid}", json={"areas": ["cell:B"]})
    assert r.get_json()["changed"] == {"areas": [[f"town:{town}"], ["cell:B"]]}
    with database.sessions() as s:
        user = s.get(User, uid)
        assert scopes.scope_of(s, user).cells == {"B"} and user.session_generation == 1
    before = snapshot(database)
    for body, field in (({"areas": ["cell:Z9"]}, "areas"), ({"phone": "call me"}, "phone"),
                        ({"role": "grid", "cells": ["A"], "areas": ["cell:A"]}, "areas"),
                        ({"role": "enterprise"}, "enterprise"),
                        ({"enterprise": "91320205MA000001XG"}, "enterprise"),
                        ({"role": "admin", "areas": ["cell:A"]}, "areas")):
        r = admin.patch(f"/api/admin/accounts/{uid}", json=body)
        assert r.status_code == 400 and r.get_json()["field"] == field, (body, r.get_json())
        assert snapshot(database) == before, body
    # to an unscoped role: the areas go with the old role
    r = admin.patch(f"/api/admin/accounts/{uid}", json={"role": "admin"})
    assert r.status_code == 200 and r.get_json()["account"]["areas"] == []
    assert _audit(database)[-1][3]["changed"]["areas"] == [["cell:B"], []]
