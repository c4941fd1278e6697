"""What the planner's map shows before any check: the cells in their four colours, the
towns' outlines and the major hazard installations, as GeoJSON (the zones come from
/api/zones, which every map shares).

Cells are simplified to about a metre (1e-5°) and written to 6 decimals (0.1 m): the
page draws them as a backdrop; the check itself runs on the stored geometry. A town's
outline is the union of its cells (towns have no geometry of their own).
"""

from __future__ import annotations

import json

import geopandas as gpd
import shapely
from sqlalchemy.orm import Session

from geoapp.domain import crs as crs_mod
from geoapp.store.reads import admission_data

TOLERANCE = 1e-5  # degrees, about 1 m: finer than a cell's line on screen
DIGITS = 6


def _geometry(geom) -> dict:
    simple = shapely.simplify(geom, TOLERANCE, preserve_topology=True)
    return json.loads(shapely.to_geojson(shapely.set_precision(simple, 10 ** -DIGITS)))


def _collection(features: list[dict]) -> dict:
    return {"type": "FeatureCollection", "features": features}


def _near(hazards: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, radius_m: float):
    """The installations within ``radius_m`` of the cells (metres, in a CRS centred on them):
    those a check of a site in the cells may report."""
    if not len(cells) or not len(hazards):
        return hazards.iloc[:0]
    area = shapely.union_all(cells.geometry.values)
    metric = crs_mod.metric_crs([area.centroid.x], [area.centroid.y])
    area_m = gpd.GeoSeries([area], crs=4326).to_crs(metric).iloc[0]
    return hazards[(hazards.to_crs(metric).distance(area_m) <= radius_m).to_numpy()]


def layers(session: Session, only=None, radius_m: float = 0.0) -> dict:
    """{cells, towns, major_hazards}: FeatureCollections for the account's scope ``only``
    (cells; None: all). An area's installations are those within ``radius_m`` (the
    largest search radius) of its cells, as a check there may report them: a safety
    distance does not stop at a town's boundary."""
    territory = admission_data.territory(session, only)
    towns_of = admission_data.cell_towns(session, only)
    cells = territory.cells
    cell_features = [{
        "type": "Feature", "id": r.code, "geometry": _geometry(r.geometry),
        "properties": {"code": r.code, "name": r.name, "risk_level": r.risk_level},
    } for r in cells.itertuples()]
    by_town: dict[str, list] = {}
    for r in cells.itertuples():
        by_town.setdefault(towns_of.get(r.code, ""), []).append(r.geometry)
    town_features = [{
        "type": "Feature", "id": name, "properties": {"name": name},
        "geometry": _geometry(shapely.union_all(geoms, grid_size=1e-7)),
    } for name, geoms in sorted(by_town.items()) if name]
    hz = territory.major_hazards
    if only is not None:
        hz = _near(hz, cells, radius_m)
    hazard_features = [{
        "type": "Feature", "id": r.id,
        "geometry": {"type": "Point",
                     "coordinates": [round(r.geometry.x, DIGITS), round(r.geometry.y, DIGITS)]},
        "properties": {"id": r.id, "name": r.name,
                       "grade": r.grade if isinstance(r.grade, str) and r.grade else None,
                       "risk_level": r.risk_level},
    } for r in hz.itertuples()]
    return {"cells": _collection(cell_features), "towns": _collection(town_features),
            "major_hazards": _collection(hazard_features)}
