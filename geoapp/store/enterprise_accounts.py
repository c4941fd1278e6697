"""Enterprise accounts made from the ledger in bulk (`geoapp users add-enterprises`).

One account per enterprise of the ledger whose key is a valid USCC and that has
no enterprise account yet; the username is the USCC (what the office hands
out with the password), the name the enterprise's. Each gets a one-time
password, returned for the caller to hand out once (the command writes them
to a file only the operator can read); the database keeps only its argon2 hash.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain.duties import ENTERPRISE
from geoapp.domain.identifiers import uscc_problem
from geoapp.store import accounts
from geoapp.store.account_admin import one_time_password
from geoapp.store.models import Point, User


@dataclass(frozen=True)
class NewAccount:
    username: str
    uscc: str
    name: str
    password: str  # one-time: shown once, never stored


def without_account(session: Session) -> list[tuple[str, str]]:
    """(USCC, name) of the ledger's enterprises with a valid USCC and no enterprise account."""
    have = set(session.scalars(sa.select(User.enterprise_uscc)
                               .where(User.enterprise_uscc.is_not(None))))
    rows = session.execute(sa.select(Point.key, Point.name).where(Point.layer == "enterprise")
                           .order_by(Point.key))
    out = {}
    for key, name in rows:
        if key not in have and key not in out and uscc_problem(key) is None:
            out[key] = name
    return list(out.items())


def create_for_ledger(session: Session) -> tuple[list[NewAccount], list[str]]:
    """Create the missing enterprise accounts (the caller commits).

    Returns the accounts made, with their one-time passwords, and the USCCs
    skipped because their username is another account's already.
    """
    made, skipped = [], []
    for uscc, name in without_account(session):
        if accounts.find_user(session, uscc) is not None:
            skipped.append(uscc)
            continue
        password = one_time_password()
        accounts.create_user(session, uscc, ENTERPRISE, password, display_name=name[:100],
                             enterprise=uscc)
        made.append(NewAccount(uscc, uscc, name, password))
    session.flush()
    return made, skipped
