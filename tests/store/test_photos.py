"""geoapp.store.photos and client ids of hazards, on both backends: a photo is kept with
what it proves, found by its cell, never rewritten."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
import sqlalchemy as sa

from geoapp.ingest.photos import prepare
from geoapp.store import hazards, photos
from geoapp.store.models import Cell, Hazard, Inspection, Photo, Point, Town, Village
from tests.support import images

AT = dt.datetime(2030, 6, 14, 2, 0, tzinfo=dt.UTC)


@pytest.fixture
def rows(database):
    """A shop in cell A with a hazard and an inspection; a shop outside every cell with a hazard."""
    with database.transaction() as s:
        village = Village(town=Town(name="示范镇"), name="东湖村")
        s.add(Cell(code="A", name="一网格", village=village,
                   geom=shapely.MultiPolygon([shapely.box(120, 31, 120.01, 31.01)])))
        inside = Point(layer="enterprise", key="K1", name="商店（虚构）",
                       geom=shapely.Point(120.005, 31.005), attrs={}, cell_code="A")
        outside = Point(layer="enterprise", key="K2", name="远处商店（虚构）",
                        geom=shapely.Point(120.5, 31.5), attrs={}, outside=True)
        made = {}
        for name, point in (("inside", inside), ("outside", outside)):
            h = Hazard(code=f"H-{name}", point=point, level="major", source="inspection",
                       description="消防通道堵塞", found_on=dt.date(2030, 6, 1),
                       deadline=dt.date(2030, 6, 30), state="open")
            s.add(h)
            made[name] = (h, hazards.record(h, "测试", "create", at=AT))
        s.flush()
        visit = Inspection(point_id=inside.id, inspected_at=AT, inspector="grid",
                           inspector_name="张三", checklist={}, note="")
        s.add(visit)
        s.flush()
        return {"hazard": made["inside"][0].id, "event": made["inside"][1].id,
                "outside_hazard": made["outside"][0].id, "inspection": visit.id}


def test_attach_keeps_the_prepared_photo_and_its_fields(database, rows):
    prepared = prepare("现场.jpg", images.jpeg_with_gps())
    with database.transaction() as s:
        photo = photos.attach(s, prepared, "grid", hazard_id=rows["hazard"],
                              hazard_event_id=rows["event"], at=AT)
        photo_id = photo.id
    with database.sessions() as s:
        stored = s.get(Photo, photo_id)
        assert (stored.hazard_id, stored.hazard_event_id, stored.inspection_id) == (
            rows["hazard"], rows["event"], None)
        assert (stored.uploaded_by, stored.uploaded_at, stored.filename, stored.media_type) == (
            "grid", AT, "现场.jpg", "image/jpeg")
        assert (stored.width, stored.height, stored.sha256) == (64, 48, prepared.sha256)
        assert stored.taken_at == dt.datetime(2030, 6, 13, 1, 30, tzinfo=dt.UTC)
        assert (round(stored.gps_lon, 6), round(stored.gps_lat, 6)) == (120.3405, 31.5805)
        assert photos.content(s, photo_id) == prepared.data
        assert photos.content(s, photo_id, thumb=True) == prepared.thumb
        assert prepared.data[:2] == b"\xff\xd8" and prepared.thumb[:2] == b"\xff\xd8"


def test_a_photo_belongs_to_one_record(database, rows):
    prepared = prepare("a.jpg", images.jpeg())
    with database.sessions() as s:
        with pytest.raises(ValueError, match="one inspection, hazard or public report"):
            photos.attach(s, prepared, "grid")
        with pytest.raises(ValueError, match="one inspection, hazard or public report"):
            photos.attach(s, prepared, "grid", hazard_id=rows["hazard"],
                          inspection_id=rows["inspection"])


def test_photo_cell_is_the_cell_of_the_records_point(database, rows):
    prepared = prepare("a.jpg", images.jpeg())
    with database.transaction() as s:
        ids = [photos.attach(s, prepared, "grid", **where).id for where in (
            {"hazard_id": rows["hazard"]}, {"inspection_id": rows["inspection"]},
            {"hazard_id": rows["outside_hazard"]})]
    with database.sessions() as s:
        cells = [(p.id, cell) for p, cell in (photos.photo_cell(s, i) for i in ids)]
        assert cells == [(ids[0], "A"), (ids[1], "A"), (ids[2], None)]
        assert photos.photo_cell(s, ids[-1] + 1) is None
        assert [p.id for p in photos.for_hazard(s, rows["hazard"])] == [ids[0]]
        assert photos.count_for_hazard(s, rows["hazard"]) == 1
        assert photos.count_for_hazard(s, rows["outside_hazard"]) == 1


@pytest.mark.parametrize("statement", [
    sa.update(Photo).values(filename="改写.jpg"),
    sa.delete(Photo),
])
def test_photos_cannot_be_rewritten(database, rows, statement):
    with database.transaction() as s:
        photos.attach(s, prepare("a.jpg", images.jpeg()), "grid", hazard_id=rows["hazard"])
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with database.transaction() as s:
            s.execute(statement)
    with pytest.raises(PermissionError):
        with database.transaction() as s:
            s.scalars(sa.select(Photo)).one().filename = "改写.jpg"
    with database.sessions() as s:
        assert s.scalars(sa.select(Photo.filename)).all() == ["a.jpg"]


# ---------------------------------------------------------------- hazards by client id

FIELDS = {"level": "general", "source": "inspection", "description": "灭火器过期",
          "found_on": "2030-06-14", "deadline": "2030-07-14"}
CID = "0f8fad5b-d9cb-469f-a165-70867728950e"


def test_a_hazard_is_found_by_its_client_id(database, rows, rules):
    with database.sessions() as s:
        point_id = s.get(Hazard, rows["hazard"]).point_id
    with database.transaction() as s:
        made = hazards.create_hazard(s, rules, point_id, FIELDS, "grid", dt.date(2030, 6, 14),
                                     client_id=CID)
        made_id = made.id
    with database.sessions() as s:
        assert hazards.by_client_id(s, CID).id == made_id
        assert hazards.by_client_id(s, CID.replace("0f8", "1f8")) is None


def test_a_second_save_with_the_same_client_id_is_refused(database, rows, rules):
    # the second writer looked before the first one committed (as two retries at once do)
    with database.sessions() as s:
        point_id = s.get(Hazard, rows["hazard"]).point_id
    with database.transaction() as s:
        hazards.create_hazard(s, rules, point_id, FIELDS, "grid", dt.date(2030, 6, 14),
                              client_id=CID)
    with database.sessions() as s:
        with pytest.raises(hazards.DuplicateClientId):
            hazards.create_hazard(s, rules, point_id, FIELDS, "grid", dt.date(2030, 6, 14),
                                  client_id=CID)
        s.rollback()
    with database.sessions() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(Hazard)
                        .where(Hazard.client_id == CID)) == 1
        # saves without a client id never collide
        for _ in range(2):
            hazards.create_hazard(s, rules, point_id, FIELDS, "grid", dt.date(2030, 6, 14))
        s.commit()
        assert s.scalar(sa.select(sa.func.count()).select_from(Hazard)) == 5
