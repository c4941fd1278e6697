"""The county around the township: 示范县（虚构）, its other town-level units.

The township (示范镇（虚构）, built by `territory`) is one of four town-level
units. The other three lie next to it, each with its own villages or
communities and grid cells: a town (镇), a sub-district (街道) and a
development zone with its own office (开发区管委会), which the cells' 镇街道
column names as a town-level unit of its own. All invented (虚构).

They are drawn from a random generator of their own (COUNTY_SEED), after the
township is complete, so that adding them changes nothing of the township:
its cells, points, keys, hazards and colours are those of the one-township
demo, byte for byte; the county's rows follow them in every file.

Geometry: each unit is the land between the township's outline and a wider,
wobbly outline, between two borders running outwards from the township. A
unit shares the township's boundary along its side; the borders leave out the
north and the south, where the township's three idle premises just outside
its outline stay outside every cell (the neighbouring county's land). Cells
are Voronoi cells of Lloyd-relaxed seeds, noded together with every unit's
outline; where a cell edge meets the township, its end is moved to the
nearest vertex of the township's cells, so that every cell of the county,
old and new, shares exact vertices with its neighbours (no slivers, no
overlaps). The uncovered strip and the enclave exist only in the township.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from shapely.geometry import LinearRing, LineString, Point, Polygon

from .common import MARGIN, NOTE, REGION_CODE, Context, to_wgs84, voronoi
from .model import Cell, Village, World
from .territory import group_villages, make_cell_seeds

COUNTY_SEED = 20241102  # the county's own stream: the township's draws stay as they were


@dataclass(frozen=True)
class UnitPlan:
    """One town-level unit besides the township."""

    prefix: str  # of its cell codes, PREFIX-vv-cc; sorts after the township's SF
    name: str  # as the cells' 镇街道 column names it
    code: str  # 9-digit town code (统计用区划代码): 320205 + 99x, invented
    kind: str  # 镇 | 街道 | 开发区
    office: str  # the unit's own supervising office (监管单位 of some cells)
    angles: tuple[float, float]  # its borders, degrees counter-clockwise from east
    n_cells: int
    villages: tuple[tuple[str, bool], ...]  # (name, 社区?) in code order
    roads: tuple[str, ...]  # for addresses


UNITS = (
    UnitPlan("TW", "桐湾镇（虚构）", REGION_CODE + "998", "镇", "桐湾镇应急管理办公室（虚构）",
             (150.0, 212.0), 15,
             (("桐湾社区", True), ("柏树村", False), ("芦荡村", False), ("双河村", False)),
             ("桐湾大街", "柏树路", "双河路", "芦荡路")),
    UnitPlan("YJ", "云锦街道（虚构）", REGION_CODE + "997", "街道",
             "云锦街道应急管理办公室（虚构）", (212.0, 252.0), 12,
             (("云锦社区", True), ("翠苑社区", True), ("秀水社区", True), ("白鹭村", False)),
             ("云锦路", "翠苑路", "秀水街", "白鹭路", "建设路")),
    UnitPlan("WH", "望湖经济开发区管委会（虚构）", REGION_CODE + "996", "开发区",
             "望湖经济开发区管委会安全生产监督管理局（虚构）", (312.0, 385.0), 14,
             (("望湖社区", True), ("港城社区", True), ("湖滨村", False), ("金湾村", False)),
             ("望湖大道", "港城路", "湖滨路", "金湾路", "创业路", "临港路")),
)


@dataclass
class Unit:
    plan: UnitPlan
    geom: Polygon  # metric
    villages: list[Village]
    cells: list[Cell] = field(default_factory=list)


@dataclass
class County:
    """The township (its World) and the other units; lookups over the units' cells."""

    township: World
    units: list[Unit]

    def __post_init__(self):
        self.unit_cells = [c for u in self.units for c in u.cells]
        self.tree = shapely.STRtree([c.geom for c in self.unit_cells])
        self.edges = {id(c): c.geom.boundary for c in self.unit_cells}
        for g in self.edges.values():
            shapely.prepare(g)
        self.unit_of = {id(c): u for u in self.units for c in u.cells}

    @property
    def cells(self) -> list[Cell]:
        """Every cell of the county, the township's first, as cells.geojson lists them."""
        return self.township.cells + self.unit_cells

    @property
    def zones(self):
        """The functional zones, all in the township."""
        return self.township.zones

    @property
    def villages(self) -> list[Village]:
        return self.township.villages + [v for u in self.units for v in u.villages]

    def locate(self, x: float, y: float) -> Cell | None:
        """The unit cell at a point (None in the township or outside the county)."""
        hits = self.tree.query(Point(x, y), predicate="intersects")
        return self.unit_cells[int(hits[0])] if len(hits) else None

    def clear_of_edges(self, x: float, y: float, cell: Cell) -> bool:
        return shapely.distance(self.edges[id(cell)], Point(x, y)) >= MARGIN


