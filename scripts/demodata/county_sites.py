"""The county units' cell attributes, points and hazards (synthetic, 虚构).

Every unit gets enterprises (valid, unique USCCs from the township's
generator; one small business per unit keyed by its 编号), a few idle
premises, a couple of confined spaces, and hazards; the development zone gets
two major hazard installations. Keys carry the unit's prefix (WH-XZ-001,
TW-YX-001, WH-WXY-01, …), so none can meet a township key. Everything is drawn
from the county's own generator (the Context given, built on COUNTY_SEED), in
the order `make_county_sites` calls the steps.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from .common import AS_OF, Context, pick
from .content import (
    BRANDS,
    CHEMICAL,
    CS_GROUP,
    CS_TEMPLATES,
    HAZARD_WEIGHT,
    IDLE_CATEGORIES,
    INDUSTRIES,
    SERVICES,
)
from .county import County, Unit
from .hazards import hazard_row, random_found
from .installations import confined_row, dose_for_grade, major_site
from .model import Cell, Site
from .sites import idle_row, idle_title, make_uscc, scale_and_staff, set_lec

# (where, industry, how many) per unit; where: 村 cells ("village"), 社区 cells
# ("community") or any cell of the unit ("any").
PLANS = {
    "TW": [("village", "3484", 2), ("village", "1819", 2), ("village", "2110", 1),
           ("village", "1391", 1), ("village", "5990", 1), ("village", "4790", 1),
           ("community", "5212", 2), ("community", "6210", 3), ("community", "5223", 2),
           ("community", "8040", 2), ("any", "5265", 1)],
    "YJ": [("community", "6210", 4), ("community", "6220", 2), ("community", "8040", 2),
           ("community", "5212", 2), ("community", "6110", 1), ("community", "5261", 1),
           ("village", "3484", 1), ("village", "2922", 1), ("village", "4910", 1),
           ("village", "1491", 1), ("any", "8111", 1)],
    "WH": [("village", "2614", 2), ("village", "2641", 2), ("village", "2661", 1),
           ("village", "5942", 1), ("any", "3311", 2), ("any", "3360", 2), ("any", "3484", 3),
           ("any", "3670", 3), ("any", "3831", 2), ("village", "5920", 2),
           ("community", "6210", 2), ("community", "5212", 1), ("community", "8111", 1),
           ("community", "6220", 1)],
}
IDLE = {"TW": ["农村闲置院落", "农村闲置院落", "废弃厂房", "城乡结合部闲置厂房"],
        "YJ": ["城乡结合部闲置厂房", "废弃厂房", "园区外租厂房"],
        "WH": ["园区外租厂房", "园区外租厂房", "农村闲置院落"]}
SPACES = {"TW": 2, "YJ": 1, "WH": 3}
# the development zone's installations: (title, substances, grade, people within 500 m)
MAJORS = [("液氨罐区", {"液氨": 1.0}, "二级", 120), ("甲醇罐区", {"甲醇": 1.0}, "四级", 30)]
HAZARDS = {"TW": 13, "YJ": 11, "WH": 16}


def place(rng, county: County, cells: list[Cell], weights=None) -> tuple[float, float, Cell]:
    """A random spot in one of `cells`, clear of its edges."""
    for _ in range(20000):
        cell = pick(rng, cells, weights)
        minx, miny, maxx, maxy = cell.geom.bounds
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if county.locate(x, y) is cell and county.clear_of_edges(x, y, cell):
            return round(x, 1), round(y, 1), cell
    raise RuntimeError("no room for a point")


def place_near(rng, county: County, site: Site, r_min: float, r_max: float):
    """A spot r_min–r_max m from `site`, in the same cell."""
    for _ in range(5000):
        ang, r = rng.uniform(0, 2 * np.pi), rng.uniform(r_min, r_max)
        x, y = site.x + r * np.cos(ang), site.y + r * np.sin(ang)
        if county.locate(x, y) is site.cell and county.clear_of_edges(x, y, site.cell):
            return round(x, 1), round(y, 1)
    raise RuntimeError(f"no room near {site.name}")


def place_name(unit: Unit) -> str:
    """How an address names the unit: the development zone without its office."""
    return unit.plan.name.replace("管委会", "")


def cell_properties(ctx: Context, unit: Unit) -> None:
    """Cell attributes with the Chinese labels of layers/cell.toml."""
    rng, names, plan = ctx.rng, ctx.names, unit.plan
    for c in unit.cells:
        members = [names.person() for _ in range(1 if rng.random() < 0.6 else 2)]
        share = 0.7 if plan.kind == "开发区" else 0.25  # the zone's office runs most itself
        if rng.random() < share:
            office = plan.office
        else:
            office = f"{c.village.name}{'居民' if c.village.community else '村民'}委员会"
        c.props = {"网格编码": c.code, "网格名称": c.name, "村社区": c.village.name,
                   "村社区代码": c.village.code, "镇街道": plan.name, "网格员": "、".join(members),
                   "网格员电话": "、".join(names.phone("1380000") for _ in members),
                   "监管单位": office, "监管责任人": names.person()}


def make_enterprises(ctx: Context, county: County, unit: Unit, used_uscc: set[str],
                     used_names: set[str]) -> list[Site]:
    rng, names, spec = ctx.rng, ctx.names, ctx.rules.layers["enterprise"]
    prefix = unit.plan.prefix
    pools = {"village": [c for c in unit.cells if not c.village.community],
             "community": [c for c in unit.cells if c.village.community], "any": unit.cells}
    sites = []
    for where, industry, count in PLANS[prefix]:
        for _ in range(count):
            x, y, cell = place(rng, county, pools[where])
            while True:
                brand = pick(rng, BRANDS)
                suffix = "（虚构）" if industry in SERVICES else "有限公司（虚构）"
                name = f"{brand}{INDUSTRIES[industry]}{suffix}"
                if name in used_names:  # brands repeat: a place name tells them apart
                    name = f"{place_name(unit)[:2]}{name}"
                if name not in used_names:
                    used_names.add(name)
                    break
            scale, staff = scale_and_staff(rng, "etdz" if prefix == "WH" else "village",
                                           industry)
            contact = names.person()
            group = ("chem" if industry in CHEMICAL else "service" if industry in SERVICES
                     else "build" if industry in ("4790", "4910") else "mfg")
            road = pick(rng, unit.plan.roads)
            row = {"编号": None, "企业名称": name, "统一社会信用代码": make_uscc(rng, used_uscc),
                   "行业代码": industry, "企业规模": scale,
                   "地址": f"{place_name(unit)}{road}{int(rng.integers(1, 300))}号",
                   "联系人": contact, "联系电话": names.phone("1390000"), "从业人数": staff,
                   "LEC风险值": None}
            sites.append(Site(spec, row["统一社会信用代码"], name, x, y, cell, None, row,
                              {"industry": industry, "lec_d": None},
                              unit=name, person=contact, group=group))
    # One small business without a USCC yet: its 编号 is its key.
    small = [s for s in sites if s.group == "service"]
    s = small[int(rng.integers(len(small)))]
    s.row["统一社会信用代码"], s.row["企业规模"] = None, "小微"
    s.row["编号"] = s.key = f"{prefix}-QY-001"
    for i in rng.choice(len(sites), 2, replace=False):
        set_lec(rng, sites[int(i)], pick(rng, ["blue", "yellow", "orange"]))
    return sites


def make_idle_sites(ctx: Context, county: County, unit: Unit) -> list[Site]:
    rng, names, spec = ctx.rng, ctx.names, ctx.rules.layers["idle_site"]
    sites = []
    for n, category in enumerate(IDLE[unit.plan.prefix], start=1):
        assert category in IDLE_CATEGORIES
        rural = [c for c in unit.cells if not c.village.community]
        x, y, cell = place(rng, county, rural if category == "农村闲置院落" else unit.cells)
        title = idle_title(rng, category, cell.village.name) + "（虚构）"
        row = idle_row(rng, names, category, title, inspected=n != 2)
        row["编号"] = f"{unit.plan.prefix}-XZ-{n:03d}"
        sites.append(Site(spec, row["编号"], title, x, y, cell, None, row,
                          {"category": category, "last_inspection": row["最近检查日期"]},
                          unit=row["产权人"], person=row["安全责任人"], group="idle"))
    return sites


def make_confined_spaces(ctx: Context, county: County, unit: Unit,
                         enterprises: list[Site]) -> list[Site]:
    rng, spec = ctx.rng, ctx.rules.layers["confined_space"]
    owners = [s for s in enterprises if s.attrs["industry"] in CS_GROUP]
    sites = []
    for n, i in enumerate(rng.choice(len(owners), SPACES[unit.plan.prefix], replace=False), 1):
        owner = owners[int(i)]
        title, kind, hazards, dept = pick(rng, CS_TEMPLATES[CS_GROUP[owner.attrs["industry"]]])
        x, y = place_near(rng, county, owner, 10, 50)
        locked = rng.random() < 0.8
        code = f"{unit.plan.prefix}-YX-{n:03d}"
        row = confined_row(rng, code, f"1#{title}", owner, kind, hazards, dept, locked)
        sites.append(Site(spec, code, f"{owner.name}1#{title}", x, y, owner.cell, None, row,
                          {"hazards": hazards, "locked": bool(locked)},
                          unit=owner.name, person=owner.person, group="cs"))
    return sites


def make_major_hazards(ctx: Context, county: County, unit: Unit,
                       enterprises: list[Site]) -> list[Site]:
    """The development zone's installations, quantities chosen to hit each grade."""
    rng, spec, table = ctx.rng, ctx.rules.layers["major_hazard"], ctx.rules.substances
    owners = sorted((s for s in enterprises if s.group == "chem"
                     and s.attrs["industry"] != "5942"), key=lambda s: s.key)
    picked = rng.choice(len(owners), len(MAJORS), replace=False)
    sites = []
    for n, ((title, shares, grade, people), i) in enumerate(zip(MAJORS, picked, strict=True), 1):
        owner = owners[int(i)]
        substances, result = dose_for_grade(rng, table, shares, grade, people)
        x, y = place_near(rng, county, owner, 30, 150)
        sites.append(major_site(spec, f"{unit.plan.prefix}-WXY-{n:02d}", title, owner, x, y,
                                None, substances, people, result))
    assert [s.attrs["grade"] for s in sites] == [m[2] for m in MAJORS]
    return sites


