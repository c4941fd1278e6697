"""The enterprise ledger's 行业代码 column against the whole GB/T 4754-2017 list: a code
of any level is stored as its digits, a code the standard does not list is refused with
its row and the reason, and nothing is written."""

from __future__ import annotations

import sqlalchemy as sa

from geoapp.store import importer
from geoapp.store.models import Point
from tests.store.test_import import (  # noqa: F401 (fixtures)
    cells_file,
    enterprises,
    loaded,
    uscc,
    zones_file,
)
from tests.support.checks import rejected


def test_codes_of_every_level_are_stored_as_digits(loaded, rules, tmp_path):  # noqa: F811
    path = enterprises(tmp_path, [
        ["软件（虚构）", uscc(1), "I6513", "小微", 120.002, 31.002],
        ["软件组（虚构）", uscc(2), "651", "小微", 120.003, 31.003],
        ["信息大类（虚构）", uscc(3), "65", "小微", 120.004, 31.004],
        ["充电（虚构）", uscc(4), "5267", "小微", 120.005, 31.005],
    ])
    importer.import_points(loaded, rules, path, "enterprise")
    with loaded.sessions() as s:
        got = dict(s.execute(sa.select(Point.key, Point.industry)).all())
    assert got == {uscc(1): "6513", uscc(2): "651", uscc(3): "65", uscc(4): "5267"}


def test_a_code_the_standard_does_not_list_is_refused_with_row_and_reason(
        loaded, rules, tmp_path):  # noqa: F811
    path = enterprises(tmp_path, [
        ["软件（虚构）", uscc(1), "6513", "小微", 120.002, 31.002],       # row 2: fine
        ["旧版代码（虚构）", uscc(2), "6510", "小微", 120.003, 31.003],   # row 3: 2011 class
        ["编造（虚构）", uscc(3), "C2699", "小微", 120.004, 31.004],       # row 4
        ["门类错（虚构）", uscc(4), "A2614", "小微", 120.005, 31.005],     # row 5
    ])
    msg = rejected(loaded, importer.import_points, rules, path, "enterprise")
    lines = msg.splitlines()

    def line(row):
        hits = [ln for ln in lines if f"第 {row} 行" in ln]
        assert len(hits) == 1, msg
        return hits[0]

    assert "行业代码" in line(3) and "6510 不是 GB/T 4754-2017 的行业" in line(3)
    assert "651 软件开发 下没有 6510" in line(3)
    assert "行业代码" in line(4) and "26 化学原料和化学制品制造业 下没有 269" in line(4)
    assert "门类应为 C" in line(5)
    assert not any("第 2 行" in ln for ln in lines)
