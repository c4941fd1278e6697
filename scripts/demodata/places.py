"""The six place layers of the campaign (synthetic, 虚构): key fire-safety units,
crowded places, self-built houses in business use, gas sites, construction
sites and e-bike charging places, in every town-level unit.

Drawn from a generator of their own (PLACES_SEED) after everything else, so
every earlier row stays as it was. Each point stands 15–45 m from an
enterprise of its unit, in the same cell, and its level (by its layer's rules)
is never above that cell's colour: the new points add to the map and the
reports without changing one cell's colour. Which level a point gets cycles
through what its layer can give, highest first, so the township holds all
four colours.
"""

from __future__ import annotations

import datetime as dt

from .app import LEVEL_RANK
from .common import AS_OF, TOWN, Context, pick
from .county import County
from .county_sites import place_name
from .county_sites import place_near as unit_place_near
from .model import Site
from .sites import place_near as town_place_near

PLACES_SEED = 20261207
# points per layer: the township, each other unit
PER_UNIT = {"SF": 4, "other": 2}
YES = {True: "是", False: "否"}


def _day(rng, first: dt.date, span: int) -> dt.date:
    return first + dt.timedelta(days=int(rng.integers(0, span)))


def _fire_unit(ctx, rng, level: str) -> dict:
    n = ctx.names
    team = [n.person() for _ in range(5)]
    if level == "yellow":  # one of the five missing
        team[int(rng.integers(0, 5))] = None
    kinds = ["人员密集场所", "易燃易爆危险品单位", "重要公共设施"]
    category = "火灾高危单位" if level == "red" else pick(rng, kinds)
    return {"类别": category,
            "消防安全责任人": n.person(), "消防安全管理人": n.person(),
            "包保镇街领导": team[0], "包保村干部": team[1], "包保网格员": team[2],
            "包保消防站/派出所": team[3] and f"{team[3]}（消防救援站）",
            "包保行业部门": team[4] and f"{team[4]}（行业主管部门）",
            "最近消防检查日期": _day(rng, AS_OF - dt.timedelta(days=120), 110),
            "微型消防站": YES[level != "orange"]}


def _crowded_place(ctx, rng, level: str) -> dict:
    kind = {"red": "小生产加工", "orange": pick(rng, ["养老", "学校", "医院"]),
            "yellow": pick(rng, ["娱乐", "宾馆", "网吧"]),
            "blue": pick(rng, ["餐饮", "小商店"])}[level]
    return {"场所类型": kind, "九小场所": YES[kind in ("小生产加工", "小商店", "网吧", "餐饮")],
            "建筑面积（平方米）": float(rng.integers(8, 120) * 10),
            "容纳人数": int(rng.integers(10, 280)), "多业态混合": YES[level == "red"],
            "住人": YES[level == "red"], "经营者": ctx.names.person(),
            "联系电话": ctx.names.phone()}


def _self_built_house(ctx, rng, level: str) -> dict:
    grade = {"red": "D", "orange": "C", "yellow": "B", "blue": "A"}[level]
    return {"层数": 3 if level == "yellow" else int(rng.integers(1, 3)),
            "结构类型": pick(rng, ["砖混", "框架", "砖木"]),
            "经营用途": pick(rng, ["餐饮", "住宿", "商铺", "出租公寓"]),
            "改扩建": YES[False], "安全鉴定等级": grade,
            "鉴定日期": _day(rng, dt.date(2023, 6, 1), 900),
            "产权人": ctx.names.person(), "产权人电话": ctx.names.phone()}


def _gas_site(ctx, rng, level: str) -> dict:
    kind = {"orange": "餐饮用户", "yellow": pick(rng, ["加气站", "瓶装液化气供应点"]),
            "blue": "餐饮用户"}[level]
    return {"燃气场所类型": kind,
            "瓶改管": "已完成" if kind == "餐饮用户" and level == "blue" else "不适用",
            "燃气泄漏报警装置": YES[level != "orange"],
            "经营单位": "示范县燃气有限公司（虚构）", "负责人": ctx.names.person(),
            "联系电话": ctx.names.phone()}


