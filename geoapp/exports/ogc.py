"""OGC API – Features (Part 1: Core, GeoJSON), read-only: the documents, without Flask.

The web side (geoapp.web.ogc) decides who may read what and hands in the
layer's rows in scope (``downloads.table``: the downloads' own columns, so a
feature's properties are those of the GeoJSON download) and the service's
absolute URL (``base``, e.g. ``http://host/ogc``); everything here is plain data.

Collections: ``cells``, ``zones``, one per point layer of the rules
(``enterprise``, ``idle_site``…), ``hazards`` (points at their point). A
feature's ``id`` is its stable key: a cell's or zone's code, a point's ledger
key, a hazard's code. Items take ``bbox`` (WGS84 longitude/latitude, ``bbox-crs``
only CRS84), ``limit`` (1–10 000, default 100; more is served as 10 000, as
the standard asks), ``offset``, and any property of the collection as an
equality filter (``?risk_level=red``); any other parameter is refused, naming it.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import numpy as np
import shapely
from shapely.geometry import mapping

from geoapp.domain.layers import Rules
from geoapp.exports import access
from geoapp.exports.downloads import Table
from geoapp.exports.geodata import FLOAT_FIGURES

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
# what bbox-crs may say: CRS84 as a URI (either scheme) or as a safe CURIE
CRS84_NAMES = frozenset({CRS84, "https://www.opengis.net/def/crs/OGC/1.3/CRS84",
                         "[OGC:CRS84]", "OGC:CRS84"})
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
)
JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
# f: JSON is the one encoding (GDAL and QGIS send f=json); anything else is refused
FORMATS = frozenset({"json", "geojson", JSON, GEOJSON})
# parameters every OGC request may carry besides the collection's own (lang: the UI's
# language; token: a personal access token, geoapp.web.auth)
COMMON = ("f", "token", "lang")
ITEM_PARAMS = ("bbox", "bbox-crs", "datetime", "limit", "offset", *COMMON)
# the collections with a time: a hazard's is the day it was found (the others have none,
# so a datetime filter keeps all of them, as Part 1 lets a server decide)
TIME_OF = {"hazards": "found_on"}


class ParamError(ValueError):
    """A query parameter refused (``param`` names it; ``message`` says why)."""

    def __init__(self, param: str, message: str):
        super().__init__(f"{param}: {message}")
        self.param, self.message = param, message


# ------------------------------------------------------------------ collections

def collection_ids(rules: Rules) -> list[str]:
    """cells, zones, the point layers in the rules' order, hazards."""
    return list(access.layers(rules))


def title(rules: Rules, collection: str) -> str:
    """The collection's name as the site shows it (Chinese; the web translates known ones)."""
    return access.label(rules, collection)


def is_point_layer(rules: Rules, collection: str) -> bool:
    return collection in rules.layers


def feature_id(collection: str, row: dict) -> str:
    """A feature's stable id: the code of a cell, zone or hazard; a point's ledger key."""
    return str(row["code"] if collection in ("cells", "zones", "hazards") else row["key"])


def _json_value(value, floating: bool):
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if floating and value is not None and not isinstance(value, bool):
        return float(value)
    return value


@dataclass(frozen=True)
class Layer:
    """A collection's features in scope, in the readers' order, with their geometries."""

    collection: str
    properties: list[str]
    features: list[dict]
    geoms: np.ndarray = field(repr=False)
    days: list | None = field(default=None, repr=False)  # each feature's day (TIME_OF)

    def extent(self) -> list[float] | None:
        """[west, south, east, north] of every feature (None when there is none)."""
        if not len(self.geoms):
            return None
        return [float(v) for v in shapely.total_bounds(self.geoms)]

    def find(self, fid: str) -> dict | None:
        return next((f for f in self.features if f["id"] == fid), None)


def layer(collection: str, table: Table) -> Layer:
    """The features of ``table`` (geoapp.exports.downloads.table): id, geometry, and the
    download's attributes as properties (dates as YYYY-MM-DD, figures as numbers)."""
    floats = {c.name for c in table.columns
              if c.name in FLOAT_FIGURES or (c.field is not None and c.field.type == "float")}
    names = [c.name for c in table.columns]
    features = []
    for row, record in zip(table.rows, table.records, strict=True):
        features.append({
            "type": "Feature", "id": feature_id(collection, row),
            "geometry": mapping(row["geom"]) if row["geom"] is not None else None,
            "properties": {n: _json_value(record.get(n), n in floats) for n in names}})
    geoms = np.empty(len(table.rows), dtype=object)
    geoms[:] = [row["geom"] for row in table.rows]
    days = [row.get(TIME_OF[collection]) for row in table.rows] \
        if collection in TIME_OF else None
    return Layer(collection, names, features, geoms, days)


