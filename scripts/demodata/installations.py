"""Installations of enterprises: confined spaces (有限空间) and major hazard
installations (重大危险源), placed next to their owners, and the risk top-up
that lets every planned red and orange cell reach its colour.
"""

from __future__ import annotations

import shapely

from .app import LEVEL_RANK, alpha_for_people, assess, highest, inherent_level, parse_substances
from .common import Context, fmt_num, pick
from .content import CS_CONTROLS, CS_GROUP, CS_TEMPLATES, GRADE_RANGE, MH_DESIGNS
from .model import Site, World
from .sites import place_near, set_lec


def confined_row(rng, code: str, name: str, owner: Site, kind: str, hazards, dept: str,
                 locked: bool) -> dict:
    """A confined space's ledger row; its management answers drawn from ``rng`` in a fixed
    order (the township's and the county's files stay reproducible)."""
    yes = {True: "是", False: "否"}
    return {"编号": code, "名称": name,
            "所属企业统一社会信用代码": owner.row["统一社会信用代码"],
            "所属企业": owner.name, "所属部门": dept, "类型": kind,
            "危险有害因素": "、".join(hazards), "管控措施": pick(rng, CS_CONTROLS),
            "作业审批制度": yes[bool(rng.random() < 0.92)],
            "警示标识": yes[bool(rng.random() < 0.85)], "上锁管理": yes[bool(locked)],
            "赋码管理": yes[bool(rng.random() < 0.75)],
            "检测及救援装备": yes[bool(rng.random() < 0.8)]}


def make_confined_spaces(ctx: Context, world: World, enterprises: list[Site]) -> list[Site]:
    """90 confined spaces, each within 50 m of its enterprise and in the same cell."""
    rng, spec = ctx.rng, ctx.rules.layers["confined_space"]
    owners = [s for s in enterprises if s.attrs["industry"] in CS_GROUP]
    order = rng.permutation(len(owners))
    sites: list[Site] = []
    while len(sites) < 90:
        for i in order:
            owner = owners[int(i)]
            if len(sites) >= 90:
                break
            if rng.random() < 0.45:
                continue
            # In a yellow cell only the yellow kind: oxygen deficiency alone, locked.
            mild = owner.cell.tier in ("blue", "yellow")
            templates = [t for t in CS_TEMPLATES[CS_GROUP[owner.attrs["industry"]]]
                         if not mild or t[2] == ["缺氧"]]
            if not templates:
                continue
            title, kind, hazards, dept = pick(rng, templates)
            n = sum(1 for s in sites if s.row["所属企业"] == owner.name) + 1
            x, y = place_near(rng, world, owner, 10, 50)
            locked = mild or rng.random() < 0.85
            code = f"SF-YX-{len(sites) + 1:03d}"
            row = confined_row(rng, code, f"{n}#{title}", owner, kind, hazards, dept, locked)
            sites.append(Site(spec, code, f"{owner.name}{n}#{title}", x, y,
                              owner.cell, owner.zone, row,
                              {"hazards": hazards, "locked": bool(locked)},
                              unit=owner.name, person=owner.person, group="cs"))
    for s in sites:
        assert LEVEL_RANK[s.level] <= LEVEL_RANK[s.cell.tier]
    return sites


def make_major_hazards(ctx: Context, world: World, enterprises: list[Site]) -> list[Site]:
    """12 installations of chemical enterprises, quantities chosen to hit each grade.

    Ten belong to enterprises in the chemical park; the last two (三级 and 四级,
    so that their orange cells stay orange) to the legacy chemical plants in
    the development zone. R值 and 等级 stay empty: the app computes them, as
    here, from the 危险物质及数量 text (GB 18218-2018, layers/substances.toml).
    """
    rng, spec, table = ctx.rng, ctx.rules.layers["major_hazard"], ctx.rules.substances
    in_park = [s for s in enterprises if s.group == "chem" and s.zone == "chem"
               and s.attrs["industry"] != "2710"]
    legacy = [s for s in enterprises if s.group == "chem" and s.zone != "chem"
              and s.cell.tier in ("orange", "red")]
    legacy_designs = {"液化石油气储罐区", "甲苯储罐"}
    sites, used = [], set()
    for n, (title, shares, grade, people) in enumerate(MH_DESIGNS, start=1):
        pool = legacy if title in legacy_designs else in_park
        level = inherent_level({"grade": grade}, spec.risk)
        pool = [s for s in pool if LEVEL_RANK[level] <= LEVEL_RANK[s.cell.tier]
                and s.key not in used]
        owner = pool[int(rng.integers(len(pool)))]
        used.add(owner.key)
        substances, result = dose_for_grade(rng, table, shares, grade, people)
        x, y = place_near(rng, world, owner, 30, 150)
        sites.append(major_site(spec, f"SF-WXY-{n:02d}", title, owner, x, y, owner.zone,
                                substances, people, result))
    return sites


