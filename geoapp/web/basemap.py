"""The maps' base layers, one place for all three maps: the installed offline basemap and
天地图 (``GEOAPP_TIANDITU_KEY``).

* ``GET /basemap/meta.json``: what static/basemap.js adds to a map (the leader's map,
  the cell page, the planner's admission map): the offline basemap's tile URL, format,
  zooms, bounds and attribution, and the 天地图 layers when a key is set.
* ``GET /basemap/{z}/{x}/{y}.{ext}``: one tile of the installed file (geoapp.basemap),
  with its content type; gzipped vector tiles as ``Content-Encoding: gzip``; 204 for
  a place the file has no tile for, 404 outside the world or with no basemap. The
  URLs carry the install's version, so a tile may be kept a day (a new install has
  new URLs); the ETag answers a revalidation with 304.
* ``/admin/basemap`` and ``GET/POST/DELETE /api/admin/basemap``: admins install,
  replace and remove the file (audited: ``basemap_install``, ``basemap_rejected``,
  ``basemap_remove``). The upload is written next to the installed file, checked,
  then renamed over it: a bad file changes nothing.
"""

from __future__ import annotations

import gzip
from pathlib import Path

from flask import Blueprint, Response, current_app, jsonify, render_template, request, url_for
from flask_babel import gettext as _

from geoapp import settings
from geoapp.basemap.installed import Basemap, Installed
from geoapp.basemap.tileset import FORMAT_ALIASES, MAX_ZOOM, BadTileset
from geoapp.web import audit, auth, inputs
from geoapp.web.errors import ApiError

bp = Blueprint("basemap", __name__)

TIANDITU = ("https://t{{s}}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile"
            "&VERSION=1.0.0&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles"
            "&TILEMATRIX={{z}}&TILEROW={{y}}&TILECOL={{x}}&tk={key}")
# the layers of the Protomaps basemap schema: such files get protomaps-leaflet's own style
PROTOMAPS_LAYERS = {"earth", "water", "roads", "landuse"}
TILE_MAX_AGE = 86400  # seconds; the URL changes with every install


@bp.record_once
def _configure(state) -> None:
    app = state.app
    app.config["TIANDITU_KEY"] = settings.get("TIANDITU_KEY", app.config)
    app.config["BASEMAP_MAX_MB"] = settings.get("BASEMAP_MAX_MB", app.config)
    configured = settings.get("BASEMAP_DIR", app.config)
    folder = Path(configured) if configured else Path(app.instance_path) / "basemap"
    app.extensions["geoapp.basemap"] = Basemap(folder)


def _basemap() -> Basemap:
    return current_app.extensions["geoapp.basemap"]


def tianditu_layers() -> list[dict]:
    """The 天地图 base layers (each a map and its labels), or none without a key."""
    key = current_app.config.get("TIANDITU_KEY")
    if not key:
        return []
    return [{"name": _("天地图矢量"), "urls": [TIANDITU.format(layer=lay, key=key)
                                          for lay in ("vec", "cva")]},
            {"name": _("天地图影像"), "urls": [TIANDITU.format(layer=lay, key=key)
                                          for lay in ("img", "cia")]}]


def _offline(installed: Installed) -> dict:
    meta = installed.tileset.meta
    url = url_for("basemap.tile", z=1, x=2, y=3, ext=meta.format)
    return {"tiles": url.replace("/1/2/3.", "/{z}/{x}/{y}.") + f"?v={installed.version}",
            "kind": meta.tiles, "format": meta.format, "minzoom": meta.minzoom,
            "maxzoom": meta.maxzoom, "bounds": list(meta.bounds),
            "attribution": meta.attribution, "name": meta.name,
            "vector_layers": meta.vector_layers,
            "protomaps": PROTOMAPS_LAYERS <= set(meta.vector_layers)}


@bp.get("/basemap/meta.json")
def meta():
    """What a map adds as base layers: the offline basemap (or null) and 天地图 (or [])."""
    installed = _basemap().current()
    response = jsonify({
        "basemap": _offline(installed) if installed else None,
        "tianditu": tianditu_layers(),
        "label": _("离线底图"),
        "renderer": url_for("static", filename="vendor/protomaps-leaflet/protomaps-leaflet.js"),
    })
    response.headers["Cache-Control"] = "private, no-cache"
    return response


