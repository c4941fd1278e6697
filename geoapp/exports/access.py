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

# The layers around the point layers: every point layer of the rules (layers/*.toml) comes
# between the area layers and the hazard register, so a new layer file is downloadable as is.
AREA_LAYERS = ("cells", "zones")
HAZARDS = "hazards"
# the URL's suffix → the format's name
FORMATS = {".xlsx": "xlsx", ".gpkg": "gpkg", ".geojson": "geojson", ".shp.zip": "shp"}
# the names of the layers no layer file declares (a point layer's is its file's label)
TABLE_LABELS = {"cells": N_("网格"), "zones": N_("功能区"), "hazards": N_("隐患")}


def layers(rules) -> tuple[str, ...]:
    """Every downloadable layer: cells, zones, the rules' point layers in order, hazards."""
    return (*AREA_LAYERS, *rules.layers, HAZARDS)


def label(rules, layer: str) -> str:
    """A layer's Chinese name: the table's own, or the point layer file's ``label``."""
    return TABLE_LABELS[layer] if layer in TABLE_LABELS else rules.layers[layer].label


@dataclass(frozen=True)
class Grant:
    """The layers a role may not download, and whether only its own cells' rows.

    Stated by what is withheld, so that a point layer added in layers/ reaches every
    role that reads the point layers, without a list to update."""

    withheld: frozenset[str] = frozenset()
    own_cells_only: bool = False

    def allows(self, layer: str) -> bool:
        return layer not in self.withheld


GRANTS: dict[str, Grant] = {
    "leader": Grant(),
    "supervisor": Grant(),
    "admin": Grant(),
    "planner": Grant(withheld=frozenset({HAZARDS})),
    "grid": Grant(own_cells_only=True),
}


def grant(role: str | None) -> Grant | None:
    """What ``role`` may download; None for a role that may download nothing.

    Examples
    --------
    >>> grant("planner").allows("major_hazard"), grant("planner").allows("hazards")
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
