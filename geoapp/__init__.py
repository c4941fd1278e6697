"""geoapp: area-based workplace-safety risk oversight on a map.

The package is layered (ARCHITECTURE.md): ``web`` → the features (``map``,
``reports``, ``admission``) → ``store`` → ``ingest`` → ``domain``. Importing
``geoapp`` loads none of them; ``create_app`` loads the web app on first use.
"""

from __future__ import annotations


def create_app(test_config: dict | None = None, **overrides):
    """The Flask app (geoapp.web.app.create_app)."""
    from geoapp.web.app import create_app as make

    return make(test_config, **overrides)
