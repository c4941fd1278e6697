"""Who may download what: an explicit list of roles, so a role added later gets nothing.

* leader, supervisor, admin: every layer of the whole territory (points
  outside every cell included);
* planner: cells, zones and the point layers, but not the hazard register.
  A planner checks sites against zones, cells and major hazard installations
  (docs/domain.md, "Admission check"), takes no step in rectification and
  gets no reminder; a bulk copy of the hazards (descriptions, responsible
  persons) is beyond what that work needs, a stricter bar than reading one
  cell's page;
* grid: every layer, but only the rows of the cells they work (zones whole:
  the map shows every role the zones);
* enterprise, and any role not named here: nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from geoapp.domain.texts import N_

POINT_LAYERS = ("enterprise", "idle_site", "confined_space", "major_hazard")
LAYERS = ("cells", "zones", *POINT_LAYERS, "hazards")
# the URL's suffix → the format's name
FORMATS = {".xlsx": "xlsx", ".gpkg": "gpkg", ".geojson": "geojson", ".shp.zip": "shp"}
LAYER_LABELS = {"cells": N_("网格"), "zones": N_("功能区"), "enterprise": N_("企业"),
                "idle_site": N_("闲置场所"), "confined_space": N_("有限空间"),
                "major_hazard": N_("重大危险源"), "hazards": N_("隐患")}


@dataclass(frozen=True)
class Grant:
    """The layers a role may download, and whether only its own cells' rows."""

    layers: frozenset[str]
    own_cells_only: bool = False


_EVERY = frozenset(LAYERS)
GRANTS: dict[str, Grant] = {
    "leader": Grant(_EVERY),
    "supervisor": Grant(_EVERY),
    "admin": Grant(_EVERY),
    "planner": Grant(_EVERY - {"hazards"}),
    "grid": Grant(_EVERY, own_cells_only=True),
}


def grant(role: str | None) -> Grant | None:
    """What ``role`` may download; None for a role that may download nothing.

    Examples
    --------
    >>> grant("planner").layers >= {"cells", "major_hazard"}, "hazards" in grant("planner").layers
    (True, False)
    >>> grant("enterprise") is None, grant("a_new_role") is None, grant("grid").own_cells_only
    (True, True, True)
    """
    return GRANTS.get(role or "")


def split_name(filename: str) -> tuple[str, str | None]:
    """``enterprise.shp.zip`` → (``enterprise``, ``shp``); the format is None if unknown.

    Examples
    --------
    >>> split_name("cells.shp.zip"), split_name("hazards.xlsx"), split_name("cells.csv")
    (('cells', 'shp'), ('hazards', 'xlsx'), ('cells.csv', None))
    """
    for suffix, fmt in FORMATS.items():
        if filename.endswith(suffix) and len(filename) > len(suffix):
            return filename[: -len(suffix)], fmt
    return filename, None
