"""Production-safety accidents (生产安全事故): types, grade, fields checked, 双下降.

The campaign's headline target is "事故起数、死亡人数实现双下降": fewer accidents
and fewer deaths than the same period a year before. An accident is recorded
with its day (and time), its place (a point, or only an address), its type
by GB 6441-1986 《企业职工伤亡事故分类》 (the 20 classes of its table 2, in the
standard's order and numbering), the people killed and injured, the direct
economic loss in 万元, the enterprise, and whether the investigation is
closed. Its grade follows 《生产安全事故报告和调查处理条例》 第三条 (see
``grade``). See docs/domain.md (生产安全事故).

Pure: one check for every channel (the ledger import, the browser's form).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from geoapp.domain import departments, values
from geoapp.domain.texts import N_

# GB 6441-1986 table 2, 序号 01–20. The standard writes 其他; many copies write 其它,
# which a ledger may use too (ALIASES).
TYPES = {
    "01": N_("物体打击"), "02": N_("车辆伤害"), "03": N_("机械伤害"), "04": N_("起重伤害"),
    "05": N_("触电"), "06": N_("淹溺"), "07": N_("灼烫"), "08": N_("火灾"),
    "09": N_("高处坠落"), "10": N_("坍塌"), "11": N_("冒顶片帮"), "12": N_("透水"),
    "13": N_("放炮"), "14": N_("火药爆炸"), "15": N_("瓦斯爆炸"), "16": N_("锅炉爆炸"),
    "17": N_("容器爆炸"), "18": N_("其他爆炸"), "19": N_("中毒和窒息"), "20": N_("其他伤害"),
}
ALIASES = {"其它爆炸": "18", "其它伤害": "20"}
_BY_LABEL = {**{label: code for code, label in TYPES.items()}, **ALIASES}

STATES = {"investigating": N_("调查中"), "closed": N_("已结案")}
_STATE_BY_LABEL = {label: code for code, label in STATES.items()}

# 条例第三条, most serious first: (grade, deaths ≥, serious injuries ≥, loss in 万元 ≥).
# "以上" includes the number, "以下" excludes it (第三条第三款), so each grade starts at
# its threshold and an accident takes the most serious grade any one figure reaches.
GRADES = (
    ("especially_serious", 30, 100, 10000.0),
    ("serious", 10, 50, 5000.0),
    ("larger", 3, 10, 1000.0),
)
GRADE_LABELS = {"especially_serious": N_("特别重大"), "serious": N_("重大"),
                "larger": N_("较大"), "general": N_("一般")}

# Who records and edits accidents: the supervising side and admins (the form and the API).
WRITERS = ("admin", "supervisor")
CODE_MAX = 60
ADDRESS_MAX = 300
ENTERPRISE_MAX = 200
NOTE_MAX = 2000
PEOPLE_MAX = 100000  # a typo guard, far above any accident
LOSS_MAX = 10_000_000.0  # 万元: a thousand billion yuan
EARLIEST = dt.date(2000, 1, 1)
LABELS = {"code": "事故编号", "occurred_on": "发生日期", "occurred_time": "发生时间",
          "type": "事故类别", "deaths": "死亡人数", "serious_injuries": "重伤人数",
          "injuries": "轻伤人数", "loss": "直接经济损失（万元）", "state": "调查状态",
          "address": "事故地点", "lon": "经度", "lat": "纬度", "enterprise": "事故单位",
          "note": "简要经过", "authority": "主管部门"}
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


class AccidentInputError(values.FieldError):
    """An accident's field is missing or invalid; ``field`` names it."""


@dataclass(frozen=True)
class AccidentFields:
    code: str
    occurred_on: dt.date
    occurred_time: str | None  # HH:MM, local
    type: str  # GB 6441 序号, "01"–"20"
    deaths: int
    serious_injuries: int
    injuries: int
    loss: float  # 万元
    state: str  # investigating | closed
    address: str
    lon: float | None
    lat: float | None
    enterprise: str  # the unit's name as written (the link to a point is the store's)
    note: str
    # 主管部门 as recorded ("" none): counts only when no enterprise point is linked
    authority: str = ""

    @property
    def grade(self) -> str:
        return grade(self.deaths, self.serious_injuries, self.loss)


