"""Constants of the demo, the Context every step receives, and small helpers
(number formatting, WGS84 conversion, sampling, Voronoi, weighted picks).

Nothing here runs at import time: the app's rules are loaded in `main()` and
reach the steps through the Context.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import shapely
from shapely.geometry import Polygon

from .app import to_wgs84_xy

if TYPE_CHECKING:
    from .content import Names

SEED = 20241101

COUNTY = "示范县（虚构）"  # the demo's territory: the township and three more units (county)
TOWN = "示范镇（虚构）"
TOWN_OFFICE = "示范镇应急管理办公室（虚构）"
CENTRE_LONLAT = (120.30, 31.60)
REGION_CODE = "320205"  # county part of every code (USCC positions 3–8, village codes)
TOWN_CODE = REGION_CODE + "999"  # 统计用区划代码 of the town: 999 marks it as invented

# The demo's "today": hazards are found up to the day before, and whatever is
# open with an earlier deadline is overdue.
AS_OF = dt.date(2026, 11, 1)
FIRST_FOUND = dt.date(2023, 3, 1)
FIXED_STAMP = dt.datetime(2026, 11, 1, 8, 0, 0)  # every timestamp inside the archives

# Points keep this far (metres) from every cell and zone edge, so that rounding
# to 6 decimals (~0.1 m) and the GCJ-02 round trip never move one across.
MARGIN = 8.0

METRIC = "EPSG:4549"

NOTE = (f"本数据为虚构的示范数据（synthetic），地点“{COUNTY}”及其中所有镇街道（{TOWN}、桐湾镇、"
        "云锦街道、望湖经济开发区管委会，均为虚构）、村社区、网格、功能区、"
        "企业、人员、电话、统一社会信用代码、重大危险源和隐患均为程序随机生成，不对应任何真实对象。"
        "由 scripts/make_demo_data.py 生成。")


@dataclass
class Context:
    """What every step shares, built once in `main()`.

    `rng` is the one random generator: steps must draw from it in a fixed
    order, or the output changes. `rules` are the app's rules (layers/*.toml,
    substances.toml): the generator plans colours and grades with them, and
    the self-check follows the app.
    """

    rng: np.random.Generator
    rules: Any  # geoapp's Rules, as load_rules returns them
    names: Names
    out: Path  # the data/ folder written to

    @property
    def stock_cutoff(self) -> dt.date:
        """Hazards found before it are stock (存量)."""
        return self.rules.risk.hazards.stock_cutoff

    def labels_of(self, name: str) -> list[str]:
        """The column labels of a point layer or table, in the order of its layers/ file."""
        spec = self.rules.layers.get(name) or self.rules.tables[name]
        return [f.label for f in spec.fields]


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

