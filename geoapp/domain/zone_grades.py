"""A functional zone's grade (园区安全风险等级 A–D): assessments, the one in force, its colour.

A zone is graded by an assessing body (a 化工园区安全风险评估 by the provincial
department or a commissioned agency): a date, a score out of 100, a grade A–D
(A the highest risk) and the body. Every assessment is kept (the history); the
*latest* one — by date, then by when it was entered — is the zone's grade
everywhere: the map, the admission check, the reports. A zone never assessed
in geoapp keeps the grade of its ledger's ``park_score`` (园区安全风险评分), if any.

The grade's colour is defined once: ``[zones] grade_levels`` in layers/risk.toml
maps a grade to one of the four risk levels (A → red … D → blue by default), and
the level's colour is the level's own (``[[levels]]``), so a zone graded A is
drawn in the same red as a major-risk cell.

The score → grade bands follow 化工园区安全风险排查治理导则 (``risk.park_grade``);
a body may still grade otherwise (the 导则 makes some findings grade A outright,
whatever the score), so an assessment's grade is taken as given, and derived
from the score only when left out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from geoapp.domain import values
from geoapp.domain.risk import park_grade
from geoapp.domain.texts import N_

GRADES = ("A", "B", "C", "D")
GRADE_LABELS = {"A": N_("A 级（高风险）"), "B": N_("B 级（较高风险）"),
                "C": N_("C 级（一般风险）"), "D": N_("D 级（较低风险）")}
FIELDS = ("assessed_on", "score", "grade", "body", "note")
# who enters an assessment: the administrator and the supervising department (the
# grade comes from an assessing body's report; these accounts transcribe it)
ASSESSORS = ("admin", "supervisor")
BODY_MAX, NOTE_MAX = 200, 2000


class AssessmentInputError(values.FieldError):
    """A bad field of an assessment: ``field`` names it, ``message`` says why (Chinese)."""


def check(body: Mapping, today: dt.date) -> dict:
    """An assessment's fields checked: {assessed_on, score, grade, body, note}.

    ``assessed_on`` (YYYY-MM-DD, not after ``today``) and ``body`` are required;
    ``score`` 0–100 or absent; ``grade`` A–D, or absent when a score gives it.

    Examples
    --------
    >>> check({"assessed_on": "2026-03-01", "score": 58.5, "body": "省应急厅"},
    ...       dt.date(2026, 4, 1))["grade"]
    'A'
    >>> check({"assessed_on": "2026-03-01", "score": 90, "grade": "b", "body": "省应急厅"},
    ...       dt.date(2026, 4, 1))["grade"]
    'B'
    >>> for bad in ({"assessed_on": "2026-05-01", "grade": "A", "body": "x"},
    ...             {"assessed_on": "2026-03-01", "grade": "E", "body": "x"},
    ...             {"assessed_on": "2026-03-01", "score": 101, "body": "x"},
    ...             {"assessed_on": "2026-03-01", "body": "x"},
    ...             {"assessed_on": "2026-03-01", "grade": "A", "body": " "}):
    ...     try:
    ...         check(bad, dt.date(2026, 4, 1))
    ...     except AssessmentInputError as exc:
    ...         print(exc.field)
    assessed_on
    grade
    score
    grade
    body
    """
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        raise AssessmentInputError(unknown[0], "未知字段")
    try:
        on = values.iso_date(body.get("assessed_on") or "")
    except ValueError as exc:
        raise AssessmentInputError("assessed_on", str(exc)) from None
    if on > today:
        raise AssessmentInputError("assessed_on", "评估日期不能晚于今天")
    score = body.get("score")
    if score == "":
        score = None
    if score is not None:
        try:
            if isinstance(score, bool):
                raise ValueError
            score = float(score)
        except (TypeError, ValueError):
            raise AssessmentInputError("score", "评分须为数字") from None
        if not 0 <= score <= 100:  # NaN fails too
            raise AssessmentInputError("score", "评分须在 0 到 100 之间")
    grade = body.get("grade")
    if grade in (None, ""):
        if score is None:
            raise AssessmentInputError("grade", "须填写等级（A–D）或评分")
        grade = park_grade(score)
    if not isinstance(grade, str) or grade.strip().upper() not in GRADES:
        raise AssessmentInputError("grade", "等级须为 A、B、C 或 D")
    fields = {"assessed_on": on, "score": score, "grade": grade.strip().upper()}
    for name, limit, required in (("body", BODY_MAX, True), ("note", NOTE_MAX, False)):
        try:
            fields[name] = values.text(body.get(name), limit, required)
        except ValueError as exc:
            raise AssessmentInputError(name, str(exc)) from None
    return fields


def grade_in_force(latest: Mapping | None, park_score: float | None) -> tuple[str | None, str]:
    """(grade, source) of a zone: its latest assessment's, else its ledger score's.

    ``source`` is ``assessment``, ``ledger`` or ``none`` (never graded).

    >>> grade_in_force({"grade": "C"}, 40.0), grade_in_force(None, 40.0), grade_in_force(None, None)
    (('C', 'assessment'), ('A', 'ledger'), (None, 'none'))
    """
    if latest is not None:
        return latest["grade"], "assessment"
    if park_score is not None:
        return park_grade(park_score), "ledger"
    return None, "none"


def grade_colours(grade_levels: Mapping[str, str], level_colours: Mapping[str, str]) -> dict:
    """Each grade's colour: its level's (the one scale, see the module docstring).

    >>> grade_colours({"A": "red", "D": "blue"}, {"red": "#e60012", "blue": "#0068b7"})
    {'A': '#e60012', 'D': '#0068b7'}
    """
    return {g: level_colours[lv] for g, lv in grade_levels.items()}