def grade(deaths: int, serious_injuries: int, loss: float) -> str:
    """The grade by 条例第三条: the most serious that any of the three figures reaches.

    >>> [grade(*f) for f in ((2, 9, 999.99), (3, 0, 0), (0, 10, 0), (0, 0, 1000),
    ...                     (9, 49, 4999), (10, 0, 0), (0, 100, 0), (0, 0, 10000))]
    ['general', 'larger', 'larger', 'larger', 'larger', 'serious', 'especially_serious', \
'especially_serious']
    """
    for code, min_deaths, min_serious, min_loss in GRADES:
        if deaths >= min_deaths or serious_injuries >= min_serious or loss >= min_loss:
            return code
    return "general"


def may_write(role: str | None) -> bool:
    """May an account of ``role`` record or edit an accident?

    >>> [may_write(r) for r in ("admin", "supervisor", "leader", "grid", None)]
    [True, True, False, False, False]
    """
    return role in WRITERS


def type_code(text: str) -> str:
    """The GB 6441 序号 of a type given as its name, its 序号 or 序号 with a leading 0.

    >>> type_code("高处坠落"), type_code("其它伤害"), type_code("9"), type_code("010")
    ('09', '20', '09', '10')
    """
    text = text.strip()
    if text in _BY_LABEL:
        return _BY_LABEL[text]
    if text.isascii() and text.isdigit() and f"{int(text):02d}" in TYPES:
        return f"{int(text):02d}"
    raise AccidentInputError("type", f"事故类别“{text}”不是 GB 6441-1986 的 20 类之一（"
                                     f"{'、'.join(TYPES.values())}）")


def check(body: dict, today: dt.date, names: tuple[str, ...] = ()) -> AccidentFields:
    """The validated fields of an accident (new or edited); AccidentInputError on the first
    bad one. Types and states may be given as codes or as their Chinese names; ``names``:
    the configured departments, which an optional 主管部门 (``authority``) must be one of.

    >>> f = check({"code": "SG-1", "occurred_on": "2026-03-02", "type": "触电",
    ...            "deaths": 1, "address": "示范村"}, dt.date(2026, 4, 1))
    >>> f.type, f.state, f.grade
    ('05', 'investigating', 'general')
    """
    code = _text(body, "code", CODE_MAX, required=True)
    day = body.get("occurred_on")
    if day in (None, ""):
        raise AccidentInputError("occurred_on", "发生日期不能为空")
    try:
        day = values.iso_date(day)
    except ValueError as exc:
        raise AccidentInputError("occurred_on", str(exc)) from None
    if day < EARLIEST or day > today:
        raise AccidentInputError("occurred_on", f"发生日期须在 {EARLIEST.isoformat()} 与今天"
                                                f"（{today.isoformat()}）之间")
    time = _text(body, "occurred_time", 8) or None
    if time is not None:
        time = time[:5] if len(time) == 8 and time.endswith(":00") else time
        if not _TIME.match(time):
            raise AccidentInputError("occurred_time", "发生时间须为 HH:MM（24 小时制）")
    kind = body.get("type")
    if not isinstance(kind, str) or not kind.strip():
        raise AccidentInputError("type", "事故类别不能为空")
    kind = type_code(kind)
    deaths, serious, injuries = (_people(body, k) for k in
                                 ("deaths", "serious_injuries", "injuries"))
    loss = _loss(body.get("loss"))
    state = body.get("state") or "investigating"
    state = _STATE_BY_LABEL.get(state, state)
    if state not in STATES:
        raise AccidentInputError("state", "调查状态须为 调查中 或 已结案")
    lon, lat = _place(body.get("lon"), body.get("lat"))
    address = _text(body, "address", ADDRESS_MAX)
    if lon is None and not address:
        raise AccidentInputError("address", "须给出事故地点（经纬度或地址）")
    authority = _text(body, "authority", 40)
    if authority:
        try:
            authority = departments.checked(authority, names)
        except ValueError as exc:
            raise AccidentInputError("authority", str(exc)) from None
    return AccidentFields(code=code, occurred_on=day, occurred_time=time, type=kind,
                          deaths=deaths, serious_injuries=serious, injuries=injuries, loss=loss,
                          state=state, address=address, lon=lon, lat=lat,
                          enterprise=_text(body, "enterprise", ENTERPRISE_MAX),
                          note=_text(body, "note", NOTE_MAX), authority=authority)


