"""The areas report after a hazard write, made incrementally (geoapp.reports.cache patches
the dataset; geoapp.reports.history reuses the rows whose figures stay; the JSON encoder,
geoapp.map.payload.Rows, keeps their bytes): byte for byte the document a fresh process
computes, with every changed row (the cell's, its village's, its town's, the total's) new."""

from __future__ import annotations

import gzip
import json

import pytest
import sqlalchemy as sa

from geoapp.domain import periods
from geoapp.map.payload import Rows, dumps
from geoapp.reports import history, pastlevels, tables
from geoapp.reports.cache import ReportCache
from geoapp.store import hazards
from geoapp.store.models import Hazard
from geoapp.store.reads import report_data
from tests.store.test_reports import township  # noqa: F401  (the fixture)
from tests.support.apps import make_app
from tests.support.constants import TODAY
from tests.web.test_reports_after_move import (  # noqa: F401  (ruled: the fixture)
    _close,
    _new_major,
    new_hazard,
    ruled,
)

MONTH = periods.parse_month("2026-12")
URL = f"/api/reports/areas?from=2026-01-01&to={TODAY.isoformat()}"


def _general(database, rules) -> None:
    """A new general hazard at the idle site (西村, C21): counts change, no level."""
    new_hazard(database, rules, "XZ-1", "general", "消防通道堵塞")


def _get(client) -> tuple[bytes, bytes]:
    """The body as sent plain and as sent gzipped (decompressed)."""
    plain = client.get(URL)
    packed = client.get(URL, headers={"Accept-Encoding": "gzip"})
    assert plain.status_code == packed.status_code == 200
    assert packed.headers["Content-Encoding"] == "gzip"
    return plain.get_data(), gzip.decompress(packed.get_data())


def _rows(doc: dict) -> dict:
    """Every row of the document by what names it."""
    return {"total": doc["total"], "outside": doc["outside"],
            **{("town", t["name"]): t for t in doc["towns"]},
            **{("village", v["code"]): v for v in doc["villages"]},
            **{("cell", c["code"]): c for c in doc["cells"]}}


@pytest.mark.parametrize("change, cell, village", [
    (_new_major, "C31", "V03"), (_general, "C21", "V02"), (_close, "C21", "V02")],
    ids=["new-major", "new-general", "close"])
def test_after_a_write_in_one_cell_the_areas_json_is_the_one_computed_afresh(
        database, rules, ruled, change, cell, village):  # noqa: F811
    kept = make_app(database)
    client = kept.test_client()
    before, _ = _get(client)
    encoder = kept.extensions["geoapp.reportrows"]
    fragments = {row["code"]: fragment for row, fragment in
                 zip(*next(iter(encoder.values()))._kept["cells"], strict=True)}
    change(database, rules)
    after, unpacked = _get(client)
    assert kept.extensions["geoapp.reportcache"].patches == 1  # the patched path
    fresh, _ = _get(make_app(database).test_client())
    assert after == fresh and unpacked == fresh  # byte for byte, both encodings
    # the write shows in its cell, village, town and the total, and nowhere else
    old, new = _rows(json.loads(before)), _rows(json.loads(after))
    changed = {key for key in new if old[key] != new[key]}
    assert changed == {"total", ("town", "城关镇"), ("village", village), ("cell", cell)}
    # the other cells' bytes were the kept ones (the incremental path ran)
    kept_now = {row["code"]: f for row, f in
                zip(*next(iter(encoder.values()))._kept["cells"], strict=True)}
    assert {code for code in kept_now if kept_now[code] is fragments[code]} == \
        set(fragments) - {cell}


@pytest.mark.parametrize("change", [_new_major, _close], ids=["new-major", "close"])
def test_the_points_counts_patched_for_the_points_a_write_escalates_are_counted_afresh(
        database, rules, ruled, change, monkeypatch):  # noqa: F811
    """pastlevels._counted moves the few points whose level a write changed from their old
    level's count to the new one's; the test territory is small, so every write changes
    more than PATCH_SHARE of its points: here any share is patched."""
    monkeypatch.setattr(pastlevels, "PATCH_SHARE", 1.0)
    kept = make_app(database)
    client = kept.test_client()
    _get(client)
    counts = dict(history.remember_places(_dataset(kept), "level counts", dict))
    assert counts  # the counts a patch starts from
    change(database, rules)
    after, _ = _get(client)
    assert kept.extensions["geoapp.reportcache"].patches == 1
    now = history.remember_places(_dataset(kept), "level counts", dict)
    assert any(now[key][2] is not counts[key][2] and now[key][0] is counts[key][0]
               for key in counts)  # counted again from the same slots: patched
    fresh, _ = _get(make_app(database).test_client())
    assert after == fresh


