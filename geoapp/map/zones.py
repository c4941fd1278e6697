"""The map's zone layer (``/api/map/zones``): every functional zone's outline, grade and label.

Zones are few (a county has a handful of parks), so the document is built per request
from the stored zones (geoapp.store.reads.pages.zones_collection, the grade in force
included) with a label point inside each outline (``point_on_surface``: inside even for
a crescent-shaped park). The grade's colour is the one scale of geoapp.domain.zone_grades.
"""

from __future__ import annotations

import shapely
from sqlalchemy.orm import Session

from geoapp.domain import zone_grades
from geoapp.domain.layers import Rules
from geoapp.store.reads import pages


def zones_doc(session: Session, rules: Rules) -> dict:
    """{grades: {A: colour …}, zones: FeatureCollection} with each zone's ``label_at``
    [lon, lat] and ``colour`` (its grade's, or null when never graded)."""
    colours = zone_grades.grade_colours(rules.risk.zones.grade_levels,
                                        {lv.code: lv.colour for lv in rules.risk.levels})
    collection = pages.zones_collection(session, rules)
    for feature in collection["features"]:
        props = feature["properties"]
        inside = shapely.geometry.shape(feature["geometry"]).point_on_surface()
        props["label_at"] = [round(inside.x, 6), round(inside.y, 6)]
        props["colour"] = colours.get(props["grade"])
    return {"grades": colours, "zones": collection}
