#!/usr/bin/env python3
"""Generate the bundled demo data: a synthetic township, 示范镇（虚构）.

Everything written here is invented (虚构, synthetic): the town, its villages
and grid cells, the functional zones, every enterprise, person, phone number,
credit code, installation and hazard. Nothing describes a real place,
organisation or person. The township sits around lon 120.30, lat 31.60 only so
that a basemap shows a plausible backdrop.

Steps, each a function below, in the order they run:

    outline → cell seeds → villages → zones → boundary strip → enclave → cells
    → tiers → enterprises → idle sites → confined spaces → major hazards
    → risk top-up → hazards → write files → self-check

Geometry is built in metres in CGCS2000 / 3-degree Gauss-Krüger CM 120E
(EPSG:4549, also the CRS of the zone shapefile) and converted to WGS84 at the
end; CGCS2000 is taken as equal to WGS84 (they differ by centimetres).

Deterministic: one numpy Generator with a fixed seed and no wall clock, so a
rerun gives byte-identical files; archives (XLSX, the zipped shapefile) get
fixed timestamps.

Run from the repository root:  python scripts/make_demo_data.py
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import shapely
from openpyxl.styles import Font
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Point, Polygon, mapping
from shapely.ops import nearest_points, substring

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing geoapp

from geoapp.domain.crs import to_wgs84_xy, wgs84_to_gcj02  # noqa: E402
from geoapp.domain.identifiers import ALPHABET, uscc_check_char  # noqa: E402
from geoapp.domain.layers import LEVEL_ORDER, LEVEL_RANK, load_rules  # noqa: E402
from geoapp.domain.major_hazard import alpha_for_people, assess, parse_substances  # noqa: E402
from geoapp.domain.risk import area_level, escalated_level, highest, inherent_level  # noqa: E402
from geoapp.domain.workflow import STATE_LABELS  # noqa: E402
from geoapp.resources import bundled  # noqa: E402

SEED = 20241101
DATA = ROOT / "data"
# The app's own rules (layers/*.toml, substances.toml): the generator plans
# colours and grades with them, and the self-check follows the app.
RULES = load_rules(bundled("layers"))

TOWN = "示范镇（虚构）"
TOWN_OFFICE = "示范镇应急管理办公室（虚构）"
CENTRE_LONLAT = (120.30, 31.60)
REGION_CODE = "320205"  # county part of every code (USCC positions 3–8, village codes)
TOWN_CODE = REGION_CODE + "999"  # 统计用区划代码 of the town: 999 marks it as invented

# The demo's "today": hazards are found up to the day before, and whatever is
# open with an earlier deadline is overdue.
AS_OF = dt.date(2026, 11, 1)
FIRST_FOUND = dt.date(2023, 3, 1)
STOCK_CUTOFF = RULES.risk.hazards.stock_cutoff  # before it, hazards are stock (存量)
FIXED_STAMP = dt.datetime(2026, 11, 1, 8, 0, 0)  # every timestamp inside the archives

# Points keep this far (metres) from every cell and zone edge, so that rounding
# to 6 decimals (~0.1 m) and the GCJ-02 round trip never move one across.
MARGIN = 8.0

METRIC = "EPSG:4549"
TO_METRIC = Transformer.from_crs("EPSG:4326", METRIC, always_xy=True)

NOTE = (f"本数据为虚构的示范数据（synthetic），地点“{TOWN}”及其中所有村社区、网格、功能区、"
        "企业、人员、电话、统一社会信用代码、重大危险源和隐患均为程序随机生成，不对应任何真实对象。"
        "由 scripts/make_demo_data.py 生成。")


# =====================================================================
# small helpers
# =====================================================================

def fmt_num(value: float) -> str:
    """A quantity without trailing zeros: 30.0 → '30', 12.50 → '12.5'."""
    return f"{value:.1f}".rstrip("0").rstrip(".")


def rounded(values, digits: int) -> np.ndarray:
    # Go through the decimal string so every float is the one nearest its
    # printed form: json then writes exactly `digits` decimals at most.
    return np.array([float(f"{v:.{digits}f}") for v in np.ravel(values)]).reshape(np.shape(values))


def to_wgs84(geom, digits: int = 7):
    """A metric geometry in WGS84 lon/lat, coordinates rounded to `digits` decimals."""
    def project(xy):
        lon, lat = to_wgs84_xy(xy[:, 0], xy[:, 1], METRIC)
        return np.column_stack([rounded(lon, digits), rounded(lat, digits)])
    return shapely.transform(geom, project)


def lonlat(x: float, y: float) -> tuple[float, float]:
    """A metric point as WGS84 lon/lat rounded to 6 decimals (as the ledgers carry it)."""
    lon, lat = to_wgs84_xy(x, y, METRIC)
    return float(f"{float(lon):.6f}"), float(f"{float(lat):.6f}")


def sample_in(rng, region, n: int) -> np.ndarray:
    """n points uniformly inside a polygon (rejection sampling in its bounding box)."""
    minx, miny, maxx, maxy = region.bounds
    out = []
    while len(out) < n:
        xs = rng.uniform(minx, maxx, 4 * n)
        ys = rng.uniform(miny, maxy, 4 * n)
        inside = shapely.contains_xy(region, xs, ys)
        out.extend(zip(xs[inside], ys[inside], strict=True))
    return np.array(out[:n])


def voronoi(points: np.ndarray, frame) -> list[Polygon]:
    """Voronoi polygons of `points`, in input order, covering `frame`'s envelope."""
    gc = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=frame, ordered=True)
    return list(shapely.get_parts(gc))


def pick(rng, items, weights=None):
    """One item; weights need not sum to 1."""
    if weights is None:
        return items[int(rng.integers(len(items)))]
    w = np.asarray(weights, dtype=float)
    return items[int(rng.choice(len(items), p=w / w.sum()))]


class Names:
    """Synthetic personal names and phone numbers, never repeated."""

    SURNAMES = list("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
                    "蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方邹孟熊秦邱江尹薛")
    GIVEN = list("伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志文斌浩宇婷"
                 "晨宁博鹏辉凯丹琳雪梅健峰海燕新春林荣德")

    def __init__(self, rng):
        self.rng = rng
        self.used: set[str] = set()
        # 1380000xxxx-style numbers: a fixed, obviously artificial block per kind
        self.phones = {p: list(rng.permutation(10000)) for p in ("1380000", "1390000", "1370000")}

    def person(self) -> str:
        while True:
            given = "".join(pick(self.rng, self.GIVEN) for _ in range(int(self.rng.integers(1, 3))))
            name = pick(self.rng, self.SURNAMES) + given
            if name not in self.used:
                self.used.add(name)
                return name

    def phone(self, prefix: str = "1390000") -> str:
        return f"{prefix}{self.phones[prefix].pop():04d}"


# =====================================================================
# the world: outline, villages, cells, zones
# =====================================================================

@dataclass
class Village:
    index: int  # 1-based, as in the cell codes
    name: str
    code: str
    community: bool  # 社区 (urban) rather than 村
    centre: tuple[float, float]