def _dataset(app) -> tables.Dataset:
    return app.extensions["geoapp.reportcache"]._dataset[2]


def test_rows_encoded_from_kept_bytes_are_the_document_s_json():
    figures = {"found": 1, "rate": 0.5}
    rows = Rows(("cells",))
    first = {"as_of": "2026-12-01", "cells": [
        {"code": "A", "figures": figures, "n": 1},
        {"code": "B", "figures": {"found": 2, "rate": 1.0}, "n": 300}]}
    assert rows.dumps(first) == dumps(first)
    # A's figures an equal but other object, B's n an equal int of another type: both are
    # encoded again (1.0 and 1 are equal, their JSON is not)
    second = {"as_of": "2026-12-02", "cells": [
        {"code": "A", "figures": dict(figures, found=3), "n": 1},
        {"code": "B", "figures": first["cells"][1]["figures"], "n": 300.0}]}
    assert rows.dumps(second) == dumps(second)
    assert b'"n":300.0' in rows.dumps(second)


def test_reuse_built_builds_again_the_rows_of_which_a_part_changed(database, rules,
                                                                   ruled):  # noqa: F811
    with database.sessions() as s:
        ds = report_data.load(s, rules)
    a, b = {"n": 1}, {"n": 2}
    # (the parts by columns: each row's first part, then each row's second)
    first = history.reuse_built(ds, "t", [[a, b], ["x", "y"]], lambda i: {"i": i})
    again = history.reuse_built(ds, "t", [[a, dict(b)], ["x", "y"]], lambda i: {"i": i})
    assert again[0] is first[0] and again[1] is not first[1] and again == first


def test_a_hazard_whose_code_sorts_among_the_others_is_patched_in_at_its_place(
        database, rules, ruled):  # noqa: F811
    """The patch puts a new hazard before the one after it in the database's code order
    (not at the end): the records as a full read gives them."""
    cache = ReportCache()
    with database.sessions() as s:
        _fp, old = cache.dataset(s, rules)
    tables.areas(old, MONTH, TODAY)  # its per-record columns made (history.timeline_column)
    made = new_hazard(database, rules, "SF-QY-1", "general", "灭火器过期")
    with database.transaction() as s:  # (the fingerprint sees the new hazard: a patch)
        s.execute(sa.update(Hazard).where(Hazard.id == made).values(code="H35"))
    with database.sessions() as s:
        _fp, new = cache.dataset(s, rules)
        full = report_data.load(s, rules)
    assert cache.patches == 1
    codes = [r.info["code"] for r in new.records]
    assert codes == [r.info["code"] for r in full.records]
    assert codes.index("H35") == codes.index("H4") - 1 and codes[-1] != "H35"
    assert new.record_ids().tolist() == [r.id for r in full.records]
    # the per-record columns carried across the patch are those made afresh
    # (record_points are indexes in the dataset's points, whose order is the read's)
    def columns(ds):
        out = {k: v.tolist() for k, v in ds.memos["timeline"].fields.items()}
        out["record_points"] = [ds.points[i].id for i in out["record_points"]]
        return out
    # carried from the old dataset's, the new record's value left to fill
    assert {"level", "source", "listed", "record_points", "major"} <= \
        set(new.memos["timeline"].unfilled)
    tables.areas(new, MONTH, TODAY)  # filled where they are read
    assert not new.memos["timeline"].unfilled
    carried = columns(new)
    tables.areas(full, MONTH, TODAY)
    assert carried == columns(full)
    assert {"level", "source", "listed", "record_points", "major"} <= set(carried)


def test_many_hazards_written_between_two_reads_are_patched_in_as_a_full_read_has_them(
        database, rules, ruled):  # noqa: F811
    """Past a few changed hazards the patch finds their places by one dict, not a pass
    each: the same records in the same order (a move of each of the ten, twenty new)."""
    cache = ReportCache()
    with database.sessions() as s:
        _fp, old = cache.dataset(s, rules)
        ids = s.scalars(sa.select(Hazard.id).where(Hazard.state != "closed")).all()
    history.timeline(old)
    for hazard_id in ids:
        with database.transaction() as s:
            hazards.move(s, rules, hazard_id, "start", "测试", role="grid")
    for n in range(20):
        new_hazard(database, rules, "XZ-1", "general", f"第{n}处")
    with database.sessions() as s:
        _fp, new = cache.dataset(s, rules)
        full = report_data.load(s, rules)
    assert cache.patches == 1 and len(new.records) == len(old.records) + 20
    assert new.records == full.records
    assert new.record_ids().tolist() == [r.id for r in full.records]
