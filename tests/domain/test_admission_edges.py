"""Edges of domain/admission.py that the mutation check (scripts/mutation.sh) found untested.

Expected values are written by hand; pure and fast."""

import pytest
from shapely import box

from geoapp.domain.admission import Territory, check
from geoapp.domain.catalogue import load_admission
from tests.domain.test_admission import (
    HOUSING,
    OUTSIDE_CATALOGUE,
    PARK,
    box_site,
    frame,
    point,
    write_admission,
)

# The territory of tests/domain/test_admission.py (zones P | H, cells A | B), no installations
CELLS = frame({"code": ["A", "B"], "name": ["一网格", "二网格"], "risk_level": ["red", "blue"]},
              [box(120.0, 31.0, 120.01, 31.01), box(120.01, 31.0, 120.02, 31.01)])
ZONES = frame({"code": ["P", "H"], "name": ["测试化工园区", "近居民区园区"],
               "kind": ["化工园区", "高新区"], "risk_level": ["red", "orange"]},
              [box(120.0, 31.0, 120.01, 31.01), box(120.01, 31.0, 120.02, 31.01)])
NO_HAZARDS = frame({"id": [], "name": [], "grade": [], "risk_level": []}, [])


@pytest.fixture
def adm(tmp_path):
    return load_admission(write_admission(
        tmp_path / "adm", {"P.toml": PARK, "H.toml": HOUSING, "outside.toml": OUTSIDE_CATALOGUE}))


def test_a_point_inside_borders_nothing(adm):
    out = check(point(120.005, 31.005), "wgs84", "2614",
                Territory(CELLS, ZONES, NO_HAZARDS), adm)
    assert [z["code"] for z in out["zones"]] == ["P"]
    assert [c["code"] for c in out["cells"]] == ["A"]
    assert out["adjacent_zones"] == [] and out["adjacent_cells"] == []


def test_a_polygon_where_no_zones_are_loaded_answers_to_the_outside_catalogue(adm):
    out = check(box_site(120.004, 31.004, 120.006, 31.006), "wgs84", "2614",
                Territory(CELLS, ZONES.iloc[:0], NO_HAZARDS), adm)
    assert out["verdict"] == "prohibited" and out["outside_zones"] is True
    assert out["zones"] == [] and out["nearest_zone"] is None
    assert out["outside_catalogue"]["title"] == "功能区以外"
    assert [c["code"] for c in out["cells"]] == ["A"]


def test_the_area_outside_every_zone_is_given_to_a_tenth_of_a_square_metre(adm):
    # 0.001° of longitude west of park P at 31.005° is 95.5 m, 0.002° of latitude 221.7 m
    out = check(box_site(119.999, 31.004, 120.005, 31.006), "wgs84", "2614",
                Territory(CELLS, ZONES, NO_HAZARDS), adm)
    area = out["zones"][-1]["area_m2"]
    assert area == pytest.approx(95.5 * 221.7, rel=1e-3)
    assert repr(area) == f"{area:.1f}"  # one decimal: neither whole metres nor two decimals