@dataclass
class Cell:
    code: str
    name: str
    village: Village
    geom: Polygon | MultiPolygon  # metric
    seed: tuple[float, float]
    tier: str = "yellow"  # the highest level its points may reach (planning only)
    empty: bool = False  # farmland: no points at all
    wgs: Polygon | MultiPolygon | None = None
    props: dict = field(default_factory=dict)


@dataclass
class Zone:
    code: str
    name: str
    kind: str
    geom: Polygon
    score: float | None = None
    roads: tuple[str, ...] = ()


@dataclass
class World:
    outline: Polygon
    villages: list[Village]
    cells: list[Cell]
    zones: dict[str, Zone]  # by role: etdz, chem, park, hitech
    strip: Polygon
    strip_line: object
    square: Polygon
    holed: Cell
    multipart: Cell
    seat: tuple[float, float]

    def __post_init__(self):
        self.tree = shapely.STRtree([c.geom for c in self.cells])
        self.edges = [c.geom.boundary for c in self.cells]
        self.zone_edges = shapely.union_all([z.geom.boundary for z in self.zones.values()])
        for g in (*self.edges, self.zone_edges):
            shapely.prepare(g)

    def locate(self, x: float, y: float) -> Cell | None:
        hits = self.tree.query(Point(x, y), predicate="intersects")
        return self.cells[int(hits[0])] if len(hits) else None

    def zone_role_at(self, x: float, y: float) -> str | None:
        """The innermost zone at a point (the chemical park before the zone around it)."""
        for role in ("chem", "hitech", "park", "etdz"):
            if shapely.contains_xy(self.zones[role].geom, x, y):
                return role
        return None

    def clear_of_edges(self, x: float, y: float, cell: Cell) -> bool:
        p = Point(x, y)
        i = self.cells.index(cell)
        return (shapely.distance(self.edges[i], p) >= MARGIN
                and shapely.distance(self.zone_edges, p) >= MARGIN)


def make_outline(rng, cx: float, cy: float) -> Polygon:
    """An irregular township of roughly 14 km × 11 km: an ellipse with a wobbly radius."""
    theta = np.linspace(0, 2 * np.pi, 96, endpoint=False)
    r = np.ones_like(theta)
    for k in (2, 3, 4, 5, 7):
        r += rng.uniform(0.015, 0.05) * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
    xy = np.column_stack([cx + 7000 * r * np.cos(theta), cy + 5500 * r * np.sin(theta)])
    outline = Polygon(np.round(xy, 1))
    assert outline.is_valid
    return outline


def make_cell_seeds(rng, outline: Polygon, n: int = 72, rounds: int = 3) -> np.ndarray:
    """Seed points for the grid cells: random, then a few Lloyd rounds.

    Lloyd relaxation evens out the cell sizes; stopping after three rounds
    keeps the shapes irregular, as hand-drawn grids are.
    """
    pts = sample_in(rng, outline, n)
    frame = outline.buffer(3000).envelope
    for _ in range(rounds):
        polys = [p.intersection(outline) for p in voronoi(pts, frame)]
        pts = np.array([[p.centroid.x, p.centroid.y] for p in polys])
    return np.round(pts, 1)


def group_villages(rng, seeds: np.ndarray, outline: Polygon, k: int = 16) -> np.ndarray:
    """Village of each cell seed: k-means, i.e. the nearest of k village seeds.

    Returns one label per seed. Restarts until every village has at least two
    cells and is one piece (a village cut in two by its neighbour is not a
    village); the generator makes the restarts deterministic too.
    """
    frame = outline.buffer(3000).envelope
    polys = [p.intersection(outline) for p in voronoi(seeds, frame)]
    for _attempt in range(50):
        # k-means++ initialisation, then Lloyd iterations
        centres = [seeds[int(rng.integers(len(seeds)))]]
        for _ in range(k - 1):
            d2 = np.min([((seeds - c) ** 2).sum(1) for c in centres], axis=0)
            centres.append(seeds[int(rng.choice(len(seeds), p=d2 / d2.sum()))])
        centres = np.array(centres)
        for _ in range(100):
            labels = np.argmin(((seeds[:, None, :] - centres[None]) ** 2).sum(2), axis=1)
            new = np.array([seeds[labels == j].mean(0) if (labels == j).any() else centres[j]
                            for j in range(k)])
            if np.allclose(new, centres):
                break
            centres = new
        sizes = np.bincount(labels, minlength=k)
        if sizes.min() < 2:
            continue
        pieces = [shapely.union_all([polys[i] for i in np.flatnonzero(labels == j)])
                  for j in range(k)]
        if all(p.geom_type == "Polygon" for p in pieces):
            return labels
    raise RuntimeError("no acceptable village grouping found")


VILLAGE_NAMES = ["东湖村", "西塘村", "南桥村", "北庄村", "柳湾村", "石桥村", "荷花村",
                 "河埠村", "枫林村", "高墩村"]
COMMUNITY_NAMES = ["新民社区", "文昌社区", "锦园社区", "梅里社区", "金港社区", "和平社区"]


