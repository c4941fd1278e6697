"""审核 read for the reports: the account names (the submissions and decisions are the
reports' dataset's: geoapp.store.reads.report_data)."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.store.models import User


def display_names(session: Session) -> dict[str, str | None]:
    """Username → display name (None when the account has none), every account."""
    return {u: n or None for u, n in session.execute(sa.select(User.username,
                                                                User.display_name))}
