"""Self-check and report: the hazard ledger's invariants, each cell's colour
recomputed as the app does from the written coordinates, and the counts the
generator prints.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import shapely
from shapely.geometry import Point

from .app import LEVEL_ORDER, STATE_LABELS, area_level, escalated_level
from .common import AS_OF, COUNTY, FIRST_FOUND, TOWN, TOWN_CODE, Context
from .model import Site


def self_check(ctx: Context, world, sites: list[Site], hazards: list[dict]) -> dict[str, str]:
    """Each cell's level as the app computes it (its points' levels by the layer
    rules, escalated by an open 重大 hazard, then the area rule), each point
    found by point-in-polygon on the written coordinates. `world` is anything
    with the cells (the county: every unit's). Returns the level by cell code."""
    open_major = {(h["点位类型"], h["点位编号"]) for h in hazards
                  if h["隐患等级"] == "重大" and h["整改状态"] != "已销号"}
    geoms = np.array([c.wgs for c in world.cells])
    tree = shapely.STRtree(geoms)
    counts = {c.code: dict.fromkeys(LEVEL_ORDER, 0) for c in world.cells}
    outside = []
    for s in sites:
        lon, lat = s.lonlat
        hits = tree.query(Point(lon, lat), predicate="intersects")
        assert len(hits) <= 1
        if not len(hits):
            outside.append(s)
            continue
        cell = world.cells[int(hits[0])]
        assert cell is s.cell, (s.key, cell.code, s.cell and s.cell.code)
        counts[cell.code][escalated_level(s.level, s.ref in open_major, ctx.rules.risk)] += 1
    level = {code: area_level(n, ctx.rules.risk.area) for code, n in counts.items()}
    per_colour = {lv: sum(1 for v in level.values() if v == lv) for lv in LEVEL_ORDER}
    print("cells per colour (self-check):", per_colour)
    print("cells with no points:", sum(1 for n in counts.values() if not any(n.values())))
    print("points outside every cell:", len(outside),
          sorted({s.layer for s in outside}))
    assert all(per_colour.values()), per_colour
    assert per_colour["blue"] >= 8
    assert len(outside) >= 6
    keys = {s.ref for s in sites}
    assert len(keys) == len(sites), "two points share a key"
    assert all((h["点位类型"], h["点位编号"]) in keys for h in hazards)
    assert len({h["隐患编号"] for h in hazards}) == len(hazards), "two hazards share a code"
    return level


def report_county(county, level: dict[str, str], sites: list[Site], hazards: list[dict]) -> None:
    """Per town-level unit: villages, cells, points, hazards and cell colours. Every
    unit has points and hazards; the township's colours are those of the
    one-township demo (data/README.md), which the other units must not change."""
    units = [(TOWN, TOWN_CODE, "SF", county.township.villages, county.township.cells)]
    units += [(u.plan.name, u.plan.code, u.plan.prefix, u.villages, u.cells)
              for u in county.units]
    by_ref = {s.ref: s for s in sites}
    print(f"{COUNTY}: {len(units)} town-level units, {len(county.villages)} villages, "
          f"{len(county.cells)} cells, {len(sites)} points, {len(hazards)} hazards")
    for name, code, prefix, villages, cells in units:
        codes = {c.code for c in cells}
        points = [s for s in sites if s.cell is not None and s.cell.code in codes]
        mine = [h for h in hazards if by_ref[h["点位类型"], h["点位编号"]] in points]
        open_ = [h for h in mine if h["整改状态"] != "已销号"]
        layers = Counter(s.layer for s in points)
        colours = {lv: sum(level[c] == lv for c in codes) for lv in LEVEL_ORDER}
        print(f"  {name} {code} {prefix}-vv-cc: villages {len(villages)}, cells {len(cells)}, "
              f"points {len(points)} {dict(sorted(layers.items()))}, hazards {len(mine)} "
              f"(open {len(open_)}, overdue {sum(h['整改期限'] < AS_OF for h in open_)}, "
              f"重大 {sum(h['隐患等级'] == '重大' for h in mine)}), colours {colours}")
        assert points and open_ and any(h["隐患等级"] == "重大" for h in mine), name
        assert any(h["整改期限"] < AS_OF for h in open_), name
        if prefix == "SF":
            assert colours == {"red": 7, "orange": 16, "yellow": 28, "blue": 21}, colours
        assert all(v.code.startswith(code) and len(v.code) == 12 for v in villages)
    for m in sites:
        if m.layer == "major_hazard" and not m.key.startswith("SF-"):
            print(f"  {m.key} {m.row['危险物质及数量']:<24} people {m.row['500米内人数']:>3}  "
                  f"S={m.attrs['s']:.2f} R={m.attrs['r']:.1f} {m.attrs['grade']}  "
                  f"cell {m.cell.code}")
    outside = [s for s in sites if s.cell is None]
    assert all(s.key.startswith("SF-") for s in outside), "a county point outside every cell"


def report(ctx: Context, world, enterprises, idle, spaces, majors, hazards) -> None:
    """Print the counts, each major hazard installation's S, R and grade, and the
    hazard states."""
    print(f"villages: {len(world.villages)} "
          f"({sum(v.community for v in world.villages)} 社区), cells: {len(world.cells)}")
    print(f"holed cell: {world.holed.code}; multi-part cell: {world.multipart.code}")
    area = sum(c.geom.area for c in world.cells) / 1e6
    print(f"township {world.outline.area / 1e6:.1f} km², covered {area:.1f} km², "
          f"strip {world.strip_line.length / 1000:.1f} km × 80 m")
    print("zones:", ", ".join(f"{z.code} {z.kind} {z.geom.area / 1e6:.2f} km²"
                              for z in world.zones.values()))
    print(f"enterprises {len(enterprises)} (no USCC: "
          f"{sum(1 for s in enterprises if s.row['统一社会信用代码'] is None)}, with LEC: "
          f"{sum(1 for s in enterprises if s.row['LEC风险值'] is not None)}); "
          f"idle sites {len(idle)}; "
          f"confined spaces {len(spaces)}; major hazards {len(majors)}")
    for m in majors:
        print(f"  {m.key} {m.row['危险物质及数量']:<24} people {m.row['500米内人数']:>3}  "
              f"S={m.attrs['s']:.2f} R={m.attrs['r']:.1f} {m.attrs['grade']}  cell {m.cell.code}")
    states = {}
    for h in hazards:
        states[h["整改状态"]] = states.get(h["整改状态"], 0) + 1
    open_ = [h for h in hazards if h["整改状态"] != "已销号"]
    print(f"hazards {len(hazards)}: 重大 {sum(h['隐患等级'] == '重大' for h in hazards)}, "
          f"states {states}, overdue {sum(h['整改期限'] < AS_OF for h in open_)}, "
          f"open 重大 {sum(h['隐患等级'] == '重大' for h in open_)}, "
          f"listed open {sum(h['挂牌督办'] == '是' for h in open_)}, "
          f"stock {sum(h['发现日期'] < ctx.stock_cutoff for h in hazards)}")


def check_hazards(hazards: list[dict]) -> None:
    for h in hazards:
        assert FIRST_FOUND <= h["发现日期"] < AS_OF
        assert 7 <= (h["整改期限"] - h["发现日期"]).days <= 90
        closed = h["销号日期"]
        assert (closed is not None) == (h["整改状态"] == "已销号")
        assert closed is None or h["发现日期"] < closed < AS_OF
    open_ = [h for h in hazards if h["整改状态"] != "已销号"]
    assert {h["整改状态"] for h in hazards} == set(STATE_LABELS.values())
    assert any(h["整改期限"] < AS_OF for h in open_), "no overdue hazard"
    assert any(h["挂牌督办"] == "是" for h in open_), "no listed open hazard"

