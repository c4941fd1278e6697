"""Edges of domain/ranks.py that the mutation check (scripts/mutation.sh) found untested.

Expected values are written by hand; pure and fast."""

from fractions import Fraction

from geoapp.domain.ranks import compare, rank, rank_key


def _row(code, name, closed, total, overdue=0, red=0, town=None):
    row = {"code": code, "name": name, "closed_total": closed, "total": total,
           "overdue": overdue, "red_cells": red}
    if town is not None:
        row["town"] = town
    return row


def test_rank_key_is_the_tie_rule_tuple():
    assert rank_key(_row("V1", "甲村", 1, 3, overdue=2, red=1, town="乙镇")) == (
        -Fraction(1, 3), 2, 1, "V1", "甲村", "乙镇")
    # no hazards: 100 %; no town: ""
    assert rank_key(_row(None, "甲村", 0, 0)) == (-Fraction(1), 0, 0, "甲村", "甲村", "")


def test_no_hazards_ties_with_everything_closed_and_the_next_rule_decides():
    # 01 closed all of 2 hazards, 02 has none: both 100 %, code decides
    ranked = rank([_row("02", "乙", 0, 0), _row("01", "甲", 2, 2)])
    assert [(r["code"], r["rank"]) for r in ranked] == [("01", 1), ("02", 2)]


def test_equal_code_and_name_are_ordered_by_town():
    ranked = rank([_row("V1", "新村", 0, 0, town="甲镇"), _row("V1", "新村", 0, 0),
                   _row("V1", "新村", 0, 0, town="乙镇")])
    # "" < "乙" (U+4E59) < "甲" (U+7532)
    assert [r.get("town") for r in ranked] == [None, "乙镇", "甲镇"]


def test_compare_gives_last_months_rate_and_the_change_in_points():
    current = [{"code": "01", "rank": 1, "rectification_rate": 0.5},
               {"code": "02", "rank": 2, "rectification_rate": 1 / 3},
               {"code": "03", "rank": 3, "rectification_rate": None}]
    previous = [{"code": "02", "rank": 1, "rectification_rate": 0.1},
                {"code": "03", "rank": 2, "rectification_rate": 0.25}]
    out = compare(current, previous)
    assert [(r["prev_rank"], r["rank_change"], r["prev_rate"], r["rate_change"]) for r in out] == [
        (None, None, None, None),
        (1, -1, 0.1, 23.33),  # (1/3 - 0.1) * 100 = 23.333…, two decimals
        (2, -1, 0.25, None),
    ]
