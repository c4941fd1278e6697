"""``/ogc``: OGC API – Features (Part 1: Core, GeoJSON), read-only, for desktop GIS.

QGIS, ArcGIS Pro and GDAL (``OAPIF:http://host/ogc``) connect here, logged in
by a personal access token (``Authorization: Bearer gat_…`` or ``?token=gat_…``,
made on /account; geoapp.web.auth) or by the browser's session. What an
account reads is what it may download (geoapp.exports.access: the layers of
its role; an enterprise account nothing, 403) within its area scope
(``auth.read_scope()``: only its cells' rows; zones whole). The documents are
geoapp.exports.ogc; the rows and properties are the downloads' own
(geoapp.exports.downloads.table).

Routes: ``/ogc`` (landing page), ``/ogc/api`` (OpenAPI 3.0), ``/ogc/conformance``,
``/ogc/collections``, ``/ogc/collections/<id>``, ``…/items`` (GeoJSON, paged by
``limit`` and ``offset`` with next links; ``bbox``; a property as an equality
filter), ``…/items/<fid>``. Errors are JSON {error, message, field}, the
parameter at fault named. Nothing here writes, and no token ever reaches a write.
"""

from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, request, url_for
from flask_babel import gettext as _

from geoapp.exports import access, downloads, ogc
from geoapp.web import auth, clock, db, i18n
from geoapp.web.errors import ApiError

bp = Blueprint("ogc", __name__)

_ALL = access.Grant()  # a fresh install without accounts: reads are open


def _rules():
    return current_app.extensions["geoapp.rules"]


def _grant() -> access.Grant:
    """What the account may read (the downloads' grant): 401 without one, 403 for a role
    that may read nothing."""
    auth.require_role(*access.GRANTS)
    user = auth.current_user
    if not getattr(user, "is_authenticated", False):
        return _ALL
    return access.grant(user.role)


def _granted(grant: access.Grant, collection: str) -> bool:
    """A layer of the grant (every point layer of the rules counts alike: access.Grant)."""
    return grant.allows(collection)


def _only(grant: access.Grant) -> frozenset[str] | None:
    """The cells whose rows the account reads (its area scope); None: the whole territory."""
    cells = auth.read_scope().cells
    if grant.own_cells_only and cells is None:  # a grid member always has a scope
        cells = frozenset(auth.current_user.cell_codes)
    return cells


def _today() -> dt.date:
    return clock.today(_rules().risk.hazards.timezone)


def _base() -> str:
    return url_for("ogc.landing", _external=True).rstrip("/")


def _keep() -> list[tuple[str, str]]:
    """The parameters every link repeats: f, lang, and a token given in the URL (so a client
    that follows links without re-adding it still reads; it is in the URL anyway)."""
    return [(k, v) for k, v in request.args.items() if k in ogc.COMMON]


def _bad(exc: ogc.ParamError) -> ApiError:
    return ApiError(400, "bad_request", exc.message, exc.param)


def _check_format() -> None:
    try:
        ogc.check_format(request.args.items(multi=True))
    except ogc.ParamError as exc:
        raise _bad(exc) from None


def _answer(doc: dict, mimetype: str = ogc.JSON) -> Response:
    # in the documents' own order: properties as the downloads' columns, "type" first
    response = Response(current_app.json.dumps(doc, sort_keys=False), mimetype=mimetype)
    response.headers["Cache-Control"] = "private, no-store"  # an account's scoped rows
    response.vary.add("Authorization")
    return response


def _title(collection: str) -> str:
    """The collection's name in the page's language (a point layer: its file's label_en)."""
    rules = _rules()
    if collection in rules.layers:
        return i18n.localized(rules.layers[collection])
    return _(ogc.title(rules, collection))


def _collection(collection: str) -> access.Grant:
    """The grant, once the collection is known (404) and granted (403)."""
    grant = _grant()
    if collection not in ogc.collection_ids(_rules()):
        raise ApiError(404, "not_found", f"no collection {collection!r}; collections: "
                       + ", ".join(ogc.collection_ids(_rules())), "collectionId")
    if not _granted(grant, collection):
        raise ApiError(403, "forbidden", _("您的账号无权读取该图层"), "collectionId")
    return grant


def _layer(collection: str, grant: access.Grant) -> ogc.Layer:
    table = downloads.table(db.session(), _rules(), collection, _today(), only=_only(grant))
    return ogc.layer(collection, table)


@bp.get("/ogc", strict_slashes=False)
def landing():
    """The landing page: links to the OpenAPI document, conformance and the collections."""
    _grant()
    _check_format()
    return _answer(ogc.landing(_base(), _("安全风险网格化监管") + " · OGC API – Features",
                               _("网格、功能区、各类点位和隐患（只读），范围为本账号的辖区。"),
                               _keep()))


@bp.get("/ogc/api")
def api():
    """This service as OpenAPI 3.0."""
    grant = _grant()
    _check_format()
    ids = [c for c in ogc.collection_ids(_rules()) if _granted(grant, c)]
    return _answer(ogc.openapi(_base(), ids, "geoapp OGC API – Features"), ogc.OPENAPI)


@bp.get("/ogc/conformance")
def conformance():
    """The conformance classes: Core, GeoJSON, OpenAPI 3.0."""
    _grant()
    _check_format()
    return _answer(ogc.conformance())


@bp.get("/ogc/collections")
def collections():
    """Every collection the account may read, with its extent in its scope."""
    grant = _grant()
    _check_format()
    base, keep = _base(), _keep()
    docs = [ogc.collection(base, c, _title(c), _layer(c, grant).extent(), keep)
            for c in ogc.collection_ids(_rules()) if _granted(grant, c)]
    return _answer(ogc.collections(base, docs, keep))


@bp.get("/ogc/collections/<string:collection_id>")
def collection(collection_id: str):
    """One collection: its links and extent."""
    grant = _collection(collection_id)
    _check_format()
    extent = _layer(collection_id, grant).extent()
    return _answer(ogc.collection(_base(), collection_id, _title(collection_id), extent,
                                  _keep()))


@bp.get("/ogc/collections/<string:collection_id>/items")
def items(collection_id: str):
    """A page of the collection's features as GeoJSON (see the module's docstring)."""
    grant = _collection(collection_id)
    found = _layer(collection_id, grant)
    try:
        query = ogc.parse_query(list(request.args.items(multi=True)), found.properties)
    except ogc.ParamError as exc:
        raise _bad(exc) from None
    matched = ogc.select(found, query)
    doc = ogc.items(_base(), collection_id, matched, query, dt.datetime.now(dt.UTC))
    return _answer(doc, ogc.GEOJSON)


@bp.get("/ogc/collections/<string:collection_id>/items/<path:feature_id>")
def item(collection_id: str, feature_id: str):
    """One feature; 404 if there is none of that id in the account's scope."""
    grant = _collection(collection_id)
    _check_format()
    feature = _layer(collection_id, grant).find(feature_id)
    if feature is None:
        raise ApiError(404, "not_found", f"no feature {feature_id!r} in {collection_id!r}",
                       "featureId")
    return _answer(ogc.item(_base(), collection_id, feature, _keep()), ogc.GEOJSON)