# ------------------------------------------------------------------ the items' query

@dataclass(frozen=True)
class Query:
    """An items request: bbox (west, south, east, north), paging, property filters."""

    bbox: tuple[float, float, float, float] | None = None
    limit: int = DEFAULT_LIMIT
    offset: int = 0
    filters: dict[str, str] = field(default_factory=dict)
    # datetime: the first and last day (None: open), both included
    period: tuple[dt.date | None, dt.date | None] | None = None
    # the parameters the request gave, as links repeat them (limit and offset apart)
    given: tuple[tuple[str, str], ...] = ()


def check_format(args: Iterable[tuple[str, str]]) -> None:
    """``f`` (if given) must ask for JSON: f=json, as GDAL sends it."""
    for name, value in args:
        if name == "f" and value.strip().lower() not in FORMATS:
            raise ParamError("f", f"only JSON is served (f=json), not {value!r}")


def parse_query(args: Sequence[tuple[str, str]], properties: Iterable[str]) -> Query:
    """The items request's parameters (name, value pairs in order), checked.

    Examples
    --------
    >>> q = parse_query([("bbox", "120,31,120.5,31.5"), ("limit", "5"), ("name", "甲")], ["name"])
    >>> q.bbox, q.limit, q.offset, q.filters
    ((120.0, 31.0, 120.5, 31.5), 5, 0, {'name': '甲'})
    >>> parse_query([("limit", "99999")], []).limit
    10000
    >>> try:
    ...     parse_query([("colour", "red")], ["risk_level"])
    ... except ParamError as exc:
    ...     print(exc.param)
    colour
    """
    known = set(properties)
    seen: dict[str, str] = {}
    for name, value in args:
        if name not in known and name not in ITEM_PARAMS:
            allowed = ", ".join([*ITEM_PARAMS[:5], "f", "token"])
            raise ParamError(name, f"unknown parameter; use {allowed} or a property of "
                                   "the collection (its queryables)")
        if name in seen and seen[name] != value:
            raise ParamError(name, "given twice with different values")
        seen[name] = value
    check_format(args)
    crs = seen.get("bbox-crs")
    if crs is not None and crs.strip() not in CRS84_NAMES:
        raise ParamError("bbox-crs", f"only {CRS84} (WGS84 longitude, latitude) is supported")
    bbox = _bbox(seen["bbox"]) if "bbox" in seen else None
    limit = _whole("limit", seen.get("limit", str(DEFAULT_LIMIT)), 1)
    offset = _whole("offset", seen.get("offset", "0"), 0)
    filters = {k: v for k, v in seen.items() if k in known and k not in ITEM_PARAMS}
    given = tuple((k, v) for k, v in seen.items() if k not in ("limit", "offset"))
    period = _period(seen["datetime"]) if "datetime" in seen else None
    return Query(bbox, min(limit, MAX_LIMIT), offset, filters, period, given)


def _period(raw: str) -> tuple[dt.date | None, dt.date | None]:
    """``datetime``: an instant or an interval (``start/end``, ``..`` or nothing for an open
    end), in RFC 3339 (a date, or a date-time whose day counts as written).

    >>> [str(d) for d in _period("2026-03-01/2026-03-31") + _period("2026-03-05T08:00:00Z")]
    ['2026-03-01', '2026-03-31', '2026-03-05', '2026-03-05']
    >>> _period("../2026-01-01")[0] is None
    True
    """
    parts = raw.strip().split("/")
    if len(parts) > 2:
        raise ParamError("datetime", "an instant or start/end (RFC 3339; .. for an open end)")
    days = []
    for part in parts:
        text = part.strip()
        if len(parts) == 2 and text in ("", ".."):
            days.append(None)
            continue
        try:
            day = (dt.datetime.fromisoformat(text).date() if "T" in text.upper()
                   else dt.date.fromisoformat(text))
        except ValueError:
            raise ParamError("datetime", f"{text!r} is not an RFC 3339 date or date-time "
                                         "(2026-03-01 or 2026-03-01T08:00:00Z)") from None
        days.append(day)
    start, end = days if len(days) == 2 else (days[0], days[0])
    if start is None and end is None:
        raise ParamError("datetime", "an interval needs at least one end")
    if start is not None and end is not None and start > end:
        raise ParamError("datetime", "the start is after the end")
    return start, end


