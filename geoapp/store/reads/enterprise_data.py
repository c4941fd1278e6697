"""What an enterprise account's page shows (/enterprise): its points, their hazards,
its self-checks, and the supervisory measures addressed to it.

The points are geoapp.store.ownership's (the enterprise's own and those it owns
by its USCC); nothing of any other enterprise is read here.
"""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from sqlalchemy.orm import Session

from geoapp.domain import workflow
from geoapp.store import measures, ownership
from geoapp.store.models import Hazard, Inspection
from geoapp.store.reads.pages import hazard_dict

# the self-checks shown: the latest, enough for a year of monthly checks at a few points
SELF_CHECKS_SHOWN = 60


def page(session: Session, uscc: str, today: dt.date, layer_labels: dict[str, str]) -> dict:
    """{enterprise, points, hazards, self_checks, measures} of the enterprise with ``uscc``.

    ``enterprise`` is its own point (None when the ledger has none under this
    USCC). Hazards: open ones first, by deadline, then the closed, newest
    first. Measures: those against its points or their hazards, newest first.
    """
    points = ownership.owned_points(session, uscc)
    ids = [p.id for p in points]
    names = {p.id: p.name for p in points}
    own = next((p for p in points if p.layer == "enterprise"), None)
    found = list(session.scalars(sa.select(Hazard).where(Hazard.point_id.in_(ids))))
    found.sort(key=lambda h: (not workflow.is_open(h.state),
                              h.deadline.toordinal() * (1 if workflow.is_open(h.state) else -1),
                              h.id))
    checks = session.scalars(
        sa.select(Inspection).where(Inspection.point_id.in_(ids),
                                    Inspection.source == "self_check")
        .order_by(Inspection.inspected_at.desc(), Inspection.id.desc())
        .limit(SELF_CHECKS_SHOWN))
    return {
        "uscc": uscc,
        "enterprise": None if own is None else {"id": own.id, "name": own.name, "key": own.key,
                                                "attrs": dict(own.attrs or {})},
        "points": [{"id": p.id, "layer": p.layer, "layer_label": layer_labels.get(p.layer, p.layer),
                    "key": p.key, "name": p.name, "cell_code": p.cell_code,
                    "risk_level": p.risk_level} for p in points],
        "hazards": [{**hazard_dict(h, today), "point_name": names[h.point_id]} for h in found],
        "self_checks": [{"id": c.id, "point_id": c.point_id, "point_name": names[c.point_id],
                         "inspected_at": c.inspected_at.isoformat(), "inspector": c.inspector,
                         "failed": sorted(k for k, v in (c.checklist or {}).items()
                                          if isinstance(v, dict) and v.get("result") == "fail"),
                         "note": c.note} for c in checks],
        "measures": [measures.as_dict(row) for row in measures.for_points(session, ids)],
    }
