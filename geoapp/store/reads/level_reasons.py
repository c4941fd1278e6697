"""定级依据 for the API: a point's and a cell's reasons (geoapp.domain.reasons) from the rows
the cell page and the point popup already load, as JSON-ready dicts in the page's language.

The reasons come from the rules in force and the stored levels: an area is explained from
its points' stored ``risk_level`` (what geoapp.store.assignment computed it from), a point
from its attributes and its open 重大事故隐患.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence

from geoapp.domain import reasons, workflow
from geoapp.domain.layers import Rules
from geoapp.store.models import Hazard, Point


def open_major_codes(hazards: Iterable[Hazard]) -> dict[int, list[str]]:
    """The codes of the open 重大事故隐患 per point id."""
    out: dict[int, list[str]] = defaultdict(list)
    for h in hazards:
        if h.level == "major" and workflow.is_open(h.state):
            out[h.point_id].append(h.code)
    return out


def point_reasons(point: Point, rules: Rules, open_major: Sequence[str]) -> tuple:
    """One point's reasons (geoapp.domain.reasons.Reason)."""
    return reasons.explain_point(point.attrs or {}, rules.layers.get(point.layer), open_major,
                                 rules.risk, point.id, point.name, point.layer)


def area_reasons(points: Sequence[Point], own: dict[int, tuple], rules: Rules) -> tuple:
    """A cell's reasons: its rule, then the deciding points' own reasons (``own``: by id)."""
    return reasons.explain_area(
        [reasons.PointLevel(p.id, p.name, p.risk_level, own.get(p.id, ())) for p in points],
        rules.risk.area)


class Say:
    """Reasons as dicts (rule, level, text, point_ids) in one language: ``english`` picks the
    layer files' labels, ``tr`` (gettext) translates the templates."""

    def __init__(self, rules: Rules, english: bool = False,
                 tr: Callable[[str], str] | None = None):
        self.rules, self.english, self.tr = rules, english, tr or (lambda text: text)

    def __call__(self, found: Iterable, with_name: bool = True) -> list[dict]:
        return reasons.as_dicts(found, self.rules, self.english, self.tr, with_name)
