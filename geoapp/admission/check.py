"""One admission check as a planner asks for it: the stored territory, catalogues, verdict.

The rule itself is geoapp.domain.admission.check (pure); this module reads
what it needs and turns each way it can fail into a :class:`CheckFailed`
with the HTTP status that fits (the web answers it as is).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy.orm import Session

from geoapp.domain import admission
from geoapp.domain.catalogue import CatalogueError, check_zones
from geoapp.store.reads import admission_data


class CheckFailed(Exception):
    def __init__(self, status: int, error: str, message: str, field: str | None = None):
        super().__init__(message)
        self.status, self.error, self.message, self.field = status, error, message, field

    def body(self) -> dict:
        return {"error": self.error, "message": self.message, "field": self.field}


def run(session: Session, catalogues, site, crs, industry,
        now: dt.datetime, only=None) -> tuple[dict, admission.Territory]:
    """The verdict with its reasons, and the territory it was checked against (the cells of
    ``only``, an account's area scope; None: all)."""
    territory = admission_data.territory(session, only)
    try:
        check_zones(catalogues, territory.zones["code"].tolist())
    except CatalogueError as exc:
        # a configuration fault (zones re-imported without their catalogues), not the caller's
        raise CheckFailed(500, "catalogue_invalid", str(exc)) from None
    try:
        result = admission.check(site, crs, industry, territory, catalogues)
    except admission.AdmissionInputError as exc:
        raise CheckFailed(400, exc.error, exc.message, exc.field) from None
    except admission.NoTerritoryError as exc:
        raise CheckFailed(409, "no_territory", str(exc)) from None
    result["checked_at"] = now.isoformat()
    result["input"] = {"site": site, "crs": crs, "industry": industry}
    return result, territory
