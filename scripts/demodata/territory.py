"""The territory: township outline, grid-cell seeds, villages, functional
zones, the uncovered boundary strip (交界地带), the enclave (飞地), the final
cell geometry, each cell's planned highest colour (tier) and its attributes.
"""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry import MultiPolygon, Polygon
from shapely.ops import substring

from .common import (
    CENTRE_LONLAT,
    METRIC,
    TOWN,
    TOWN_CODE,
    TOWN_OFFICE,
    Context,
    sample_in,
    to_wgs84,
    voronoi,
)
from .content import COMMUNITY_NAMES, VILLAGE_NAMES
from .model import Cell, Village, World, Zone


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


def group_villages(rng, seeds: np.ndarray, outline: Polygon, k: int = 16,
                   sizes_within: tuple[int, int] = (2, 10**6)) -> np.ndarray:
    """Village of each cell seed: k-means, i.e. the nearest of k village seeds.

    Returns one label per seed. Restarts until every village's number of
    cells is within `sizes_within` (at least two by default) and the village
    is one piece (a village cut in two by its neighbour is not a village);
    the generator makes the restarts deterministic too.
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
        if sizes.min() < sizes_within[0] or sizes.max() > sizes_within[1]:
            continue
        pieces = [shapely.union_all([polys[i] for i in np.flatnonzero(labels == j)])
                  for j in range(k)]
        if all(p.geom_type == "Polygon" for p in pieces):
            return labels
    raise RuntimeError("no acceptable village grouping found")

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


def make_world(ctx: Context) -> World:
    """The township with its villages, zones and cells, WGS84 geometry checked."""
    rng = ctx.rng
    to_metric = Transformer.from_crs("EPSG:4326", METRIC, always_xy=True)
    cx, cy = to_metric.transform(*CENTRE_LONLAT)
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


def cell_properties(ctx: Context, world: World) -> None:
    """Cell attributes with the Chinese labels of layers/cell.toml."""
    rng, names = ctx.rng, ctx.names
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

