"""Accidents' rules: the GB 6441-1986 types, the grade by 条例第三条 at every threshold
(hand-made examples: "以上" includes the number, "以下" excludes it), the fields checked, and
双下降 against a year before."""

from __future__ import annotations

import datetime as dt

import pytest

from geoapp.domain import accidents as rules

TODAY = dt.date(2030, 6, 14)


def test_the_twenty_types_of_gb_6441_in_the_standards_order():
    assert list(rules.TYPES) == [f"{i:02d}" for i in range(1, 21)]
    assert list(rules.TYPES.values()) == [
        "物体打击", "车辆伤害", "机械伤害", "起重伤害", "触电", "淹溺", "灼烫", "火灾", "高处坠落",
        "坍塌", "冒顶片帮", "透水", "放炮", "火药爆炸", "瓦斯爆炸", "锅炉爆炸", "容器爆炸",
        "其他爆炸", "中毒和窒息", "其他伤害"]
    assert [rules.type_code(t) for t in ("其它爆炸", "其他爆炸", "18", "其它伤害")] == [
        "18", "18", "18", "20"]
    with pytest.raises(rules.AccidentInputError, match="不是 GB 6441-1986 的 20 类之一"):
        rules.type_code("交通事故")
    with pytest.raises(rules.AccidentInputError):
        rules.type_code("21")


@pytest.mark.parametrize(("deaths", "serious", "loss", "grade"), [
    (0, 0, 0.0, "general"),
    # 较大: 3 deaths, 10 serious injuries or 1000 万元, each alone, and just below each
    (2, 9, 999.99, "general"),
    (3, 0, 0.0, "larger"), (0, 10, 0.0, "larger"), (0, 0, 1000.0, "larger"),
    (9, 49, 4999.99, "larger"),
    # 重大: 10 deaths, 50 serious injuries, 5000 万元
    (10, 0, 0.0, "serious"), (0, 50, 0.0, "serious"), (0, 0, 5000.0, "serious"),
    (29, 99, 9999.99, "serious"),
    # 特别重大: 30 deaths, 100 serious injuries, 1 亿元 = 10000 万元
    (30, 0, 0.0, "especially_serious"), (0, 100, 0.0, "especially_serious"),
    (0, 0, 10000.0, "especially_serious"),
    # the most serious grade any one figure reaches: 2 deaths but 12 serious injuries
    (2, 12, 10.0, "larger"), (1, 0, 6000.0, "serious"),
])
def test_grade_by_article_3_at_its_thresholds(deaths, serious, loss, grade):
    assert rules.grade(deaths, serious, loss) == grade


def body(**extra) -> dict:
    return {"code": "SG-2030-01", "occurred_on": "2030-06-02", "occurred_time": "14:30",
            "type": "高处坠落", "deaths": "1", "serious_injuries": 0, "injuries": 2,
            "loss": "85.5", "state": "调查中", "address": "东湖村（虚构）", **extra}


def test_a_checked_accident_and_its_grade():
    f = rules.check(body(deaths=3), TODAY)
    assert (f.code, f.occurred_on, f.occurred_time, f.type, f.deaths, f.injuries, f.loss,
            f.state, f.grade) == ("SG-2030-01", dt.date(2030, 6, 2), "14:30", "09", 3, 2, 85.5,
                                  "investigating", "larger")
    # a ledger's time may carry seconds; blank figures are nobody, no loss
    g = rules.check(body(occurred_time="08:05:00", deaths="", loss=None, state="已结案"), TODAY)
    assert (g.occurred_time, g.deaths, g.loss, g.state) == ("08:05", 0, 0.0, "closed")


@pytest.mark.parametrize(("extra", "field", "words"), [
    ({"code": " "}, "code", "不能为空"),
    ({"occurred_on": "2030-06-15"}, "occurred_on", "今天"),
    ({"occurred_on": "20300601"}, "occurred_on", "YYYY-MM-DD"),
    ({"occurred_time": "25:00"}, "occurred_time", "HH:MM"),
    ({"type": ""}, "type", "不能为空"),
    ({"deaths": "1.5"}, "deaths", "整数"),
    ({"injuries": -1}, "injuries", "整数"),
    ({"loss": "很多"}, "loss", "数字"),
    ({"loss": -3}, "loss", "0～"),
    ({"state": "已处理"}, "state", "调查中 或 已结案"),
    ({"address": "", "lon": None}, "address", "经纬度或地址"),
    ({"lon": 120.1}, "lat", "同时给出"),
    ({"lon": 31.0, "lat": 120.1}, "lon", "不在中国范围内"),
])
def test_a_bad_field_is_named(extra, field, words):
    with pytest.raises(rules.AccidentInputError, match=words) as caught:
        rules.check(body(**extra), TODAY)
    assert caught.value.field == field


def test_double_decline_needs_both_figures_strictly_lower():
    rows = [(dt.date(2029, 6, 3), 2), (dt.date(2029, 6, 20), 1), (dt.date(2029, 6, 30), 0),
            (dt.date(2030, 5, 31), 0), (dt.date(2030, 6, 1), 1), (dt.date(2030, 6, 14), 0),
            (dt.date(2030, 7, 1), 5)]
    now = rules.tally(rows, dt.date(2030, 6, 1), dt.date(2030, 6, 30))
    before = rules.tally(rows, *rules.year_before(dt.date(2030, 6, 1), dt.date(2030, 6, 30)))
    previous = rules.tally(rows, dt.date(2030, 5, 1), dt.date(2030, 5, 31))
    assert (now, before, previous) == (rules.Tally(2, 1), rules.Tally(3, 3), rules.Tally(1, 0))
    yoy = rules.change(now, before)
    assert (yoy["count_change"], yoy["deaths_change"], yoy["double_decline"]) == (-1, -2, True)
    mom = rules.change(now, previous)  # more accidents than the month before: not achieved
    assert (mom["count_change"], mom["double_decline"]) == (1, False)
    # fewer accidents but as many deaths is not 双下降; nothing before, nothing to compare
    assert rules.change(rules.Tally(1, 1), rules.Tally(2, 1))["double_decline"] is False
    assert rules.change(rules.Tally(1, 0), rules.Tally(0, 0))["double_decline"] is None
