"""The data model the steps pass around: villages, grid cells, functional
zones, the World that holds them (with point lookups), and Site, one point of
a ledger. Geometry is metric (EPSG:4549) unless a field says WGS84.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import shapely
from shapely.geometry import MultiPolygon, Point, Polygon

from .app import inherent_level
from .common import MARGIN, lonlat


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


@dataclass
class Site:
    """Any point of a ledger, with what the generators need to know about it."""

    spec: Any  # its layer's rules (layers/<layer>.toml), as loaded by the app
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
    def layer(self) -> str:
        """enterprise | idle_site | confined_space | major_hazard"""
        return self.spec.layer

    @property
    def tier(self) -> str:
        return self.cell.tier if self.cell else "outside"

    @property
    def lonlat(self) -> tuple[float, float]:
        return lonlat(self.x, self.y)

    @property
    def level(self) -> str:
        """Inherent level by its layer's risk rules, before escalation."""
        return inherent_level(self.attrs, self.spec.risk)

    @property
    def ref(self) -> tuple[str, str]:
        """(点位类型, 点位编号): how the hazard ledger names this point."""
        return self.spec.label, self.key