def dose_for_grade(rng, table, shares: dict, grade: str, people: int):
    """Substances and quantities (``氯:71.9;液氨:95.8``) whose R falls in ``grade``'s band,
    with their assessment: R = α·Σβq/Q, the shares scaled to a target R drawn in the band."""
    lo, hi = GRADE_RANGE[grade]
    while True:
        r_target = rng.uniform(lo, hi)
        weighted = sum(table[k].beta * w for k, w in shares.items())
        s_total = r_target / (alpha_for_people(people) * weighted)
        substances = ";".join(f"{k}:{fmt_num(round(s_total * w * table[k].threshold_t, 1))}"
                              for k, w in shares.items())
        result = assess(parse_substances(substances), people, table)
        if result.grade == grade:  # None unless S ≥ 1
            return substances, result


def major_site(spec, code: str, title: str, owner: Site, x: float, y: float, zone,
               substances: str, people: int, result) -> Site:
    """A major hazard installation of ``owner``: its ledger row (R and grade left empty for
    the app to compute) and the planned grade."""
    name = f"{owner.name.removesuffix('（虚构）')}{title}（虚构）"
    row = {"编号": code, "名称": name,
           "所属企业统一社会信用代码": owner.row["统一社会信用代码"],
           "所属企业": owner.name, "危险物质及数量": substances,
           "500米内人数": people, "R值": None, "等级": None}
    return Site(spec, code, name, x, y, owner.cell, zone, row,
                {"grade": result.grade, "s": result.s, "r": result.r},
                unit=owner.name, person=owner.person, group="mh")


def top_up(ctx: Context, world: World, sites: list[Site]) -> list[Site]:
    """Make sure red and orange cells exist outside the chemical park too.

    Red-tier cells without a red point get an LEC score in the red band on one
    enterprise. Two yellow cells near the zones become orange the same way,
    and two more are made red by an open 重大 hazard instead (their
    enterprises are returned, for make_hazards). Other zone cells keep
    whatever colour their points give: tiers are caps, not targets.
    """
    all_zones = shapely.union_all([z.geom for z in world.zones.values()])
    spare = [c for c in world.cells if c.tier == "yellow"
             and any(s.cell is c and s.group in ("mfg", "build") for s in sites)]
    spare.sort(key=lambda c: (shapely.distance(c.geom, all_zones), c.code))
    to_orange, red_by_hazard = spare[:2], spare[2:4]
    for c in to_orange:
        c.tier = "orange"
    for c in red_by_hazard:
        c.tier = "red"

    level = {c.code: highest(s.level for s in sites if s.cell is c) for c in world.cells}
    for c in world.cells:
        wanted = c in to_orange or (c.tier == "red" and c not in red_by_hazard)
        if not wanted or LEVEL_RANK[level[c.code]] >= LEVEL_RANK[c.tier]:
            continue
        candidates = [s for s in sites if s.cell is c and s.layer == "enterprise"
                      and s.attrs["lec_d"] is None]
        candidates.sort(key=lambda s: (s.group == "service", s.key))
        set_lec(ctx.rng, candidates[0], c.tier)
    triggers = []
    for c in red_by_hazard:
        candidates = sorted((s for s in sites if s.cell is c and s.group in ("mfg", "build")),
                            key=lambda s: s.key)
        triggers.append(candidates[0])
    return triggers

