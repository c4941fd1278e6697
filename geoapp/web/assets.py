"""Front-end assets, all served by the app itself: nothing loads from the internet.

Leaflet and Leaflet.markercluster come from their XStatic packages on PyPI
(installed with geoapp) and are served under /vendor/<name>/…; the app's own
scripts and styles are in geoapp/static. folium's default CDN resources are
replaced by these (see geoapp.web.map).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, current_app, send_from_directory, url_for
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


@bp.get("/favicon.ico")
def favicon():
    """The site's icon where a browser looks for it unasked (a JSON or plain-text page).

    Open to all: were it sent to the log-in page instead, that page's answer
    could race the real log-in page and replace its CSRF token in the session
    cookie, so that the first log-in would fail as "expired".
    """
    return send_from_directory(Path(current_app.root_path) / "static", "favicon.svg",
                               mimetype="image/svg+xml", max_age=86400)


def vendor_url(name: str, filename: str) -> str:
    return url_for("assets.vendor", name=name, filename=filename)
