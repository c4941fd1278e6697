"""A visit's input as a grid member sends it, checked against the point's checklist.

One rule for every channel (JSON, a multipart form, a queued offline save).
The fields (see README "Inspections"):

* ``checklist``: an object, item key → ``ok`` | ``fail`` | ``na`` (合格 /
  不合格 / 不适用). **Every item of the point's checklist must be answered**:
  a visit that skipped an item would read as if it had been checked, and
  ``na`` is there for an item that does not apply. A key the checklist does
  not have is refused. The object may also hold ``notes``: item key → a note
  of at most 500 characters (``notes`` is therefore no item key); the same
  ``notes`` object is accepted beside ``checklist`` too, but not in both.
* ``note``: the overall note, at most 2000 characters.
* ``lon``, ``lat``: the phone's position (WGS 84, what the browser's
  geolocation gives), both or neither; ``accuracy_m`` ≥ 0 only with them.
  Numbers, or their text (a form field).
* ``client_id``: the UUID the phone made for this save (a retried save is
  stored once).

The first bad field raises :class:`InspectionInputError` naming it
(``checklist.locked``, ``checklist.notes.locked``, ``lat``…).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pyproj

from geoapp.domain import values
from geoapp.domain.inspection import RESULTS, ChecklistItem

NOTE_MAX = 2000  # the overall note
ITEM_NOTE_MAX = 500  # one item's note
ACCURACY_MAX = 100_000.0  # metres; a phone reporting worse has no position worth keeping
FIELDS = frozenset({"checklist", "notes", "note", "lon", "lat", "accuracy_m", "client_id"})
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
_GEOD = pyproj.Geod(ellps="WGS84")


class InspectionInputError(ValueError):
    """A field of a visit is missing or invalid; ``field`` names it (e.g. ``checklist.locked``)."""

    def __init__(self, field: str, message: str):
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}")


@dataclass(frozen=True)
class VisitInput:
    """A checked visit: ``checklist`` is {key: {"result", "label", "note"}} in checklist order."""

    checklist: dict[str, dict]
    note: str
    lon: float | None
    lat: float | None
    accuracy_m: float | None
    client_id: str | None


def check_client_id(value) -> str | None:
    """The client id in its canonical form (lower case), None if absent.

    >>> check_client_id("6F9619FF-8B86-D011-B42D-00C04FC964FF")
    '6f9619ff-8b86-d011-b42d-00c04fc964ff'
    >>> check_client_id("42")
    Traceback (most recent call last):
    ...
    geoapp.domain.inspection_input.InspectionInputError: client_id: 须为 UUID 格式
    """
    if value is None or value == "":
        return None
    text = value.strip().lower() if isinstance(value, str) else None
    if text is None or not _UUID.match(text):
        raise InspectionInputError("client_id", "须为 UUID 格式")
    return text


def check_visit(fields: dict, items: Sequence[ChecklistItem]) -> VisitInput:
    """The visit's values from raw input; raises InspectionInputError on the first bad field.

    ``items`` is the point's checklist (``InspectionSpec.items_for(industry)``).

    >>> items = [ChecklistItem(key="locked", label="上锁")]
    >>> check_visit({"checklist": {"locked": "fail", "notes": {"locked": "锁坏"}}}, items).checklist
    {'locked': {'result': 'fail', 'label': '上锁', 'note': '锁坏'}}
    >>> try:
    ...     check_visit({"checklist": {"locked": "bad"}}, items)
    ... except InspectionInputError as exc:
    ...     print(exc.field)
    checklist.locked
    """
    if not isinstance(fields, dict):
        raise InspectionInputError("body", "须为 JSON 对象")
    unknown = sorted(set(fields) - FIELDS)
    if unknown:
        raise InspectionInputError(unknown[0], "未知字段")
    checklist = _checklist(fields.get("checklist"), fields.get("notes"), items)
    note = _text(fields.get("note"), "note", NOTE_MAX)
    lon = _number(fields.get("lon"), "lon", -180.0, 180.0)
    lat = _number(fields.get("lat"), "lat", -90.0, 90.0)
    if (lon is None) != (lat is None):
        raise InspectionInputError("lat" if lat is None else "lon", "经度和纬度须同时提供")
    accuracy = _number(fields.get("accuracy_m"), "accuracy_m", 0.0, ACCURACY_MAX)
    if accuracy is not None and lon is None:
        raise InspectionInputError("accuracy_m", "没有位置时不能提供定位精度")
    return VisitInput(checklist=checklist, note=note, lon=lon, lat=lat, accuracy_m=accuracy,
                      client_id=check_client_id(fields.get("client_id")))


def distance_m(lon: float, lat: float, point_lon: float, point_lat: float) -> float:
    """The geodesic distance (WGS 84 ellipsoid) from a position to a point, to the metre.

    >>> distance_m(120.0, 31.0, 120.0, 31.001)  # 0.001° of latitude at 31° N
    111.0
    """
    return float(round(_GEOD.inv(lon, lat, point_lon, point_lat)[2]))


def _checklist(answers, notes, items: Sequence[ChecklistItem]) -> dict[str, dict]:
    if answers is None or answers == "":
        raise InspectionInputError("checklist", "不能为空：须逐项填写检查结果")
    if not isinstance(answers, dict):
        raise InspectionInputError("checklist", "须为 JSON 对象（检查项 → ok / fail / na）")
    answers = dict(answers)
    notes_field = "notes"
    if "notes" in answers:
        if notes is not None:
            raise InspectionInputError("notes", "检查项备注只能给一处：checklist.notes 或 notes")
        notes, notes_field = answers.pop("notes"), "checklist.notes"
    if notes is None or notes == "":
        notes = {}
    if not isinstance(notes, dict):
        raise InspectionInputError(notes_field, "须为 JSON 对象（检查项 → 备注）")
    labels = {item.key: item.label for item in items}
    for key in (*answers, *notes):
        if key not in labels:
            field = f"checklist.{key}" if key in answers else f"{notes_field}.{key}"
            raise InspectionInputError(field, "该点位的检查表中没有此项")
    checked = {}
    for key, label in labels.items():
        result = answers.get(key)
        if result is None or result == "":
            raise InspectionInputError(f"checklist.{key}", f"「{label}」未填写检查结果")
        if result not in RESULTS:
            raise InspectionInputError(f"checklist.{key}",
                                       "须为 ok（合格）、fail（不合格）或 na（不适用）")
        checked[key] = {"result": result, "label": label,
                        "note": _text(notes.get(key), f"{notes_field}.{key}", ITEM_NOTE_MAX)}
    return checked


def _text(value, field: str, limit: int) -> str:
    try:
        return values.text(value, limit)
    except ValueError as exc:
        raise InspectionInputError(field, str(exc)) from None


def _number(value, field: str, low: float, high: float) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    # bool is an int to Python, never a coordinate; text comes from form fields
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise InspectionInputError(field, "须为数字")
    try:
        number = float(value)
    except ValueError:
        raise InspectionInputError(field, "须为数字") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise InspectionInputError(field, f"须在 {low:g} 到 {high:g} 之间")
    return number