def make_unit_hazards(ctx: Context, unit: Unit, sites: list[Site]) -> list[dict]:
    """A unit's hazards: one open and overdue, one open and not yet due, one 重大
    (open in the sub-district and, listed and overdue, in the development zone;
    closed in the town), the rest 一般 at random, a few 重大 closed long ago."""
    rng, prefix = ctx.rng, unit.plan.prefix
    rows = []
    workplaces = sorted((s for s in sites if s.group in ("chem", "mh", "mfg", "build")),
                        key=lambda s: s.key) or sorted(sites, key=lambda s: s.key)
    overdue = pick(rng, sorted(sites, key=lambda s: s.key))
    found = AS_OF - dt.timedelta(days=int(rng.integers(40, 70)))
    rows.append(hazard_row(ctx, overdue, "一般", found, state="整改中", listed=False,
                           deadline_days=20))
    recent = pick(rng, workplaces)
    rows.append(hazard_row(ctx, recent, "一般", AS_OF - dt.timedelta(days=int(rng.integers(3, 12))),
                           state=pick(rng, ["待整改", "整改中", "待验收"]), listed=False,
                           deadline_days=20))
    major = ([s for s in sites if s.group == "mh" and s.attrs["grade"] == "二级"]
             or workplaces)[0] if prefix == "WH" else pick(rng, workplaces)
    if prefix == "WH":
        rows.append(hazard_row(ctx, major, "重大", AS_OF - dt.timedelta(days=95),
                               state="待整改", listed=True, deadline_days=60))
    elif prefix == "YJ":
        rows.append(hazard_row(ctx, major, "重大", AS_OF - dt.timedelta(days=20),
                               state="整改中", listed=False, deadline_days=60))
    else:
        rows.append(hazard_row(ctx, major, "重大", AS_OF - dt.timedelta(days=int(rng.integers(
            200, 600))), state="已销号", listed=False))
    weights = np.array([HAZARD_WEIGHT[s.group] for s in sites])
    while len(rows) < HAZARDS[prefix]:
        site = sites[int(rng.choice(len(sites), p=weights / weights.sum()))]
        found = random_found(rng)
        if rng.random() < 0.08 and site.group != "service":
            found = min(found, AS_OF - dt.timedelta(days=60))
            rows.append(hazard_row(ctx, site, "重大", found, state="已销号"))
        else:
            rows.append(hazard_row(ctx, site, "一般", found))
    return rows


