"""Sites: where points go (clear of every edge, within each cell's tier) and
the two ledgers of free-standing points, enterprises and idle premises, with
their names, credit codes, addresses and LEC scores.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import shapely
from shapely.geometry import Point
from shapely.ops import nearest_points

from .app import ALPHABET, LEVEL_RANK, inherent_level, uscc_check_char
from .common import AS_OF, FIRST_FOUND, REGION_CODE, TOWN, Context, pick
from .content import (
    BRANDS,
    CHEMICAL,
    COMMUNITY_NAMES,
    ENTERPRISE_PLAN,
    IDLE_USES,
    INDUSTRIES,
    LEC_BANDS,
    SERVICES,
    VILLAGE_NAMES,
    Names,
)
from .model import Cell, Site, World


def place(rng, world: World, region, level: str, tries: int = 20000, exclude_square=True):
    """A random spot in `region` whose cell allows `level`, clear of every edge."""
    minx, miny, maxx, maxy = region.bounds
    for _ in range(tries):
        x, y = rng.uniform(minx, maxx), rng.uniform(miny, maxy)
        if not shapely.contains_xy(region, x, y):
            continue
        cell = world.locate(x, y)
        if cell is None or cell.empty or LEVEL_RANK[cell.tier] < LEVEL_RANK[level]:
            continue
        if exclude_square and shapely.contains_xy(world.square, x, y):
            continue
        if world.clear_of_edges(x, y, cell):
            return round(x, 1), round(y, 1), cell
    raise RuntimeError(f"no room for a {level} point")


def place_near(rng, world: World, site: Site, r_min: float, r_max: float):
    """A spot r_min–r_max m from `site`, in the same cell and zone."""
    for _ in range(5000):
        ang = rng.uniform(0, 2 * np.pi)
        r = rng.uniform(r_min, r_max)
        x, y = site.x + r * np.cos(ang), site.y + r * np.sin(ang)
        if world.locate(x, y) is not site.cell or world.zone_role_at(x, y) != site.zone:
            continue
        if world.clear_of_edges(x, y, site.cell):
            return round(x, 1), round(y, 1)
    raise RuntimeError(f"no room near {site.name}")


def make_uscc(rng, used: set[str]) -> str:
    """A valid 18-character USCC: 9 (工商) 1 (企业), region 320205, organisation code, check."""
    while True:
        if rng.random() < 0.6:  # newer codes: organisation part begins MA
            body = "MA" + "".join(pick(rng, ALPHABET) for _ in range(7))
        else:
            body = "".join(pick(rng, ALPHABET[:10]) for _ in range(8)) + pick(rng, ALPHABET)
        first17 = "91" + REGION_CODE + body
        code = first17 + uscc_check_char(first17)
        if code not in used:
            used.add(code)
            return code


def address_for(rng, world: World, x: float, y: float, cell: Cell) -> str:
    role = world.zone_role_at(x, y)
    if role:
        road = pick(rng, world.zones[role].roads)
        return f"{TOWN}{road}{int(rng.integers(1, 400))}号"
    v = cell.village
    if v.community:
        road = pick(rng, [v.name.removesuffix("社区") + "路", "人民路", "文化路", "中心街"])
        return f"{TOWN}{road}{int(rng.integers(1, 300))}号"
    return f"{TOWN}{v.name}{int(rng.integers(1, 12))}组{int(rng.integers(1, 80))}号"


def scale_and_staff(rng, where: str, industry: str) -> tuple[str, int]:
    if industry in SERVICES:
        weights = (0.03, 0.22, 0.75)
    elif where in ("chem", "etdz"):
        weights = (0.55, 0.35, 0.10)
    elif where in ("park", "hitech"):
        weights = (0.40, 0.40, 0.20)
    else:
        weights = (0.05, 0.40, 0.55)
    scale = pick(rng, ["规模以上", "规模以下", "小微"], weights)
    low, high = {"规模以上": (80, 600), "规模以下": (20, 150), "小微": (3, 30)}[scale]
    return scale, int(rng.integers(low, high))


def make_enterprises(ctx: Context, world: World) -> list[Site]:
    """The enterprise ledger: 330 enterprises placed by ENTERPRISE_PLAN."""
    rng, names, spec = ctx.rng, ctx.names, ctx.rules.layers["enterprise"]
    z = world.zones
    regions = {
        "chem": z["chem"].geom,
        "etdz": z["etdz"].geom.difference(z["chem"].geom),
        "park": z["park"].geom,
        "hitech": z["hitech"].geom,
        "village": world.outline.difference(shapely.union_all([zz.geom for zz in z.values()])),
    }
    # Shops and services follow people: three times as dense in the communities.
    town_cells = [c for c in world.cells if not c.empty]
    town_weights = [3.0 if c.village.community else 1.0 for c in town_cells]

    used_uscc: set[str] = set()
    used_names: set[str] = set()
    sites = []
    for where, industry, count in ENTERPRISE_PLAN:
        level = inherent_level({"industry": industry}, spec.risk)
        for _ in range(count):
            if where == "town":
                cell = pick(rng, town_cells, town_weights)
                x, y, cell = place(rng, world, cell.geom, level)
            else:
                x, y, cell = place(rng, world, regions[where], level)
            while True:
                brand = pick(rng, BRANDS)
                if industry in SERVICES:
                    name = f"{brand}{INDUSTRIES[industry]}（虚构）"
                else:
                    name = f"{brand}{INDUSTRIES[industry]}有限公司（虚构）"
                if name not in used_names:
                    used_names.add(name)
                    break
            scale, staff = scale_and_staff(rng, where, industry)
            contact = names.person()
            group = ("chem" if industry in CHEMICAL else "service" if industry in SERVICES
                     else "build" if industry in ("4790", "4910") else "mfg")
            row = {"编号": None, "企业名称": name, "统一社会信用代码": make_uscc(rng, used_uscc),
                   "行业代码": industry, "企业规模": scale,
                   "地址": address_for(rng, world, x, y, cell), "联系人": contact,
                   "联系电话": names.phone("1390000"), "从业人数": staff, "LEC风险值": None}
            sites.append(Site(spec, row["统一社会信用代码"], name, x, y, cell,
                              world.zone_role_at(x, y), row,
                              {"industry": industry, "lec_d": None},
                              unit=name, person=contact, group=group))

    # A few small businesses have no USCC yet: the ledger's own 编号 is their key.
    small = [s for s in sites if s.row["企业规模"] == "小微" and s.group in ("service", "mfg")]
    for n, i in enumerate(sorted(rng.choice(len(small), 12, replace=False)), start=1):
        s = small[i]
        s.row["统一社会信用代码"] = None
        s.row["编号"] = s.key = f"SF-QY-{n:03d}"

    # About one in ten has an LEC score, within what its cell's tier allows.
    shares = {"blue": 0.3, "yellow": 0.4, "orange": 0.25, "red": 0.05}
    for i in rng.choice(len(sites), 30, replace=False):
        s = sites[int(i)]
        band = pick(rng, list(shares), [w if LEVEL_RANK[lv] <= LEVEL_RANK[s.cell.tier] else 0
                                        for lv, w in shares.items()])
        set_lec(rng, s, band)
    return sites


def set_lec(rng, site: Site, band: str) -> None:
    lec = pick(rng, LEC_BANDS[band])
    d = lec[0] * lec[1] * lec[2]
    site.row["LEC风险值"] = site.attrs["lec_d"] = d


def idle_title(rng, category: str, village: str) -> str:
    """An idle site's name for its category, in its village (without the （虚构） mark)."""
    if category == "农村闲置院落":
        return f"{village}{int(rng.integers(1, 12))}组闲置院落"
    if category == "废弃厂房":
        return f"{village}原{pick(rng, ['砖瓦厂', '五金厂', '纸箱厂', '农机站'])}"
    return f"{pick(rng, BRANDS)}{category.removesuffix('厂房')}厂房"