def _missing(message: str) -> Response:
    """A plain 404 (an image or a tile fetch reads no error page)."""
    return Response(message, status=404, mimetype="text/plain")


@bp.get("/basemap/<int:z>/<int:x>/<int:y>.<ext>")
def tile(z: int, x: int, y: int, ext: str):
    """One tile of the installed basemap (y counted from the north, as Leaflet does)."""
    installed = _basemap().current()
    if installed is None:
        return _missing(_("未安装离线底图"))
    meta = installed.tileset.meta
    if FORMAT_ALIASES.get(ext.lower()) != meta.format:
        return _missing(_("底图瓦片格式为 %(format)s", format=meta.format))
    if not (z <= MAX_ZOOM and x < 1 << z and y < 1 << z):
        return _missing(_("瓦片超出世界范围"))
    etag = f"{installed.version}-{z}-{x}-{y}"
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        data = installed.tileset.tile(z, x, y) if meta.minzoom <= z <= meta.maxzoom else None
        if data is None:  # not in the file: nothing to draw there
            response = Response(status=204)
        elif data[:2] == b"\x1f\x8b" and meta.format == "pbf":
            if "gzip" in request.accept_encodings:
                response = Response(data, content_type=meta.content_type)
                response.headers["Content-Encoding"] = "gzip"
            else:
                response = Response(gzip.decompress(data), content_type=meta.content_type)
        else:
            response = Response(data, content_type=meta.content_type)
    response.set_etag(etag)
    response.vary.add("Accept-Encoding")
    response.headers["Cache-Control"] = f"private, max-age={TILE_MAX_AGE}"
    return response


# ---- installing ---------------------------------------------------------------------


def _state() -> dict:
    installed = _basemap().current()
    return {"installed": True, **installed.as_dict()} if installed else {"installed": False}


@bp.get("/admin/basemap")
def page():
    auth.require_role("admin")
    limit = current_app.config["BASEMAP_MAX_MB"]
    return render_template("admin/basemap.html", state=_state(), limit_mb=limit,
                           tianditu=bool(current_app.config.get("TIANDITU_KEY")),
                           page_config={"api": url_for("basemap.api_state"), "t": {
                               "failed": _("操作失败"),
                               "too_large": _("文件过大：网页上传上限为 %(mb)s MiB"
                                              "（GEOAPP_BASEMAP_MAX_MB）；更大的文件请在服务器上用"
                                              "命令 geoapp basemap install 安装", mb=limit),
                               "uploading": _("正在上传并校验…"),
                               "confirm_remove": _("确定删除离线底图？"),
                           }})


@bp.get("/api/admin/basemap")
def api_state():
    """The installed basemap: file, size, SHA-256, who and when, format, zooms, bounds."""
    auth.require_role("admin")
    return jsonify(_state())


@bp.post("/api/admin/basemap")
@inputs.takes_uploads(limit="BASEMAP_MAX_MB", instead=True)
def api_install():
    """Install or replace the basemap from the uploaded ``file``; 400 naming the problem
    (the basemap in use unchanged)."""
    auth.require_role("admin")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise ApiError(400, "bad_request", _("file：请选择 MBTiles 或 PMTiles 文件"), "file")
    name = Path(upload.filename.replace("\\", "/")).name[:200]
    basemap = _basemap()
    staged = basemap.staging_path()
    try:
        upload.save(staged)
        installed = basemap.install_staged(staged, name, auth.actor_name())
    except BadTileset as exc:
        message = _("file：%(name)s 不能用作底图：%(reason)s", name=name,
                    reason=_(exc.text, **exc.values))
        audit.log("basemap_rejected", target=name, detail={"reason": str(exc)})
        raise ApiError(400, "bad_request", message, "file") from None
    finally:
        staged.unlink(missing_ok=True)
    state = {"installed": True, **installed.as_dict()}
    audit.log("basemap_install", target=name, detail={
        k: state.get(k) for k in ("sha256", "size", "kind", "format", "minzoom", "maxzoom")})
    return jsonify(state), 201


@bp.delete("/api/admin/basemap")
def api_remove():
    """Remove the basemap: the maps go back to 天地图 (with a key) or none."""
    auth.require_role("admin")
    removed = _basemap().remove()
    if removed is None:
        raise ApiError(404, "not_found", _("未安装离线底图"))
    audit.log("basemap_remove", target=removed.get("filename", ""),
              detail={"sha256": removed.get("sha256")})
    return jsonify({"installed": False})