def _text(body: dict, key: str, limit: int, required: bool = False) -> str:
    value = body.get(key)
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)  # a ledger's 编号 read as a number
    try:
        return values.text(value, limit, required)
    except ValueError as exc:
        raise AccidentInputError(key, f"{LABELS[key]}{exc}") from None


def _number(value, field: str) -> float | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise AccidentInputError(field, f"{LABELS[field]}须为数字")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise AccidentInputError(field, f"{LABELS[field]}须为数字，而不是 {value!r}") from None
    if not math.isfinite(number):
        raise AccidentInputError(field, f"{LABELS[field]}须为有限数字")
    return number


def _people(body: dict, field: str) -> int:
    number = _number(body.get(field), field)
    if number is None:
        return 0  # none given: nobody (a ledger leaves the column blank)
    if not number.is_integer() or not 0 <= number <= PEOPLE_MAX:
        raise AccidentInputError(field, f"{LABELS[field]}须为 0～{PEOPLE_MAX} 的整数")
    return int(number)


def _loss(value) -> float:
    number = _number(value, "loss")
    if number is None:
        return 0.0
    if not 0 <= number <= LOSS_MAX:
        raise AccidentInputError("loss", f"直接经济损失须在 0～{LOSS_MAX:.0f} 万元之间")
    return round(number, 4)


def _place(lon, lat) -> tuple[float | None, float | None]:
    x, y = _number(lon, "lon"), _number(lat, "lat")
    if (x is None) != (y is None):
        raise AccidentInputError("lon" if x is None else "lat", "经度与纬度须同时给出")
    if x is not None and not (73 <= x <= 136 and 3 <= y <= 54):
        raise AccidentInputError("lon", f"坐标 ({x}, {y}) 不在中国范围内（经纬度填反？）")
    return x, y


# ------------------------------------------------------------------ 双下降

@dataclass(frozen=True)
class Tally:
    count: int = 0
    deaths: int = 0

    def add(self, deaths: int) -> Tally:
        return Tally(self.count + 1, self.deaths + deaths)


def tally(rows: Iterable[tuple[dt.date, int]], start: dt.date, end: dt.date) -> Tally:
    """Accidents and deaths of the rows (day, deaths) that fall in start…end (inclusive)."""
    out = Tally()
    for day, deaths in rows:
        if start <= day <= end:
            out = out.add(deaths)
    return out


def year_before(start: dt.date, end: dt.date) -> tuple[dt.date, dt.date]:
    """The same dates a year earlier (29 February → 28 February).

    >>> year_before(dt.date(2028, 2, 1), dt.date(2028, 2, 29))
    (datetime.date(2027, 2, 1), datetime.date(2027, 2, 28))
    """
    def back(day: dt.date) -> dt.date:
        try:
            return day.replace(year=day.year - 1)
        except ValueError:
            return day.replace(year=day.year - 1, day=28)
    return back(start), back(end)


def change(now: Tally, before: Tally) -> dict:
    """Now against before: both figures, their differences and the verdict.

    ``double_decline`` is the target read plainly: both the count and the deaths
    strictly lower than before. Equal is not a decline, so a period without
    deaths after one without deaths is not 双下降 (nothing fell); ``None`` when
    there was nothing before to fall from (no accident then).

    >>> change(Tally(2, 1), Tally(3, 2))["double_decline"]
    True
    >>> change(Tally(2, 0), Tally(3, 0))["double_decline"], change(Tally(0, 0), Tally(0, 0))[
    ...     "double_decline"]
    (False, None)
    """
    return {"count": now.count, "deaths": now.deaths,
            "count_before": before.count, "deaths_before": before.deaths,
            "count_change": now.count - before.count, "deaths_change": now.deaths - before.deaths,
            "double_decline": (None if before.count == 0 else
                               now.count < before.count and now.deaths < before.deaths)}
