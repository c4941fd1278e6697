"""Front-end assets, all served by the app itself: nothing loads from the internet.

Leaflet and Leaflet.markercluster come from their XStatic packages on PyPI
(installed with geoapp) and are served under /vendor/<name>/…; the app's own
scripts and styles are in geoapp/static. folium's default CDN resources are
replaced by these (see geoapp.maps).
"""

from __future__ import annotations

from flask import Blueprint, abort, send_from_directory, url_for
from xstatic.pkg import leaflet, leaflet_markercluster

VENDOR = {
    "leaflet": leaflet.BASE_DIR,
    "markercluster": leaflet_markercluster.BASE_DIR,
}

bp = Blueprint("assets", __name__)


@bp.get("/vendor/<name>/<path:filename>")
def vendor(name: str, filename: str):
    """A file of a vendored front-end package, cacheable for a day."""
    if name not in VENDOR:
        abort(404)
    return send_from_directory(VENDOR[name], filename, max_age=86400)


def vendor_url(name: str, filename: str) -> str:
    return url_for("assets.vendor", name=name, filename=filename)
