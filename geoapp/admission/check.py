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
from geoapp.domain.texts import N_
from geoapp.store.reads import admission_data


class CheckFailed(Exception):
    """A refused check: HTTP status, code, a message marked for translation with its values
    apart (``text``), the field at fault and what else the answer carries (a suggestion)."""

    def __init__(self, status: int, error: str, message: str, field: str | None = None,
                 params: dict | None = None, **extra):
        self.status, self.error, self.message, self.field = status, error, message, field
        self.params, self.extra = dict(params or {}), extra
        super().__init__(self.text())

    def text(self, translate=lambda s: s) -> str:
        """The message in the UI language (``translate``: the web's gettext)."""
        return translate(self.message) % self.params

    def body(self, translate=lambda s: s) -> dict:
        return {"error": self.error, "message": self.text(translate), "field": self.field,
                **self.extra}


CATALOGUE_INVALID = N_("产业目录配置有误，请管理员修正：%(detail)s")


def run(session: Session, catalogues, site, crs, industry,
        now: dt.datetime, only=None) -> tuple[dict, admission.Territory]:
    """The verdict with its reasons, and the territory it was checked against (the cells of
    ``only``, an account's area scope; None: all)."""
    territory = admission_data.territory(session, only)
    try:
        check_zones(catalogues, territory.zones["code"].tolist())
    except CatalogueError as exc:
        # a configuration fault (zones re-imported without their catalogues), not the caller's
        raise CheckFailed(500, "catalogue_invalid", CATALOGUE_INVALID, None,
                          {"detail": str(exc)}) from None
    try:
        result = admission.check(site, crs, industry, territory, catalogues)
    except admission.AdmissionInputError as exc:
        raise CheckFailed(400, exc.error, exc.message, exc.field, exc.params,
                          **exc.extra) from None
    except admission.NoTerritoryError as exc:
        raise CheckFailed(409, "no_territory", str(exc)) from None
    result["checked_at"] = now.isoformat()
    result["input"] = {"site": site, "crs": crs, "industry": industry}
    return result, territory