def _whole(name: str, raw: str, low: int) -> int:
    text = raw.strip()
    if not (text.isascii() and text.isdigit()) or len(text) > 12 or int(text) < low:
        raise ParamError(name, f"a whole number ≥ {low}" + (
            f" (at most {MAX_LIMIT} are served)" if name == "limit" else ""))
    return int(text)


def _bbox(raw: str) -> tuple[float, float, float, float]:
    """west,south,east,north (or the 6 numbers of a 3D box, heights ignored), in degrees.

    A west greater than east crosses the antimeridian, as the standard allows.
    """
    try:
        values = [float(v) for v in raw.split(",")]
    except ValueError:
        values = []
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        raise ParamError("bbox", "four numbers: west,south,east,north (WGS84 degrees)")
    w, s, e, n = values
    if s > n or not (-90 <= s <= 90 and -90 <= n <= 90 and -180 <= w <= 180
                     and -180 <= e <= 180):
        raise ParamError("bbox", "west,south,east,north in degrees, south ≤ north")
    return w, s, e, n


def _matches(value, raw: str) -> bool:
    """Equality of a property's value with a parameter's text.

    >>> _matches("red", "red"), _matches(True, "true"), _matches(3, "3.0"), _matches(None, "")
    (True, True, True, False)
    """
    if value is None:
        return False
    if isinstance(value, bool):
        return raw.strip().lower() in (("true", "1") if value else ("false", "0"))
    if isinstance(value, int | float):
        try:
            return float(raw) == float(value)
        except ValueError:
            return False
    return str(value) == raw


def select(found: Layer, query: Query) -> list[dict]:
    """The features meeting the query's bbox and property filters, in order (not paged)."""
    keep = np.ones(len(found.features), dtype=bool)
    if query.bbox is not None and len(found.geoms):
        w, s, e, n = query.bbox
        boxes = [shapely.box(w, s, e, n)] if w <= e else [shapely.box(w, s, 180, n),
                                                           shapely.box(-180, s, e, n)]
        hit = np.zeros(len(found.geoms), dtype=bool)
        for box in boxes:
            hit |= shapely.intersects(found.geoms, box)
        keep &= hit
    if query.period is not None and found.days is not None:
        start, end = query.period
        keep &= np.array([day is not None and (start is None or day >= start)
                          and (end is None or day <= end) for day in found.days], dtype=bool)
    out = []
    for i in np.flatnonzero(keep):
        feature = found.features[i]
        if all(_matches(feature["properties"].get(k), v) for k, v in query.filters.items()):
            out.append(feature)
    return out


# ------------------------------------------------------------------ documents

def _link(href: str, rel: str, kind: str, title_: str | None = None) -> dict:
    link = {"href": href, "rel": rel, "type": kind}
    if title_:
        link["title"] = title_
    return link


def _url(base: str, path: str, params: Iterable[tuple[str, str]] = ()) -> str:
    query = urlencode(list(params))
    return base + path + ("?" + query if query else "")


def landing(base: str, name: str, description: str, keep=()) -> dict:
    """The landing page: self, the OpenAPI document, conformance, the collections."""
    return {"title": name, "description": description, "links": [
        _link(_url(base, "", keep), "self", JSON, name),
        _link(_url(base, "/api", keep), "service-desc", OPENAPI, "OpenAPI 3.0"),
        _link(_url(base, "/conformance", keep), "conformance", JSON),
        _link(_url(base, "/collections", keep), "data", JSON)]}


def conformance() -> dict:
    return {"conformsTo": list(CONFORMANCE)}


def collection(base: str, cid: str, name: str, extent: list[float] | None, keep=()) -> dict:
    """One collection's description: its links (self, items) and extent (CRS84)."""
    path = "/collections/" + quote(cid, safe="")
    doc = {"id": cid, "title": name, "itemType": "feature", "crs": [CRS84],
           "links": [_link(_url(base, path, keep), "self", JSON, name),
                     _link(_url(base, path + "/items", keep), "items", GEOJSON, name)]}
    if extent is not None:
        doc["extent"] = {"spatial": {"bbox": [extent], "crs": CRS84}}
    return doc


def collections(base: str, docs: list[dict], keep=()) -> dict:
    return {"links": [_link(_url(base, "/collections", keep), "self", JSON)],
            "collections": docs}


