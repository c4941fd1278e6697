"""The inbox's one read: open hazards with the events the reminder sources look at.

One query (hazard ⋈ point ⟕ cell ⟕ event), so the top bar's count costs one
round trip per page. The selection itself is geoapp.domain.reminders; this
module only turns rows into its ``HazardFact`` records.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain import reminders
from geoapp.domain.layers import Rules
from geoapp.store.models import Cell, Hazard, HazardEvent, Point

# events read besides the state changes: the news the sources report
_NEWS = (*reminders.EXTENSION_DECIDED, reminders.LISTED)


def hazard_facts(session: Session, cells: Collection[str] | None = None
                 ) -> list[reminders.HazardFact]:
    """Every open hazard (only those at points inside ``cells``, when given).

    A point outside every cell is shown on its nearest cell's page, so its
    hazard's ``cell_code`` is that cell (``in_cell`` False).
    """
    page_cell = sa.func.coalesce(Point.cell_code, Point.nearest_cell_code)
    event = sa.orm.aliased(HazardEvent)
    wanted_event = sa.and_(
        event.hazard_id == Hazard.id,
        sa.or_(sa.and_(event.from_state.is_not(None), event.from_state != event.to_state),
               event.action.in_(_NEWS)))
    query = (
        sa.select(Hazard.id, Hazard.code, Hazard.level, Hazard.state, Hazard.deadline,
                  Hazard.description, Point.name, Point.cell_code, page_cell, Cell.name,
                  event.id, event.action, event.actor, event.at, event.from_state,
                  event.to_state)
        .join(Point, Point.id == Hazard.point_id)
        .outerjoin(Cell, Cell.code == page_cell)
        .outerjoin(event, wanted_event)
        .where(Hazard.state != "closed")
        .order_by(Hazard.id, event.id))
    if cells is not None:
        if not cells:
            return []
        query = query.where(Point.cell_code.in_(list(cells)))
    facts: dict[int, dict] = {}
    for row in session.execute(query):
        (hid, code, level, state, deadline, description, point_name, own_cell, shown_in,
         cell_name, eid, action, actor, at, from_state, to_state) = row
        fact = facts.setdefault(hid, {
            "id": hid, "code": code, "level": level, "state": state, "deadline": deadline,
            "description": description, "point_name": point_name, "cell_code": shown_in,
            "cell_name": cell_name, "in_cell": own_cell is not None, "events": []})
        if eid is not None:
            fact["events"].append(reminders.EventFact(eid, action, actor, at, from_state,
                                                      to_state))
    return [reminders.HazardFact(**{**f, "events": tuple(f["events"])}) for f in facts.values()]


def spec(rules: Rules) -> reminders.RemindersSpec:
    """The days of the hazard file's ``[reminders]`` (its defaults when absent)."""
    table = rules.tables.get("hazard")
    return (table.reminders if table is not None else None) or reminders.RemindersSpec()


def account(user) -> reminders.Account:
    return reminders.Account(user.username, user.role, tuple(user.cell_codes))


def inbox(session: Session, rules: Rules, user, today: dt.date,
          scoped: Collection[str] | None) -> list[reminders.Reminder]:
    """The logged-in ``user``'s reminders (one query; none for a role without reminders).

    ``scoped``: the cells of the user's area scope (geoapp.store.scopes; None: the whole
    territory): a town's leader is reminded of the town's hazards only.
    """
    who = account(user)
    if not reminders.ROLE_KINDS.get(who.role):
        return []
    cells = None if who.role in reminders.EVERY_CELL else who.cells
    if scoped is not None:
        cells = sorted(scoped if cells is None else set(cells) & scoped)
    return reminders.inbox(hazard_facts(session, cells), who, today, spec(rules),
                           rules.risk.hazards.timezone, rules.tables["hazard"].steps)