def idle_row(rng, names: Names, category: str, title: str, inspected: bool, owner=None):
    owner = owner or pick(rng, [names.person(), f"{pick(rng, BRANDS)}实业有限公司（虚构）"])
    use = pick(rng, IDLE_USES)
    if use.startswith("出租"):
        use += f"（承租方：{pick(rng, BRANDS)}商贸（虚构））"
    area = float(round(rng.uniform(150, 600) if category == "农村闲置院落"
                       else rng.uniform(600, 8000), -1))
    last = (FIRST_FOUND + dt.timedelta(days=int(rng.integers(200, (AS_OF - FIRST_FOUND).days))))
    return {"编号": None, "名称": title, "类别": category, "面积（平方米）": area, "产权人": owner,
            "产权人电话": names.phone("1370000"), "现用途或承租方": use,
            "安全责任人": names.person(), "最近检查日期": last.isoformat() if inspected else None}


def make_idle_sites(ctx: Context, world: World) -> list[Site]:
    """45 idle premises: 8 outside every cell (5 in the boundary strip, 3 just
    outside the outline), one in the enclave, the rest by category where such
    premises are found.
    """
    rng, names, spec = ctx.rng, ctx.names, ctx.rules.layers["idle_site"]
    zones = shapely.union_all([z.geom for z in world.zones.values()])
    near_zones = zones.buffer(1500).difference(zones.buffer(50)).intersection(world.outline)
    plan = ([("城乡结合部闲置厂房", "fringe")] * 10 + [("农村闲置院落", "rural")] * 12
            + [("废弃厂房", "any")] * 8 + [("园区外租厂房", "near_zones")] * 6)
    fringe = Point(world.seat).buffer(3500).intersection(world.outline)
    regions = {"fringe": fringe, "rural": world.outline, "any": world.outline,
               "near_zones": near_zones}
    specs = []  # (category, x, y, cell, inspected)
    for category, where in plan:
        inspected = rng.random() > 0.15
        # Only whether it was inspected matters here: idle_row draws the date later.
        attrs = {"category": category, "last_inspection": AS_OF.isoformat() if inspected else None}
        level = inherent_level(attrs, spec.risk)
        x, y, cell = place(rng, world, regions[where], level)
        specs.append((category, x, y, cell, inspected))

    # In the uncovered 交界地带 strip: within 15 m of its centre line.
    line = world.strip_line
    for k in range(5):
        u = (k + 0.5) / 5 * line.length + rng.uniform(-150, 150)
        p = line.interpolate(u)
        ang = rng.uniform(0, 2 * np.pi)
        x, y = p.x + 15 * rng.random() * np.cos(ang), p.y + 15 * rng.random() * np.sin(ang)
        assert world.locate(x, y) is None and world.outline.contains(Point(x, y))
        specs.append((pick(rng, ["废弃厂房", "城乡结合部闲置厂房", "农村闲置院落"]),
                      round(x, 1), round(y, 1), None, k not in (1, 3)))
    # Just outside the township outline: 120–420 m beyond it, away from the strip.
    for k in range(3):
        while True:
            p = world.outline.exterior.interpolate((k + rng.random()) / 3, normalized=True)
            d = rng.uniform(120, 420)
            q = nearest_points(world.outline.buffer(d).exterior, p)[0]
            if shapely.distance(q, world.strip) > 1000 and not world.outline.contains(q):
                break
        specs.append((pick(rng, ["废弃厂房", "农村闲置院落"]), round(q.x, 1), round(q.y, 1),
                      None, k != 0))
    # In the enclave: belongs to the multi-part cell although it sits inside another.
    sq = world.square.centroid
    specs.append(("农村闲置院落", round(sq.x + 40, 1), round(sq.y - 30, 1),
                  world.locate(sq.x + 40, sq.y - 30), True))
    assert specs[-1][3] is world.multipart

    sites = []
    for n, (category, x, y, cell, inspected) in enumerate(specs, start=1):
        if cell is None:
            title = f"{pick(rng, VILLAGE_NAMES + COMMUNITY_NAMES)}交界处{category}"
        else:
            title = idle_title(rng, category, cell.village.name)
        title += "（虚构）"
        owner = (f"{cell.village.name}{'居民' if cell.village.community else '村民'}委员会"
                 if cell is not None and rng.random() < 0.3 else None)
        row = idle_row(rng, names, category, title, inspected, owner)
        row["编号"] = f"SF-XZ-{n:03d}"
        zone = world.zone_role_at(x, y)
        sites.append(Site(spec, row["编号"], title, x, y, cell, zone, row,
                          {"category": category, "last_inspection": row["最近检查日期"]},
                          unit=row["产权人"], person=row["安全责任人"], group="idle"))
    return sites

