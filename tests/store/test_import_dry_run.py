"""A dry run is the import itself, rolled back: the same summary as the real import, with
every changed row listed, and nothing written. Both backends.

The territory and ledger helpers are test_import's (cells A B C D, zone Z1).
"""

from __future__ import annotations

from geoapp.store import importer
from tests.store import test_import as base
from tests.store.test_import import cells_file, zones_file  # noqa: F401  (fixtures)
from tests.store.test_import_history import HZ_HEADER, _hazard_rows
from tests.support.checks import snapshot
from tests.support.files import write_csv

SHOPS = [["甲商店（虚构）", base.uscc(1), "5261", "小微", 120.005, 31.005],
         ["乙商店（虚构）", base.uscc(2), "5261", "小微", 120.015, 31.015],
         ["丙商店（虚构）", base.uscc(3), "5261", "小微", 121.5, 31.5]]


def _same(database, run):
    before = snapshot(database)
    preview = run(dry_run=True)
    assert snapshot(database) == before
    done = run()
    assert preview.dry_run and not done.dry_run
    assert preview.as_dict() == {**done.as_dict(), "dry_run": True}
    return preview


def test_every_importer_previews_exactly_what_it_then_does(database, rules, cells_file,  # noqa: F811
                                                           zones_file, tmp_path):  # noqa: F811
    cells = _same(database, lambda **k: importer.import_cells(database, rules, cells_file, **k))
    assert cells.created == 4 and {c["action"] for c in cells.changes} == {"added"}
    _same(database, lambda **k: importer.import_zones(database, rules, zones_file, **k))
    shops = base.enterprises(tmp_path, SHOPS)
    points = _same(database, lambda **k: importer.import_points(database, rules, shops,
                                                                "enterprise", **k))
    assert [p["key"] for p in points.outside_points] == [base.uscc(3)]
    hazards = write_csv(tmp_path / "h.csv", HZ_HEADER, _hazard_rows())
    _same(database, lambda **k: importer.import_hazards(database, rules, hazards, **k))

    rows = _hazard_rows()
    rows[0][3], rows[1][11] = "重大", "整改中"
    edited = write_csv(tmp_path / "h2.csv", HZ_HEADER, rows)
    again = _same(database, lambda **k: importer.import_hazards(database, rules, edited, **k))
    assert {c["key"]: c["fields"] for c in again.changes} == {"H1": ["level"], "H2": ["state"]}
    assert (again.updated, again.unchanged) == (2, 1)
