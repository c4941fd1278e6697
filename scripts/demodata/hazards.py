"""The hazard ledger (隐患台账): 240 hazards across all point layers, with
found dates, deadlines, rectification states and the listed (挂牌督办) ones
designed so that planned red cells turn red.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .common import AS_OF, FIRST_FOUND, Context, pick
from .content import DESCRIPTIONS, HAZARD_WEIGHT
from .model import Site


def random_found(rng) -> dt.date:
    # More inspections lately: the campaign ramps up, so later dates are likelier.
    span = (AS_OF - dt.timedelta(days=1) - FIRST_FOUND).days
    return FIRST_FOUND + dt.timedelta(days=int(span * rng.beta(1.4, 1.0)))


def hazard_row(ctx: Context, site: Site, level: str, found: dt.date, state: str | None = None,
               listed: bool | None = None, deadline_days: int | None = None) -> dict:
    rng = ctx.rng
    group = "mfg" if site.group == "build" else site.group
    days = deadline_days or int(rng.integers(30, 91) if level == "重大" else rng.integers(7, 31))
    deadline = found + dt.timedelta(days=days)
    if state is None:
        age = (AS_OF - found).days
        p_closed = (0.99 if found < ctx.stock_cutoff else 0.93 if age > 365 else 0.85 if age > 150
                    else 0.6 if age > 45 else 0.25)
        if rng.random() < p_closed:
            state = "已销号"
        else:
            state = pick(rng, ["待整改", "整改中", "待验收"], [0.35, 0.45, 0.2])
    closed = None
    latest = min(deadline + dt.timedelta(days=20), AS_OF - dt.timedelta(days=1))
    if state == "已销号" and latest <= found:
        state = "待验收"  # found yesterday: cannot be closed yet
    if state == "已销号":
        closed = found + dt.timedelta(days=int(rng.integers(1, max(2, (latest - found).days + 1))))
    if listed is None:
        listed = level == "重大" and rng.random() < 0.45
    source = pick(rng, ["企业自查", "督导检查", "群众举报"],
                  [0.2, 0.4, 0.4] if site.group == "idle" else [0.5, 0.42, 0.08])
    point_type, point_key = site.ref
    return {"隐患编号": None, "点位类型": point_type, "点位编号": point_key,
            "隐患等级": level, "隐患来源": source,
            "隐患描述": pick(rng, DESCRIPTIONS[(group, level)]),
            "发现日期": found, "整改期限": deadline, "责任单位": site.unit,
            "责任人": site.person, "挂牌督办": "是" if listed else "否", "整改状态": state,
            "销号日期": closed}


def make_hazards(ctx: Context, sites: list[Site], triggers: list[Site], n: int = 240) -> list[dict]:
    """240 hazards across all point layers, ~12% 重大.

    An open 重大 hazard turns its point red, so open ones sit only at points
    in red cells or outside every cell; elsewhere 重大 hazards are closed
    (动态清零). The trigger enterprises get the open 重大 hazard that makes
    their cells red; three more in the chemical park are listed (挂牌督办),
    two of those overdue.
    """
    rng = ctx.rng
    rows = []
    # designed: open majors
    for s in triggers:
        rows.append(hazard_row(ctx, s, "重大", AS_OF - dt.timedelta(days=int(rng.integers(20, 60))),
                               state="整改中", listed=False, deadline_days=60))
    red_chem = sorted((s for s in sites if s.group in ("chem", "mh") and s.tier == "red"),
                      key=lambda s: s.key)
    for k, i in enumerate(rng.choice(len(red_chem), 3, replace=False)):
        found = AS_OF - dt.timedelta(days=int(rng.integers(100, 140) if k < 2 else 25))
        rows.append(hazard_row(ctx, red_chem[int(i)], "重大", found,
                               state=["整改中", "待整改", "待验收"][k], listed=True,
                               deadline_days=60))
    n_major = round(n * 0.12) - len(rows)
    weights = np.array([HAZARD_WEIGHT[s.group] for s in sites])
    majors_ok = np.array([s.tier != "blue" for s in sites])
    while len(rows) < n:
        major = n_major > 0
        w = weights * majors_ok if major else weights
        site = sites[int(rng.choice(len(sites), p=w / w.sum()))]
        found = random_found(rng)
        if major:
            n_major -= 1
            if site.tier in ("red", "outside"):
                rows.append(hazard_row(ctx, site, "重大", found))
            else:  # closed long ago: found at least 60 days before AS_OF
                found = min(found, AS_OF - dt.timedelta(days=60))
                rows.append(hazard_row(ctx, site, "重大", found, state="已销号"))
        else:
            rows.append(hazard_row(ctx, site, "一般", found))
    rows.sort(key=lambda r: (r["发现日期"], r["点位编号"], r["隐患描述"]))
    per_year: dict[int, int] = {}
    for r in rows:
        y = r["发现日期"].year
        per_year[y] = per_year.get(y, 0) + 1
        r["隐患编号"] = f"YH{y}-{per_year[y]:04d}"
    return rows