def _construction_site(ctx, rng, level: str) -> dict:
    start = _day(rng, dt.date(2025, 9, 1), 360)
    return {"建设单位": "示范县城市建设投资有限公司（虚构）",
            "施工单位": pick(rng, ["示范建工集团有限公司（虚构）", "湖滨建设工程有限公司（虚构）"]),
            "外包单位": "示范劳务分包有限公司（虚构）", "开工日期": start,
            "计划竣工日期": start + dt.timedelta(days=int(rng.integers(180, 720))),
            "高处作业": YES[True], "有限空间作业": YES[level in ("red", "orange")],
            "超过一定规模的危大工程": YES[level == "red"],
            "项目负责人": ctx.names.person(), "联系电话": ctx.names.phone()}


def _ebike_charging(ctx, rng, level: str) -> dict:
    capacity = int(rng.integers(4, 40)) * 5
    return {"停放车位数": capacity, "充电口数": capacity // 2,
            "智能充电": YES[level != "yellow"],
            "入户充电投诉（次）": {"orange": int(rng.integers(3, 7)), "yellow": 0,
                               "blue": 0}[level],
            "管理单位": "示范物业服务有限公司（虚构）", "联系电话": ctx.names.phone()}


# layer → (row maker, the levels it can give highest first, a title, key infix)
LAYERS = {
    "fire_unit": (_fire_unit, ("red", "orange", "yellow"), ("商厦", "酒店", "仓储中心"), "XF"),
    "crowded_place": (_crowded_place, ("red", "orange", "yellow", "blue"),
                      ("综合楼", "小店", "中心"), "RM"),
    "self_built_house": (_self_built_house, ("red", "orange", "yellow", "blue"),
                         ("自建房", "民房", "沿街楼"), "ZJ"),
    "gas_site": (_gas_site, ("orange", "yellow", "blue"), ("燃气点", "餐馆", "供气站"), "RQ"),
    "construction_site": (_construction_site, ("red", "orange", "yellow"),
                          ("安置房项目", "厂房项目", "道路工程"), "ZJGC"),
    "ebike_charging": (_ebike_charging, ("orange", "yellow", "blue"), ("充电棚", "停车点"), "DC"),
}


def make_places(ctx: Context, county: County, enterprises: list[Site],
                cell_level: dict[str, str]) -> dict[str, list[Site]]:
    """The six layers' points, by layer: PER_UNIT per unit and layer, next to its enterprises."""
    rng = ctx.rng
    units = [("SF", TOWN.replace("（虚构）", ""), county.township.cells)]
    units += [(u.plan.prefix, place_name(u).replace("（虚构）", ""), u.cells) for u in county.units]
    out: dict[str, list[Site]] = {layer: [] for layer in LAYERS}
    for prefix, town, cells in units:
        codes = {c.code for c in cells}
        hosts = [s for s in enterprises if s.cell is not None and s.cell.code in codes]
        for layer, (row_of, levels, titles, infix) in LAYERS.items():
            spec = ctx.rules.layers[layer]
            for i in range(PER_UNIT["SF" if prefix == "SF" else "other"]):
                wanted = levels[i % len(levels)]
                # the highest level not above the wanted one that some host's cell allows
                for level in levels[levels.index(wanted):]:
                    fit = [s for s in hosts
                           if LEVEL_RANK[cell_level[s.cell.code]] >= LEVEL_RANK[level]]
                    if fit:
                        break
                host = fit[int(rng.integers(0, len(fit)))]
                key = f"{prefix}-{infix}-{i + 1:03d}"
                name = f"{town}{host.cell.village.name}{pick(rng, titles)}{i + 1}号（虚构）"
                row = {"编号": key, spec.field("name").label: name, **row_of(ctx, rng, level)}
                attrs = {f.name: _value(f, row.get(f.label)) for f in spec.fields}
                near = town_place_near if prefix == "SF" else unit_place_near
                x, y = near(rng, county.township if prefix == "SF" else county, host, 15, 45)
                site = Site(spec, key, name, x, y, host.cell, host.zone, row, attrs)
                assert site.level == level, (key, site.level, level)
                out[layer].append(site)
    return out


def _value(field, raw):
    """The parsed value the layer's risk rules see (bools from 是/否)."""
    if raw is None:
        return None
    if field.type == "bool":
        return raw == "是"
    return raw

