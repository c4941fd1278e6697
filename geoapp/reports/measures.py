"""Reports by measure (督办措施): how many of each kind in a period, per town and village,
and the measures taken on the hazards of the overdue list.

Measures are few (tens a month in a county) and are read from the store for each
report (geoapp.store.measures); the data's fingerprint counts them, so a cached
report changes when one is recorded. A measure's place is its enterprise's, or
its hazard's point's, cell → village → town; one at a point outside every cell
is counted in the total and in its own row (网格外), as hazards are.
"""

from __future__ import annotations

import datetime as dt

from geoapp.domain import measures as rules
from geoapp.domain import periods
from geoapp.reports.tables import OUTSIDE, Dataset
from geoapp.store import measures as stored


def _empty() -> dict:
    return {**dict.fromkeys(rules.KINDS, 0), "total": 0}


def counts(session, ds: Dataset, period: periods.Period) -> dict:
    """Measures taken in ``period`` per kind: the total, per town, per village.

    {"period", "kinds": [{code, label}], "total": {kind: n, …, "total": n},
    "towns": [{name, counts}], "villages": [{id, name, town, counts}]}; every
    town and village is listed (zeros included: a village with no measure is
    news too), in the territory's order, 网格外 last when it has any.
    """
    vnames = {v["id"]: v for v in ds.villages}
    total = _empty()
    per_village = {v["id"]: _empty() for v in ds.villages}
    per_town = {v["town"]: _empty() for v in ds.villages}
    outside = _empty()
    for kind, _day, _hazard, cell_code in stored.in_period(session, period.start, period.end):
        cell = ds.cells.get(cell_code)
        if cell is None and ds.scoped:
            continue  # another area's measure
        buckets = [total]
        if cell is None:
            buckets.append(outside)
        else:
            village = vnames[cell["village_id"]]
            buckets += [per_village[village["id"]], per_town[village["town"]]]
        for bucket in buckets:
            bucket[kind] = bucket.get(kind, 0) + 1
            bucket["total"] += 1
    villages = [{"id": v["id"], "name": v["name"], "town": v["town"],
                 "counts": per_village[v["id"]]} for v in ds.villages]
    towns = [{"name": name, "counts": c} for name, c in per_town.items()]
    if outside["total"]:
        villages.append({"id": None, "name": OUTSIDE, "town": OUTSIDE, "counts": outside})
        towns.append({"name": OUTSIDE, "counts": outside})
    return {"period": period.to_dict(),
            "kinds": [{"code": k, "label": label} for k, label in rules.labels_in_order()],
            "total": total, "towns": towns, "villages": villages}


def on_overdue(session, overdue: list[dict], day: dt.date) -> dict[str, list[dict]]:
    """Hazard code → the measures taken on it up to ``day``, oldest first, for the hazards
    of an overdue list (geoapp.reports.tables.overdue_list)."""
    codes = [h["code"] for h in overdue]
    found = stored.on_hazard_codes(session, codes, until=day)
    return {code: [{"kind": m.kind, "label": rules.KIND_LABELS.get(m.kind, m.kind),
                    "date": m.taken_on.isoformat(), "unit": m.unit, "recipient": m.recipient,
                    "referred_to": m.referred_to} for m in taken]
            for code, taken in found.items()}


def line(measure: dict) -> str:
    """One measure in a list cell: 2030-06-10 约谈（示范镇安监站 → 王某）.

    >>> line({"label": "约谈", "date": "2030-06-10", "unit": "安监站", "recipient": "王某",
    ...       "referred_to": None})
    '2030-06-10 约谈（安监站 → 王某）'
    """
    referred = f"，移送 {measure['referred_to']}" if measure.get("referred_to") else ""
    return (f"{measure['date']} {measure['label']}"
            f"（{measure['unit']} → {measure['recipient']}{referred}）")


def report(session, ds: Dataset, period: periods.Period, overdue: list[dict],
           day: dt.date) -> dict:
    """What the pages and the bulletin show of measures: the counts of the period and
    the measures on the overdue hazards as of ``day``."""
    return {**counts(session, ds, period), "overdue": on_overdue(session, overdue, day)}