def township_ring(world: World) -> list[tuple[float, float]]:
    """The township's outer boundary with every vertex of its cells on it, counter-clockwise.

    The union of a valid coverage keeps the cells' vertices: the nodes where
    the township's cell edges meet its outline are on this ring too.
    """
    covered = shapely.coverage_union_all([c.geom for c in world.cells])
    assert covered.geom_type == "Polygon", covered.geom_type
    ring = LinearRing(covered.exterior.coords)
    coords = list(ring.coords)[:-1]
    if not ring.is_ccw:
        coords.reverse()
    return coords


def border(rng, ring: list, centre: tuple[float, float], angle: float,
           reach: float = 25_000.0) -> LineString:
    """A unit border leaving the township at the ring vertex nearest the ray at `angle`:
    from that vertex outwards, with a little wobble, far beyond the county's outline."""
    a = np.radians(angle)
    direction = np.array([np.cos(a), np.sin(a)])
    ray = LineString([centre, tuple(np.array(centre) + reach * direction)])
    hit = shapely.intersection(ray, LinearRing(ring))
    hit = min(shapely.get_parts(hit), key=lambda p: shapely.distance(p, Point(centre)))
    i = int(np.argmin([(x - hit.x) ** 2 + (y - hit.y) ** 2 for x, y in ring]))
    start = np.array(ring[i])
    normal = np.array([-direction[1], direction[0]])
    pts = [tuple(start)]
    for d in np.arange(700.0, 7000.0, 700.0):
        p = start + d * direction + rng.uniform(-140, 140) * normal
        pts.append(tuple(np.round(p, 1)))
    pts.append(tuple(np.round(start + reach * direction, 1)))
    return LineString(pts)


def county_outline(rng, centre, scale: float = 1.5) -> Polygon:
    """The county's outer outline: a wider, wobbly ellipse around the township."""
    theta = np.linspace(0, 2 * np.pi, 120, endpoint=False)
    r = np.ones_like(theta)
    for k in (2, 3, 5, 7):
        r += rng.uniform(0.01, 0.04) * np.sin(k * theta + rng.uniform(0, 2 * np.pi))
    xy = np.column_stack([centre[0] + 7000 * scale * r * np.cos(theta),
                          centre[1] + 5500 * scale * r * np.sin(theta)])
    return Polygon(np.round(xy, 1))


def unit_outlines(rng, world: World, ring: list) -> list[Polygon]:
    """Each unit's outline, noded once with the township's ring and every border."""
    centre = (world.outline.centroid.x, world.outline.centroid.y)
    outer = county_outline(rng, centre)
    angles = sorted({a for p in UNITS for a in p.angles})
    lines = [LinearRing(ring), outer.exterior] + [border(rng, ring, centre, a) for a in angles]
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all(lines))))
    township = Polygon(ring)
    outlines = []
    for plan in UNITS:
        lo, hi = plan.angles
        mine = []
        for face in faces:
            p = face.point_on_surface()
            if township.contains(p) or not outer.contains(p):
                continue
            ang = np.degrees(np.arctan2(p.y - centre[1], p.x - centre[0])) % 360
            if lo <= ang < hi or lo <= ang + 360 < hi:
                mine.append(face)
        assert len(mine) == 1, (plan.prefix, len(mine))
        outlines.append(mine[0])
    return outlines


