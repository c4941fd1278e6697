"""A visit's input checked against the point's checklist (geoapp.domain.inspection_input)."""

from __future__ import annotations

import pytest

from geoapp.domain.inspection import ChecklistItem
from geoapp.domain.inspection_input import (
    InspectionInputError,
    check_client_id,
    check_visit,
    distance_m,
)

ITEMS = (ChecklistItem(key="warning_sign", label="设置安全警示标识"),
         ChecklistItem(key="locked", label="出入口上锁或封闭管理"))
ALL_OK = {"warning_sign": "ok", "locked": "ok"}
UUID = "6f9619ff-8b86-d011-b42d-00c04fc964ff"


def refused(fields) -> tuple[str, str]:
    with pytest.raises(InspectionInputError) as caught:
        check_visit(fields, ITEMS)
    return caught.value.field, caught.value.message


def test_a_full_visit():
    visit = check_visit({
        "checklist": {"warning_sign": "ok", "locked": "fail",
                      "notes": {"locked": "  锁具锈蚀，无法上锁 "}},
        "note": "入口处有积水", "lon": 120.5, "lat": "31.25", "accuracy_m": 12,
        "client_id": UUID.upper()}, ITEMS)
    assert visit.checklist == {
        "warning_sign": {"result": "ok", "label": "设置安全警示标识", "note": ""},
        "locked": {"result": "fail", "label": "出入口上锁或封闭管理", "note": "锁具锈蚀，无法上锁"},
    }
    assert list(visit.checklist) == ["warning_sign", "locked"]  # the checklist's order
    assert (visit.note, visit.lon, visit.lat, visit.accuracy_m, visit.client_id) == (
        "入口处有积水", 120.5, 31.25, 12.0, UUID)


def test_a_visit_without_position_notes_or_client_id():
    visit = check_visit({"checklist": {"warning_sign": "na", "locked": "ok"}, "lon": "",
                         "lat": None}, ITEMS)
    assert (visit.note, visit.lon, visit.lat, visit.accuracy_m, visit.client_id) == (
        "", None, None, None, None)
    assert visit.checklist["warning_sign"] == {"result": "na", "label": "设置安全警示标识",
                                               "note": ""}


def test_notes_beside_the_checklist_are_the_same_notes():
    visit = check_visit({"checklist": ALL_OK, "notes": {"locked": "新换锁"}}, ITEMS)
    assert visit.checklist["locked"]["note"] == "新换锁"
    assert refused({"checklist": {**ALL_OK, "notes": {}}, "notes": {}})[0] == "notes"


@pytest.mark.parametrize("fields, field", [
    ({}, "checklist"),
    ({"checklist": "ok"}, "checklist"),
    ({"checklist": {"warning_sign": "ok"}}, "checklist.locked"),         # every item answered
    ({"checklist": {**ALL_OK, "locked": ""}}, "checklist.locked"),
    ({"checklist": {**ALL_OK, "locked": "pass"}}, "checklist.locked"),
    ({"checklist": {**ALL_OK, "locked": True}}, "checklist.locked"),
    ({"checklist": {**ALL_OK, "ventilated": "ok"}}, "checklist.ventilated"),  # not its item
    ({"checklist": {**ALL_OK, "notes": {"ventilated": "x"}}}, "checklist.notes.ventilated"),
    ({"checklist": {**ALL_OK, "notes": {"locked": 3}}}, "checklist.notes.locked"),
    ({"checklist": {**ALL_OK, "notes": {"locked": "字" * 501}}}, "checklist.notes.locked"),
    ({"checklist": {**ALL_OK, "notes": ["x"]}}, "checklist.notes"),
    ({"checklist": ALL_OK, "notes": {"ventilated": "x"}}, "notes.ventilated"),
    ({"checklist": ALL_OK, "note": "字" * 2001}, "note"),
    ({"checklist": ALL_OK, "note": 5}, "note"),
    ({"checklist": ALL_OK, "lon": 120.5}, "lat"),                         # both or neither
    ({"checklist": ALL_OK, "lat": 31.2}, "lon"),
    ({"checklist": ALL_OK, "lon": 180.5, "lat": 31}, "lon"),
    ({"checklist": ALL_OK, "lon": 120, "lat": -90.01}, "lat"),
    ({"checklist": ALL_OK, "lon": "east", "lat": 31}, "lon"),
    ({"checklist": ALL_OK, "lon": True, "lat": 31}, "lon"),
    ({"checklist": ALL_OK, "lon": "nan", "lat": 31}, "lon"),
    ({"checklist": ALL_OK, "lon": 120, "lat": 31, "accuracy_m": -1}, "accuracy_m"),
    ({"checklist": ALL_OK, "accuracy_m": 5}, "accuracy_m"),               # no position
    ({"checklist": ALL_OK, "client_id": "42"}, "client_id"),
    ({"checklist": ALL_OK, "client_id": UUID + "0"}, "client_id"),
    ({"checklist": ALL_OK, "client_id": 42}, "client_id"),
    ({"checklist": ALL_OK, "inspector": "别人"}, "inspector"),           # unknown field
])
def test_the_first_bad_field_is_named(fields, field):
    assert refused(fields)[0] == field


def test_the_message_names_the_unanswered_item():
    assert refused({"checklist": {"warning_sign": "ok"}}) == (
        "checklist.locked", "「出入口上锁或封闭管理」未填写检查结果")


def test_the_limits_themselves_pass():
    visit = check_visit({"checklist": {**ALL_OK, "notes": {"locked": "字" * 500}},
                         "note": "字" * 2000, "lon": -180, "lat": 90, "accuracy_m": 0}, ITEMS)
    assert (len(visit.note), visit.lon, visit.lat, visit.accuracy_m) == (2000, -180.0, 90.0, 0.0)


def test_client_id_canonical_form():
    assert check_client_id(f" {UUID.upper()} ") == UUID
    assert check_client_id("") is None and check_client_id(None) is None


@pytest.mark.parametrize("position, point, metres", [
    # 0.001° of latitude at 31° N: the meridian's radius of curvature there, 6 352 300 m,
    # times 0.001·π/180 is 110.87 m
    ((120.0, 31.0), (120.0, 31.001), 111.0),
    # 0.01° of longitude at 31° N: the prime vertical's radius 6 383 800 m · cos 31°
    # · 0.01·π/180 is 955.0 m
    ((120.0, 31.0), (120.01, 31.0), 955.0),
    ((120.0, 31.0), (120.0, 31.0), 0.0),
])
def test_distance_to_the_point(position, point, metres):
    assert distance_m(*position, *point) == metres