def number_hazards(rows: list[dict], township: list[dict]) -> None:
    """Codes YHyyyy-nnnn continuing each year's numbers after the township's."""
    per_year: dict[int, int] = {}
    for r in township:
        y, n = r["隐患编号"].removeprefix("YH").split("-")
        per_year[int(y)] = max(per_year.get(int(y), 0), int(n))
    rows.sort(key=lambda r: (r["发现日期"], r["点位编号"], r["隐患描述"]))
    for r in rows:
        y = r["发现日期"].year
        per_year[y] = per_year.get(y, 0) + 1
        r["隐患编号"] = f"YH{y}-{per_year[y]:04d}"


def make_county_sites(ctx: Context, county: County, township_enterprises: list[Site],
                      township_hazards: list[dict]):
    """Cell attributes, then per unit enterprises, idle premises, confined spaces,
    major hazard installations and hazards. Returns the four point lists and the
    hazards, each to follow the township's rows in its file."""
    used_uscc = {s.row["统一社会信用代码"] for s in township_enterprises} - {None}
    used_names = {s.name for s in township_enterprises}
    for unit in county.units:
        cell_properties(ctx, unit)
    enterprises, idle, spaces, majors, hazards = [], [], [], [], []
    for unit in county.units:
        e = make_enterprises(ctx, county, unit, used_uscc, used_names)
        i = make_idle_sites(ctx, county, unit)
        c = make_confined_spaces(ctx, county, unit, e)
        m = make_major_hazards(ctx, county, unit, e) if unit.plan.kind == "开发区" else []
        hazards += make_unit_hazards(ctx, unit, e + i + c + m)
        enterprises += e
        idle += i
        spaces += c
        majors += m
    number_hazards(hazards, township_hazards)
    return enterprises, idle, spaces, majors, hazards