def _timestamp(now: dt.datetime) -> str:
    return now.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def items(base: str, cid: str, matched: list[dict], query: Query, now: dt.datetime) -> dict:
    """A page of ``matched``: the FeatureCollection with its counts and self/next/prev links."""
    page = matched[query.offset:query.offset + query.limit]
    path = "/collections/" + quote(cid, safe="")

    def at(offset: int) -> str:
        return _url(base, path + "/items",
                    [*query.given, ("limit", str(query.limit)), ("offset", str(offset))])

    links = [_link(at(query.offset), "self", GEOJSON),
             _link(_url(base, path, [(k, v) for k, v in query.given if k in COMMON]),
                   "collection", JSON)]
    if query.offset + len(page) < len(matched):
        links.append(_link(at(query.offset + len(page)), "next", GEOJSON))
    if query.offset > 0:
        links.append(_link(at(max(0, query.offset - query.limit)), "prev", GEOJSON))
    return {"type": "FeatureCollection", "features": page, "numberMatched": len(matched),
            "numberReturned": len(page), "timeStamp": _timestamp(now), "links": links}


def item(base: str, cid: str, feature: dict, keep=()) -> dict:
    """One feature, with links to itself and its collection."""
    path = "/collections/" + quote(cid, safe="")
    return {**feature, "links": [
        _link(_url(base, f"{path}/items/{quote(feature['id'], safe='')}", keep), "self", GEOJSON),
        _link(_url(base, path, keep), "collection", JSON)]}


def openapi(base: str, ids: list[str], name: str) -> dict:
    """The service described as OpenAPI 3.0 (GDAL reads ``limit``'s maximum from it)."""
    def param(name_: str, where: str, schema: dict, description: str, **more) -> dict:
        return {"name": name_, "in": where, "schema": schema, "description": description,
                "required": where == "path", **more}

    error = {"description": "refused; ``field`` names the parameter at fault",
             "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}}
    fmt = param("f", "query", {"type": "string", "enum": ["json"]}, "the encoding: JSON only")

    def get(op_id: str, summary: str, kind: str, params: list | None = None) -> dict:
        return {"get": {"operationId": op_id, "summary": summary,
                        "parameters": [*(params or []), fmt],
                        "responses": {"200": {"description": summary,
                                              "content": {kind: {"schema": {"type": "object"}}}},
                                      "400": error, "401": error, "403": error,
                                      "404": error}}}

    cid = param("collectionId", "path", {"type": "string", "enum": ids}, "the collection")
    paging = [
        param("bbox", "query", {"type": "array", "minItems": 4, "maxItems": 6,
                                "items": {"type": "number"}},
              "west,south,east,north in WGS84 degrees", style="form", explode=False),
        param("bbox-crs", "query", {"type": "string", "enum": [CRS84]}, "CRS84 only"),
        param("datetime", "query", {"type": "string"},
              "an RFC 3339 instant or interval (start/end, .. open); hazards by the day "
              "found, the other collections have no time", style="form", explode=False),
        param("limit", "query", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT,
                                 "default": DEFAULT_LIMIT}, "features per page",
              style="form", explode=False),
        param("offset", "query", {"type": "integer", "minimum": 0, "default": 0},
              "features to skip (the next link gives it)")]
    return {
        "openapi": "3.0.3",
        "info": {"title": name, "version": "1.0.0",
                 "description": "OGC API – Features (Part 1: Core, GeoJSON), read-only. "
                                "A property of a collection filters by equality "
                                "(?risk_level=red)."},
        "servers": [{"url": base}],
        "paths": {
            "/": get("getLandingPage", "landing page", JSON),
            "/api": get("getAPI", "this document", OPENAPI),
            "/conformance": get("getConformance", "conformance classes", JSON),
            "/collections": get("getCollections", "the collections", JSON),
            "/collections/{collectionId}": get("describeCollection", "one collection", JSON,
                                               [cid]),
            "/collections/{collectionId}/items": get("getFeatures", "the features", GEOJSON,
                                                     [cid, *paging]),
            "/collections/{collectionId}/items/{featureId}": get(
                "getFeature", "one feature", GEOJSON,
                [cid, param("featureId", "path", {"type": "string"}, "the feature's id")]),
        },
        "components": {
            "schemas": {"Error": {"type": "object", "required": ["error", "message"],
                                  "properties": {"error": {"type": "string"},
                                                 "message": {"type": "string"},
                                                 "field": {"type": "string", "nullable": True}}}},
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "a personal access token made on /account"},
                "token": {"type": "apiKey", "in": "query", "name": "token",
                          "description": "the same token in the URL (it ends up in logs)"}}},
        "security": [{"bearer": []}, {"token": []}],
    }