def name_villages(seeds, labels, seat) -> list[Village]:
    """Villages numbered in reading order (north to south, west to east).

    The six villages nearest the town seat are urban communities (社区, codes
    0xx); the rest are villages (村, codes 2xx), as in 统计用区划代码.
    """
    k = labels.max() + 1
    centres = np.array([seeds[labels == j].mean(0) for j in range(k)])
    order = sorted(range(k), key=lambda j: (-(centres[j][1] // 2500), centres[j][0]))
    dist = np.hypot(centres[:, 0] - seat[0], centres[:, 1] - seat[1])
    urban = set(np.argsort(dist)[:len(COMMUNITY_NAMES)].tolist())
    villages, n_comm, n_vill = [None] * k, 0, 0
    for index, j in enumerate(order, start=1):
        if j in urban:
            name, code = COMMUNITY_NAMES[n_comm], f"{TOWN_CODE}{n_comm + 1:03d}"
            n_comm += 1
        else:
            name, code = VILLAGE_NAMES[n_vill], f"{TOWN_CODE}{201 + n_vill:03d}"
            n_vill += 1
        villages[j] = Village(index, name, code, j in urban, tuple(centres[j]))
    return villages


def make_zones(rng, cx: float, cy: float, outline: Polygon) -> dict[str, Zone]:
    """Functional zones: a large development zone in the east with a chemical park
    on its south-eastern edge (partly outside it, as parks often grew), an
    industrial park in the west and a small high-tech park in the north.
    """
    def shape(x0, y0, offsets, jitter=120.0):
        pts = [(x0 + dx + rng.uniform(-jitter, jitter), y0 + dy + rng.uniform(-jitter, jitter))
               for dx, dy in offsets]
        return Polygon(np.round(pts, 1)).intersection(outline.buffer(-300))

    etdz = shape(cx + 3000, cy - 600, [(-1900, -1200), (-300, -1450), (1500, -1300),
                                       (2000, -200), (1700, 1250), (200, 1400),
                                       (-1500, 1150), (-2100, 0)])
    chem = shape(cx + 3900, cy - 2050, [(-700, -450), (600, -550), (750, 400), (-100, 600),
                                        (-750, 350)], jitter=60.0)
    park = shape(cx - 4100, cy + 1100, [(-850, -550), (800, -600), (900, 450), (-100, 650),
                                        (-900, 500)])
    hitech = shape(cx + 200, cy + 3000, [(-650, -400), (600, -450), (650, 400), (-600, 450)])
    return {
        "etdz": Zone("GNQ-01", "示范经济开发区（虚构）", "经济开发区", etdz,
                     roads=("经开大道", "兴业路", "创新路", "长江路", "开源路", "振兴路")),
        "chem": Zone("GNQ-02", "示范化工园区（虚构）", "化工园区", chem, score=68.5,
                     roads=("化工园一路", "化工园二路", "化工园三路", "滨江路")),
        "park": Zone("GNQ-03", "示范工业园区（虚构）", "工业园区", park,
                     roads=("工业园路", "纺织路", "锦绣路", "园区大道")),
        "hitech": Zone("GNQ-04", "示范高新技术产业园（虚构）", "高新区", hitech,
                       roads=("科技路", "智慧路", "创业大道")),
    }


def choose_strip(village_polys: list, zones: dict[str, Zone], width: float = 80.0):
    """The 交界地带 gap: an ~80 m strip along part of the boundary between two villages.

    Takes the shared boundary (kept away from the zones) whose length is
    closest to 3.2 km, trimmed to at most 3.5 km, and buffers it by half the
    width. No cell will cover it: the idle factory there is the one that gets
    missed.
    """
    zone_union = shapely.union_all([z.geom for z in zones.values()])
    best = None
    for i in range(len(village_polys)):
        for j in range(i + 1, len(village_polys)):
            shared = shapely.intersection(village_polys[i].boundary, village_polys[j].boundary)
            lines = [g for g in shapely.get_parts(shapely.line_merge(
                shapely.union_all([p for p in shapely.get_parts(shared)
                                   if p.geom_type in ("LineString", "MultiLineString")])))
                     if g.geom_type == "LineString"] if not shared.is_empty else []
            if not lines:
                continue
            line = max(lines, key=lambda g: g.length)
            if line.length < 2000 or shapely.distance(line, zone_union) < 800:
                continue
            score = abs(line.length - 3200)
            if best is None or score < best[0]:
                best = (score, i, j, line)
    assert best is not None, "no village boundary suits the strip"
    _, i, j, line = best
    if line.length > 3500:
        mid = line.length / 2
        line = substring(line, mid - 1750, mid + 1750)
    strip = line.buffer(width / 2, quad_segs=4)
    return strip, line, (i, j)


def choose_enclave(cells_m: list, labels, strip, zones, side: float = 300.0):
    """A ~300 m square carved out of cell A that belongs to a non-adjacent cell B (飞地).

    A: the roomiest cell away from the zones and the strip. B: the nearest
    such cell of another village that does not touch A.
    """
    zone_union = shapely.union_all([z.geom for z in zones.values()])
    candidates = []
    for i, g in enumerate(cells_m):
        if shapely.distance(g, zone_union) < 300 or shapely.distance(g, strip) < 300:
            continue
        radius_line = shapely.maximum_inscribed_circle(g, tolerance=5.0)
        candidates.append((i, radius_line.length, shapely.get_point(radius_line, 0)))
    a, radius, centre = max(candidates, key=lambda c: c[1])
    assert radius >= side, "no cell roomy enough for the enclave"
    others = [c for c in candidates
              if labels[c[0]] != labels[a] and shapely.distance(cells_m[c[0]], cells_m[a]) > 300]
    b = min(others, key=lambda c: shapely.distance(cells_m[c[0]], cells_m[a]))[0]
    cx, cy = round(centre.x), round(centre.y)
    h = side / 2
    square = Polygon([(cx - h, cy - h), (cx + h, cy - h), (cx + h, cy + h), (cx - h, cy + h)])
    assert cells_m[a].buffer(-50).contains(square)
    return a, b, square


def build_cells(seeds, outline, strip, square, a: int, b: int) -> list:
    """Final cell geometry (metric), by polygonising one noded set of lines.

    The Voronoi edges, the township outline, the strip and the enclave square
    are noded together once, so neighbouring cells share exactly the same
    vertices: after rounding they still neither overlap nor leave slivers.
    Faces outside the outline or inside the strip belong to no cell.
    """
    frame = outline.buffer(3000).envelope
    vor = voronoi(seeds, frame)
    lines = [p.boundary for p in vor] + [outline.exterior, strip.exterior, square.exterior]
    noded = shapely.union_all(lines)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(noded)))
    shapely.prepare(outline)
    shapely.prepare(strip)
    pieces: list[list] = [[] for _ in seeds]
    enclave = None
    vor_tree = shapely.STRtree(vor)
    for face in faces:
        if face.area < 1.0:
            continue
        rp = face.point_on_surface()
        if not outline.contains(rp) or strip.contains(rp):
            continue  # outside the township, or the uncovered boundary strip
        if square.contains(rp):
            enclave = face
            continue
        owner = vor_tree.query(rp, predicate="intersects")
        pieces[int(owner[0])].append(face)
    cells = []
    for i, parts in enumerate(pieces):
        parts.sort(key=lambda f: -f.area)
        # A strip end can nip a corner off a neighbouring cell: the crumbs
        # join the uncovered strip rather than make a cell multi-part.
        for crumb in parts[1:]:
            assert crumb.area < 0.03 * parts[0].area, f"cell {i} split in two"
        cells.append(parts[0])
    assert enclave is not None and len(cells[a].interiors) == 1
    cells[b] = MultiPolygon([cells[b], enclave])
    return cells


def make_world(rng) -> World:
    cx, cy = TO_METRIC.transform(*CENTRE_LONLAT)
    cx, cy = round(cx), round(cy)
    outline = make_outline(rng, cx, cy)
    seeds = make_cell_seeds(rng, outline)
    seat = (cx - 700, cy + 300)  # the town seat (镇区): the communities cluster round it
    labels = group_villages(rng, seeds, outline)
    villages = name_villages(seeds, labels, seat)
    zones = make_zones(rng, cx, cy, outline)

    frame = outline.buffer(3000).envelope
    clipped = [p.intersection(outline) for p in voronoi(seeds, frame)]
    village_polys = [shapely.union_all([clipped[i] for i in np.flatnonzero(labels == j)])
                     for j in range(len(villages))]
    strip, strip_line, _pair = choose_strip(village_polys, zones)
    a, b, square = choose_enclave(clipped, labels, strip, zones)
    geoms = build_cells(seeds, outline, strip, square, a, b)

    cells = []
    for v in sorted(villages, key=lambda v: v.index):
        members = np.flatnonzero(labels == villages.index(v))
        members = sorted(members, key=lambda i: (-seeds[i][1], seeds[i][0]))
        for n, i in enumerate(members, start=1):
            cells.append(Cell(code=f"SF-{v.index:02d}-{n:02d}", name=f"{v.name}第{n}网格",
                              village=v, geom=geoms[i], seed=tuple(seeds[i])))
    by_seed = {c.seed: c for c in cells}
    holed, multipart = by_seed[tuple(seeds[a])], by_seed[tuple(seeds[b])]
    world = World(outline, sorted(villages, key=lambda v: v.index), cells, zones, strip,
                  strip_line, square, holed, multipart, seat)
    finish_geometry(world)
    return world


def finish_geometry(world: World) -> None:
    """WGS84 geometry of the cells (7 decimals, RFC 7946 winding), checked."""
    for c in world.cells:
        c.wgs = shapely.orient_polygons(to_wgs84(c.geom), exterior_cw=False)
    geoms = np.array([c.wgs for c in world.cells])
    assert shapely.is_valid(geoms).all(), [c.code for c in world.cells if not c.wgs.is_valid]
    assert shapely.coverage_is_valid(geoms), "cells overlap or their edges do not match"
    tree = shapely.STRtree(geoms)
    overlaps = tree.query(geoms, predicate="overlaps")
    assert overlaps.size == 0, overlaps
    assert world.holed.wgs.geom_type == "Polygon" and len(world.holed.wgs.interiors) == 1
    assert world.multipart.wgs.geom_type == "MultiPolygon"
    assert not world.holed.geom.touches(world.multipart.geom.geoms[0])


# =====================================================================
# tiers: how far each cell's risk may go, so that all four colours occur
# =====================================================================

def assign_tiers(world: World) -> None:
    """Plan each cell's highest colour before placing points.

    Chemical-park cells and the core of the development zone may go red, the
    rest of the zones orange; the cells farthest from any zone are farmland
    and residential (blue: shops and services only, four of them empty); the
    others are yellow (workshops, warehouses, idle premises). Generators below
    respect the tier of the cell a point falls in.
    """
    z = world.zones
    all_zones = shapely.union_all([zz.geom for zz in z.values()])
    etdz_overlap = []
    for c in world.cells:
        if c.geom.intersection(z["chem"].geom).area > 50_000:
            c.tier = "red"
        elif c.geom.intersection(all_zones).area > 100_000:
            c.tier = "orange"
            etdz_overlap.append((c.geom.intersection(z["etdz"].geom).area, c.code, c))
        elif c.geom.intersection(all_zones).area > 0:
            c.tier = "orange"
    for _, _, c in sorted(etdz_overlap, key=lambda t: (-t[0], t[1]))[:2]:
        c.tier = "red"
    free = [c for c in world.cells if c.tier == "yellow"
            and c not in (world.holed, world.multipart)
            and shapely.distance(c.geom, world.strip) > 150]
    free.sort(key=lambda c: (-shapely.distance(c.geom, all_zones), c.code))
    for c in free[:12]:
        c.tier = "blue"
    rural = [c for c in free[:12] if not c.village.community]
    for c in rural[:4]:
        c.empty = True


# =====================================================================
# enterprises
# =====================================================================

# industry code → name word. GB/T 4754-2017 classes only (2017 splits 1810 into
# 1811/1819 and 47 into 4710/4720/4790).
INDUSTRIES = {
    "2614": "有机化工", "2619": "化工原料", "2631": "农药化工", "2641": "涂料", "2651": "合成树脂",
    "2661": "化学助剂", "2710": "药业", "5942": "危险化学品仓储",
    "3311": "钢结构", "3360": "金属表面处理", "3421": "数控机床", "3484": "精密机械",
    "3670": "汽车零部件", "3831": "电线电缆", "2922": "塑料型材", "3130": "钢材压延",
    "4430": "热电", "5920": "仓储物流", "1491": "营养食品", "1713": "印染", "1711": "纺纱",
    "1819": "服饰", "2110": "家具", "2319": "包装印刷", "1391": "淀粉制品", "5990": "仓储",
    "4790": "建筑工程", "4910": "电气安装工程",
    "5212": "超市", "5211": "百货商店", "5223": "果蔬店", "5261": "汽车销售服务",
    "5264": "摩托车行", "5265": "加油站", "6210": "饭店", "6220": "快餐店", "8040": "美容美发",
    "8111": "汽车修理厂", "6110": "宾馆",
}
CHEMICAL = {"2614", "2619", "2631", "2641", "2651", "2661", "2710", "5942"}
SERVICES = {"5212", "5211", "5223", "5261", "5264", "5265", "6210", "6220", "8040", "8111",
            "6110"}

# (where, industry, how many). Chemicals in the chemical park (a few legacy
# ones elsewhere in the development zone); manufacturing in the zones and, as
# small workshops, in the villages; shops and services everywhere people live.
ENTERPRISE_PLAN = [
    ("chem", "2614", 8), ("chem", "2619", 3), ("chem", "2631", 4), ("chem", "2641", 6),
    ("chem", "2661", 7), ("chem", "2651", 4), ("chem", "2710", 4), ("chem", "5942", 3),
    ("etdz", "2641", 2), ("etdz", "2661", 2),
    ("etdz", "3311", 6), ("etdz", "3360", 5), ("etdz", "3421", 6), ("etdz", "3484", 12),
    ("etdz", "3670", 8), ("etdz", "3831", 4), ("etdz", "2922", 6), ("etdz", "3130", 3),
    ("etdz", "4430", 1), ("etdz", "5920", 5), ("etdz", "1491", 3),
    ("park", "1713", 4), ("park", "1711", 4), ("park", "1819", 8), ("park", "2110", 5),
    ("park", "2319", 4), ("park", "1391", 3), ("park", "3484", 6), ("park", "2922", 3),
    ("hitech", "3831", 3), ("hitech", "3421", 3), ("hitech", "3484", 4), ("hitech", "2710", 1),
    ("village", "3484", 13), ("village", "3311", 5), ("village", "1819", 7),
    ("village", "2110", 5), ("village", "2922", 4), ("village", "3360", 2),
    ("village", "1391", 3), ("village", "5990", 5), ("village", "5920", 4),
    ("village", "4790", 6), ("village", "4910", 4),
    ("town", "5212", 14), ("town", "5211", 3), ("town", "5223", 14), ("town", "5261", 3),
    ("town", "5264", 5), ("town", "5265", 3), ("town", "6210", 30), ("town", "6220", 18),
    ("town", "8040", 18), ("town", "8111", 10), ("town", "6110", 4),
]

BRANDS = ["恒泰", "澄禾", "宏润", "锦川", "瑞丰", "华通", "远航", "金鼎", "长运", "天盛", "新禾",
          "博川", "嘉诚", "永安", "润泽", "泰和", "鑫源", "鼎新", "卓越", "开元", "明辉", "和信",
          "晨光", "兴达", "广源", "众联", "佳禾", "盛世", "安达", "东升", "宇航", "立信", "安澜",
          "德隆", "丰茂", "亿成", "祥和", "中孚", "通达", "华瑞", "青禾", "云帆", "振华", "捷成",
          "科瑞", "益民", "百川", "同舟", "顺昌", "福临", "惠民", "金桥", "景程", "启航", "万通",
          "恒昌", "凯达", "庆丰", "禾润", "银杉"]

# (L, E, C) of the LEC method (作业条件危险性评价法) giving D in each colour's band
# of layers/enterprise.toml; the demo's D values are real products of the tables.
LEC_BANDS = {
    "blue": [(1, 3, 7), (1, 6, 7), (3, 3, 3), (1, 2, 15), (3, 6, 3), (1, 3, 15)],
    "yellow": [(3, 6, 7), (1, 6, 15), (3, 3, 15), (6, 2, 7), (3, 2, 15), (1, 3, 40)],
    "orange": [(6, 6, 7), (3, 6, 15), (3, 10, 7), (6, 2, 15), (1, 6, 40), (3, 2, 40)],
    "red": [(3, 3, 40), (1, 10, 40)],
}


@dataclass
class Site:
    """Any point of a ledger, with what the generators need to know about it."""

    layer: str  # enterprise | idle_site | confined_space | major_hazard
    key: str
    name: str
    x: float
    y: float
    cell: Cell | None
    zone: str | None
    row: dict  # ledger columns by label
    attrs: dict  # parsed field values by field name (layers/*.toml), for the risk rules
    unit: str = ""  # responsible unit for hazards
    person: str = ""
    group: str = ""  # chem | mfg | service | build | idle | cs | mh

    @property
    def tier(self) -> str:
        return self.cell.tier if self.cell else "outside"

    @property
    def lonlat(self) -> tuple[float, float]:
        return lonlat(self.x, self.y)

    @property
    def level(self) -> str:
        """Inherent level by its layer's risk rules, before escalation."""
        return inherent_level(self.attrs, RULES.layers[self.layer].risk)

    @property
    def ref(self) -> tuple[str, str]:
        """(点位类型, 点位编号): how the hazard ledger names this point."""
        return RULES.layers[self.layer].label, self.key


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


def make_enterprises(rng, world: World, names: Names) -> list[Site]:
    """The enterprise ledger: 330 enterprises placed by ENTERPRISE_PLAN."""
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
        level = inherent_level({"industry": industry}, RULES.layers["enterprise"].risk)
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
            sites.append(Site("enterprise", row["统一社会信用代码"], name, x, y, cell,
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


# =====================================================================
# idle premises
# =====================================================================

IDLE_CATEGORIES = ["城乡结合部闲置厂房", "农村闲置院落", "废弃厂房", "园区外租厂房"]
IDLE_USES = ["闲置", "空置", "堆放杂物", "出租作仓库", "出租作小型加工", "出租作物流中转"]


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


def make_idle_sites(rng, world: World, names: Names) -> list[Site]:
    """45 idle premises: 8 outside every cell (5 in the boundary strip, 3 just
    outside the outline), one in the enclave, the rest by category where such
    premises are found.
    """
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
        level = inherent_level(attrs, RULES.layers["idle_site"].risk)
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
        elif category == "农村闲置院落":
            title = f"{cell.village.name}{int(rng.integers(1, 12))}组闲置院落"
        elif category == "废弃厂房":
            title = f"{cell.village.name}原{pick(rng, ['砖瓦厂', '五金厂', '纸箱厂', '农机站'])}"
        else:
            title = f"{pick(rng, BRANDS)}{category.removesuffix('厂房')}厂房"
        title += "（虚构）"
        owner = (f"{cell.village.name}{'居民' if cell.village.community else '村民'}委员会"
                 if cell is not None and rng.random() < 0.3 else None)
        row = idle_row(rng, names, category, title, inspected, owner)
        row["编号"] = f"SF-XZ-{n:03d}"
        zone = world.zone_role_at(x, y)
        sites.append(Site("idle_site", row["编号"], title, x, y, cell, zone, row,
                          {"category": category, "last_inspection": row["最近检查日期"]},
                          unit=row["产权人"], person=row["安全责任人"], group="idle"))
    return sites


# =====================================================================
# confined spaces
# =====================================================================

# (name, 类型, 危险有害因素, department)
CS_TEMPLATES = {
    "chem": [("反应釜", "密闭设备", ["缺氧", "有毒", "可燃"], "生产车间"),
             ("原料储罐", "密闭设备", ["有毒", "可燃"], "罐区"),
             ("污水处理池", "地下", ["缺氧", "有毒"], "环保部"),
             ("污水井", "地下", ["缺氧", "有毒"], "环保部"),
             ("化粪池", "地下", ["缺氧", "有毒", "可燃"], "行政部")],
    "food": [("发酵罐", "密闭设备", ["缺氧"], "生产车间"), ("料仓", "地上", ["缺氧"], "仓储部"),
             ("污水处理池", "地下", ["缺氧", "有毒"], "环保部"),
             ("化粪池", "地下", ["缺氧", "有毒", "可燃"], "行政部")],
    "dye": [("废水收集池", "地上", ["缺氧", "有毒"], "印染车间"),
            ("污水井", "地下", ["缺氧", "有毒"], "环保部"),
            ("染色机", "密闭设备", ["缺氧"], "印染车间")],
    "metal": [("废水收集池", "地上", ["缺氧", "有毒"], "表面处理车间"),
              ("地下电缆沟", "地下", ["缺氧"], "设备部"),
              ("酸洗槽", "地上", ["有毒"], "表面处理车间")],
    "store": [("地下室", "地下", ["缺氧"], "仓储部"),
              ("化粪池", "地下", ["缺氧", "有毒", "可燃"], "行政部")],
    "heat": [("锅炉", "密闭设备", ["缺氧"], "动力车间"),
             ("烟道", "密闭设备", ["缺氧", "有毒"], "动力车间"),
             ("地下电缆沟", "地下", ["缺氧"], "设备部")],
}
CS_GROUP = {**{c: "chem" for c in CHEMICAL}, "1391": "food", "1491": "food", "1713": "dye",
            "3360": "metal", "3311": "metal", "5920": "store", "5990": "store", "4430": "heat"}
CS_CONTROLS = ["先通风、再检测、后作业，专人监护", "作业审批，气体检测合格后进入，配备正压式呼吸器",
               "入口上锁并设警示标识，作业前强制通风", "持续机械通风，配备四合一气体检测仪和安全绳"]


def make_confined_spaces(rng, world: World, enterprises: list[Site]) -> list[Site]:
    """90 confined spaces, each within 50 m of its enterprise and in the same cell."""
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
            yes = {True: "是", False: "否"}
            code = f"SF-YX-{len(sites) + 1:03d}"
            row = {"编号": code, "名称": f"{n}#{title}",
                   "所属企业统一社会信用代码": owner.row["统一社会信用代码"],
                   "所属企业": owner.name, "所属部门": dept, "类型": kind,
                   "危险有害因素": "、".join(hazards), "管控措施": pick(rng, CS_CONTROLS),
                   "作业审批制度": yes[bool(rng.random() < 0.92)],
                   "警示标识": yes[bool(rng.random() < 0.85)], "上锁管理": yes[bool(locked)],
                   "赋码管理": yes[bool(rng.random() < 0.75)],
                   "检测及救援装备": yes[bool(rng.random() < 0.8)]}
            sites.append(Site("confined_space", code, f"{owner.name}{n}#{title}", x, y,
                              owner.cell, owner.zone, row,
                              {"hazards": hazards, "locked": bool(locked)},
                              unit=owner.name, person=owner.person, group="cs"))
    for s in sites:
        assert LEVEL_RANK[s.level] <= LEVEL_RANK[s.cell.tier]
    return sites


# =====================================================================
# major hazard installations
# =====================================================================

# (title, substances with relative shares, target grade, people within 500 m)
MH_DESIGNS = [
    ("液氯及液氨储存区", {"氯": 0.6, "液氨": 0.4}, "一级", 420),
    ("环氧乙烷罐区", {"环氧乙烷": 0.8, "甲醇": 0.2}, "一级", 260),
    ("脱硫装置区", {"硫化氢": 1.0}, "二级", 150),
    ("液氨罐区", {"液氨": 1.0}, "二级", 85),
    ("芳烃罐区", {"苯": 0.6, "甲苯": 0.4}, "二级", 130),
    ("甲醇罐区", {"甲醇": 1.0}, "三级", 60),
    ("液化石油气储罐区", {"液化石油气": 1.0}, "三级", 40),
    ("溶剂罐区", {"甲醇": 0.5, "甲苯": 0.5}, "三级", 110),
    ("液氯库房", {"氯": 1.0}, "三级", 12),
    ("甲醇中间罐区", {"甲醇": 1.0}, "四级", 25),
    ("甲苯储罐", {"甲苯": 1.0}, "四级", 0),
    ("苯储罐", {"苯": 1.0}, "四级", 35),
]
GRADE_RANGE = {"一级": (110, 180), "二级": (55, 95), "三级": (12, 45), "四级": (1.5, 8)}


def make_major_hazards(rng, world: World, enterprises: list[Site]) -> list[Site]:
    """12 installations of chemical enterprises, quantities chosen to hit each grade.

    Ten belong to enterprises in the chemical park; the last two (三级 and 四级,
    so that their orange cells stay orange) to the legacy chemical plants in
    the development zone. R值 and 等级 stay empty: the app computes them, as
    here, from the 危险物质及数量 text (GB 18218-2018, layers/substances.toml).
    """
    table = RULES.substances
    in_park = [s for s in enterprises if s.group == "chem" and s.zone == "chem"
               and s.attrs["industry"] != "2710"]
    legacy = [s for s in enterprises if s.group == "chem" and s.zone != "chem"
              and s.cell.tier in ("orange", "red")]
    legacy_designs = {"液化石油气储罐区", "甲苯储罐"}
    sites, used = [], set()
    for n, (title, shares, grade, people) in enumerate(MH_DESIGNS, start=1):
        pool = legacy if title in legacy_designs else in_park
        level = inherent_level({"grade": grade}, RULES.layers["major_hazard"].risk)
        pool = [s for s in pool if LEVEL_RANK[level] <= LEVEL_RANK[s.cell.tier]
                and s.key not in used]
        owner = pool[int(rng.integers(len(pool)))]
        used.add(owner.key)
        lo, hi = GRADE_RANGE[grade]
        while True:  # R = α·Σβq/Q: scale the shares to a target R in the grade's band
            r_target = rng.uniform(lo, hi)
            weighted = sum(table[k].beta * w for k, w in shares.items())
            s_total = r_target / (alpha_for_people(people) * weighted)
            substances = ";".join(f"{k}:{fmt_num(round(s_total * w * table[k].threshold_t, 1))}"
                                  for k, w in shares.items())
            result = assess(parse_substances(substances), people, table)
            if result.grade == grade:  # None unless S ≥ 1
                break
        x, y = place_near(rng, world, owner, 30, 150)
        code = f"SF-WXY-{n:02d}"
        name = f"{owner.name.removesuffix('（虚构）')}{title}（虚构）"
        row = {"编号": code, "名称": name,
               "所属企业统一社会信用代码": owner.row["统一社会信用代码"],
               "所属企业": owner.name,
               "危险物质及数量": substances,
               "500米内人数": people, "R值": None, "等级": None}
        sites.append(Site("major_hazard", code, name, x, y, owner.cell, owner.zone, row,
                          {"grade": result.grade, "s": result.s, "r": result.r},
                          unit=owner.name, person=owner.person, group="mh"))
    return sites


# =====================================================================
# risk top-up: every zone cell reaches its planned colour
# =====================================================================

def top_up(rng, world: World, sites: list[Site]) -> list[Site]:
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
        set_lec(rng, candidates[0], c.tier)
    triggers = []
    for c in red_by_hazard:
        candidates = sorted((s for s in sites if s.cell is c and s.group in ("mfg", "build")),
                            key=lambda s: s.key)
        triggers.append(candidates[0])
    return triggers


# =====================================================================
# hazards
# =====================================================================

DESCRIPTIONS = {
    ("chem", "一般"): ["危险化学品未分类分区存放", "储罐区防火堤存在破损",
                     "可燃气体报警器未定期检定",
                     "动火作业票填写不规范", "安全阀未按期校验", "消防通道堵塞",
                     "作业场所未设置安全警示标志", "应急预案未按期演练"],
    ("chem", "重大"): ["涉及危险化工工艺的生产装置未实现自动化控制",
                     "涉及可燃和有毒有害气体泄漏的场所未按国家标准设置检测报警装置",
                     "未按国家标准分区分类储存危险化学品，超量、超品种储存"],
    ("mfg", "一般"): ["电气线路私拉乱接", "机械设备防护罩缺失", "消防通道堵塞", "灭火器过期未更换",
                    "特种作业人员未持证上岗", "货架超高堆放", "叉车未定期检验",
                    "安全生产责任制未落实到岗位", "配电箱未上锁、无警示标识"],
    ("mfg", "重大"): ["粉尘爆炸危险场所除尘系统未按规定设置泄爆装置",
                    "会议室、休息室等人员聚集场所设置在涉爆车间内",
                    "生产、储存场所与员工宿舍在同一建筑内"],
    ("service", "一般"): ["液化气钢瓶与灶具间距不足", "厨房烟道油污未定期清理",
                        "安全出口指示标志损坏",
                        "电气线路私拉乱接", "灭火器过期未更换", "疏散通道堆放杂物"],
    ("service", "重大"): ["餐饮场所使用燃气未按规定安装可燃气体浓度报警装置",
                        "经营场所与员工宿舍在同一建筑内"],
    ("cs", "一般"): ["有限空间未设置警示标识", "未按规定开展气体检测", "有限空间未实施上锁管理",
                   "有限空间台账信息不全", "救援装备未定期检查", "作业人员未经专项培训"],
    ("cs", "重大"): ["有限空间作业未执行“先通风、再检测、后作业”要求",
                   "有限空间作业未落实审批且现场无监护人员"],
    ("idle", "一般"): ["闲置厂房内堆放可燃杂物", "电气线路私拉乱接", "消防通道堵塞",
                     "厂房屋面彩钢板破损", "未设置标识牌", "出租厂房未签订安全管理协议"],
    ("idle", "重大"): ["闲置厂房违规储存危险化学品",
                     "出租厂房擅自改作生产经营场所并设员工宿舍（“三合一”）"],
    ("mh", "一般"): ["重大危险源监测监控数据未接入平台", "包保责任人履职记录不全",
                   "罐区视频监控存在盲区", "安全阀未按期校验"],
    ("mh", "重大"): ["重大危险源未按规定设置可燃、有毒气体检测报警装置",
                   "重大危险源罐区未实现紧急切断功能"],
}
HAZARD_WEIGHT = {"chem": 3.0, "mfg": 2.0, "build": 1.5, "service": 0.5, "cs": 1.0,
                 "mh": 2.5, "idle": 1.2}


def random_found(rng) -> dt.date:
    # More inspections lately: the campaign ramps up, so later dates are likelier.
    span = (AS_OF - dt.timedelta(days=1) - FIRST_FOUND).days
    return FIRST_FOUND + dt.timedelta(days=int(span * rng.beta(1.4, 1.0)))


def hazard_row(rng, site: Site, level: str, found: dt.date, state: str | None = None,
               listed: bool | None = None, deadline_days: int | None = None) -> dict:
    group = "mfg" if site.group == "build" else site.group
    days = deadline_days or int(rng.integers(30, 91) if level == "重大" else rng.integers(7, 31))
    deadline = found + dt.timedelta(days=days)
    if state is None:
        age = (AS_OF - found).days
        p_closed = (0.99 if found < STOCK_CUTOFF else 0.93 if age > 365 else 0.85 if age > 150
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


def make_hazards(rng, sites: list[Site], triggers: list[Site], n: int = 240) -> list[dict]:
    """240 hazards across all point layers, ~12% 重大.

    An open 重大 hazard turns its point red, so open ones sit only at points
    in red cells or outside every cell; elsewhere 重大 hazards are closed
    (动态清零). The trigger enterprises get the open 重大 hazard that makes
    their cells red; three more in the chemical park are listed (挂牌督办),
    two of those overdue.
    """
    rows = []
    # designed: open majors
    for s in triggers:
        rows.append(hazard_row(rng, s, "重大", AS_OF - dt.timedelta(days=int(rng.integers(20, 60))),
                               state="整改中", listed=False, deadline_days=60))
    red_chem = sorted((s for s in sites if s.group in ("chem", "mh") and s.tier == "red"),
                      key=lambda s: s.key)
    for k, i in enumerate(rng.choice(len(red_chem), 3, replace=False)):
        found = AS_OF - dt.timedelta(days=int(rng.integers(100, 140) if k < 2 else 25))
        rows.append(hazard_row(rng, red_chem[int(i)], "重大", found,
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
                rows.append(hazard_row(rng, site, "重大", found))
            else:  # closed long ago: found at least 60 days before AS_OF
                found = min(found, AS_OF - dt.timedelta(days=60))
                rows.append(hazard_row(rng, site, "重大", found, state="已销号"))
        else:
            rows.append(hazard_row(rng, site, "一般", found))
    rows.sort(key=lambda r: (r["发现日期"], r["点位编号"], r["隐患描述"]))
    per_year: dict[int, int] = {}
    for r in rows:
        y = r["发现日期"].year
        per_year[y] = per_year.get(y, 0) + 1
        r["隐患编号"] = f"YH{y}-{per_year[y]:04d}"
    return rows


# =====================================================================
# writing
# =====================================================================

def deterministic_zip(entries: list[tuple[str, bytes]], path: Path) -> None:
    """A zip with fixed timestamps and permissions, entries in the given order."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=FIXED_STAMP.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    path.write_bytes(buf.getvalue())


def write_geojson(world: World, path: Path) -> None:
    """RFC 7946 FeatureCollection, WGS84, one feature per line."""
    features = []
    for c in world.cells:
        features.append(json.dumps({"type": "Feature", "properties": c.props,
                                    "geometry": mapping(c.wgs)}, ensure_ascii=False))
    head = json.dumps(NOTE, ensure_ascii=False)
    text = ('{"type": "FeatureCollection", "说明": ' + head + ', "features": [\n'
            + ",\n".join(features) + "\n]}\n")
    path.write_text(text, encoding="utf-8")


def cell_properties(rng, world: World, names: Names) -> None:
    """Cell attributes with the Chinese labels of layers/cell.toml."""
    for c in world.cells:
        members = [names.person() for _ in range(1 if rng.random() < 0.6 else 2)]
        role = max(world.zones, key=lambda r: c.geom.intersection(world.zones[r].geom).area)
        if c.geom.intersection(world.zones[role].geom).area > 100_000:
            # the chemical park is run by the development zone around it
            zone = world.zones["etdz" if role == "chem" else role]
            unit = f"{zone.name.removesuffix('（虚构）')}管理委员会（虚构）"
        elif rng.random() < 0.25:
            unit = TOWN_OFFICE
        else:
            unit = f"{c.village.name}{'居民' if c.village.community else '村民'}委员会"
        c.props = {"网格编码": c.code, "网格名称": c.name, "村社区": c.village.name,
                   "村社区代码": c.village.code, "镇街道": TOWN, "网格员": "、".join(members),
                   "网格员电话": "、".join(names.phone("1380000") for _ in members),
                   "监管单位": unit, "监管责任人": names.person()}


def write_zones(world: World, path: Path) -> None:
    """Zipped ESRI Shapefile in EPSG:4549 with a GBK attribute table and no .cpg.

    That is how boundary files usually arrive from Chinese offices; the
    importer has to read the .prj and guess the encoding from the .dbf bytes.
    """
    zones = list(world.zones.values())
    frame = gpd.GeoDataFrame(
        {"GNQBM": [z.code for z in zones], "GNQMC": [z.name for z in zones],
         "LX": [z.kind for z in zones],
         "PF": [z.score if z.score is not None else np.nan for z in zones]},
        geometry=[shapely.set_precision(z.geom, 0.001) for z in zones], crs=METRIC)
    with tempfile.TemporaryDirectory() as tmp:
        shp = Path(tmp) / "zones.shp"
        frame.to_file(shp, driver="ESRI Shapefile", encoding="GBK", engine="pyogrio")
        parts = {}
        for ext in ("shp", "shx", "dbf", "prj"):
            parts[ext] = shp.with_suffix(f".{ext}").read_bytes()
    dbf = bytearray(parts["dbf"])
    # DBF header bytes 1–3 hold the date of last update (YY-1900, MM, DD): fix it.
    dbf[1:4] = bytes([FIXED_STAMP.year - 1900, FIXED_STAMP.month, FIXED_STAMP.day])
    parts["dbf"] = bytes(dbf)
    assert "示范化工园区（虚构）".encode("gbk") in parts["dbf"], "DBF is not GBK"
    deterministic_zip([(f"zones.{ext}", parts[ext]) for ext in ("shp", "shx", "dbf", "prj")],
                      path)


def write_xlsx(path: Path, sheet: str, headers: list[str], rows: list[dict],
               crs_note: str) -> None:
    """One data sheet (first, as the importer reads it) and a 说明 sheet."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([row.get(h) for h in headers])
    for col, h in zip(ws.iter_cols(min_row=2), headers, strict=True):
        for cell in col:
            if isinstance(cell.value, dt.date):
                cell.number_format = "yyyy-mm-dd"
        width = max([len(str(h)) * 2] + [len(str(c.value or "")) * 1.6 for c in col[:50]])
        ws.column_dimensions[col[0].column_letter if col else "A"].width = min(48, width + 2)
    ws.freeze_panes = "A2"
    notes = wb.create_sheet("说明")
    for line in (NOTE, crs_note, f"数据截至 {AS_OF.isoformat()}。"):
        notes.append([line])
    wb.properties.creator = "scripts/make_demo_data.py"
    wb.properties.title = f"{TOWN}{sheet}（虚构示范数据）"
    wb.properties.created = FIXED_STAMP
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl stamps 'modified' with the wall clock and the zip entries with
    # local time on save: rewrite both so reruns are byte-identical.
    stamp = FIXED_STAMP.strftime("%Y-%m-%dT%H:%M:%SZ")
    entries = []
    with zipfile.ZipFile(buf) as zf:
        for info in zf.infolist():
            data = zf.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + stamp.encode() + rb"\g<2>", data)
            entries.append((info.filename, data))
    deterministic_zip(entries, path)


def write_idle_csv(path: Path, headers: list[str], sites: list[Site]) -> None:
    """GBK CSV with GCJ-02 coordinates, as exported by Chinese Excel after copying
    positions from 高德."""
    xy = np.array([s.lonlat for s in sites])
    glon, glat = wgs84_to_gcj02(xy[:, 0], xy[:, 1])
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers + ["经度", "纬度"])
    for s, lo, la in zip(sites, glon, glat, strict=True):
        values = [s.row[h] for h in headers]
        values = ["" if v is None else fmt_num(v) if isinstance(v, float) else v for v in values]
        writer.writerow(values + [f"{lo:.6f}", f"{la:.6f}"])
    path.write_bytes(buf.getvalue().encode("gbk"))


def labels_of(name: str) -> list[str]:
    """The column labels of a point layer or table, in the order of its layers/ file."""
    spec = RULES.layers.get(name) or RULES.tables[name]
    return [f.label for f in spec.fields]


def point_rows(sites: list[Site], headers: list[str]) -> list[dict]:
    rows = []
    for s in sites:
        lon, lat = s.lonlat
        rows.append({**{h: s.row.get(h) for h in headers}, "经度": lon, "纬度": lat})
    return rows


MANIFEST = """\
# The bundled demo (synthetic 示范镇（虚构）), loaded in this order by geoapp.store.demo.
# Generated by scripts/make_demo_data.py.

[[files]]
kind = "cells"            # cells | zones | points | hazards
path = "boundaries/cells.geojson"

[[files]]
kind = "zones"
path = "boundaries/zones.zip"

[[files]]
kind = "points"
layer = "enterprise"
path = "enterprises.xlsx"
crs = "wgs84"

[[files]]
kind = "points"
layer = "idle_site"
path = "idle_sites.csv"
crs = "gcj02"

[[files]]
kind = "points"
layer = "confined_space"
path = "confined_spaces.xlsx"
crs = "wgs84"

[[files]]
kind = "points"
layer = "major_hazard"
path = "major_hazards.xlsx"
crs = "wgs84"

[[files]]
kind = "hazards"
path = "hazards.xlsx"
"""


def write_all(world, enterprises, idle, spaces, majors, hazards) -> None:
    (DATA / "boundaries").mkdir(parents=True, exist_ok=True)
    write_geojson(world, DATA / "boundaries" / "cells.geojson")
    write_zones(world, DATA / "boundaries" / "zones.zip")
    wgs = "坐标系：WGS84 经纬度（EPSG:4326）。"
    h = labels_of("enterprise")
    write_xlsx(DATA / "enterprises.xlsx", "企业台账", h + ["经度", "纬度"],
               point_rows(enterprises, h), wgs)
    write_idle_csv(DATA / "idle_sites.csv", labels_of("idle_site"), idle)
    h = labels_of("confined_space")
    write_xlsx(DATA / "confined_spaces.xlsx", "有限空间台账", h + ["经度", "纬度"],
               point_rows(spaces, h), wgs)
    h = labels_of("major_hazard")
    write_xlsx(DATA / "major_hazards.xlsx", "重大危险源台账", h + ["经度", "纬度"],
               point_rows(majors, h), wgs + "R值、等级留空，由系统按危险物质计算。")
    write_xlsx(DATA / "hazards.xlsx", "隐患台账", labels_of("hazard"), hazards,
               "隐患按点位类型和点位编号关联到点位。")
    (DATA / "demo.toml").write_text(MANIFEST, encoding="utf-8")


# =====================================================================
# self-check
# =====================================================================

def self_check(world: World, sites: list[Site], hazards: list[dict]) -> None:
    """Each cell's level as the app computes it (its points' levels by the layer
    rules, escalated by an open 重大 hazard, then the area rule), each point
    found by point-in-polygon on the written coordinates."""
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
        counts[cell.code][escalated_level(s.level, s.ref in open_major, RULES.risk)] += 1
    level = {code: area_level(n, RULES.risk.area) for code, n in counts.items()}
    per_colour = {lv: sum(1 for v in level.values() if v == lv) for lv in LEVEL_ORDER}
    print("cells per colour (self-check):", per_colour)
    print("cells with no points:", sum(1 for n in counts.values() if not any(n.values())))
    print("points outside every cell:", len(outside),
          sorted({s.layer for s in outside}))
    assert all(per_colour.values()), per_colour
    assert per_colour["blue"] >= 8
    assert len(outside) >= 6
    keys = {s.ref for s in sites}
    assert all((h["点位类型"], h["点位编号"]) in keys for h in hazards)


def report(world, enterprises, idle, spaces, majors, hazards) -> None:
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
          f"stock {sum(h['发现日期'] < STOCK_CUTOFF for h in hazards)}")


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


# =====================================================================

def main() -> None:
    rng = np.random.default_rng(SEED)
    names = Names(rng)
    world = make_world(rng)
    assign_tiers(world)
    cell_properties(rng, world, names)
    enterprises = make_enterprises(rng, world, names)
    idle = make_idle_sites(rng, world, names)
    spaces = make_confined_spaces(rng, world, enterprises)
    majors = make_major_hazards(rng, world, enterprises)
    sites = enterprises + idle + spaces + majors
    triggers = top_up(rng, world, sites)
    hazards = make_hazards(rng, sites, triggers)
    check_hazards(hazards)
    write_all(world, enterprises, idle, spaces, majors, hazards)
    report(world, enterprises, idle, spaces, majors, hazards)
    self_check(world, sites, hazards)


if __name__ == "__main__":
    main()