def name_unit_villages(plan: UnitPlan, seeds, labels) -> list[Village]:
    """Villages numbered in reading order (north to south, west to east), named in
    the plan's order; communities (社区) get codes 0xx, villages (村) 2xx."""
    k = labels.max() + 1
    centres = np.array([seeds[labels == j].mean(0) for j in range(k)])
    order = sorted(range(k), key=lambda j: (-(centres[j][1] // 2000), centres[j][0]))
    villages: list[Village] = [None] * k  # type: ignore[list-item]
    n_comm = n_vill = 0
    for index, j in enumerate(order, start=1):
        name, community = plan.villages[index - 1]
        if community:
            n_comm += 1
            code = f"{plan.code}{n_comm:03d}"
        else:
            code = f"{plan.code}{200 + (n_vill := n_vill + 1):03d}"
        villages[j] = Village(index, name, code, community, tuple(centres[j]))
    return villages


def snap_to_township(faces: list[Polygon], ring: list) -> list[Polygon]:
    """Move each vertex that a cell edge made on the township's ring to the nearer end
    of the ring segment it lies on, in every face that has it.

    The face on one side then takes the whole ring segment, the face on the
    other side none of it, and the township's cells, unchanged, still match
    the new cells vertex for vertex.
    """
    on_ring = set(ring)
    line = LinearRing(ring)
    segments = [LineString([ring[i], ring[(i + 1) % len(ring)]]) for i in range(len(ring))]
    tree = shapely.STRtree(segments)
    moved: dict[tuple, tuple] = {}
    out = []
    for face in faces:
        coords = []
        for c in face.exterior.coords[:-1]:
            if c not in on_ring and shapely.distance(line, Point(c)) < 1e-6:
                if c not in moved:
                    near = tree.query_nearest(Point(c))
                    seg = segments[int(near[0])]
                    ends = list(seg.coords)
                    moved[c] = min(ends, key=lambda e: (e[0] - c[0]) ** 2 + (e[1] - c[1]) ** 2)
                c = moved[c]
            if not coords or coords[-1] != c:
                coords.append(c)
        if coords[0] == coords[-1]:
            coords.pop()
        snapped = Polygon(coords, [i.coords for i in face.interiors])
        assert snapped.is_valid, shapely.is_valid_reason(snapped)
        out.append(snapped)
    return out


def make_units(rng, world: World) -> list[Unit]:
    """The units with their villages and cells (metric geometry, WGS84 checked later)."""
    ring = township_ring(world)
    outlines = unit_outlines(rng, world, ring)
    plans = []  # (plan, outline, seeds, labels, villages, Voronoi)
    lines = [LinearRing(ring)] + [g.exterior for g in outlines]
    for plan, geom in zip(UNITS, outlines, strict=True):
        for _attempt in range(20):  # new seeds until 3–5 cells per village is possible
            seeds = make_cell_seeds(rng, geom, plan.n_cells)
            try:
                labels = group_villages(rng, seeds, geom, len(plan.villages), sizes_within=(3, 5))
                break
            except RuntimeError:
                continue
        else:
            raise RuntimeError(f"{plan.name}: no acceptable village grouping found")
        villages = name_unit_villages(plan, seeds, labels)
        vor = voronoi(seeds, geom.buffer(3000).envelope)
        # clipped a metre beyond the outline: the noding puts the crossing on it exactly
        reach = geom.buffer(1.0)
        lines += [shapely.intersection(p.boundary, reach) for p in vor]
        plans.append((plan, geom, seeds, labels, villages, vor))
    faces = [f for f in shapely.get_parts(shapely.polygonize(
        shapely.get_parts(shapely.union_all(lines)))) if f.area >= 1.0]
    reps = [f.point_on_surface() for f in faces]
    units = []
    for plan, geom, seeds, labels, villages, vor in plans:
        mine = [i for i, rp in enumerate(reps) if geom.contains(rp)]
        snapped = snap_to_township([faces[i] for i in mine], ring)
        vor_tree = shapely.STRtree(vor)
        pieces: list[list] = [[] for _ in seeds]
        for i, face in zip(mine, snapped, strict=True):
            owner = vor_tree.query(reps[i], predicate="intersects")
            pieces[int(owner[0])].append(face)
        assert all(len(p) == 1 for p in pieces), (plan.prefix, [len(p) for p in pieces])
        unit = Unit(plan, geom, sorted(villages, key=lambda v: v.index))
        for v in unit.villages:
            members = sorted(np.flatnonzero(labels == villages.index(v)),
                             key=lambda i: (-seeds[i][1], seeds[i][0]))
            for n, i in enumerate(members, start=1):
                unit.cells.append(Cell(code=f"{plan.prefix}-{v.index:02d}-{n:02d}",
                                       name=f"{v.name}第{n}网格", village=v,
                                       geom=pieces[i][0], seed=tuple(seeds[i])))
        units.append(unit)
    return units


def finish_county(county: County) -> None:
    """WGS84 geometry of the units' cells, and every cell of the county checked together:
    valid, no overlaps, edges matching, the township's outside points still outside."""
    for c in county.unit_cells:
        c.wgs = shapely.orient_polygons(to_wgs84(c.geom), exterior_cw=False)
    geoms = np.array([c.wgs for c in county.cells])
    assert shapely.is_valid(geoms).all(), [c.code for c in county.cells if not c.wgs.is_valid]
    assert all(c.wgs.geom_type == "Polygon" for c in county.unit_cells)
    assert shapely.coverage_is_valid(geoms), "county cells overlap or their edges do not match"
    overlaps = shapely.STRtree(geoms).query(geoms, predicate="overlaps")
    assert overlaps.size == 0, overlaps
    for u in county.units:
        union = shapely.coverage_union_all([c.geom for c in u.cells])
        assert abs(union.area - u.geom.area) < 1.0 and union.geom_type == "Polygon"


def make_county(ctx: Context, world: World) -> County:
    """The county's other units, drawn from their own generator (ctx.rng: COUNTY_SEED)."""
    assert all(p.name.removesuffix("（虚构）") in NOTE for p in UNITS), "NOTE names every unit"
    county = County(world, make_units(ctx.rng, world))
    finish_county(county)
    return county
