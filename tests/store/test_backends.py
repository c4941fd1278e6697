"""Differential check: the demo loaded into SQLite and into PostGIS gives the same
assignment for every point and the same level for every cell and zone."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from geoapp.store.demo import load_demo
from geoapp.store.models import Cell, Point, Zone
from tests.support.databases import BACKENDS, _fresh
from tests.support.demo_files import demo_counts

pytestmark = pytest.mark.skipif(
    set(BACKENDS) != {"sqlite", "postgis"},
    reason="needs both backends (GEOAPP_TEST_BACKENDS includes both by default)")


def _state(database):
    with database.sessions() as s:
        points = {
            (p.layer, p.key): (p.cell_code, tuple(p.zone_codes), p.outside, p.nearest_cell_code,
                               round(p.distance_m or 0, 1), p.inherent_level, p.risk_level,
                               round(p.geom.x, 7), round(p.geom.y, 7))
            for p in s.scalars(sa.select(Point))
        }
        cells = dict(s.execute(sa.select(Cell.code, Cell.risk_level)).all())
        zones = dict(s.execute(sa.select(Zone.code, Zone.risk_level)).all())
    return points, cells, zones


@pytest.mark.parametrize("pair", ["sqlite-vs-postgis"])  # the id counts it as a PostGIS test
def test_demo_is_identical_on_both_backends(pair, tmp_path, rules, postgis_url):
    embedded = _fresh(f"sqlite:///{tmp_path / 'a.sqlite3'}")
    server = _fresh(postgis_url)
    for database in (embedded, server):
        load_demo(database, rules, echo=lambda _msg: None)
    a, b = _state(embedded), _state(server)
    embedded.dispose()
    server.dispose()
    counts = demo_counts()  # the demo's files: the whole county
    assert len(a[0]) == counts["points"] and len(a[1]) == counts["cells"]
    assert a[0] == b[0]
    assert a[1] == b[1]
    assert a[2] == b[2]
