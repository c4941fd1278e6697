"""One's own account: /api/me says who and what scope; a password change needs the current
password, keeps this session, ends the others and is audited without the password. Both
backends."""

from __future__ import annotations

import sqlalchemy as sa

from geoapp.store.models import AuditEntry
from tests.support.apps import AuthActions
from tests.support.constants import PASSWORD


def test_me_names_the_user_role_and_scope(client, auth):
    auth.login("grid", cells=["A", "B"])
    assert client.get("/api/me").get_json() == {
        "username": "grid", "name": "grid", "role": "grid",
        "scope": {"all": False, "level": "own_cells", "cells": ["A", "B"],
                  "areas": [{"kind": "cell", "code": "A"}, {"kind": "cell", "code": "B"}]}}
    auth.login("leader")
    assert client.get("/api/me").get_json()["scope"] == {"all": True, "level": "county",
                                                         "areas": []}
    assert "全域" in client.get("/account").get_data(as_text=True)
    auth.logout()
    assert client.get("/api/me").status_code == 401


def test_a_password_change(app, client, auth, database):
    auth.login("leader")
    other = app.test_client()
    AuthActions(other).login("leader")
    assert other.get("/api/me").status_code == 200
    r = client.post("/api/me/password", json={"current": "wrong-one-1", "new": "new-pass-123"})
    assert r.status_code == 400 and r.get_json()["field"] == "current"
    r = client.post("/api/me/password", json={"current": PASSWORD, "new": "short"})
    assert r.status_code == 400 and r.get_json()["field"] == "new"
    assert client.post("/api/me/password", json={"current": PASSWORD, "new": "new-pass-123"}
                       ).status_code == 204
    assert client.get("/api/me").status_code == 200  # this session goes on
    assert other.get("/api/me").status_code == 401  # the other device's has ended
    auth.logout()
    assert auth.login("leader", "new-pass-123").status_code == 302
    with database.sessions() as s:
        (entry,) = s.scalars(sa.select(AuditEntry).where(AuditEntry.action == "password_change"))
        assert entry.actor == "leader" and "new-pass-123" not in repr(entry.detail)
